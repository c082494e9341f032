package validate

import (
	"strings"

	"github.com/stackgen/stackgen/internal/msg"
)

// Rules on uwsgi.ini.

// normOption writes an option the way uWSGI matches it: lower-case, with
// dashes.
func normOption(k string) string {
	return strings.ReplaceAll(strings.ToLower(strings.TrimSpace(k)), "_", "-")
}

func checkUwsgiUnknownOption(p *parsedSet) []Finding {
	var out []Finding
	for _, ini := range p.uwsgi {
		all := ""
		for _, e := range ini.entries {
			all += e.value + "\n"
		}
		for _, e := range ini.in("uwsgi") {
			name := normOption(e.key)
			if isUwsgiOption(name) && !strings.ContainsAny(name, " \t") {
				continue
			}
			if !strings.ContainsAny(name, " \t") && strings.Contains(all, "%("+e.key+")") {
				continue // a placeholder the file uses, which uWSGI allows
			}
			fix, args := "validate.uwsgi-unknown-option.fix-unknown", msg.Args{"Key": q(e.key)}
			if guess := strings.Join(strings.Fields(name), "-"); guess != name && isUwsgiOption(guess) {
				fix, args["Guess"], args["Value"] = "validate.uwsgi-unknown-option.fix-guess", guess, e.value
			}
			out = append(out, tr(ini.path, e.line, "validate.uwsgi-unknown-option.msg", args).withFix(fix))
		}
	}
	return out
}

func checkUwsgiDaemonize(p *parsedSet) []Finding {
	var out []Finding
	for _, ini := range p.uwsgi {
		for _, e := range ini.in("uwsgi") {
			if n := normOption(e.key); n == "daemonize" || n == "daemonize2" {
				out = append(out, tr(ini.path, e.line, "validate.uwsgi-daemonize.msg", msg.Args{"Key": e.key}))
			}
		}
	}
	return out
}
