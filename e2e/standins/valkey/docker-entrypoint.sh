#!/bin/sh
# Like the official valkey image's entrypoint: `valkey-server ...` and
# `*.conf` first arguments run valkey-server as the valkey user; with no
# config file Valkey listens on every interface without protected mode, as
# the official image does, so other containers of the network reach it.
set -e
if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then
  set -- valkey-server "$@"
fi
if [ "$1" = valkey-server ]; then
  case " $* " in
    *.conf\ *) ;;
    *) shift; set -- valkey-server --protected-mode no --bind '* -::*' --dir /data "$@" ;;
  esac
  if [ "$(id -u)" = 0 ]; then
    chown -R valkey:valkey /data 2>/dev/null || true
    exec setpriv --reuid=valkey --regid=valkey --init-groups "$@"
  fi
fi
exec "$@"
