package bundle

import (
	"bytes"
	"fmt"
	"strings"
	"text/template"

	"github.com/stackgen/stackgen/internal/units"
	renderpkg "github.com/stackgen/stackgen/render"
)

// The scripts and the README are templates with {% %} delimiters, so the
// shells' own braces and docker's --format templates need no escaping.
func render(name, text string, m *Manifest) ([]byte, error) {
	t, err := template.New(name).Delims("{%", "%}").Funcs(funcs()).Parse(text)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := t.Execute(&b, m); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// funcs are stackgen's quoting helpers (every value the scripts and the
// README write goes through one: scripts_test.go holds them to it) plus a
// few formatters.
func funcs() template.FuncMap {
	f := renderpkg.Funcs()
	f["shall"] = func(ss []string) (string, error) { return joinQuoted(ss, renderpkg.ShellWord) }
	f["psall"] = func(ss []string) (string, error) { return joinQuoted(ss, psQuote) }
	// psarray is the inside of @(...): elements need commas there.
	f["psarray"] = psArray
	f["cmdword"] = cmdWord
	f["size"] = units.Bytes
	f["short"] = shortID
	f["winpath"] = func(p string) string { return strings.ReplaceAll(p, "/", `\`) }
	f["migration"] = migration
	f["secretsFor"] = func(keys []string) string {
		if len(keys) == 0 {
			return ""
		}
		return " for " + strings.Join(keys, ", ")
	}
	f["urlSuffix"] = func(url string) string {
		if url == "" {
			return ""
		}
		return ": " + url
	}
	return f
}

// migration names the migration step for messages.
func migration(m *Migrate) string {
	if m == nil || m.What == "" {
		return "the migration"
	}
	return m.What
}

// cmdWord passes s into a cmd.exe command line only when it holds no
// character cmd.exe or its quoting would interpret; no escape works in
// every position of a cmd.exe line, so anything else is refused.
func cmdWord(s string) (string, error) {
	if s == "" || strings.IndexFunc(s, func(r rune) bool {
		return !(r < 0x80 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(`._:/\@+=,-`, r)))
	}) >= 0 {
		return "", fmt.Errorf("%q cannot be written into a cmd.exe command line: use letters, digits and . _ : / \\ @ + = , -", s)
	}
	return s, nil
}

func shortID(id string) string {
	id = strings.TrimPrefix(id, "sha256:")
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

func psQuote(s string) (string, error) { return renderpkg.PowerShellQuote(s), nil }

func psArray(ss []string) string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = renderpkg.PowerShellQuote(s)
	}
	return strings.Join(out, ", ")
}

func joinQuoted(ss []string, q func(string) (string, error)) (string, error) {
	out := make([]string, len(ss))
	for i, s := range ss {
		var err error
		if out[i], err = q(s); err != nil {
			return "", err
		}
	}
	return strings.Join(out, " "), nil
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
	// code page: a project name in Chinese needs one. CRLF keeps Notepad
	// happy.
	return renderpkg.PowerShellBOM(bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n"))), nil
}

// Readme renders the README for the offline host, in the project's language.
func Readme(m *Manifest) ([]byte, error) {
	if m.Lang == "zh" {
		return render("readme", readmeTextZh, m)
	}
	return render("readme", readmeText, m)
}

const bashScript = `#!/usr/bin/env bash
# Load this bundle's images into Docker and start {% comment .Project %}.
# Needs only Docker Engine 20.10+ (or Docker Desktop) with Compose v2;
# stackgen itself is not needed here. Written by stackgen {% comment .StackgenVersion %}.
#
#   bash {% comment .Project %}/load-and-start.sh
#
# Steps: check every file's SHA-256 (before anything is loaded), load the
# images, write .env with fresh secrets if there is none, start the stack,
# wait until every service is healthy{% if .Migrate %}, run {% comment (migration .Migrate) %}{% end %}.
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
  die "this engine runs $platform but the images are" {% sh .Platform %}
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
log {% sh (printf "loading %d images (%s in the engine)..." (len .Images) (size .TotalImageSize)) %}
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
  log {% sh (printf "no .env: writing one from .env.example with fresh secrets%s" (secretsFor .SecretKeys)) %}
  secret_keys={% sh (printf " %s " (join .SecretKeys " ")) %}
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

log {% sh (printf "starting %s and waiting until every service is healthy..." .Project) %}
if ! docker compose up --detach --wait --no-build; then
  docker compose ps >&2 || true
  docker compose logs --tail 30 >&2 || true
  die "the stack did not become healthy (service states and last log lines above)"
fi
{%- if .Migrate %}

log {% sh (printf "running %s..." (migration .Migrate)) %}
docker compose exec -T {% sh .Migrate.Service %} {% shall .Migrate.Command %} || die {% sh (printf "%s failed (output above)" (migration .Migrate)) %}
{%- end %}

log {% sh (printf "%s is up%s" .Project (urlSuffix .URL)) %}
`

const psScript = `#Requires -Version 5.1
# Load this bundle's images into Docker and start {% pscomment .Project %}.
# Needs only Docker Desktop (or Docker Engine 20.10+) with Compose v2;
# stackgen itself is not needed here. Written by stackgen {% pscomment .StackgenVersion %}.
#
#   powershell -ExecutionPolicy Bypass -File .\{% pscomment .Project %}\load-and-start.ps1
#
# Steps: check every file's SHA-256 (before anything is loaded), load the
# images, write .env with fresh secrets if there is none, start the stack,
# wait until every service is healthy{% if .Migrate %}, run {% pscomment (migration .Migrate) %}{% end %}.
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
if ($platform -ne {% ps .Platform %}) { Fail ("this engine runs $platform but the images are " + {% ps .Platform %} + ' (Docker Desktop: switch to Linux containers)') }

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
Write-Host {% ps (printf "loading %d images (%s in the engine)..." (len .Images) (size .TotalImageSize)) %}
{%- if eq .Codec "gzip" %}
docker load --input {% ps .ImageArchive %}
if ($LASTEXITCODE -ne 0) { Fail 'docker load failed (message above)' }
{%- else if .Unpacker %}
# This engine's docker load may not read zstd: the unpacker image (stackgen
# alone in an empty image, gzip'd so any engine loads it) decompresses it.
docker load --input {% ps .Unpacker.Path %}
if ($LASTEXITCODE -ne 0) { Fail 'docker load of the unpacker image failed (message above)' }
Invoke-Shell {% ps (printf "docker run --rm --interactive --log-driver none --network none %s < %s | docker load" (cmdword .Unpacker.Image) (cmdword (winpath .ImageArchive))) %} {% ps (printf "docker run --rm --interactive --log-driver none --network none %s < %s | docker load" (sh .Unpacker.Image) (sh .ImageArchive)) %}
docker image rm {% ps .Unpacker.Image %} > $null
{%- else %}
Invoke-Shell {% ps (printf "zstd --decompress --stdout --memory=2048MB %s | docker load" (cmdword (winpath .ImageArchive))) %} {% ps (printf "zstd --decompress --stdout --memory=2048MB %s | docker load" (sh .ImageArchive)) %}
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
    Write-Host {% ps (printf "no .env: writing one from .env.example with fresh secrets%s" (secretsFor .SecretKeys)) %}
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

Write-Host {% ps (printf "starting %s and waiting until every service is healthy..." .Project) %}
docker compose up --detach --wait --no-build
if ($LASTEXITCODE -ne 0) {
    docker compose ps
    docker compose logs --tail 30
    Fail 'the stack did not become healthy (service states and last log lines above)'
}
{%- if .Migrate %}

Write-Host {% ps (printf "running %s..." (migration .Migrate)) %}
docker compose exec -T {% ps .Migrate.Service %} {% psall .Migrate.Command %}
if ($LASTEXITCODE -ne 0) { Fail {% ps (printf "%s failed (output above)" (migration .Migrate)) %} }
{%- end %}

Write-Host {% ps (printf "%s is up%s" .Project (urlSuffix .URL)) %} -ForegroundColor Green
`

const readmeText = `# {% md .Project %}: offline bundle

Made by stackgen {% md .StackgenVersion %} on {% md (.Created.Format "2006-01-02 15:04 MST") %} from the
{% md .Stack %} stack. It holds everything needed to start {% md .Project %} on a host
with no registry and no internet: the images, the compose files and configs,
and scripts that load and start them.

## What is inside

| Image | ID | Size in the engine |
| --- | --- | --- |
{%- range .Images %}
| {% md .Name %} | {% md (short .ID) %} | {% md (size .Size) %} |
{%- end %}

- {% md .ImageArchive %}: all {% num (len .Images) %} images in one ` + "`docker save`" + ` archive (layers shared
  between images are stored once), compressed with {% md .Codec %}; {% md (size .ImageTarSize) %} uncompressed.
{%- if .Unpacker %}
- {% md .Unpacker.Path %}: a tiny image ({% md .Unpacker.Image %}) holding only stackgen, which
  decompresses the zstd archive for ` + "`docker load`" + ` on engines that cannot (Docker 20.10
  reads gzip but not zstd). It pulls nothing and has no network.
{%- end %}
- compose.yaml, the configs it mounts, .env.example, scripts/: the project.
{%- if .IncludesEnv %}
- .env: **the project's real secrets** (packed with --include-env). Keep this
  bundle as secret as the passwords in it.
{%- else %}
- No .env: the secrets never leave the build host. One is written on first start
  from .env.example with freshly generated secrets{% if .SecretKeys %} ({% md (join .SecretKeys ", ") %}){% end %}.
{%- end %}
- load-and-start.sh, load-and-start.ps1: load and start with Docker alone.
- SHA256SUMS and stackgen-bundle.json: the SHA-256 of every file, checked before
  anything is loaded.

## Requirements

- Docker Engine 20.10 or newer (Linux) or Docker Desktop (Windows, macOS) running
  {% md .Platform %} containers, with Compose v2 (` + "`docker compose version`" + `).
- Free disk space for the images: about {% md (size .ImageTarSize) %} in the engine, plus the
  unpacked bundle.

## Install with stackgen

    stackgen deploy --bundle {% mdcode (sh (printf "%s.zip" .Project)) %}        # or .tar.gz; --dir DIR to choose the folder

stackgen checks every checksum, loads the images, writes the files into ./{% md .Project %},
asks for (or generates) the .env secrets, starts the stack, waits until it is
healthy{% if .Migrate %} and runs {% md (migration .Migrate) %}{% end %}.

## Install without stackgen

Linux or macOS:

    unzip {% mdcode (sh (printf "%s.zip" .Project)) %}            # or: tar -xzf {% mdcode (sh (printf "%s.tar.gz" .Project)) %}
    bash {% mdcode (sh (printf "%s/load-and-start.sh" .Project)) %}

Windows (PowerShell):

    Expand-Archive {% mdcode (ps (printf "%s.zip" .Project)) %} -DestinationPath .
    powershell -ExecutionPolicy Bypass -File {% mdcode (ps (printf ".\\%s\\load-and-start.ps1" .Project)) %}

The scripts do the same steps as stackgen. To check the files by hand:
` + "`sha256sum -c SHA256SUMS`" + ` in the {% md .Project %} folder.
{%- if .URL %}

Then open {% md .URL %}.
{%- end %}

## Troubleshooting

- "damaged" or "missing" with a file name: the copy is incomplete. Copy the
  bundle again and compare its size with the original's.
- "this engine runs ... but the images are ...": the host's CPU architecture
  differs from the build host's; build the bundle on a machine of the same kind.
  On Windows, switch Docker Desktop to Linux containers.
- "no space left on device" while loading: free about {% md (size .ImageTarSize) %} for the
  engine's data directory (` + "`docker system df`" + `).
- A port is already in use: another service holds it; change the published
  port in .env or compose.yaml, then start again.
- A service is not healthy: ` + "`docker compose ps`" + ` and ` + "`docker compose logs SERVICE`" + ` in
  the {% md .Project %} folder show why; the scripts print both.
- Keep .env: the database was initialised with its passwords. Starting again
  with a new .env against the old volumes fails to log in.
`
