<#
.SYNOPSIS
Back up mysite while it runs (the twin of scripts/backup.sh): the
database (mysqldump --single-transaction), Redis (a BGSAVE snapshot,
copied once it has finished) and the uploaded media, with a SHA-256
manifest, into backups\<UTC timestamp>\ or the given folder.

.EXAMPLE
powershell -ExecutionPolicy Bypass -File scripts\backup.ps1
#>
[CmdletBinding()]
param(
    [Parameter(Position = 0)]
    [string]$Destination
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3
Set-Location -LiteralPath (Split-Path -Parent $PSScriptRoot)

function Invoke-Docker {
    # Windows PowerShell does not stop on a failing native command: check
    # the exit code of each docker call. Data never flows through a
    # PowerShell pipe (it would re-encode bytes): files move with
    # `docker compose cp`.
    param([Parameter(Mandatory = $true)][string[]]$Arguments)
    $output = & docker @Arguments
    if ($LASTEXITCODE -ne 0) {
        throw "docker $($Arguments -join ' ') failed (exit code $LASTEXITCODE)"
    }
    return (($output | Out-String).Trim())
}

function Compress-GZip {
    param([string]$Source, [string]$Target)
    $in = [System.IO.File]::OpenRead($Source)
    try {
        $out = [System.IO.File]::Create($Target)
        try {
            $gzip = New-Object System.IO.Compression.GZipStream($out, [System.IO.Compression.CompressionMode]::Compress)
            try { $in.CopyTo($gzip) } finally { $gzip.Dispose() }
        } finally { $out.Dispose() }
    } finally { $in.Dispose() }
}

if (-not $Destination) {
    $Destination = Join-Path 'backups' ((Get-Date).ToUniversalTime().ToString('yyyyMMddTHHmmssZ'))
}
if (Test-Path -LiteralPath $Destination) {
    throw "$Destination already exists; choose another folder"
}
foreach ($service in @('db', 'redis', 'web')) {
    if (-not (Invoke-Docker @('compose', 'ps', '-q', '--status', 'running', $service))) {
        throw "service $service is not running; start the stack first (scripts\deploy.ps1)"
    }
}
New-Item -ItemType Directory -Path $Destination | Out-Null
$Destination = (Resolve-Path -LiteralPath $Destination).Path

Write-Host "backup: database -> $Destination\db.sql.gz"
# --databases with --add-drop-database: the dump drops and recreates the
# database itself. The password is expanded inside the db container.
$dump = '/tmp/stackgen-backup.sql'
Invoke-Docker @('compose', 'exec', '-T', 'db', 'sh', '-c',
    "MYSQL_PWD=`$MYSQL_ROOT_PASSWORD; export MYSQL_PWD; exec mysqldump -u root --single-transaction --quick --routines --triggers --events --hex-blob --default-character-set=utf8mb4 --add-drop-database --result-file=$dump --databases `$MYSQL_DATABASE") | Out-Null
$sql = Join-Path $Destination 'db.sql'
Invoke-Docker @('compose', 'cp', "db:$dump", $sql) | Out-Null
Invoke-Docker @('compose', 'exec', '-T', 'db', 'rm', '-f', $dump) | Out-Null
Compress-GZip -Source $sql -Target (Join-Path $Destination 'db.sql.gz')
Remove-Item -LiteralPath $sql

Write-Host "backup: redis -> $Destination\dump.rdb"
$before = Invoke-Docker @('compose', 'exec', '-T', 'redis', 'redis-cli', 'LASTSAVE')
$reply = Invoke-Docker @('compose', 'exec', '-T', 'redis', 'redis-cli', 'BGSAVE')
if ($reply -notmatch 'Background saving started|already in progress') {
    throw "redis BGSAVE failed: $reply"
}
# BGSAVE returns at once and saves in the background: wait until LASTSAVE
# moves on, then the snapshot on disk is complete.
$deadline = (Get-Date).AddMinutes(10)
while ((Invoke-Docker @('compose', 'exec', '-T', 'redis', 'redis-cli', 'LASTSAVE')) -eq $before) {
    if ((Get-Date) -gt $deadline) {
        throw 'redis did not finish its snapshot within 10 minutes'
    }
    Start-Sleep -Seconds 1
}
$info = Invoke-Docker @('compose', 'exec', '-T', 'redis', 'redis-cli', 'INFO', 'persistence')
if ($info -notmatch 'rdb_last_bgsave_status:ok') {
    throw 'redis reports a failed snapshot; see: docker compose logs redis'
}
Invoke-Docker @('compose', 'cp', 'redis:/data/dump.rdb', (Join-Path $Destination 'dump.rdb')) | Out-Null

Write-Host "backup: media -> $Destination\media.tar.gz"
$media = '/tmp/stackgen-media.tar.gz'
Invoke-Docker @('compose', 'exec', '-T', 'web', 'tar', '-C', '/app/media', '-czf', $media, '.') | Out-Null
Invoke-Docker @('compose', 'cp', "web:$media", (Join-Path $Destination 'media.tar.gz')) | Out-Null
Invoke-Docker @('compose', 'exec', '-T', 'web', 'rm', '-f', $media) | Out-Null

# The same manifest format as sha256sum, so either restore script checks it.
$lines = foreach ($name in @('db.sql.gz', 'dump.rdb', 'media.tar.gz')) {
    $hash = (Get-FileHash -Algorithm SHA256 -LiteralPath (Join-Path $Destination $name)).Hash.ToLowerInvariant()
    "$hash  $name"
}
$manifest = ($lines -join "`n") + "`n"
[System.IO.File]::WriteAllText((Join-Path $Destination 'SHA256SUMS'), $manifest, (New-Object System.Text.UTF8Encoding $false))
Write-Host "backup: done: $Destination (restore with scripts\restore.ps1 $Destination)"
