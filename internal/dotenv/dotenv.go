// Package dotenv is the one reader of .env files: values as Compose reads
// them (compose-go's own parser, so quoting and escapes mean the same as
// in `docker compose`), plus where each key is, for findings.
package dotenv

import (
	"bytes"
	"os"
	"strings"

	composedotenv "github.com/compose-spec/compose-go/v2/dotenv"
)

// Env is a parsed .env.
type Env struct {
	// Values are the values as Compose reads them.
	Values map[string]string
	// Lines is each key's (last) line, from 1.
	Lines map[string]int
	// Order is the keys in the order they first appear.
	Order []string
}

// noLookup makes a reference to another variable read as empty, as it
// does for a key the environment lacks: a .env is read on its own.
func noLookup(string) (string, bool) { return "", false }

// Parse reads b with compose-go's parser and finds key lines with a plain
// scan. A file compose-go rejects still yields its keys, each value read
// leniently (quotes removed; for unquoted values a trailing " # comment"
// dropped), so a broken .env is reported rather than read as empty.
func Parse(b []byte) Env {
	e := Env{Values: map[string]string{}, Lines: map[string]int{}}
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
		if _, seen := e.Lines[k]; !seen {
			e.Order = append(e.Order, k)
		}
		e.Lines[k] = i + 1
		e.Values[k] = lenient(strings.TrimSpace(v))
	}
	if parsed, err := composedotenv.UnmarshalBytesWithLookup(b, noLookup); err == nil {
		for k, v := range parsed {
			e.Values[k] = v
		}
	}
	return e
}

// Check reports whether compose-go can read b at all.
func Check(b []byte) error {
	_, err := composedotenv.ParseWithLookup(bytes.NewReader(b), noLookup)
	return err
}

// Value reads one key of the .env file at path; "" when the file or the
// key is absent.
func Value(path, key string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return Parse(b).Values[key]
}

// lenient is the fallback reading of a value.
func lenient(v string) string {
	if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
		return v[1 : len(v)-1]
	}
	if i := strings.Index(v, " #"); i >= 0 {
		v = strings.TrimSpace(v[:i])
	}
	return v
}

// Strict reads b as compose-go does and fails on a line it cannot read
// (the error names it): for callers that must refuse a broken .env.
func Strict(b []byte) (map[string]string, error) {
	return composedotenv.Parse(bytes.NewReader(b))
}

// ReadFile is Strict on the file at path, as `docker compose` reads it.
func ReadFile(path string) (map[string]string, error) {
	return composedotenv.Read(path)
}
