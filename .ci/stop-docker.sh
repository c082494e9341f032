#!/usr/bin/env bash
# Stop the dockerd that start-docker.sh started (by its recorded pid); leave
# any other engine alone.
set -euo pipefail

PIDFILE=${STACKGEN_DOCKERD_PIDFILE:-/run/stackgen-ci-dockerd.pid}
TIMEOUT=${STACKGEN_DOCKERD_TIMEOUT:-60}

log() { printf 'stop-docker: %s\n' "$*" >&2; }

if [[ ! -s $PIDFILE ]]; then
  log "no daemon started by start-docker.sh; nothing to stop"
  exit 0
fi
pid=$(cat "$PIDFILE")
if ! kill -0 "$pid" 2>/dev/null; then
  log "pid $pid is gone"
  rm -f "$PIDFILE"
  exit 0
fi
log "stopping dockerd (pid $pid)"
kill -TERM "$pid"
deadline=$((SECONDS + TIMEOUT))
while kill -0 "$pid" 2>/dev/null; do
  if (( SECONDS >= deadline )); then
    log "dockerd did not stop within ${TIMEOUT}s; sending KILL"
    kill -KILL "$pid" 2>/dev/null || true
    break
  fi
  sleep 1
done
rm -f "$PIDFILE"
