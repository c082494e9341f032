#!/bin/sh
# Stand-in for the official nginx entrypoint: when the command is nginx,
# render /etc/nginx/templates/*.template into /etc/nginx/conf.d (only the
# variables set in the environment are substituted) and run
# /docker-entrypoint.d/*.sh, then exec the command.
set -e
case "$1" in
  nginx|nginx-debug)
    tdir=${NGINX_ENVSUBST_TEMPLATE_DIR:-/etc/nginx/templates}
    odir=${NGINX_ENVSUBST_OUTPUT_DIR:-/etc/nginx/conf.d}
    suffix=${NGINX_ENVSUBST_TEMPLATE_SUFFIX:-.template}
    if [ -d "$tdir" ] && [ -w "$odir" ]; then
      vars=$(env | cut -d= -f1 | sed 's/^/${/; s/$/}/' | tr '\n' ' ')
      find -L "$tdir" -type f -name "*$suffix" -print | while read -r t; do
        rel=${t#"$tdir"/}
        out="$odir/${rel%"$suffix"}"
        mkdir -p "$(dirname "$out")"
        echo "$0: rendering $t to $out"
        envsubst "$vars" < "$t" > "$out"
      done
    fi
    for f in /docker-entrypoint.d/*.sh; do
      [ -e "$f" ] || continue
      if [ -x "$f" ]; then echo "$0: running $f"; "$f"; else echo "$0: ignoring $f, not executable"; fi
    done
    ;;
esac
exec "$@"
