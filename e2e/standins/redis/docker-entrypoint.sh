#!/bin/sh
# Like the official redis image's entrypoint: `redis-server ...` and
# `*.conf` first arguments run redis-server as the redis user; with no
# config file Redis listens on every interface without protected mode, as
# the official image does, so other containers of the network reach it.
set -e
if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then
  set -- redis-server "$@"
fi
if [ "$1" = redis-server ]; then
  case " $* " in
    *.conf\ *) ;;
    *) shift; set -- redis-server --protected-mode no --bind '* -::*' --dir /data "$@" ;;
  esac
  if [ "$(id -u)" = 0 ]; then
    chown -R redis:redis /data 2>/dev/null || true
    exec setpriv --reuid=redis --regid=redis --init-groups "$@"
  fi
fi
exec "$@"
