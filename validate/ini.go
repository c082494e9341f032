package validate

import (
	"strings"

	"github.com/stackgen/stackgen/fileset"
)

// iniFile is an INI-style file (uwsgi.ini, my.cnf) as ordered entries, so
// repeated keys (uWSGI allows several sockets) and line numbers survive.
type iniFile struct {
	path    string
	entries []iniEntry
}

type iniEntry struct {
	section string // lower-case, without brackets
	key     string // as written, trimmed
	value   string
	hasEq   bool
	line    int
}

// parseINI reads [section] headers and key = value lines; lines starting
// with # or ; are comments. Directives like my.cnf's !include are kept as
// keys so callers can skip them.
func parseINI(f fileset.File) *iniFile {
	ini := &iniFile{path: f.Path}
	section := ""
	for i, raw := range strings.Split(string(f.Content), "\n") {
		line := strings.TrimSpace(strings.TrimSuffix(raw, "\r"))
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		if line[0] == '[' {
			section = strings.ToLower(strings.TrimSpace(strings.Trim(line, "[]")))
			continue
		}
		k, v, eq := strings.Cut(line, "=")
		ini.entries = append(ini.entries, iniEntry{section: section, key: strings.TrimSpace(k), value: strings.TrimSpace(v), hasEq: eq, line: i + 1})
	}
	return ini
}

// in returns the entries of one section.
func (f *iniFile) in(section string) []iniEntry {
	var out []iniEntry
	for _, e := range f.entries {
		if e.section == section {
			out = append(out, e)
		}
	}
	return out
}

// withoutInlineComment drops a " # comment" or " ; comment" after a value
// (my.cnf allows them; uWSGI does not need them).
func withoutInlineComment(v string) string {
	for _, sep := range []string{" #", "\t#", " ;", "\t;"} {
		if i := strings.Index(v, sep); i >= 0 {
			v = v[:i]
		}
	}
	return strings.TrimSpace(v)
}
