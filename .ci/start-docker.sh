#!/usr/bin/env bash
# Start a Docker Engine for the end-to-end tests when none answers.
# The daemon's pid goes to $STACKGEN_DOCKERD_PIDFILE so stop-docker.sh stops
# only a daemon this script started. Waits (bounded) for `docker info`.
set -euo pipefail

PIDFILE=${STACKGEN_DOCKERD_PIDFILE:-/run/stackgen-ci-dockerd.pid}
LOGFILE=${STACKGEN_DOCKERD_LOG:-/var/log/stackgen-ci-dockerd.log}
TIMEOUT=${STACKGEN_DOCKERD_TIMEOUT:-60}

log() { printf 'start-docker: %s\n' "$*" >&2; }

if docker info >/dev/null 2>&1; then
  log "engine already answers"
  exit 0
fi

if [[ -s $PIDFILE ]] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
  log "dockerd we started earlier (pid $(cat "$PIDFILE")) is still starting"
else
  if ! command -v dockerd >/dev/null 2>&1; then
    log "dockerd not installed: run .ci/install-tools.sh first"
    exit 1
  fi
  # Docker needs the cgroup and overlay file systems; a container-like
  # machine may lack the mounts a booted system would have.
  if [[ ! -e /sys/fs/cgroup/cgroup.controllers ]] && ! mountpoint -q /sys/fs/cgroup; then
    mount -t cgroup2 none /sys/fs/cgroup 2>/dev/null || true
  fi
  modprobe overlay 2>/dev/null || true
  log "starting dockerd (overlay2), log in $LOGFILE"
  # setsid: the daemon outlives this shell and the CI step that ran it.
  setsid dockerd --storage-driver=overlay2 --pidfile=/run/stackgen-ci-dockerd.internal.pid \
    >>"$LOGFILE" 2>&1 < /dev/null &
  echo $! > "$PIDFILE"
fi

deadline=$((SECONDS + TIMEOUT))
until docker info >/dev/null 2>&1; do
  if ! kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
    log "dockerd exited; last log lines:"
    tail -n 30 "$LOGFILE" >&2 || true
    rm -f "$PIDFILE"
    exit 1
  fi
  if (( SECONDS >= deadline )); then
    log "engine did not answer within ${TIMEOUT}s; last log lines:"
    tail -n 30 "$LOGFILE" >&2 || true
    exit 1
  fi
  sleep 1
done
log "engine up: $(docker version --format 'server {{.Server.Version}} (API {{.Server.APIVersion}})') storage $(docker info --format '{{.Driver}}')"
