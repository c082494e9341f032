<#
.SYNOPSIS
Save every image this stack uses (exactly the ones compose.yaml names, from
`docker compose config --images`) into one gzip'd archive with a single
`docker save`, so layers the images share are stored once (the twin of
scripts/export-images.sh). Load it with: docker load -i FILE

.EXAMPLE
powershell -ExecutionPolicy Bypass -File scripts\export-images.ps1
#>
[CmdletBinding()]
param(
    [Parameter(Position = 0)]
    [string]$OutFile = 'dist\mysite-images-1.0.tar.gz'
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3
Set-Location -LiteralPath (Split-Path -Parent $PSScriptRoot)

function Invoke-Docker {
    # Windows PowerShell does not stop on a failing native command: check
    # the exit code of each docker call.
    param([Parameter(Mandatory = $true)][string[]]$Arguments)
    $output = & docker @Arguments
    if ($LASTEXITCODE -ne 0) {
        throw "docker $($Arguments -join ' ') failed (exit code $LASTEXITCODE)"
    }
    return $output
}

$images = @(Invoke-Docker @('compose', 'config', '--images') | Where-Object { $_ } | Sort-Object -Unique)
if ($images.Count -eq 0) {
    throw 'docker compose config --images listed no image'
}

Write-Host 'export-images: building the images of this stack'
& docker compose build
if ($LASTEXITCODE -ne 0) {
    throw 'docker compose build failed'
}
foreach ($image in $images) {
    # `docker images -q` prints nothing (and succeeds) for an image not here.
    if (-not (Invoke-Docker @('images', '-q', $image))) {
        Write-Host "export-images: pulling $image"
        Invoke-Docker @('pull', $image) | Out-Null
    }
}

$dir = Split-Path -Parent $OutFile
if ($dir -and -not (Test-Path -LiteralPath $dir)) {
    New-Item -ItemType Directory -Path $dir | Out-Null
}
$OutFile = Join-Path (Resolve-Path -LiteralPath $(if ($dir) { $dir } else { '.' })).Path (Split-Path -Leaf $OutFile)
$tar = "$OutFile.tar.tmp"

Write-Host "export-images: saving $($images -join ' ')"
# docker save -o writes the file itself: no PowerShell pipe touches the bytes.
Invoke-Docker (@('save', '-o', $tar) + $images) | Out-Null
try {
    $in = [System.IO.File]::OpenRead($tar)
    try {
        $out = [System.IO.File]::Create($OutFile)
        try {
            $gzip = New-Object System.IO.Compression.GZipStream($out, [System.IO.Compression.CompressionMode]::Compress)
            try { $in.CopyTo($gzip) } finally { $gzip.Dispose() }
        } finally { $out.Dispose() }
    } finally { $in.Dispose() }
} finally {
    Remove-Item -LiteralPath $tar
}

$hash = (Get-FileHash -Algorithm SHA256 -LiteralPath $OutFile).Hash.ToLowerInvariant()
$line = "$hash  $(Split-Path -Leaf $OutFile)`n"
[System.IO.File]::WriteAllText("$OutFile.sha256", $line, (New-Object System.Text.UTF8Encoding $false))
Write-Host "export-images: wrote $OutFile and $OutFile.sha256"
