#!/usr/bin/env bash
# Start the web container: apply the migrations the code ships, collect the
# static files into static_vol for nginx, then hand the process over to
# uWSGI in the foreground (PID 1 receives docker's signals; logs go to
# `docker compose logs web`). New migrations are made on a developer's
# machine with makemigrations and committed, never here.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"

python manage.py migrate --noinput
python manage.py collectstatic --noinput
exec uwsgi --ini uwsgi.ini
