#!/usr/bin/env bash
# Debian trixie's Docker Engine (docker.io, Engine 26.1) and containerd
# (1.7), extracted (not installed) into a cache directory, for the e2e test
# that runs a second engine with the containerd image store beside the
# bookworm 20.10 one (e2e/containerd_store_test.go; shared/docs/testing.md,
# "Today's Docker"). Fetched with apt from a private trixie sources list on
# this machine's own mirror, so the system's apt state stays bookworm-only.
# Cached: fast when the directory is there.
#
#   STACKGEN_E2E_CACHE  cache root (default /var/cache/stackgen-e2e)
set -euo pipefail

log() { printf 'fetch-trixie-docker: %s\n' "$*" >&2; }

cache="${STACKGEN_E2E_CACHE:-/var/cache/stackgen-e2e}"
out="$cache/trixie-docker"
if [[ -x $out/root/usr/sbin/dockerd && -x $out/root/usr/bin/containerd ]]; then
  log "cached $out"
  exit 0
fi

mirror=$(awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }' \
  /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
if [[ -z $mirror && -r /etc/apt/sources.list ]]; then
  mirror=$(awk '$1 == "deb" && $2 !~ /security/ { print $2; exit }' /etc/apt/sources.list)
fi
if [[ -z $mirror ]]; then
  log "cannot find the Debian mirror in /etc/apt/sources.list.d/debian.sources"
  exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chmod 0755 "$work" # apt's _apt download user must reach it
mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/debs" "$work/srcparts" "$work/root"
chown _apt "$work/debs" "$work/lists/partial" 2>/dev/null || true
cat > "$work/srcparts/trixie.sources" <<SRC
Types: deb
URIs: $mirror
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
apt_opts=(
  -o "Dir::Etc::SourceList=/dev/null"
  -o "Dir::Etc::SourceParts=$work/srcparts"
  -o "Dir::State::Lists=$work/lists"
  -o "Dir::Cache=$work/cache"
  -o "Dir::State::status=/var/lib/dpkg/status"
  -o "APT::Get::List-Cleanup=0"
)
log "fetching docker.io and containerd from trixie"
apt-get "${apt_opts[@]}" update -qq
(cd "$work/debs" && apt-get "${apt_opts[@]}" -qq download docker.io containerd)
for deb in "$work"/debs/*.deb; do
  dpkg-deb -x "$deb" "$work/root"
done
mkdir -p "$cache"
rm -rf "$out.tmp"
mkdir -p "$out.tmp"
mv "$work/root" "$out.tmp/root"
ls "$work"/debs > "$out.tmp/PACKAGES"
rm -rf "$out"
mv "$out.tmp" "$out"
log "extracted into $out: $(tr '\n' ' ' < "$out/PACKAGES")"
