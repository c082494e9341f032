#!/usr/bin/env bash
# Back up mysite while it runs: the database (mysqldump
# --single-transaction, a consistent snapshot without locking the site),
# Redis (a BGSAVE snapshot, copied once it has finished) and the uploaded
# media, with a SHA-256 manifest, into backups/<UTC timestamp>/ or DIR.
#
#   scripts/backup.sh [DIR]
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

die() {
  printf 'backup: %s\n' "$*" >&2
  exit 1
}

sha256() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum "$@"; else shasum -a 256 "$@"; fi
}

dest=${1:-backups/$(date -u +%Y%m%dT%H%M%SZ)}
[[ -e $dest ]] && die "$dest already exists; choose another folder"
umask 077 # dumps hold the site's data: readable by their owner only
mkdir -p "$dest"

for service in db redis web; do
  [[ -n $(docker compose ps -q --status running "$service") ]] ||
    die "service $service is not running; start the stack first (scripts/deploy.sh)"
done

echo "backup: database -> $dest/db.sql.gz"
# --databases with --add-drop-database: the dump drops and recreates the
# database itself, so a restore also removes tables made after the backup.
# The variables are expanded by the shell inside the db container, so the
# password never appears on this machine's command line.
# shellcheck disable=SC2016
docker compose exec -T db sh -c 'MYSQL_PWD=$MYSQL_ROOT_PASSWORD; export MYSQL_PWD;
  exec mysqldump -u root --single-transaction --quick --routines --triggers --events --hex-blob \
    --default-character-set=utf8mb4 --add-drop-database --databases "$MYSQL_DATABASE"' | gzip > "$dest/db.sql.gz"

echo "backup: redis -> $dest/dump.rdb"
redis_cli() {
  docker compose exec -T redis redis-cli "$@" | tr -d '\r'
}
before=$(redis_cli LASTSAVE)
reply=$(redis_cli BGSAVE)
case $reply in
  *"Background saving started"* | *"already in progress"*) ;;
  *) die "redis BGSAVE failed: $reply" ;;
esac
# BGSAVE returns at once and saves in the background: wait until LASTSAVE
# moves on, then the snapshot on disk is complete.
for ((i = 0; i < 600; i++)); do
  [[ $(redis_cli LASTSAVE) != "$before" ]] && break
  sleep 1
done
[[ $(redis_cli LASTSAVE) != "$before" ]] || die "redis did not finish its snapshot within 10 minutes"
info=$(redis_cli INFO persistence)
[[ $info == *"rdb_last_bgsave_status:ok"* ]] || die "redis reports a failed snapshot; see: docker compose logs redis"
docker compose exec -T redis cat /data/dump.rdb > "$dest/dump.rdb"

echo "backup: media -> $dest/media.tar.gz"
docker compose exec -T web tar -C /app/media -czf - . > "$dest/media.tar.gz"

(cd "$dest" && sha256 db.sql.gz dump.rdb media.tar.gz > SHA256SUMS)
echo "backup: done: $dest (restore with scripts/restore.sh $dest)"
