#!/usr/bin/env bash
# The benchmark in one command: installs the peers when missing, builds Dram and native-hello
# (Release), runs Dram beside Gunicorn, uWSGI, Apache mod_wsgi, Waitress and nginx, and writes
# the report with its chart.
#
#   bench/run.sh            the full matrix, 2 passes (~28 min on 2 cores); rewrites
#                           bench/RESULTS.md and bench/results/chart.png
#   bench/run.sh --quick    3 endpoints, 6 servers, 2 s cells, 2 passes (~3 min); the
#                           report goes to bench/results/<run-id>/RESULTS.md only
#   bench/run.sh --quick --publish       ...and replace bench/RESULTS.md with it
#   bench/run.sh --no-install --no-build -- --servers dram,uwsgi-1t --endpoints hello
#                           anything after -- goes to run.py (see bench/run.py --help)
set -euo pipefail
here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
repo="$(dirname "$here")"
invocation="bench/run.sh${*:+ $*}"

mode=full install=1 build=1 publish=""
extra=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --quick) mode=quick ;;
        --full) mode=full ;;
        --publish) publish=1 ;;
        --no-publish) publish=0 ;;
        --no-install) install=0 ;;
        --no-build) build=0 ;;
        -h|--help) sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        --) shift; extra+=("$@"); break ;;
        *) echo "run.sh: unknown option $1 (run.py options go after --)" >&2; exit 2 ;;
    esac
    shift
done
# only the full matrix replaces the published results unless asked otherwise
[[ -z "$publish" ]] && { [[ $mode == full ]] && publish=1 || publish=0; }

# ---- peers and tools (Debian packages); nothing happens when all are present
packages=(wrk gunicorn uwsgi uwsgi-plugin-python3 python3-waitress python3-django python3-flask
          apache2 libapache2-mod-wsgi-py3 python3-gevent hyperfine nginx python3-matplotlib
          libpython3.11 procps util-linux valgrind)
if [[ $install == 1 ]]; then
    missing=()
    for p in "${packages[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    if [[ ${#missing[@]} -gt 0 ]]; then
        sudo=""
        [[ $(id -u) -ne 0 ]] && sudo="sudo"
        echo "run.sh: installing ${missing[*]}" >&2
        $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
        # the peers run as private instances started by run.py, not as system services
        $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
            "${missing[@]}" >&2
    fi
fi

# ---- Dram and the no-Python ceiling, Release builds
if [[ $build == 1 ]]; then
    echo "run.sh: building Dram and native-hello (Release)" >&2
    export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
    "$repo/dram" --version >/dev/null
    # The ceiling is built the way ./dram builds Dram (ahead-of-time compiled), so the ratio
    # between them is Python's cost alone.
    dotnet publish "$here/NativeHello/NativeHello.csproj" -c Release -p:PublishAot=true \
        -o "$here/NativeHello/bin/native" -v quiet -nologo -clp:NoSummary >&2
fi

# ---- the matrix
case $mode in
    quick) args=(--runs 2 --duration 2 --warmup 1 --startup-reps 2
                 --servers dram,dram-8t,kestrel-native,gunicorn-sync,uwsgi-1t,waitress
                 --endpoints hello,plain,sleep --label quick) ;;
    full)  args=(--runs 2 --duration 5 --warmup 2 --startup-reps 3 --quiet-wait 10 --quiet-budget 300
                 --label full) ;;
esac
if [[ " ${extra[*]-} " == *" --dry-run "* ]]; then
    exec /usr/bin/python3 "$here/run.py" "${args[@]}" "${extra[@]}"
fi
mkdir -p "$here/results"
log="$here/results/last-run.log"
/usr/bin/python3 "$here/run.py" "${args[@]}" ${extra[@]+"${extra[@]}"} | tee "$log"
res="$(tail -n 1 "$log")"
[[ "$res" == *results.json ]] || { echo "run.sh: the run did not finish" >&2; exit 1; }

# ---- report and chart
if [[ $publish == 1 ]]; then
    /usr/bin/python3 "$here/report.py" --command "$invocation" -o "$here/RESULTS.md" \
        --chart "$here/results/chart.png" "$res"
else
    /usr/bin/python3 "$here/report.py" --command "$invocation" \
        -o "$(dirname "$res")/RESULTS.md" "$res"
fi
