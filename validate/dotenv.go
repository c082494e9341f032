package validate

import (
	"strings"

	"github.com/compose-spec/compose-go/v2/dotenv"
)

// envFile is a parsed .env: values as Compose reads them, plus each key's
// line so findings can point at it.
type envFile struct {
	values map[string]string
	lines  map[string]int
	order  []string
}

// parseDotenv reads values with compose-go's own dotenv parser (the one
// `docker compose` uses, so quoting and escapes mean the same) and finds key
// lines with a plain scan; a file compose-go rejects still yields the keys.
func parseDotenv(b []byte) envFile {
	e := envFile{values: map[string]string{}, lines: map[string]int{}}
	for i, raw := range strings.Split(string(b), "\n") {
		line := strings.TrimSpace(strings.TrimSuffix(raw, "\r"))
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		line = strings.TrimPrefix(line, "export ")
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		k = strings.TrimSpace(k)
		if k == "" || strings.ContainsAny(k, " \t\"'") {
			continue
		}
		if _, seen := e.lines[k]; !seen {
			e.order = append(e.order, k)
		}
		e.lines[k] = i + 1
		e.values[k] = unquoteEnvValue(strings.TrimSpace(v))
	}
	if parsed, err := dotenv.UnmarshalBytesWithLookup(b, func(string) (string, bool) { return "", false }); err == nil {
		for k, v := range parsed {
			e.values[k] = v
		}
	}
	return e
}

// unquoteEnvValue is the fallback reading of a value: quotes removed, and
// for unquoted values a trailing " # comment" dropped.
func unquoteEnvValue(v string) string {
	if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
		return v[1 : len(v)-1]
	}
	if i := strings.Index(v, " #"); i >= 0 {
		v = strings.TrimSpace(v[:i])
	}
	return v
}
