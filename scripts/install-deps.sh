#!/usr/bin/env bash
# Installs the Debian packages Dram needs that are missing (nothing happens when all are present).
#   scripts/install-deps.sh           what serving the examples needs
#   scripts/install-deps.sh --tests   plus what the test suite needs
set -euo pipefail
# gcc and libc6-dev link the native dram binary (./dram builds it ahead-of-time compiled).
packages=(gcc libc6-dev python3 libpython3.11 python3-venv python3-django python3-psycopg2 python3-flask)
if [[ "${1:-}" == "--tests" ]]; then
    # The Django deployment tests start real PostgreSQL, nginx, systemd-socket-activate and Chromium;
    # the TLS tests make certificates with openssl and speak HTTP/2 with nghttp; the logging tests
    # compare Dram's access log with Gunicorn's and rotate logs with logrotate; the proxy tests
    # send PROXY headers from HAProxy and nginx's stream module; strace shows a file body leaving by sendfile.
    packages+=(curl procps postgresql nginx systemd chromium openssl nghttp2-client gunicorn logrotate haproxy libnginx-mod-stream strace)
fi
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0
sudo=""
[[ $(id -u) -ne 0 ]] && sudo="sudo"
echo "Installing: ${missing[*]}" >&2
$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
