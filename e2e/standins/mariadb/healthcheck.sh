#!/usr/bin/env bash
# Stand-in for the official mariadb image's healthcheck.sh (own code, same
# command line). Tests run in order; the first that fails exits non-zero.
#   --connect              the server accepts a TCP connection (so not the
#                          socket-only server of the first-init phase)
#   --innodb_initialized   InnoDB is available
#   --innodb_buffer_pool_loaded   the buffer pool load has completed
#   --su-mysql, --defaults-file=F, --defaults-extra-file=F, --no-defaults
# Credentials: /var/lib/mysql/.my-healthcheck.cnf written at first init,
# else root with MARIADB_ROOT_PASSWORD/MYSQL_ROOT_PASSWORD.
set -uo pipefail

defaults=()
cnf=/var/lib/mysql/.my-healthcheck.cnf
if [[ -r $cnf ]]; then
  defaults=(--defaults-extra-file="$cnf")
fi
creds=()
if [[ ! -r $cnf ]]; then
  pw=${MARIADB_ROOT_PASSWORD:-${MYSQL_ROOT_PASSWORD:-}}
  creds=(-uroot)
  [[ -n $pw ]] && creds+=(--password="$pw")
fi

q() { mariadb "${defaults[@]}" "${creds[@]}" --protocol=tcp -h127.0.0.1 -P"${PORT:-3306}" --skip-ssl --skip-column-names --batch -e "$1" 2>&1; }

tests=()
for a in "$@"; do
  case $a in
    --su-mysql|--su=mysql) ;;
    --defaults-file=*|--defaults-extra-file=*) defaults=("$a"); creds=() ;;
    --no-defaults) defaults=(--no-defaults) ;;
    --connect|--innodb_initialized|--innodb_buffer_pool_loaded) tests+=("${a#--}") ;;
    *) echo "healthcheck.sh (stand-in): unsupported option $a" >&2; exit 2 ;;
  esac
done
[[ ${#tests[@]} -gt 0 ]] || tests=(connect)

for t in "${tests[@]}"; do
  case $t in
    connect)
      out=$(q 'SELECT 1') || { echo "healthcheck connect failed: $out" >&2; exit 1; } ;;
    innodb_initialized)
      out=$(q "SELECT 1 FROM information_schema.ENGINES WHERE engine='innodb' AND support IN ('YES','DEFAULT','ENABLED')")
      [[ $out == 1 ]] || { echo "healthcheck innodb_initialized failed: $out" >&2; exit 1; } ;;
    innodb_buffer_pool_loaded)
      out=$(q "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME='INNODB_BUFFER_POOL_LOAD_STATUS'")
      [[ $out == *'completed at'* || $out == *'not started'* ]] || { echo "healthcheck innodb_buffer_pool_loaded failed: $out" >&2; exit 1; } ;;
  esac
done
exit 0
