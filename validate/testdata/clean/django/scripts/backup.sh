#!/usr/bin/env bash
set -euo pipefail
cd "$(dirname "$0")/.."
out="backups/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"
docker compose exec -T db sh -c 'exec mysqldump -u root -p"$MYSQL_ROOT_PASSWORD" --single-transaction "$MYSQL_DATABASE"' > "$out/db.sql"
before=$(docker compose exec -T redis redis-cli LASTSAVE)
docker compose exec -T redis redis-cli BGSAVE
while [ "$(docker compose exec -T redis redis-cli LASTSAVE)" = "$before" ]; do sleep 1; done
docker compose cp redis:/data/dump.rdb "$out/redis.rdb"
