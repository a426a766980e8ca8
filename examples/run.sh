#!/usr/bin/env bash
# Serves the bundled example app on http://127.0.0.1:8000 (installs what is missing first).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/install-deps.sh"
exec "$root/dram" --python /usr/bin/python3 --bind "${BIND:-127.0.0.1:8000}" --chdir "$root/examples/hello" hello:application "$@"
