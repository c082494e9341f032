<#
.SYNOPSIS
Build and start mysite, wait until every service is healthy, run the
Django migrations and print the URL (the twin of scripts/deploy.sh).

.EXAMPLE
powershell -ExecutionPolicy Bypass -File scripts\deploy.ps1
#>
[CmdletBinding()]
param()

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3
Set-Location -LiteralPath (Split-Path -Parent $PSScriptRoot)
$Url = 'https://example.com/'

function Invoke-Docker {
    # Windows PowerShell does not stop on a failing native command: check
    # the exit code of each docker call.
    param([Parameter(Mandatory = $true)][string[]]$Arguments)
    & docker @Arguments
    if ($LASTEXITCODE -ne 0) {
        throw "docker $($Arguments -join ' ') failed (exit code $LASTEXITCODE)"
    }
}

if (-not (Get-Command docker -ErrorAction SilentlyContinue)) {
    throw 'docker is not installed (Docker Desktop: https://docs.docker.com/desktop/)'
}
if (-not (Test-Path -LiteralPath '.env')) {
    throw '.env is missing: copy .env.example to .env and fill in every empty value'
}
foreach ($f in @('fullchain.pem', 'privkey.pem')) {
    if (-not (Test-Path -LiteralPath (Join-Path 'compose\nginx\ssl' $f))) {
        throw "HTTPS is on but compose\nginx\ssl\$f is missing (see README.md, HTTPS)"
    }
}

Write-Host 'deploy: building images'
Invoke-Docker @('compose', 'build')

Write-Host 'deploy: starting services and waiting until they are healthy'
& docker compose up -d --wait
if ($LASTEXITCODE -ne 0) {
    Write-Warning 'deploy: a service did not become healthy:'
    & docker compose ps -a
    foreach ($service in @('db', 'redis', 'web', 'nginx')) {
        Write-Host "--- last log lines of $service ---"
        & docker compose logs --no-color --tail 30 $service
    }
    throw 'deploy: see the log lines above; nothing was removed (README.md, Troubleshooting)'
}

Write-Host 'deploy: running Django migrations'
Invoke-Docker @('compose', 'exec', '-T', 'web', 'python', 'manage.py', 'migrate', '--noinput')

Write-Host "deploy: the site is up at $Url"
