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
	var out []Conflict
	for _, r := range conflictRules {
		re := regexp.MustCompile(`(?m)^` + r.name + `\s*=\s*`)
		all := re.FindAllStringIndex(code, -1)
		if len(all) == 0 {
			continue
		}
		last := all[len(all)-1]
		if r.value.MatchString(code[last[1]:]) {
			out = append(out, Conflict{File: file, Line: lineOf(code, last[0]), What: r.what, Fix: r.fix})
		}
	}
	if loc := sqliteEngine.FindStringIndex(code); loc != nil && !otherEngine.MatchString(code) {
		out = append(out, Conflict{File: file, Line: lineOf(code, loc[0]), What: "SQLite is the only database",
			Fix: "stackgen_deploy/settings.py points DATABASES at the db service; copy existing data over with dumpdata/loaddata"})
	}
	if !staticRoot.MatchString(code) {
		out = append(out, Conflict{File: file, What: "STATIC_ROOT is not set",
			Fix: "stackgen_deploy/settings.py sets STATIC_ROOT to /app/staticfiles (the static_vol nginx serves)"})
	}
	return out
}

// lineOf is the 1-based line of byte offset i in the settings file; the
// comment stripping keeps every newline, and modules a settings package
// star-imports come first in the text, so their lines count as 0 (found,
// but in another file).
func lineOf(s string, i int) int {
	start := strings.LastIndex(s, mainFileMark)
	if start < 0 || i < start {
		if start >= 0 {
			return 0
		}
		return strings.Count(s[:i], "\n") + 1
	}
	return strings.Count(s[start+len(mainFileMark):i], "\n") + 1
}

// mainFileMark separates the star-imported modules from the settings
// file itself in settingsText.
const mainFileMark = "\n\x00stackgen: settings file\x00\n"
