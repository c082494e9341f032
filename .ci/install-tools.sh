#!/usr/bin/env bash
# Install the tools stackgen's CI and end-to-end tests need on a Debian
# bookworm machine (run as root): shellcheck, nginx (binary only, for
# `nginx -t`), debootstrap, python3, Docker Engine (docker.io, 20.10) and the
# Compose v2 and buildx CLI plugins taken from Debian trixie packages (see
# shared/docs/testing.md). Idempotent: when everything is present it returns
# in well under a second without touching apt.
set -euo pipefail

log() { printf 'install-tools: %s\n' "$*" >&2; }

if [[ $(id -u) -ne 0 ]]; then
  log "must run as root (apt-get install)"
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
PLUGIN_DIR=/usr/libexec/docker/cli-plugins
# Debian package -> a file it installs, used to tell whether it is present
# (python3 on PATH may be another interpreter, e.g. pyenv's).
declare -A WANT=(
  [shellcheck]=/usr/bin/shellcheck
  [debootstrap]=/usr/sbin/debootstrap
  [docker.io]=/usr/sbin/dockerd
  [python3]=/usr/bin/python3
  [nginx]=/usr/sbin/nginx
  [ca-certificates]=/etc/ssl/certs/ca-certificates.crt
  [iptables]=/usr/sbin/iptables
  [zstd]=/usr/bin/zstd
  # systemd-analyze verify, for the backup schedule's units.
  [systemd]=/usr/bin/systemd-analyze
  # The Swarm e2e: a local registry, and network namespaces for three nodes.
  [docker-registry]=/usr/bin/docker-registry
  [iproute2]=/usr/sbin/ip
  # web.py, so the generated keras-webpy app.py is served in a unit test too.
  [python3-webpy]=/usr/lib/python3/dist-packages/web/__init__.py
  # The store of the kube-apiserver the Kubernetes e2e check runs (when its
  # cached build exists, see .ci/build-kube-apiserver.sh).
  [etcd-server]=/usr/bin/etcd
  # minisign checks the bundle signatures stackgen writes (sign package).
  [minisign]=/usr/bin/minisign
)

missing=()
for pkg in "${!WANT[@]}"; do
  [[ -e ${WANT[$pkg]} ]] || missing+=("$pkg")
done
need_plugins=0
[[ -x $PLUGIN_DIR/docker-compose && -x $PLUGIN_DIR/docker-buildx ]] || need_plugins=1

if [[ ${#missing[@]} -eq 0 && $need_plugins -eq 0 ]]; then
  log "all tools present"
  exit 0
fi

apt_updated=0
apt_update() {
  if [[ $apt_updated -eq 0 ]]; then
    apt-get update -qq
    apt_updated=1
  fi
}

if [[ ${#missing[@]} -gt 0 ]]; then
  log "installing: ${missing[*]}"
  apt_update
  # Keep package maintainer scripts from starting services (nginx on port
  # 80, dockerd): this script only wants the binaries; start-docker.sh starts
  # the engine itself. Only add the policy file when the machine has none.
  own_policy=0
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod 0755 /usr/sbin/policy-rc.d
    own_policy=1
  fi
  rc=0
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || rc=$?
  if [[ $own_policy -eq 1 ]]; then rm -f /usr/sbin/policy-rc.d; fi
  if [[ $rc -ne 0 ]]; then
    log "apt-get install failed ($rc)"
    exit "$rc"
  fi
  # Should a service have been started anyway, stop the nginx that the
  # package started (pid file written by the package's own service).
  if [[ -s /run/nginx.pid ]] && kill -0 "$(cat /run/nginx.pid)" 2>/dev/null; then
    log "stopping the nginx service the package started"
    /usr/sbin/nginx -s stop || true
  fi
fi

# Compose v2 and buildx: static binaries from Debian trixie, fetched with apt
# from a private sources list that points at this machine's own mirror, so the
# system's apt state stays bookworm-only.
if [[ $need_plugins -eq 1 ]]; then
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
  mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/debs" "$work/root"
  chown _apt "$work/debs" "$work/lists/partial" 2>/dev/null || true
  cat > "$work/trixie.sources" <<SRC
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
  mkdir -p "$work/srcparts"
  mv "$work/trixie.sources" "$work/srcparts/"
  log "fetching docker-compose and docker-buildx from trixie"
  apt-get "${apt_opts[@]}" update -qq
  (cd "$work/debs" && apt-get "${apt_opts[@]}" -qq download docker-compose docker-buildx)
  for deb in "$work"/debs/*.deb; do
    dpkg-deb -x "$deb" "$work/root"
  done
  install -d "$PLUGIN_DIR"
  for p in docker-compose docker-buildx; do
    install -m 0755 "$work/root/usr/libexec/docker/cli-plugins/$p" "$PLUGIN_DIR/$p"
  done
fi

# PowerShell, for the generated .ps1 twins: only when an apt package exists.
if ! command -v pwsh >/dev/null 2>&1; then
  apt_update
  if apt-cache show powershell >/dev/null 2>&1; then
    apt-get install -y -qq powershell >/dev/null || log "powershell package failed to install; skipping"
  fi
fi

log "done: $(docker --version 2>/dev/null || echo 'docker CLI missing'); compose $(docker compose version --short 2>/dev/null || echo missing); buildx $(docker buildx version 2>/dev/null | awk '{print $2}' || echo missing)"
