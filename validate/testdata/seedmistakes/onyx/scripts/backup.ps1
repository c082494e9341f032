# Backup in the style of the plan: dump through a TTY, copy right after BGSAVE.
$backupDir = "backups/$(Get-Date -Format 'yyyyMMdd-HHmmss')"
New-Item -ItemType Directory -Path $backupDir -Force
docker-compose exec postgres pg_dump -U onyx_user onyx > "$backupDir/database.sql"
docker-compose exec redis redis-cli BGSAVE
docker cp onyx-redis:/data/dump.rdb "$backupDir/redis.rdb"
