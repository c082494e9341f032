package appscan

import (
	"regexp"
	"strings"
)

// conflictRules are settings a deployment cannot keep, found in the
// settings text (comments ignored); the generated settings module
// overrides each from the environment.
// The last assignment of a name wins, as in Python: a settings package's
// production module may replace what its base module hard-codes.
var conflictRules = []struct {
	name      string
	value     *regexp.Regexp // what the last assigned value looks like to conflict
	what, fix string
}{
	{"SECRET_KEY", regexp.MustCompile(`^[rbuRBU]?["']`), "SECRET_KEY is written in the settings",
		"stackgen_deploy/settings.py sets it from DJANGO_SECRET_KEY (a new random key in .env); rotate the old one, it is in your history"},
	{"DEBUG", regexp.MustCompile(`^True\b`), "DEBUG = True",
		"stackgen_deploy/settings.py sets DEBUG from DJANGO_DEBUG (False in .env)"},
	{"ALLOWED_HOSTS", regexp.MustCompile(`^\[\s*\]`), "ALLOWED_HOSTS is empty",
		"stackgen_deploy/settings.py sets it from DJANGO_ALLOWED_HOSTS (the domain answer)"},
}

var (
	sqliteEngine = regexp.MustCompile(`["']django\.db\.backends\.sqlite3["']`)
	otherEngine  = regexp.MustCompile(`["']django\.db\.backends\.(mysql|postgresql|oracle)["']|dj_database_url|env\.db\(`)
	staticRoot   = regexp.MustCompile(`(?m)^\s*STATIC_ROOT\s*=`)
	lineComment  = regexp.MustCompile(`(?m)#.*$`)
)

func findConflicts(file, text string) []Conflict {
	code := lineComment.ReplaceAllString(text, "")
	at := func(i int) Conflict {
		f, line := lineOf(code, i)
		if f == "" {
			f = file
		}
		return Conflict{File: f, Line: line}
	}
	var out []Conflict
	for _, r := range conflictRules {
		re := regexp.MustCompile(`(?m)^` + r.name + `\s*=\s*`)
		all := re.FindAllStringIndex(code, -1)
		if len(all) == 0 {
			continue
		}
		last := all[len(all)-1]
		if r.value.MatchString(code[last[1]:]) {
			c := at(last[0])
			c.What, c.Fix = r.what, r.fix
			out = append(out, c)
		}
	}
	if loc := sqliteEngine.FindStringIndex(code); loc != nil && !otherEngine.MatchString(code) {
		c := at(loc[0])
		c.What, c.Fix = "SQLite is the only database", "stackgen_deploy/settings.py points DATABASES at the db service; copy existing data over with dumpdata/loaddata"
		out = append(out, c)
	}
	if !staticRoot.MatchString(code) {
		out = append(out, Conflict{File: file, What: "STATIC_ROOT is not set",
			Fix: "stackgen_deploy/settings.py sets STATIC_ROOT to /app/staticfiles (the static_vol nginx serves)"})
	}
	return out
}

// fileMark starts each file's text in settingsText. It holds no # (the
// comment stripping keeps it) and a NUL no Python source has.
func fileMark(path string) string { return "\n\x00file:" + path + "\x00\n" }

// lineOf is the file and 1-based line of byte offset i of settingsText;
// the comment stripping keeps every newline, so lines match the files.
func lineOf(s string, i int) (string, int) {
	j := strings.LastIndex(s[:i], "\x00file:")
	if j < 0 {
		return "", strings.Count(s[:i], "\n") + 1
	}
	rest := s[j+len("\x00file:"):]
	end := strings.Index(rest, "\x00\n")
	start := j + len("\x00file:") + end + len("\x00\n")
	return rest[:end], strings.Count(s[start:i], "\n") + 1
}
