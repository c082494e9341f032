#!/usr/bin/env bash
# Stand-in for the official mariadb image's entrypoint (own code, same
# contract). On an empty datadir: install the system tables, set the root
# password (MARIADB_ROOT_PASSWORD, or MARIADB_ALLOW_EMPTY_ROOT_PASSWORD /
# MARIADB_RANDOM_ROOT_PASSWORD), create the healthcheck user used by
# healthcheck.sh, MARIADB_DATABASE and MARIADB_USER/MARIADB_PASSWORD (MYSQL_*
# names accepted too), run /docker-entrypoint-initdb.d/*, then exec the
# server as mysql.
set -Eeuo pipefail

log() { printf '%s [Entrypoint]: %s\n' "$(date --rfc-3339=seconds)" "$*"; }
die() { log "error: $*" >&2; exit 1; }

# env_alias NAME: MARIADB_NAME from MARIADB_NAME, MYSQL_NAME, or their _FILE.
env_alias() {
  local n=$1 v="" m=MARIADB_$1 y=MYSQL_$1 f
  for f in "$m" "$y"; do
    if [[ -n ${!f:-} ]]; then v=${!f}; break; fi
    local ff="${f}_FILE"
    if [[ -n ${!ff:-} ]]; then v=$(< "${!ff}"); break; fi
  done
  export "$m"="$v"
}

sql_escape() { local s=${1//\\/\\\\}; printf '%s' "${s//\'/\\\'}"; }

if [[ ${1:0:1} == - ]]; then set -- mariadbd "$@"; fi

if [[ $1 == mariadbd || $1 == mysqld ]]; then
  if [[ $(id -u) == 0 ]]; then
    mkdir -p /var/lib/mysql /run/mysqld
    find /var/lib/mysql \! -user mysql -exec chown mysql:mysql {} + 2>/dev/null || true
    chown mysql:mysql /run/mysqld
    exec setpriv --reuid=mysql --regid=mysql --init-groups "${BASH_SOURCE[0]}" "$@"
  fi

  datadir=$("$@" --verbose --help 2>/dev/null | awk '$1 == "datadir" { print $2; exit }')
  datadir=${datadir:-/var/lib/mysql}
  socket=/run/mysqld/mysqld.sock

  if [[ ! -d $datadir/mysql ]]; then
    for n in ROOT_PASSWORD ALLOW_EMPTY_ROOT_PASSWORD RANDOM_ROOT_PASSWORD ROOT_HOST DATABASE USER PASSWORD INITDB_SKIP_TZINFO; do
      env_alias "$n"
    done
    MARIADB_ROOT_HOST=${MARIADB_ROOT_HOST:-%}
    if [[ -z $MARIADB_ROOT_PASSWORD && -z $MARIADB_ALLOW_EMPTY_ROOT_PASSWORD && -z $MARIADB_RANDOM_ROOT_PASSWORD ]]; then
      die "Database is uninitialized and password option is not specified
	You need to specify one of MARIADB_ROOT_PASSWORD, MARIADB_ROOT_PASSWORD_HASH, MARIADB_ALLOW_EMPTY_ROOT_PASSWORD and MARIADB_RANDOM_ROOT_PASSWORD"
    fi
    if [[ -n $MARIADB_RANDOM_ROOT_PASSWORD ]]; then
      MARIADB_ROOT_PASSWORD=$(pwgen --numerals --capitalize --symbols --remove-chars="'\\" -1 32)
      log "GENERATED ROOT PASSWORD: $MARIADB_ROOT_PASSWORD"
    fi
    if [[ -n $MARIADB_USER && $MARIADB_USER == root ]]; then
      die "MARIADB_USER=\"root\", MARIADB_USER and MARIADB_PASSWORD are for configuring a regular user and cannot be used for the root user"
    fi

    log "Initializing database files"
    mariadb-install-db --datadir="$datadir" --rpm --auth-root-authentication-method=normal \
      --skip-test-db --skip-log-bin --expire-logs-days=0 --loose-innodb_buffer_pool_load_at_startup=0 \
      --loose-innodb_buffer_pool_dump_at_shutdown=0 > /dev/null
    log "Database files initialized"

    log "Starting temporary server"
    "$@" --skip-networking --default-time-zone=SYSTEM --socket="$socket" --wsrep_on=OFF \
      --expire-logs-days=0 --skip-slave-start --loose-innodb_buffer_pool_load_at_startup=0 &
    tmp_pid=$!
    client=(mariadb --protocol=socket -uroot -hlocalhost --socket="$socket" --database=mysql --skip-ssl)
    for _ in $(seq 60); do
      if "${client[@]}" -e 'SELECT 1' >/dev/null 2>&1; then break; fi
      kill -0 "$tmp_pid" 2>/dev/null || die "temporary server exited"
      sleep 1
    done
    "${client[@]}" -e 'SELECT 1' >/dev/null || die "unable to start temporary server"
    log "Temporary server started."

    if [[ -z $MARIADB_INITDB_SKIP_TZINFO ]] && command -v mariadb-tzinfo-to-sql >/dev/null; then
      mariadb-tzinfo-to-sql --skip-write-binlog /usr/share/zoneinfo 2>/dev/null | "${client[@]}" || true
    fi

    rootpw=$(sql_escape "$MARIADB_ROOT_PASSWORD")
    roothost=$(sql_escape "$MARIADB_ROOT_HOST")
    hcpw=$(pwgen --numerals --capitalize --remove-chars="'\\" -1 32)
    {
      echo "SET @@SESSION.SQL_LOG_BIN=0;"
      echo "SET @@SESSION.SQL_MODE=REPLACE(@@SESSION.SQL_MODE, 'NO_BACKSLASH_ESCAPES', '');"
      echo "DROP USER IF EXISTS root@'127.0.0.1', root@'::1';"
      printf '%s\n' "EXECUTE IMMEDIATE CONCAT('DROP USER IF EXISTS root@\\'', @@hostname,'\\'');"
      echo "ALTER USER 'root'@'localhost' IDENTIFIED BY '$rootpw';"
      if [[ $MARIADB_ROOT_HOST != localhost ]]; then
        echo "CREATE USER 'root'@'$roothost' IDENTIFIED BY '$rootpw';"
        echo "GRANT ALL ON *.* TO 'root'@'$roothost' WITH GRANT OPTION;"
        echo "GRANT PROXY ON ''@'%' TO 'root'@'$roothost' WITH GRANT OPTION;"
      fi
      for h in 127.0.0.1 ::1 localhost; do
        echo "CREATE USER 'healthcheck'@'$h' IDENTIFIED BY '$hcpw';"
      done
      if [[ -n $MARIADB_DATABASE ]]; then
        echo "CREATE DATABASE IF NOT EXISTS \`${MARIADB_DATABASE//\`/\`\`}\`;"
      fi
      if [[ -n $MARIADB_USER ]]; then
        echo "CREATE USER '$(sql_escape "$MARIADB_USER")'@'%' IDENTIFIED BY '$(sql_escape "$MARIADB_PASSWORD")';"
        if [[ -n $MARIADB_DATABASE ]]; then
          echo "GRANT ALL ON \`${MARIADB_DATABASE//\`/\`\`}\`.* TO '$(sql_escape "$MARIADB_USER")'@'%';"
        fi
      fi
    } | "${client[@]}"
    printf '[mariadb-client]\nport=3306\nsocket=%s\nuser=healthcheck\npassword=%s\nprotocol=tcp\n' \
      "$socket" "$hcpw" > "$datadir/.my-healthcheck.cnf"
    chmod 0600 "$datadir/.my-healthcheck.cnf"

    client=(mariadb --protocol=socket -uroot -hlocalhost --socket="$socket" --skip-ssl)
    [[ -n $MARIADB_ROOT_PASSWORD ]] && client+=(--password="$MARIADB_ROOT_PASSWORD")
    [[ -n $MARIADB_DATABASE ]] && client+=(--database="$MARIADB_DATABASE")
    for f in /docker-entrypoint-initdb.d/*; do
      [[ -e $f ]] || continue
      case $f in
        *.sh)
          if [[ -x $f ]]; then log "$0: running $f"; "$f"
          else log "$0: sourcing $f"; # shellcheck disable=SC1090
            . "$f"; fi ;;
        *.sql) log "$0: running $f"; "${client[@]}" < "$f" ;;
        *.sql.gz) log "$0: running $f"; gunzip -c "$f" | "${client[@]}" ;;
        *.sql.xz) log "$0: running $f"; xzcat "$f" | "${client[@]}" ;;
        *.sql.zst) log "$0: running $f"; zstd -dc "$f" | "${client[@]}" ;;
        *) log "$0: ignoring $f" ;;
      esac
    done

    log "Stopping temporary server"
    kill "$tmp_pid"
    wait "$tmp_pid" || true
    log "Temporary server stopped"
    log "MariaDB init process done. Ready for start up."
  fi
fi

exec "$@"
