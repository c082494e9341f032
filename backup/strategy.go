package backup

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"

	"github.com/stackgen/stackgen/internal/msg"
	"github.com/stackgen/stackgen/stack"
)

// Strategy is how one kind of state is dumped, checked and restored.
type Strategy struct {
	Kind stack.StateKind
	// Ext is the data file's extension.
	Ext string
	// Dump is the command run (without a TTY) in the service's running
	// container; its stdout is the dump. Nil for files, which are copied
	// out of the container by the engine instead, so the image needs no tar.
	Dump []string
	// Restore is the command run in the service's running container with
	// the dump on stdin. Nil for kinds whose server must be stopped while
	// its files are replaced (Redis, files).
	Restore []string
	// Check looks at a file's first and last bytes (up to checkBytes each)
	// for the marks a complete dump of this kind has, so a truncated or
	// foreign file is refused even when its checksum was recomputed.
	Check func(head, tail []byte) error
	// Tar is true when the file is a tar archive (checked entry by entry).
	Tar bool
	// Gzip is true when stackgen stores the dump gzip-compressed (SQL
	// text shrinks several times; the other kinds are compressed already
	// or mostly media that does not compress). Reading goes by the name:
	// any data file named *.gz is gzip (see Compressed).
	Gzip bool
}

const checkBytes = 512

// The shell snippets below run with the image's /bin/sh (dash, busybox or
// bash) and read credentials from the container's own environment, as the
// official images define them (MARIADB_*/MYSQL_*, POSTGRES_*, and
// REDISCLI_AUTH or REDIS_PASSWORD), including the *_FILE variants.

const mysqlPrelude = `set -eu
pw=${MARIADB_ROOT_PASSWORD:-${MYSQL_ROOT_PASSWORD:-}}
pwf=${MARIADB_ROOT_PASSWORD_FILE:-${MYSQL_ROOT_PASSWORD_FILE:-}}
if [ -z "$pw" ] && [ -n "$pwf" ]; then pw=$(cat "$pwf"); fi
if [ -n "$pw" ]; then MYSQL_PWD=$pw; export MYSQL_PWD; fi
if command -v mariadb-dump >/dev/null 2>&1; then dump=mariadb-dump cli=mariadb; else dump=mysqldump cli=mysql; fi
`

// MySQLDumpScript dumps every non-system database in one consistent
// snapshot (--single-transaction), with routines, events and triggers, and
// DROP DATABASE statements so a restore leaves exactly the backed-up state.
// The mysql schema (users, grants, the image's healthcheck user) is left
// out on purpose: the image creates the users from .env on first start, and
// restoring old grants over them would break the health check and any
// rotated password.
const MySQLDumpScript = mysqlPrelude + `dbs=$("$cli" -uroot -N -B -e 'SHOW DATABASES' | grep -Ev '^(information_schema|performance_schema|mysql|sys)$' || true)
if [ -z "$dbs" ]; then echo "the server has no databases besides the system ones: nothing to back up" >&2; exit 3; fi
# shellcheck disable=SC2086 # one word per database name
exec "$dump" -uroot --single-transaction --quick --routines --events --triggers --hex-blob --add-drop-database --databases $dbs
`

// MySQLRestoreScript feeds a dump (stdin) to the client as root. The
// image's database is the default one, so a dump of that one database
// without USE statements restores too.
const MySQLRestoreScript = mysqlPrelude + `db=${MARIADB_DATABASE:-${MYSQL_DATABASE:-}}
if [ -n "$db" ]; then exec "$cli" -uroot "$db"; fi
exec "$cli" -uroot
`

const postgresPrelude = `set -eu
pw=${POSTGRES_PASSWORD:-}
if [ -z "$pw" ] && [ -n "${POSTGRES_PASSWORD_FILE:-}" ]; then pw=$(cat "$POSTGRES_PASSWORD_FILE"); fi
user=${POSTGRES_USER:-}
if [ -z "$user" ] && [ -n "${POSTGRES_USER_FILE:-}" ]; then user=$(cat "$POSTGRES_USER_FILE"); fi
user=${user:-postgres}
db=${POSTGRES_DB:-}
if [ -z "$db" ] && [ -n "${POSTGRES_DB_FILE:-}" ]; then db=$(cat "$POSTGRES_DB_FILE"); fi
db=${db:-$user}
PGPASSWORD=$pw; export PGPASSWORD
`

// PostgresDumpScript writes pg_dump's custom format of POSTGRES_DB.
const PostgresDumpScript = postgresPrelude + `exec pg_dump -Fc -U "$user" -d "$db"
`

// PostgresRestoreScript recreates POSTGRES_DB (so tables made after the
// backup, such as a newer migration's, go too; dropdb connects to another
// database for it) and restores a custom-format dump (stdin) into it in one
// transaction. Ownership goes to POSTGRES_USER, so a project with a new
// .env restores too.
const PostgresRestoreScript = postgresPrelude + `dropdb -U "$user" --if-exists --force "$db" 2>/dev/null || dropdb -U "$user" --if-exists "$db"
createdb -U "$user" -O "$user" "$db"
exec pg_restore --no-owner --exit-on-error --single-transaction -U "$user" -d "$db"
`

// redisCLIPrelude picks the client (Valkey's images name it valkey-cli and
// may have no redis-cli) and its password: REDISCLI_AUTH, which valkey-cli
// reads too, VALKEYCLI_AUTH, or REDIS_PASSWORD.
const redisCLIPrelude = `set -eu
cli=redis-cli
if ! command -v redis-cli >/dev/null 2>&1 && command -v valkey-cli >/dev/null 2>&1; then cli=valkey-cli; fi
if [ -z "${REDISCLI_AUTH:-}" ]; then REDISCLI_AUTH=${VALKEYCLI_AUTH:-${REDIS_PASSWORD:-}}; fi
if [ -n "$REDISCLI_AUTH" ]; then export REDISCLI_AUTH; else unset REDISCLI_AUTH; fi
`

// RedisDumpScript asks for a BGSAVE and waits for it by LASTSAVE (BGSAVE
// only starts a child: copying the file at once copies the previous
// snapshot, or a half-written one on some file systems), then writes the
// RDB file to stdout. LASTSAVE counts whole seconds, so the script first
// lets the clock pass the last save's second: a save that ends later has a
// larger LASTSAVE. It reports where the file is on stderr
// ("stackgen-rdb=<path>"). Every wait is bounded (10 minutes).
const RedisDumpScript = redisCLIPrelude + `nap() { sleep 0.2 2>/dev/null || sleep 1; }
dir=$("$cli" CONFIG GET dir 2>/dev/null | sed -n 2p) || dir=
file=$("$cli" CONFIG GET dbfilename 2>/dev/null | sed -n 2p) || file=
dir=${dir:-/data}
file=${file:-dump.rdb}
before=$("$cli" LASTSAVE 2>&1) || true
case $before in
  ''|*[!0-9]*) echo "$cli LASTSAVE answered \"$before\": cannot talk to Redis (if it needs a password, set REDISCLI_AUTH or REDIS_PASSWORD in the service's environment)" >&2; exit 3 ;;
esac
n=0
while [ "$(date +%s)" -le "$before" ] && [ $n -lt 50 ]; do n=$((n + 1)); nap; done
n=0
until out=$("$cli" BGSAVE 2>&1) && case $out in *started*|*scheduled*) true ;; *) false ;; esac; do
  n=$((n + 1))
  if [ $n -ge 3000 ]; then echo "BGSAVE did not start in 10 minutes: $out" >&2; exit 3; fi
  nap
done
n=0
while :; do
  now=$("$cli" LASTSAVE 2>&1) || true
  if [ "$now" -gt "$before" ] 2>/dev/null; then
    info=$("$cli" INFO persistence 2>&1) || true
    case $info in *rdb_bgsave_in_progress:0*) break ;; esac
  fi
  n=$((n + 1))
  if [ $n -ge 3000 ]; then echo "BGSAVE did not finish in 10 minutes (LASTSAVE still $now)" >&2; exit 3; fi
  nap
done
case $info in
  *rdb_last_bgsave_status:ok*) ;;
  *) echo "BGSAVE failed: $(printf '%s\n' "$info" | grep rdb_last_bgsave_status || true) (see the redis service's log)" >&2; exit 3 ;;
esac
echo "stackgen-rdb=$dir/$file" >&2
exec cat "$dir/$file"
`

// ClearDirScript prints the owner (uid:gid) of directory $1, then empties
// it, dot files included. It runs as root in a helper container that shares
// the stopped service's volumes.
const ClearDirScript = `set -eu
mkdir -p "$1"
cd "$1"
stat -c '%u:%g' .
rm -rf -- ..?* .[!.]* *
`

// RedisPrepareScript prints the owner of the RDB's directory ($1), removes
// the old RDB ($2) and any append-only file, which Redis would load instead
// of the restored RDB. It runs like ClearDirScript.
const RedisPrepareScript = `set -eu
cd "$1"
stat -c '%u:%g' .
rm -rf -- "$2" appendonlydir appendonly.aof
`

var strategies = map[stack.StateKind]*Strategy{
	stack.StateMySQL: {
		Kind: stack.StateMySQL, Ext: "sql.gz", Gzip: true,
		Dump:    []string{"sh", "-c", MySQLDumpScript},
		Restore: []string{"sh", "-c", MySQLRestoreScript},
		Check:   checkSQLDump,
	},
	stack.StateMariaDB: {
		Kind: stack.StateMariaDB, Ext: "sql.gz", Gzip: true,
		Dump:    []string{"sh", "-c", MySQLDumpScript},
		Restore: []string{"sh", "-c", MySQLRestoreScript},
		Check:   checkSQLDump,
	},
	stack.StatePostgres: {
		Kind: stack.StatePostgres, Ext: "pgdump",
		Dump:    []string{"sh", "-c", PostgresDumpScript},
		Restore: []string{"sh", "-c", PostgresRestoreScript},
		Check:   checkPgDump,
	},
	stack.StateRedis: {
		Kind: stack.StateRedis, Ext: "rdb",
		Dump:  []string{"sh", "-c", RedisDumpScript},
		Check: checkRDB,
	},
	stack.StateFiles: {
		Kind: stack.StateFiles, Ext: "tar",
		Tar: true,
	},
}

// StrategyFor returns the strategy of a kind.
func StrategyFor(k stack.StateKind) (*Strategy, error) {
	s, ok := strategies[k]
	if !ok {
		return nil, msg.Err("backup.err.no-strategy", msg.Args{"Kind": strconv.Quote(string(k))})
	}
	return s, nil
}

// Compressed reports whether a data file is gzip-compressed: its name
// ends in .gz (db.sql.gz, media.tar.gz).
func Compressed(name string) bool { return strings.HasSuffix(name, ".gz") }

var nonName = regexp.MustCompile(`[^A-Za-z0-9_-]+`)

// FileName is the data file of a state in a backup folder:
// <service>.<ext>, or <service>.<volume>.tar for files (a service may keep
// several directories). The generated scripts use the same names.
func FileName(st stack.State) string {
	ext := string(st.Kind)
	if s, ok := strategies[st.Kind]; ok {
		ext = s.Ext
	}
	if st.Kind == stack.StateFiles {
		part := st.Volume
		if part == "" {
			part = strings.Trim(nonName.ReplaceAllString(st.Path, "_"), "_")
		}
		return st.Service + "." + part + "." + ext
	}
	return st.Service + "." + ext
}

// CheckStates refuses a state list backup cannot handle: an unknown kind,
// a files state without a path, or two states with one file name.
func CheckStates(states []stack.State) error {
	if len(states) == 0 {
		return msg.Err("backup.err.no-states")
	}
	seen := map[string]bool{}
	for _, st := range states {
		if st.Service == "" {
			return msg.Err("backup.err.state-service", msg.Args{"Kind": st.Kind})
		}
		if _, err := StrategyFor(st.Kind); err != nil {
			return msg.Err("backup.err.service", msg.Args{"Service": st.Service, "Err": err})
		}
		if st.Kind == stack.StateFiles && !strings.HasPrefix(st.Path, "/") {
			return msg.Err("backup.err.state-path", msg.Args{"Service": st.Service, "Path": strconv.Quote(st.Path)})
		}
		n := FileName(st)
		if seen[n] {
			return msg.Err("backup.err.state-twice", msg.Args{"Service": st.Service, "File": n})
		}
		seen[n] = true
	}
	return nil
}

func checkSQLDump(head, tail []byte) error {
	if !bytes.Contains(head, []byte("-- MariaDB dump")) && !bytes.Contains(head, []byte("-- MySQL dump")) {
		return msg.Err("backup.err.sql-head")
	}
	if !bytes.Contains(tail, []byte("-- Dump completed")) {
		return msg.Err("backup.err.sql-tail")
	}
	return nil
}

func checkPgDump(head, tail []byte) error {
	if !bytes.HasPrefix(head, []byte("PGDMP")) {
		return msg.Err("backup.err.pg-head")
	}
	return nil
}

// checkRDB looks for the RDB header and, from RDB version 5 on, the EOF
// opcode (0xFF) followed by the 8-byte checksum at the very end.
func checkRDB(head, tail []byte) error {
	if !bytes.HasPrefix(head, []byte("REDIS")) || len(head) < 9 {
		return msg.Err("backup.err.rdb-head")
	}
	if len(tail) < 9 || tail[len(tail)-9] != 0xFF {
		return msg.Err("backup.err.rdb-tail")
	}
	return nil
}
