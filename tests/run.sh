#!/usr/bin/env bash
# Runs every test: installs what is missing, builds Dram, runs the xunit suite against the real binary.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/install-deps.sh" --tests
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
"$root/dram" --version >/dev/null
exec dotnet test "$root/tests/Dram.Tests/Dram.Tests.csproj" -c Release --logger "console;verbosity=normal" "$@"
