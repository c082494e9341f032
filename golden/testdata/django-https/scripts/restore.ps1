<#
.SYNOPSIS
Restore a backup made by backup.sh or backup.ps1 into this mysite
stack (the twin of scripts/restore.sh): checks the SHA-256 manifest first,
asks for confirmation (unless -Yes), then replaces the database, the Redis
data and the media files.

.EXAMPLE
powershell -ExecutionPolicy Bypass -File scripts\restore.ps1 backups\20250101T000000Z
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true, Position = 0)]
    [string]$BackupDir,
    [switch]$Yes
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3
Set-Location -LiteralPath (Split-Path -Parent $PSScriptRoot)

function Invoke-Docker {
    # Windows PowerShell does not stop on a failing native command: check
    # the exit code of each docker call. Data never flows through a
    # PowerShell pipe (it would re-encode bytes): files move with docker cp.
    param([Parameter(Mandatory = $true)][string[]]$Arguments)
    $output = & docker @Arguments
    if ($LASTEXITCODE -ne 0) {
        throw "docker $($Arguments -join ' ') failed (exit code $LASTEXITCODE)"
    }
    return (($output | Out-String).Trim())
}

function Expand-GZip {
    param([string]$Source, [string]$Target)
    $in = [System.IO.File]::OpenRead($Source)
    try {
        $gzip = New-Object System.IO.Compression.GZipStream($in, [System.IO.Compression.CompressionMode]::Decompress)
        try {
            $out = [System.IO.File]::Create($Target)
            try { $gzip.CopyTo($out) } finally { $out.Dispose() }
        } finally { $gzip.Dispose() }
    } finally { $in.Dispose() }
}

if (-not (Test-Path -LiteralPath $BackupDir -PathType Container)) {
    throw "$BackupDir is not a folder"
}
$BackupDir = (Resolve-Path -LiteralPath $BackupDir).Path
foreach ($name in @('SHA256SUMS', 'db.sql.gz', 'dump.rdb', 'media.tar.gz')) {
    if (-not (Test-Path -LiteralPath (Join-Path $BackupDir $name))) {
        throw "$BackupDir\$name is missing; is this a folder made by a backup script?"
    }
}

Write-Host "restore: checking $BackupDir\SHA256SUMS"
$checked = 0
foreach ($line in (Get-Content -LiteralPath (Join-Path $BackupDir 'SHA256SUMS'))) {
    if ($line -notmatch '^([0-9a-fA-F]{64}) [ *](.+)$') {
        continue
    }
    $want = $Matches[1].ToLowerInvariant()
    $name = $Matches[2]
    $file = Join-Path $BackupDir $name
    if (-not (Test-Path -LiteralPath $file)) {
        throw "$name is listed in the manifest but missing; nothing was changed"
    }
    $got = (Get-FileHash -Algorithm SHA256 -LiteralPath $file).Hash.ToLowerInvariant()
    if ($got -ne $want) {
        throw "$name does not match its SHA-256 in the manifest; nothing was changed"
    }
    $checked++
}
if ($checked -lt 3) {
    throw 'the manifest lists fewer files than a backup has; nothing was changed'
}

if (-not $Yes) {
    if ([Console]::IsInputRedirected) {
        throw 'not a terminal: pass -Yes to confirm'
    }
    $answer = Read-Host "Replace the database, Redis data and media of mysite with $BackupDir? [y/N]"
    if ($answer -notmatch '^(y|yes)$') {
        throw 'cancelled; nothing was changed'
    }
}

Write-Host 'restore: stopping nginx (no requests during the restore) and starting db, redis, web'
Invoke-Docker @('compose', 'stop', 'nginx') | Out-Null
Invoke-Docker @('compose', 'up', '-d', '--wait', 'db', 'redis', 'web') | Out-Null

Write-Host 'restore: database'
# The dump drops and recreates the database itself; the password is
# expanded inside the db container.
$sql = Join-Path ([System.IO.Path]::GetTempPath()) ('stackgen-restore-' + [guid]::NewGuid().ToString() + '.sql')
Expand-GZip -Source (Join-Path $BackupDir 'db.sql.gz') -Target $sql
try {
    Invoke-Docker @('compose', 'cp', $sql, 'db:/tmp/stackgen-restore.sql') | Out-Null
} finally {
    Remove-Item -LiteralPath $sql
}
Invoke-Docker @('compose', 'exec', '-T', 'db', 'sh', '-c',
    'MYSQL_PWD=$MYSQL_ROOT_PASSWORD; export MYSQL_PWD; mysql -u root --default-character-set=utf8mb4 < /tmp/stackgen-restore.sql; status=$?; rm -f /tmp/stackgen-restore.sql; exit $status') | Out-Null

Write-Host 'restore: media'
Invoke-Docker @('compose', 'cp', (Join-Path $BackupDir 'media.tar.gz'), 'web:/tmp/stackgen-media.tar.gz') | Out-Null
Invoke-Docker @('compose', 'exec', '-T', 'web', 'sh', '-c',
    'find /app/media -mindepth 1 -delete && tar -C /app/media -xzf /tmp/stackgen-media.tar.gz') | Out-Null
Invoke-Docker @('compose', 'exec', '-T', '-u', 'root', 'web', 'rm', '-f', '/tmp/stackgen-media.tar.gz') | Out-Null

Write-Host 'restore: redis'
# Redis reads dump.rdb only when it starts: stop it, copy the file into its
# volume (docker cp works on a stopped container), hand it to the redis
# user and start it again.
Invoke-Docker @('compose', 'stop', 'redis') | Out-Null
$redisId = Invoke-Docker @('compose', 'ps', '-a', '-q', 'redis')
if (-not $redisId) {
    throw 'no redis container found'
}
Invoke-Docker @('cp', (Join-Path $BackupDir 'dump.rdb'), "${redisId}:/data/dump.rdb") | Out-Null
Invoke-Docker @('compose', 'run', '--rm', '--no-deps', '-T', '--entrypoint', 'chown', 'redis', 'redis:redis', '/data/dump.rdb') | Out-Null

Write-Host 'restore: starting every service'
Invoke-Docker @('compose', 'up', '-d', '--wait') | Out-Null
Write-Host "restore: done: mysite runs with the data of $BackupDir"
