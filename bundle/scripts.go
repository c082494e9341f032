package bundle

import (
	"bytes"
	"strings"
	"text/template"

	"github.com/stackgen/stackgen/internal/units"
)

// The scripts and the README are templates with {% %} delimiters, so the
// shells' own braces and docker's --format templates need no escaping.
func render(name, text string, m *Manifest) ([]byte, error) {
	t, err := template.New(name).Delims("{%", "%}").Funcs(template.FuncMap{
		"sh":    shQuote,
		"ps":    psQuote,
		"shall": func(ss []string) string { return joinQuoted(ss, shQuote) },
		"psall": func(ss []string) string { return joinQuoted(ss, psQuote) },
		// psarray is the inside of @(...): elements need commas there.
		"psarray": psArray,
		"size":    units.Bytes,
		"short":   shortID,
		"winpath": func(p string) string { return strings.ReplaceAll(p, "/", `\`) },
	}).Parse(text)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := t.Execute(&b, m); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func shortID(id string) string {
	id = strings.TrimPrefix(id, "sha256:")
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

func shQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func psQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func psArray(ss []string) string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = psQuote(s)
	}
	return strings.Join(out, ", ")
}

func joinQuoted(ss []string, q func(string) string) string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = q(s)
	}
	return strings.Join(out, " ")
}

// LoadScriptBash renders load-and-start.sh: with nothing but Docker and
// Compose v2 on the host it checks every checksum, loads the images,
// writes .env with fresh secrets when there is none, starts the stack,
// waits for health and runs the migration.
func LoadScriptBash(m *Manifest) ([]byte, error) { return render("sh", bashScript, m) }

// LoadScriptPowerShell renders load-and-start.ps1, the same steps for
// Windows PowerShell 5.1 and PowerShell 7. Binary data never goes through
// a PowerShell pipe (5.1 re-encodes it): cmd.exe (or sh) carries it.
func LoadScriptPowerShell(m *Manifest) ([]byte, error) {
	b, err := render("ps1", psScript, m)
	if err != nil {
		return nil, err
	}
	// Windows PowerShell 5.1 reads a script without a BOM as the ANSI
	// code page; the script is ASCII, and CRLF keeps Notepad happy.
	return bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n")), nil
}

// Readme renders the README for the offline host.
func Readme(m *Manifest) ([]byte, error) { return render("readme", readmeText, m) }

const bashScript = `#!/usr/bin/env bash
# Load this bundle's images into Docker and start {% .Project %}.
# Needs only Docker Engine 20.10+ (or Docker Desktop) with Compose v2;
# stackgen itself is not needed here. Written by stackgen {% .StackgenVersion %}.
#
#   bash {% .Project %}/load-and-start.sh
#
# Steps: check every file's SHA-256 (before anything is loaded), load the
# images, write .env with fresh secrets if there is none, start the stack,
# wait until every service is healthy{% if .Migrate %}, run {% if .Migrate.What %}{% .Migrate.What %}{% else %}the migration{% end %}{% end %}.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

log() { printf '%s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

command -v docker >/dev/null 2>&1 || die "docker is not installed: install Docker Engine 20.10+ or Docker Desktop"
docker info >/dev/null || die "cannot reach the Docker engine: start it (sudo systemctl start docker), join the docker group, or set DOCKER_HOST"
docker compose version >/dev/null || die "Docker Compose v2 is missing: install the docker-compose-plugin package (Docker Desktop includes it)"

platform=$(docker version --format '{{.Server.Os}}/{{.Server.Arch}}')
if [[ $platform != {% sh .Platform %} ]]; then
  die "this engine runs $platform but the images are {% .Platform %}"
fi

log "checking the SHA-256 of every file of the bundle..."
if command -v sha256sum >/dev/null 2>&1; then
  sha256sum --check --quiet --strict SHA256SUMS || die "the file named above is damaged or missing: copy the bundle again"
elif command -v shasum >/dev/null 2>&1; then
  if ! out=$(shasum -a 256 -c SHA256SUMS 2>&1); then
    printf '%s\n' "$out" | grep -v ': OK$' >&2 || true
    die "the file named above is damaged or missing: copy the bundle again"
  fi
else
  die "neither sha256sum nor shasum is installed: cannot check the bundle"
fi
{% if .Images %}
log "loading {% len .Images %} images ({% size .TotalImageSize %} in the engine)..."
{%- if eq .Codec "gzip" %}
docker load --input {% sh .ImageArchive %}
{%- else %}
# STACKGEN_UNPACK=container skips a local zstd tool.
if [[ ${STACKGEN_UNPACK:-auto} != container ]] && command -v zstd >/dev/null 2>&1; then
  zstd --decompress --stdout --memory=2048MB {% sh .ImageArchive %} | docker load
{%- if .Unpacker %}
else
  # This engine's docker load may not read zstd: the unpacker image (stackgen
  # alone in an empty image, gzip'd so any engine loads it) decompresses it.
  docker load --input {% sh .Unpacker.Path %}
  docker run --rm --interactive --log-driver none --network none {% sh .Unpacker.Image %} <{% sh .ImageArchive %} | docker load
  docker image rm {% sh .Unpacker.Image %} >/dev/null || true
{%- else %}
else
  die "the images are compressed with zstd: install the zstd tool (apt-get install zstd) or use 'stackgen deploy --bundle'"
{%- end %}
fi
{%- end %}

log "checking the loaded images..."
check_image() {
  local id
  id=$(docker image inspect --format '{{.Id}}' "$1") || die "image $1 was not loaded"
  [[ $id == "$2" ]] || die "image $1 is $id in the engine, the bundle has $2"
}
{%- range .Images %}
check_image {% sh .Name %} {% sh .ID %}
{%- end %}
{%- end %}

if [[ ! -f .env ]]; then
  log "no .env: writing one from .env.example with fresh secrets{% if .SecretKeys %} for {% range $i, $k := .SecretKeys %}{% if $i %}, {% end %}{% $k %}{% end %}{% end %}"
  secret_keys=" {% range .SecretKeys %}{% . %} {% end %}"
  secret() { head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n'; }
  umask 077
  tmp=$(mktemp .env.XXXXXX)
  while IFS= read -r line || [[ -n $line ]]; do
    line=${line%$'\r'}
    key=${line%%=*}
    if [[ $line == *=* && $secret_keys == *" $key "* ]]; then
      printf '%s=%s\n' "$key" "$(secret)"
    else
      printf '%s\n' "$line"
    fi
  done <.env.example >"$tmp"
  mv "$tmp" .env
  log "wrote .env (mode 0600): keep it, the database was initialised with these secrets"
fi

log "starting {% .Project %} and waiting until every service is healthy..."
if ! docker compose up --detach --wait --no-build; then
  docker compose ps >&2 || true
  docker compose logs --tail 30 >&2 || true
  die "the stack did not become healthy (service states and last log lines above)"
fi
{%- if .Migrate %}

log "running {% if .Migrate.What %}{% .Migrate.What %}{% else %}the migration{% end %}..."
docker compose exec -T {% sh .Migrate.Service %} {% shall .Migrate.Command %} || die "{% if .Migrate.What %}{% .Migrate.What %}{% else %}the migration{% end %} failed (output above)"
{%- end %}

log "{% .Project %} is up{% if .URL %}: {% .URL %}{% end %}"
`

const psScript = `#Requires -Version 5.1
# Load this bundle's images into Docker and start {% .Project %}.
# Needs only Docker Desktop (or Docker Engine 20.10+) with Compose v2;
# stackgen itself is not needed here. Written by stackgen {% .StackgenVersion %}.
#
#   powershell -ExecutionPolicy Bypass -File .\{% .Project %}\load-and-start.ps1
#
# Steps: check every file's SHA-256 (before anything is loaded), load the
# images, write .env with fresh secrets if there is none, start the stack,
# wait until every service is healthy{% if .Migrate %}, run {% if .Migrate.What %}{% .Migrate.What %}{% else %}the migration{% end %}{% end %}.
# Binary data never passes through a PowerShell pipe (Windows PowerShell 5.1
# re-encodes it): files go to docker by path, or through cmd.exe's pipe.
$ErrorActionPreference = 'Stop'
Set-Location -LiteralPath $PSScriptRoot

function Fail([string]$Message) {
    Write-Host "error: $Message" -ForegroundColor Red
    exit 1
}

if (-not (Get-Command docker -ErrorAction SilentlyContinue)) { Fail 'docker is not installed: install Docker Desktop (or Docker Engine 20.10+)' }
docker info > $null
if ($LASTEXITCODE -ne 0) { Fail 'cannot reach the Docker engine: start Docker Desktop (or the docker service)' }
docker compose version > $null
if ($LASTEXITCODE -ne 0) { Fail 'Docker Compose v2 is missing: update Docker Desktop, or install the docker-compose-plugin package' }

$platform = (docker version --format '{{.Server.Os}}/{{.Server.Arch}}' | Out-String).Trim()
if ($platform -ne {% ps .Platform %}) { Fail "this engine runs $platform but the images are {% .Platform %} (Docker Desktop: switch to Linux containers)" }

Write-Host 'checking the SHA-256 of every file of the bundle...'
foreach ($line in Get-Content -LiteralPath 'SHA256SUMS') {
    if ($line -notmatch '^([0-9a-f]{64})  (.+)$') { Fail "SHA256SUMS: unreadable line: $line" }
    $want = $Matches[1]
    $file = $Matches[2]
    if (-not (Test-Path -LiteralPath $file -PathType Leaf)) { Fail "$file is missing: copy the bundle again" }
    $got = (Get-FileHash -LiteralPath $file -Algorithm SHA256).Hash.ToLowerInvariant()
    if ($got -ne $want) { Fail "$file is damaged (its SHA-256 does not match): copy the bundle again" }
}

# Runs a command line with cmd.exe on Windows, sh elsewhere (PowerShell 7).
function Invoke-Shell([string]$Windows, [string]$Unix) {
    if ($PSVersionTable.PSVersion.Major -ge 6 -and -not $IsWindows) { sh -c $Unix } else { cmd /c $Windows }
    if ($LASTEXITCODE -ne 0) { Fail "failed: $Windows" }
}
{% if .Images %}
Write-Host 'loading {% len .Images %} images ({% size .TotalImageSize %} in the engine)...'
{%- if eq .Codec "gzip" %}
docker load --input {% ps .ImageArchive %}
if ($LASTEXITCODE -ne 0) { Fail 'docker load failed (message above)' }
{%- else if .Unpacker %}
# This engine's docker load may not read zstd: the unpacker image (stackgen
# alone in an empty image, gzip'd so any engine loads it) decompresses it.
docker load --input {% ps .Unpacker.Path %}
if ($LASTEXITCODE -ne 0) { Fail 'docker load of the unpacker image failed (message above)' }
Invoke-Shell 'docker run --rm --interactive --log-driver none --network none {% .Unpacker.Image %} < {% winpath .ImageArchive %} | docker load' 'docker run --rm --interactive --log-driver none --network none {% .Unpacker.Image %} < {% .ImageArchive %} | docker load'
docker image rm {% ps .Unpacker.Image %} > $null
{%- else %}
Invoke-Shell 'zstd --decompress --stdout --memory=2048MB {% winpath .ImageArchive %} | docker load' 'zstd --decompress --stdout --memory=2048MB {% .ImageArchive %} | docker load'
{%- end %}

Write-Host 'checking the loaded images...'
# Hashtables, one per line: @() does not flatten them (nested arrays of
# one element it would).
$images = @(
{%- range .Images %}
    @{ Name = {% ps .Name %}; Id = {% ps .ID %} }
{%- end %}
)
foreach ($im in $images) {
    $id = (docker image inspect --format '{{.Id}}' $im.Name | Out-String).Trim()
    if ($LASTEXITCODE -ne 0) { Fail "image $($im.Name) was not loaded" }
    if ($id -ne $im.Id) { Fail "image $($im.Name) is $id in the engine, the bundle has $($im.Id)" }
}
{%- end %}

if (-not (Test-Path -LiteralPath '.env')) {
    Write-Host 'no .env: writing one from .env.example with fresh secrets{% if .SecretKeys %} for {% range $i, $k := .SecretKeys %}{% if $i %}, {% end %}{% $k %}{% end %}{% end %}'
    $secretKeys = @({% psarray .SecretKeys %})
    $rng = [System.Security.Cryptography.RandomNumberGenerator]::Create()
    $lines = foreach ($line in Get-Content -LiteralPath '.env.example') {
        $key = ($line -split '=', 2)[0]
        if ($line.Contains('=') -and $secretKeys -ccontains $key) {
            $bytes = New-Object byte[] 32
            $rng.GetBytes($bytes)
            $key + '=' + [Convert]::ToBase64String($bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_')
        } else {
            $line
        }
    }
    # UTF-8 without a BOM and LF endings: what docker compose reads.
    [System.IO.File]::WriteAllText((Join-Path $PSScriptRoot '.env'), (($lines -join "` + "`" + `n") + "` + "`" + `n"), (New-Object System.Text.UTF8Encoding $false))
    Write-Host 'wrote .env: keep it, the database was initialised with these secrets'
}

Write-Host 'starting {% .Project %} and waiting until every service is healthy...'
docker compose up --detach --wait --no-build
if ($LASTEXITCODE -ne 0) {
    docker compose ps
    docker compose logs --tail 30
    Fail 'the stack did not become healthy (service states and last log lines above)'
}
{%- if .Migrate %}

Write-Host 'running {% if .Migrate.What %}{% .Migrate.What %}{% else %}the migration{% end %}...'
docker compose exec -T {% ps .Migrate.Service %} {% psall .Migrate.Command %}
if ($LASTEXITCODE -ne 0) { Fail '{% if .Migrate.What %}{% .Migrate.What %}{% else %}the migration{% end %} failed (output above)' }
{%- end %}

Write-Host '{% .Project %} is up{% if .URL %}: {% .URL %}{% end %}' -ForegroundColor Green
`

const readmeText = `# {% .Project %}: offline bundle

Made by stackgen {% .StackgenVersion %} on {% .Created.Format "2006-01-02 15:04 MST" %} from the
{% .Stack %} stack. It holds everything needed to start {% .Project %} on a host
with no registry and no internet: the images, the compose files and configs,
and scripts that load and start them.

## What is inside

| Image | ID | Size in the engine |
| --- | --- | --- |
{%- range .Images %}
| {% .Name %} | {% short .ID %} | {% size .Size %} |
{%- end %}

- {% .ImageArchive %}: all {% len .Images %} images in one ` + "`docker save`" + ` archive (layers shared
  between images are stored once), compressed with {% .Codec %}; {% size .ImageTarSize %} uncompressed.
{%- if .Unpacker %}
- {% .Unpacker.Path %}: a tiny image ({% .Unpacker.Image %}) holding only stackgen, which
  decompresses the zstd archive for ` + "`docker load`" + ` on engines that cannot (Docker 20.10
  reads gzip but not zstd). It pulls nothing and has no network.
{%- end %}
- compose.yaml, the configs it mounts, .env.example, scripts/: the project.
{%- if .IncludesEnv %}
- .env: **the project's real secrets** (packed with --include-env). Keep this
  bundle as secret as the passwords in it.
{%- else %}
- No .env: the secrets never leave the build host. One is written on first start
  from .env.example with freshly generated secrets{% if .SecretKeys %} ({% range $i, $k := .SecretKeys %}{% if $i %}, {% end %}{% $k %}{% end %}){% end %}.
{%- end %}
- load-and-start.sh, load-and-start.ps1: load and start with Docker alone.
- SHA256SUMS and stackgen-bundle.json: the SHA-256 of every file, checked before
  anything is loaded.

## Requirements

- Docker Engine 20.10 or newer (Linux) or Docker Desktop (Windows, macOS) running
  {% .Platform %} containers, with Compose v2 (` + "`docker compose version`" + `).
- Free disk space for the images: about {% size .ImageTarSize %} in the engine, plus the
  unpacked bundle.

## Install with stackgen

    stackgen deploy --bundle {% .Project %}.zip        # or .tar.gz; --dir DIR to choose the folder

stackgen checks every checksum, loads the images, writes the files into ./{% .Project %},
asks for (or generates) the .env secrets, starts the stack, waits until it is
healthy{% if .Migrate %} and runs {% if .Migrate.What %}{% .Migrate.What %}{% else %}the migration{% end %}{% end %}.

## Install without stackgen

Linux or macOS:

    unzip {% .Project %}.zip            # or: tar -xzf {% .Project %}.tar.gz
    bash {% .Project %}/load-and-start.sh

Windows (PowerShell):

    Expand-Archive {% .Project %}.zip -DestinationPath .
    powershell -ExecutionPolicy Bypass -File .\{% .Project %}\load-and-start.ps1

The scripts do the same steps as stackgen. To check the files by hand:
` + "`sha256sum -c SHA256SUMS`" + ` in the {% .Project %} folder.
{%- if .URL %}

Then open {% .URL %}.
{%- end %}

## Troubleshooting

- "damaged" or "missing" with a file name: the copy is incomplete. Copy the
  bundle again and compare its size with the original's.
- "this engine runs ... but the images are ...": the host's CPU architecture
  differs from the build host's; build the bundle on a machine of the same kind.
  On Windows, switch Docker Desktop to Linux containers.
- "no space left on device" while loading: free about {% size .ImageTarSize %} for the
  engine's data directory (` + "`docker system df`" + `).
- A port is already in use: another service holds it; change the published
  port in .env or compose.yaml, then start again.
- A service is not healthy: ` + "`docker compose ps`" + ` and ` + "`docker compose logs SERVICE`" + ` in
  the {% .Project %} folder show why; the scripts print both.
- Keep .env: the database was initialised with its passwords. Starting again
  with a new .env against the old volumes fails to log in.
`
