#!/usr/bin/env bash
# Build and start mysite, wait until every service is healthy, run the
# Django migrations and print the URL. Safe to run again after a change:
# only what changed is rebuilt and restarted.
#
#   scripts/deploy.sh
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
url=http://localhost/

die() {
  printf 'deploy: %s\n' "$*" >&2
  exit 1
}

command -v docker >/dev/null 2>&1 || die "docker is not installed (https://docs.docker.com/engine/install/)"
docker compose version >/dev/null 2>&1 || die "the Docker Compose v2 plugin is missing ('docker compose', not 'docker-compose')"
[[ -f .env ]] || die ".env is missing: copy .env.example to .env and fill in every empty value"

echo "deploy: building images"
docker compose build

echo "deploy: starting services and waiting until they are healthy"
if ! docker compose up -d --wait; then
  echo "deploy: a service did not become healthy:" >&2
  docker compose ps -a >&2 || true
  for service in db redis web nginx; do
    echo "--- last log lines of $service ---" >&2
    docker compose logs --no-color --tail 30 "$service" >&2 || true
  done
  die "see the log lines above; nothing was removed (README.md, Troubleshooting)"
fi

echo "deploy: running Django migrations"
docker compose exec -T web python manage.py migrate --noinput

echo "deploy: the site is up at $url"
