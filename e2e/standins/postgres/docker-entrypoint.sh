#!/usr/bin/env bash
# Stand-in for the official postgres image's entrypoint (own code, same
# contract): on an empty PGDATA, initdb with POSTGRES_USER/POSTGRES_PASSWORD,
# create POSTGRES_DB, run /docker-entrypoint-initdb.d/* against a server
# that listens only on its socket, then exec postgres as the postgres user.
set -Eeuo pipefail

# file_env VAR [DEFAULT]: VAR or the content of the file named by VAR_FILE.
file_env() {
  local var=$1 fvar="${1}_FILE" def=${2:-} val
  if [[ -n ${!var:-} && -n ${!fvar:-} ]]; then
    echo >&2 "error: both $var and $fvar are set (but are exclusive)"
    exit 1
  fi
  val=$def
  if [[ -n ${!var:-} ]]; then val=${!var}; elif [[ -n ${!fvar:-} ]]; then val=$(< "${!fvar}"); fi
  export "$var"="$val"
  unset "$fvar"
}

if [[ ${1:0:1} == - ]]; then set -- postgres "$@"; fi

if [[ $1 == postgres && $(id -u) == 0 ]]; then
  mkdir -p "$PGDATA"
  chown -R postgres:postgres "$PGDATA"
  chmod 00700 "$PGDATA"
  mkdir -p /var/run/postgresql && chown postgres:postgres /var/run/postgresql && chmod 3777 /var/run/postgresql
  exec setpriv --reuid=postgres --regid=postgres --init-groups "${BASH_SOURCE[0]}" "$@"
fi

if [[ $1 == postgres && ! -s $PGDATA/PG_VERSION ]]; then
  file_env POSTGRES_PASSWORD
  file_env POSTGRES_USER postgres
  file_env POSTGRES_DB "$POSTGRES_USER"
  file_env POSTGRES_INITDB_ARGS
  auth=${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}
  if [[ -z $POSTGRES_PASSWORD && $auth != trust ]]; then
    cat >&2 <<'MSG'
Error: Database is uninitialized and superuser password is not specified.
       You must specify POSTGRES_PASSWORD to a non-empty value for the
       superuser. For example, "-e POSTGRES_PASSWORD=password" on "docker run".
       (or set POSTGRES_HOST_AUTH_METHOD=trust to allow all connections
       without a password; not recommended)
MSG
    exit 1
  fi
  mkdir -p "$PGDATA" && chmod 00700 "$PGDATA"
  pwfile=$(mktemp)
  printf '%s\n' "$POSTGRES_PASSWORD" > "$pwfile"
  # shellcheck disable=SC2086 # POSTGRES_INITDB_ARGS is a list of words
  initdb --username="$POSTGRES_USER" --pwfile="$pwfile" -D "$PGDATA" $POSTGRES_INITDB_ARGS
  rm -f "$pwfile"
  printf "\nlisten_addresses = '*'\n" >> "$PGDATA/postgresql.conf"
  printf '\nhost all all all %s\n' "$auth" >> "$PGDATA/pg_hba.conf"

  # Temporary server on the socket only, for the init scripts; like the
  # official entrypoint it gets the command's own options too (e.g.
  # -c config_file=...), with listen_addresses overridden after them.
  # (printf '%q' of no arguments would print '', an empty argument.)
  opts=
  if [[ $# -gt 1 ]]; then opts=$(printf '%q ' "${@:2}"); fi
  pg_ctl -D "$PGDATA" -o "$opts -c listen_addresses='' -p ${PGPORT:-5432}" -w start
  export PGPASSWORD=$POSTGRES_PASSWORD
  psql=(psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --no-psqlrc)
  if [[ $POSTGRES_DB != postgres ]]; then
    "${psql[@]}" --dbname postgres --set db="$POSTGRES_DB" <<<'CREATE DATABASE :"db";'
  fi
  psql+=(--dbname "$POSTGRES_DB")
  for f in /docker-entrypoint-initdb.d/*; do
    [[ -e $f ]] || continue
    case $f in
      *.sh)
        if [[ -x $f ]]; then echo "$0: running $f"; "$f"
        else echo "$0: sourcing $f"; # shellcheck disable=SC1090
          . "$f"; fi ;;
      *.sql) echo "$0: running $f"; "${psql[@]}" -f "$f" ;;
      *.sql.gz) echo "$0: running $f"; gunzip -c "$f" | "${psql[@]}" ;;
      *.sql.xz) echo "$0: running $f"; xzcat "$f" | "${psql[@]}" ;;
      *.sql.zst) echo "$0: running $f"; zstd -dc "$f" | "${psql[@]}" ;;
      *) echo "$0: ignoring $f" ;;
    esac
  done
  unset PGPASSWORD
  pg_ctl -D "$PGDATA" -m fast -w stop
  echo
  echo 'PostgreSQL init process complete; ready for start up.'
  echo
fi

exec "$@"
