#!/usr/bin/env bash
# Start the web container: apply the migrations the code ships, collect the
# static files into static_vol for nginx, then hand the process over to
# uWSGI in the foreground (PID 1 receives docker's signals; logs go to
# `docker compose logs web`). New migrations are made on a developer's
# machine with makemigrations and committed, never here.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"

if [ "${STACKGEN_MIGRATE:-run}" = wait ]; then
  # Docker Swarm (stackgen export swarm): the migrations run once, as the
  # stack's migrate job, and two replicas must never migrate at once. Wait
  # until none is left to apply; the health check's start period bounds
  # the wait, and Swarm replaces a task that never gets healthy.
  until python manage.py migrate --check >/dev/null 2>&1; do
    echo "start.sh: waiting for the migrate job to apply the migrations" >&2
    sleep 3
  done
else
  python manage.py migrate --noinput
fi
python manage.py collectstatic --noinput
exec uwsgi --ini uwsgi.ini
