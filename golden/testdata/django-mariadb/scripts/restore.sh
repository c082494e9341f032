#!/usr/bin/env bash
# Restore a backup made by scripts/backup.sh into this mysite stack:
# checks the SHA-256 manifest first, asks for confirmation (unless --yes),
# then replaces the database, the Redis data and the media files.
#
#   scripts/restore.sh [--yes] BACKUP_DIR
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

die() {
  printf 'restore: %s\n' "$*" >&2
  exit 1
}

usage() {
  echo "usage: scripts/restore.sh [--yes] BACKUP_DIR" >&2
  exit 2
}

sha256_check() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum -c --quiet "$@"; else shasum -a 256 -c --quiet "$@"; fi
}

yes=0
dir=""
for arg in "$@"; do
  case $arg in
    -y | --yes) yes=1 ;;
    -h | --help) usage ;;
    -*) echo "restore: unknown option $arg" >&2; usage ;;
    *) [[ -z $dir ]] || usage; dir=$arg ;;
  esac
done
[[ -n $dir ]] || usage
[[ -d $dir ]] || die "$dir is not a folder"
dir=$(cd "$dir" && pwd)

for f in SHA256SUMS db.sql.gz dump.rdb media.tar.gz; do
  [[ -f $dir/$f ]] || die "$dir/$f is missing; is this a folder made by scripts/backup.sh?"
done
echo "restore: checking $dir/SHA256SUMS"
(cd "$dir" && sha256_check SHA256SUMS) || die "the backup does not match its manifest; nothing was changed"

if [[ $yes -ne 1 ]]; then
  [[ -t 0 ]] || die "not a terminal: pass --yes to confirm"
  read -r -p "Replace the database, Redis data and media of mysite with $dir? [y/N] " answer
  case $answer in
    y | Y | yes | YES) ;;
    *) die "cancelled; nothing was changed" ;;
  esac
fi

echo "restore: stopping nginx (no requests during the restore) and starting db, redis, web"
docker compose stop nginx
docker compose up -d --wait db redis web

echo "restore: database"
# The dump drops and recreates the database itself (backup.sh). The
# password is expanded inside the db container.
# shellcheck disable=SC2016
gzip -dc "$dir/db.sql.gz" | docker compose exec -T db sh -c 'MYSQL_PWD=$MYSQL_ROOT_PASSWORD; export MYSQL_PWD;
  exec mariadb -u root --default-character-set=utf8mb4'

echo "restore: media"
# shellcheck disable=SC2016
docker compose exec -T web sh -c 'find /app/media -mindepth 1 -delete && exec tar -C /app/media -xzf -' < "$dir/media.tar.gz"

echo "restore: redis"
# Redis reads dump.rdb only when it starts: stop it, write the file into its
# volume from a one-off container running as the redis user, start it again.
docker compose stop redis
docker compose run --rm --no-deps -T --user redis --entrypoint sh redis \
  -c 'cat > /data/dump.rdb' < "$dir/dump.rdb"

echo "restore: starting every service"
docker compose up -d --wait
echo "restore: done: mysite runs with the data of $dir"
