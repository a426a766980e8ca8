#!/usr/bin/env bash
# Serves examples/mysite (Django, SQLite) on http://127.0.0.1:8000 with Dram.
# Installs what is missing, migrates the database and collects static files
# (both idempotent), then runs Dram in the foreground; extra arguments go to dram.
#
# For an admin login, either set DJANGO_SUPERUSER_USERNAME, DJANGO_SUPERUSER_PASSWORD
# (and optionally DJANGO_SUPERUSER_EMAIL) when running this script, or run the
# createsuperuser command it prints.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
site="$root/examples/mysite"
python=/usr/bin/python3
"$root/scripts/install-deps.sh"

# Local settings: DEBUG on, a development secret key. The database, collected
# static files and uploads live in examples/mysite/var (git-ignored).
var="${MYSITE_VAR:-$site/var}"
mkdir -p "$var"
export DJANGO_ENV="${DJANGO_ENV:-development}"
export DATABASE_URL="${DATABASE_URL:-sqlite:///$var/db.sqlite3}"
export DJANGO_STATIC_ROOT="${DJANGO_STATIC_ROOT:-$var/static}"
export DJANGO_MEDIA_ROOT="${DJANGO_MEDIA_ROOT:-$var/media}"
manage() { "$python" "$site/manage.py" "$@"; }
user_exists() {
    manage shell -c 'import os, sys
from django.contrib.auth import get_user_model
sys.exit(0 if get_user_model().objects.filter(username=os.environ["DJANGO_SUPERUSER_USERNAME"]).exists() else 1)'
}

manage migrate --noinput
manage collectstatic --noinput --verbosity 0
if [[ -n "${DJANGO_SUPERUSER_USERNAME:-}" && -n "${DJANGO_SUPERUSER_PASSWORD:-}" ]]; then
    user_exists || manage createsuperuser --noinput --email "${DJANGO_SUPERUSER_EMAIL:-admin@example.com}"
else
    echo "No admin user yet: run DJANGO_SUPERUSER_USERNAME=admin DJANGO_SUPERUSER_PASSWORD=... $0, or: DATABASE_URL='$DATABASE_URL' DJANGO_ENV=$DJANGO_ENV $python $site/manage.py createsuperuser" >&2
fi

exec "$root/dram" --python "$python" --bind "${BIND:-127.0.0.1:8000}" --chdir "$site" \
    --static-map "/static=$DJANGO_STATIC_ROOT" mysite.wsgi:application "$@"
