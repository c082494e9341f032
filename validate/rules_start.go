package validate

import (
	"path"
	"strings"

	"github.com/stackgen/stackgen/internal/msg"
)

// Rules on the start scripts that run app servers in containers.

// appServers are the programs that serve a Python web app.
var appServers = [...]string{"uwsgi", "gunicorn", "uvicorn", "daphne", "hypercorn", "waitress-serve"}

// serverCommand reports whether a simple command starts an app server, and
// whether it is exec'd.
func serverCommand(words []string) (server string, execd bool) {
	i := 0
	if i < len(words) && words[i] == "exec" {
		execd = true
		i++
	}
	if i >= len(words) {
		return "", false
	}
	prog := path.Base(words[i])
	for _, s := range appServers {
		if prog == s {
			return s, execd
		}
	}
	if strings.HasPrefix(prog, "python") && i+2 < len(words) {
		if words[i+1] == "-m" {
			for _, s := range appServers {
				if words[i+2] == s {
					return s, execd
				}
			}
		}
		if path.Base(words[i+1]) == "manage.py" && words[i+2] == "runserver" {
			return "runserver", execd
		}
	}
	return "", false
}

// startScript is a shell script that starts an app server, as commands.
type startScript struct {
	path string
	cmds []scriptCmd
}

type scriptCmd struct {
	words []string
	line  int
}

func startScripts(p *parsedSet) []startScript {
	var out []startScript
	for _, f := range p.filesMatching(isShellScript) {
		s := startScript{path: f.Path}
		isStart := false
		for i, line := range strings.Split(string(f.Content), "\n") {
			for _, c := range shellCommands(line) {
				s.cmds = append(s.cmds, scriptCmd{c, i + 1})
				if srv, _ := serverCommand(c); srv != "" {
					isStart = true
				}
			}
		}
		if isStart {
			out = append(out, s)
		}
	}
	return out
}

var daemonFlags = [...]string{"--daemonize", "--daemonize2", "-D", "--daemon"}

func checkStartDaemonize(p *parsedSet) []Finding {
	var out []Finding
	for _, s := range startScripts(p) {
		for _, c := range s.cmds {
			w := c.words
			if srv, _ := serverCommand(w); srv != "" {
				for _, f := range daemonFlags {
					if containsWord(w, f) || (strings.HasPrefix(f, "--") && hasFlagPrefix(w, f+"=")) {
						out = append(out, tr(s.path, c.line, "validate.start-daemonize.flag", msg.Args{"Server": srv, "Flag": f}))
						break
					}
				}
				if w[len(w)-1] == "&" {
					out = append(out, tr(s.path, c.line, "validate.start-daemonize.background", msg.Args{"Server": srv}))
				}
			}
			if len(w) >= 3 && w[0] == "tail" && containsWord(w, "-f") && containsWord(w, "/dev/null") {
				out = append(out, tr(s.path, c.line, "validate.start-daemonize.keepalive", msg.Args{"Cmd": "tail -f /dev/null"}))
			}
			if len(w) >= 2 && w[0] == "sleep" && w[1] == "infinity" {
				out = append(out, tr(s.path, c.line, "validate.start-daemonize.keepalive", msg.Args{"Cmd": "sleep infinity"}))
			}
		}
	}
	return out
}

func checkStartMakemigrations(p *parsedSet) []Finding {
	var out []Finding
	for _, s := range startScripts(p) {
		for _, c := range s.cmds {
			for i, w := range c.words {
				if path.Base(w) == "manage.py" && i+1 < len(c.words) && c.words[i+1] == "makemigrations" {
					out = append(out, tr(s.path, c.line, "validate.start-makemigrations.msg", nil))
				}
			}
		}
	}
	return out
}

func checkStartNoExec(p *parsedSet) []Finding {
	var out []Finding
	for _, s := range startScripts(p) {
		for _, c := range s.cmds {
			srv, execd := serverCommand(c.words)
			if srv == "" || execd || c.words[len(c.words)-1] == "&" {
				continue
			}
			out = append(out, tr(s.path, c.line, "validate.start-no-exec.msg", msg.Args{"Server": srv}).withFix("validate.start-no-exec.fix-server"))
		}
	}
	return out
}
