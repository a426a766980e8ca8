#!/usr/bin/env bash
# Instructions per request on the hello endpoint, counted by valgrind's callgrind: Dram (one
# worker, one thread) beside kestrel-native (Dram's Kestrel set-up answering from C#), and where
# Dram's extra instructions go, by category and by function. Unlike requests/s, the counts do not
# move with the machine's load, so a change worth a few percent shows.
#
#   bench/instructions.sh                builds Dram and native-hello (Release), then measures
#   bench/instructions.sh --dram-dir DIR --dram-symbols DBG --native BIN
#                                        measures prebuilt binaries: DIR holds dram and
#                                        dram-worker.so, DBG is that library's dram.so.dbg,
#                                        BIN.dbg must sit next to BIN
#   ... --compare DIR2 --compare-symbols DBG2
#                                        also measures a second Dram build, against the first
#
# Options: --requests N1,N2 (default 3200,19200): each server serves N1 requests in one run and
# N2 in another, and the difference of the two counts / (N2-N1) is the cost of a request, start-up
# and shut-down cancelling out. --python PY (default /usr/bin/python3) is Dram's interpreter,
# --top K (default 25) the length of the function tables, --callers TEXT (repeatable) adds the
# callers of the functions whose name contains TEXT, --callees TEXT (repeatable) what they call,
# --keep keeps the temp directory.
set -euo pipefail
here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
repo="$(dirname "$here")"
helper=("/usr/bin/python3" "$here/instructions.py")

requests=3200,19200 dram_dir="" dram_symbols="" dram_description="" native="" python=/usr/bin/python3 top=25
compare_dir="" compare_symbols="" keep=0
call_trees=()

die() { echo "instructions.sh: $*" >&2; exit 1; }
usage() { sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

while [[ $# -gt 0 ]]; do
    case "$1" in
        --requests|--dram-dir|--dram-symbols|--native|--python|--top|--compare|--compare-symbols|--callers|--callees)
            [[ $# -ge 2 ]] || die "$1 needs a value"
            case "$1" in
                --requests) requests=$2 ;;
                --dram-dir) dram_dir=$2 ;;
                --dram-symbols) dram_symbols=$2 ;;
                --native) native=$2 ;;
                --python) python=$2 ;;
                --top) top=$2 ;;
                --compare) compare_dir=$2 ;;
                --compare-symbols) compare_symbols=$2 ;;
                --callers) call_trees+=(--callers "$2") ;;
                --callees) call_trees+=(--callees "$2") ;;
            esac
            shift ;;
        --keep) keep=1 ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; die "unknown option $1" ;;
    esac
    shift
done

[[ $requests =~ ^([0-9]+),([0-9]+)$ ]] && (( BASH_REMATCH[1] < BASH_REMATCH[2] )) \
    || die "--requests takes N1,N2 with N1 < N2"
n1=${BASH_REMATCH[1]} n2=${BASH_REMATCH[2]}
[[ $top =~ ^[0-9]+$ ]] || die "--top takes a number"
[[ -n $dram_dir && -z $dram_symbols ]] && die "--dram-dir needs --dram-symbols (the library's dram.so.dbg)"
[[ -z $dram_dir && -n $dram_symbols ]] && die "--dram-symbols goes with --dram-dir"
[[ -n $compare_dir && -z $compare_symbols ]] && die "--compare needs --compare-symbols"
[[ -z $compare_dir && -n $compare_symbols ]] && die "--compare-symbols goes with --compare"
[[ -x $python ]] || die "no Python interpreter at $python"

for tool in valgrind callgrind_annotate; do
    command -v "$tool" >/dev/null \
        || die "$tool is missing: it comes with the Debian package valgrind (sudo apt-get install valgrind)"
done
for tool in nm objcopy readelf; do
    command -v "$tool" >/dev/null || die "$tool is missing: it comes with the Debian package binutils"
done
for tool in setsid taskset; do
    command -v "$tool" >/dev/null || die "$tool is missing: it comes with the Debian package util-linux"
done

# The server runs on core 0 and the client on core 1, as in run.py; the counts do not depend on
# it, but a client competing with valgrind for one core makes the runs much longer.
server_cpu=0 client_cpu=1
[[ $(nproc) -ge 2 ]] || client_cpu=0

tmp="$(readlink -f "$(mktemp -d "${TMPDIR:-/tmp}/instructions.XXXXXX")")"
server_pid=""
cleanup() {
    if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
        kill -KILL -- "-$server_pid" 2>/dev/null || true
    fi
    if [[ $keep == 1 ]]; then
        echo "instructions.sh: temp files kept in $tmp" >&2
    else
        rm -rf "$tmp"
    fi
}
trap cleanup EXIT

# ---- builds, of what was not given
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
quiet() {   # quiet LOG COMMAND...: runs COMMAND, its output shown only when it fails
    local log=$1; shift
    "$@" >"$log" 2>&1 || { tail -n 30 "$log" >&2; die "failed: $*"; }
}
if [[ -z $dram_dir ]]; then
    echo "instructions.sh: building Dram (Release)" >&2
    case "$(uname -m)" in
        x86_64) rid=linux-x64 ;;
        aarch64|arm64) rid=linux-arm64 ;;
        *) die "no native build of Dram for $(uname -m)" ;;
    esac
    # The worker library with its symbols (./dram keeps the library but not its .dbg).
    quiet "$tmp/build-worker.log" dotnet publish "$repo/src/Dram/Dram.csproj" -c Release -r "$rid" \
        -p:NativeLib=Shared -p:OutputType=Library -o "$tmp/worker" -v quiet -nologo -clp:NoSummary
    # The library build's intermediate files would be taken up by the executable's next build.
    rm -rf "$repo/src/Dram/obj/Release"
    quiet "$tmp/build-dram.log" "$repo/dram" --version
    mkdir -p "$tmp/dram-built"
    cp "$repo/src/Dram/bin/dram/dram" "$tmp/dram-built/dram"
    cp "$tmp/worker/dram.so" "$tmp/dram-built/dram-worker.so"
    dram_dir="$tmp/dram-built" dram_symbols="$tmp/worker/dram.so.dbg"
    dram_description="this checkout, built"
fi
if [[ -z $native ]]; then
    echo "instructions.sh: building native-hello (Release)" >&2
    # as bench/run.sh builds it
    quiet "$tmp/build-native.log" dotnet publish "$here/NativeHello/NativeHello.csproj" -c Release \
        -p:PublishAot=true -o "$here/NativeHello/bin/native" -v quiet -nologo -clp:NoSummary
    native="$here/NativeHello/bin/native/native-hello"
fi

for f in "$dram_dir/dram" "$dram_dir/dram-worker.so" "$dram_symbols" "$native" "$native.dbg" \
         ${compare_dir:+"$compare_dir/dram" "$compare_dir/dram-worker.so" "$compare_symbols"}; do
    [[ -f $f ]] || die "$f does not exist"
done
build_id() { readelf -n "$1" 2>/dev/null | sed -n 's/.*Build ID: *//p'; }
same_build() {   # same_build BINARY SYMBOLS
    [[ "$(build_id "$1")" == "$(build_id "$2")" ]] || die "$2 does not hold the symbols of $1 (build ids differ)"
}
same_build "$dram_dir/dram-worker.so" "$dram_symbols"
same_build "$native" "$native.dbg"
if [[ -n $compare_dir ]]; then same_build "$compare_dir/dram-worker.so" "$compare_symbols"; fi

# valgrind 3.19 crashes on the DWARF 5 of .NET's native builds, found in the binary or through
# its debug link in the .dbg beside it: it runs copies that have neither, and the report takes
# the names from the .dbg.
for_valgrind() { objcopy --strip-debug --remove-section=.gnu_debuglink "$1" "$2"; }
bins="$tmp/bin"
mkdir -p "$bins/native"
for_valgrind "$native" "$bins/native/native-hello"
prepare_dram() {   # prepare_dram LABEL DIR: a copy of Dram that valgrind can run
    mkdir -p "$bins/$1"
    cp "$2/dram" "$bins/$1/dram"
    for_valgrind "$2/dram-worker.so" "$bins/$1/dram-worker.so"
}
prepare_dram dram "$dram_dir"
if [[ -n $compare_dir ]]; then prepare_dram compare "$compare_dir"; fi

# Dram's master probes the interpreter, then starts each worker as `<sys.executable> -c
# <bootstrap> ...` with DRAM_WORKER_LIBRARY set. exec -a keeps sys.executable on this wrapper, so
# that workers come back through it and run under callgrind; the probe does not. A fixed hash
# seed gives every run the same str hashes, so the environ dict's probe sequences (and their
# instruction counts) do not change from run to run.
wrapper="$tmp/python3"
cat >"$wrapper" <<EOF
#!/bin/bash
if [[ -n "\${DRAM_WORKER_LIBRARY:-}" ]]; then
    echo \$\$ >>"\$INSTRUCTIONS_RUN/worker.pid"
    export PYTHONHASHSEED=0
    exec valgrind --tool=callgrind --callgrind-out-file="\$INSTRUCTIONS_RUN/callgrind.out.%p" $(printf %q "$python") "\$@"
fi
exec -a $(printf %q "$wrapper") $(printf %q "$python") "\$@"
EOF
chmod +x "$wrapper"

# ---- runs
fail_run() {   # fail_run RUN MESSAGE
    echo >&2
    echo "---- $1/server.log (last lines)" >&2
    tail -n 25 "$1/server.log" >&2 || true
    die "$2"
}

stop_server() {
    kill -TERM -- "-$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
}

serve() {   # serve RUN PORT COUNT FIND: waits for the server, sends COUNT requests, stops it
    local run=$1 port=$2 count=$3 find=$4
    "${helper[@]}" ready "$port" "$server_pid" 600 2>>"$run/client.log" \
        || fail_run "$run" "the server of $run did not start: $(tail -n 1 "$run/client.log")"
    # FIND names the measured process; its maps give the load address of the measured binary
    "$find" "$run" >"$run/pid"
    cp "/proc/$(cat "$run/pid")/maps" "$run/maps"
    taskset -c "$client_cpu" "${helper[@]}" send "$port" "$count" 2>>"$run/client.log" \
        || fail_run "$run" "$(tail -n 1 "$run/client.log")"
    stop_server
}

worker_pid() {
    [[ -s $1/worker.pid ]] || fail_run "$1" "no worker started under callgrind"
    head -n 1 "$1/worker.pid"
}

server_process() { echo "$server_pid"; }

run_dram() {   # run_dram LABEL DESCRIPTION COUNT
    local label=$1 run="$tmp/$1.$3" port pid waited=0
    mkdir -p "$run"
    echo "$bins/$label/dram-worker.so" >"$run/object"
    echo "$2" >"$run/description"
    port=$("${helper[@]}" port)
    # --timeout: a request under valgrind can take far longer than the default 30 s allows
    INSTRUCTIONS_RUN="$run" setsid taskset -c "$server_cpu" "$bins/$label/dram" \
        --bind "127.0.0.1:$port" --chdir "$here/apps" --python "$wrapper" \
        -w 1 --threads 1 --timeout 300 hello:application >"$run/server.log" 2>&1 &
    server_pid=$!
    serve "$run" "$port" "$3" worker_pid
    # the worker, the master's child, writes its profile as it exits
    pid=$(cat "$run/pid")
    while kill -0 "$pid" 2>/dev/null; do
        (( waited++ < 600 )) || fail_run "$run" "the worker of $run did not exit"
        sleep 0.2
    done
    [[ $(wc -l <"$run/worker.pid") == 1 ]] || fail_run "$run" "the worker of $run was restarted"
    mv "$run/callgrind.out.$pid" "$run/callgrind.out" 2>/dev/null \
        || fail_run "$run" "callgrind wrote no profile for $run"
}

run_native() {   # run_native COUNT
    local run="$tmp/kestrel-native.$1" port
    mkdir -p "$run"
    echo "$bins/native/native-hello" >"$run/object"
    echo "$native" >"$run/description"
    port=$("${helper[@]}" port)
    # the setting Dram gives its own workers (run.py's kestrel-native row does the same)
    DOTNET_GCgen0size=400000 setsid taskset -c "$server_cpu" valgrind --tool=callgrind \
        --callgrind-out-file="$run/callgrind.out" "$bins/native/native-hello" \
        --bind "127.0.0.1:$port" >"$run/server.log" 2>&1 &
    server_pid=$!
    serve "$run" "$port" "$1" server_process
    [[ -s $run/callgrind.out ]] || fail_run "$run" "callgrind wrote no profile for $run"
}

timed() {   # timed WHAT COMMAND...
    local start=$SECONDS
    echo -n "instructions.sh: $1 ... " >&2
    "${@:2}"
    echo "$((SECONDS - start)) s" >&2
}

for n in "$n1" "$n2"; do
    timed "dram, $n requests" run_dram dram "${dram_description:-$dram_dir}" "$n"
    timed "kestrel-native, $n requests" run_native "$n"
    if [[ -n $compare_dir ]]; then timed "compare, $n requests" run_dram compare "$compare_dir" "$n"; fi
done

runs=(--run dram "$tmp/dram.$n1" "$tmp/dram.$n2" "$dram_symbols"
      --run kestrel-native "$tmp/kestrel-native.$n1" "$tmp/kestrel-native.$n2" "$native.dbg")
if [[ -n $compare_dir ]]; then
    runs+=(--run compare "$tmp/compare.$n1" "$tmp/compare.$n2" "$compare_symbols")
fi
echo >&2
"${helper[@]}" report --requests "$n1,$n2" --top "$top" "${runs[@]}" ${call_trees[@]+"${call_trees[@]}"}
