package backup

import (
	"bufio"
	"context"
	"sort"
	"strconv"
	"strings"

	"github.com/stackgen/stackgen/internal/msg"
	"github.com/stackgen/stackgen/internal/tail"

	"github.com/stackgen/stackgen/stack"
)

// Count is one thing a restored state holds: rows of a table, keys of a
// Redis, files of a volume.
type Count struct {
	Service string
	// What is "table app.auth_user", "keys", "files in /app/media".
	What string
	N    int64
}

// The count scripts print "<name>\t<count>" lines. They run in the
// service's own container with its own credentials, like the dumps.
const mysqlCountScript = mysqlPrelude + "q=\"SELECT CONCAT('SELECT ''', table_schema, '.', table_name, ''', COUNT(*) FROM \\`', table_schema, '\\`.\\`', table_name, '\\`;') FROM information_schema.tables WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('information_schema', 'performance_schema', 'mysql', 'sys') ORDER BY table_schema, table_name\"\n" +
	`"$cli" -uroot -N -B -e "$q" | "$cli" -uroot -N -B
`

const postgresCountScript = postgresPrelude + `psql -X -U "$user" -d "$db" -At -c "SELECT format('SELECT %L, count(*) FROM %I.%I;', schemaname || '.' || relname, schemaname, relname) FROM pg_stat_user_tables ORDER BY 1" |
  psql -X -U "$user" -d "$db" -At -F "$(printf '\t')"
`

const redisCountScript = redisCLIPrelude + `printf 'keys\t%s\n' "$("$cli" DBSIZE | tr -d '\r')"
`

const filesCountScript = `set -eu
printf 'files\t%s\n' "$(find "$1" -type f | wc -l | tr -d ' ')"
`

// Probe counts what each target's service holds now: the proof that a
// restore brought the data back, not only that the files were valid.
func Probe(ctx context.Context, eng Engine, targets []Target) ([]Count, error) {
	var out []Count
	for _, t := range targets {
		var cmd []string
		switch t.State.Kind {
		case stack.StateMySQL, stack.StateMariaDB:
			cmd = []string{"sh", "-c", mysqlCountScript}
		case stack.StatePostgres:
			cmd = []string{"sh", "-c", postgresCountScript}
		case stack.StateRedis:
			cmd = []string{"sh", "-c", redisCountScript}
		case stack.StateFiles:
			cmd = []string{"sh", "-c", filesCountScript, "sh", t.State.Path}
		default:
			continue
		}
		stdout, stderr := tail.Bytes{Max: 1 << 20}, tail.Bytes{Max: 8 << 10}
		code, err := eng.Exec(ctx, t.ContainerID, cmd, &stdout, &stderr)
		if err != nil {
			return nil, msg.Err("backup.err.count", msg.Args{"What": describe(t.State), "Err": err})
		}
		if code != 0 {
			return nil, msg.Err("backup.err.count-exit", msg.Args{"What": describe(t.State), "Code": code, "Stderr": lastLines(stderr.String(), 2)})
		}
		counts, err := parseCounts(t.State, stdout.String())
		if err != nil {
			return nil, msg.Err("backup.err.count", msg.Args{"What": describe(t.State), "Err": err})
		}
		out = append(out, counts...)
	}
	return out, nil
}

func parseCounts(st stack.State, s string) ([]Count, error) {
	var out []Count
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		name, num, ok := strings.Cut(line, "\t")
		n, err := strconv.ParseInt(strings.TrimSpace(num), 10, 64)
		if !ok || err != nil {
			return nil, msg.Err("backup.err.count-line", msg.Args{"Line": strconv.Quote(line)})
		}
		what := name
		switch st.Kind {
		case stack.StateFiles:
			what = "files in " + st.Path
		case stack.StateRedis:
			what = "keys"
		default:
			what = "table " + name
		}
		out = append(out, Count{Service: st.Service, What: what, N: n})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Service < out[j].Service })
	return out, sc.Err()
}
