#!/usr/bin/env bash
# Runs every test: installs what is missing, builds Dram, runs the xunit suite against the real binary,
# then renders docs/robustness.md from the robustness cases the suite recorded.
#   tests/run.sh                 the whole suite; docs/robustness.md is rendered when it passes
#   tests/run.sh ARGS...         ARGS go to dotnet test (e.g. --filter ...); a partial run renders nothing
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/install-deps.sh" --tests
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
"$root/dram" --version >/dev/null

# Every robustness test appends its verified outcome here (RobustnessLog); start from nothing so
# the rendered tables hold this run's outcomes only.
results="${DRAM_ROBUSTNESS_RESULTS:-$root/tests/artifacts/robustness.jsonl}"
mkdir -p "$(dirname "$results")"
: >"$results"

status=0
dotnet test "$root/tests/Dram.Tests/Dram.Tests.csproj" -c Release --logger "console;verbosity=normal" "$@" || status=$?
if [[ $status -ne 0 ]]; then
    exit "$status"
fi
if [[ $# -gt 0 ]]; then
    echo "tests/run.sh: a partial run (arguments given): docs/robustness.md is left as it was" >&2
    exit 0
fi
python3 "$root/scripts/render-robustness.py" --results "$results"
