package validate

import (
	"github.com/stackgen/stackgen/internal/msg"

	"bytes"
	"fmt"
	"path"
	"strings"

	"github.com/stackgen/stackgen/fileset"
)

// Rules about files as files: the .env's mode, ignore status and keys, and
// how shell scripts are written.

func envFiles(p *parsedSet) []fileset.File {
	return p.filesMatching(func(s string) bool { return path.Base(s) == ".env" })
}

// secretEnvFiles are the files secrets live in: every .env, and every
// env_file: a service reads, whatever its name (cookiecutter-django keeps
// them in .envs/.production/.django).
func secretEnvFiles(p *parsedSet) []fileset.File {
	seen := map[string]bool{}
	out := envFiles(p)
	for _, f := range out {
		seen[f.Path] = true
	}
	for _, m := range p.loadedModels() {
		for _, s := range m.services() {
			for _, ef := range s.EnvFiles {
				rel, ok := m.rel(ef.Path)
				if f, exists := p.files[rel]; ok && exists && !seen[rel] {
					seen[rel] = true
					out = append(out, f)
				}
			}
		}
	}
	return out
}

// holdsSecret reports whether an env file sets a secret key to a value.
func holdsSecret(f fileset.File) bool {
	env := parseDotenv(f.Content)
	for _, k := range env.Order {
		if isSecretKey(k) && env.Values[k] != "" && !strings.Contains(env.Values[k], "$") {
			return true
		}
	}
	return false
}

func checkEnvMode(p *parsedSet) []Finding {
	var out []Finding
	for _, f := range envFiles(p) {
		if f.Mode.Perm()&0o077 != 0 {
			out = append(out, tr(f.Path, 0, "validate.env-mode.msg", msg.Args{"File": f.Path, "Mode": fmt.Sprintf("%04o", f.Mode.Perm())}).withFix("validate.env-mode.fix-chmod"))
		}
	}
	return out
}

// gitIgnored decides whether git would ignore rel, reading every
// .gitignore in the set from the root down to rel's folder; the last
// matching pattern wins, and "!" patterns re-include.
func gitIgnored(p *parsedSet, rel string) bool {
	dirs := []string{""}
	for d := fileset.Dir(rel); d != ""; d = fileset.Dir(d) {
		dirs = append(dirs, d)
	}
	ignored := false
	for i := len(dirs) - 1; i >= 0; i-- {
		dir := dirs[i]
		gi := path.Join(dir, ".gitignore")
		f, ok := p.files[gi]
		if !ok {
			continue
		}
		sub := strings.TrimPrefix(rel, dir+"/")
		if dir == "" {
			sub = rel
		}
		for _, raw := range strings.Split(string(f.Content), "\n") {
			pat := strings.TrimSpace(strings.TrimSuffix(raw, "\r"))
			if pat == "" || strings.HasPrefix(pat, "#") {
				continue
			}
			neg := strings.HasPrefix(pat, "!")
			pat = strings.TrimPrefix(pat, "!")
			if gitPatternMatches(pat, sub) {
				ignored = !neg
			}
		}
	}
	return ignored
}

// gitPatternMatches implements the parts of gitignore matching a .env
// needs: basename patterns match at any depth, patterns with a slash are
// anchored, "**/" matches any folders, a trailing "/" matches a folder
// (and so everything in it).
func gitPatternMatches(pat, rel string) bool {
	dirOnly := strings.HasSuffix(pat, "/")
	pat = strings.TrimSuffix(pat, "/")
	if p, ok := strings.CutPrefix(pat, "**/"); ok && !strings.Contains(p, "/") {
		pat = p
	}
	anchored := strings.Contains(pat, "/")
	pat = strings.TrimPrefix(pat, "/")
	parts := strings.Split(rel, "/")
	// candidates: every ancestor folder, and the file itself unless the
	// pattern only matches folders
	for i := range parts {
		last := i == len(parts)-1
		if last && dirOnly {
			break
		}
		var subject string
		if anchored {
			subject = strings.Join(parts[:i+1], "/")
		} else {
			subject = parts[i]
		}
		if ok, _ := path.Match(pat, subject); ok {
			return true
		}
	}
	return false
}

func checkEnvNotIgnored(p *parsedSet) []Finding {
	var out []Finding
	for _, f := range secretEnvFiles(p) {
		if path.Base(f.Path) != ".env" && !holdsSecret(f) {
			continue // an env_file of settings only
		}
		if !gitIgnored(p, f.Path) {
			out = append(out, tr(f.Path, 0, "validate.env-not-ignored.msg", msg.Args{"File": f.Path}).withFix("validate.env-not-ignored.fix-add"))
		}
	}
	return out
}

func checkEnvExampleKeys(p *parsedSet) []Finding {
	var out []Finding
	for _, f := range envFiles(p) {
		exPath := path.Join(fileset.Dir(f.Path), ".env.example")
		ex, ok := p.files[exPath]
		if !ok {
			out = append(out, tr(f.Path, 0, "validate.env-example-keys.missing", msg.Args{"File": f.Path, "Example": exPath}).withFix("validate.env-example-keys.fix-write"))
			continue
		}
		env, example := parseDotenv(f.Content), parseDotenv(ex.Content)
		for _, k := range env.Order {
			if _, ok := example.Lines[k]; !ok {
				out = append(out, tr(f.Path, env.Lines[k], "validate.env-example-keys.only-in", msg.Args{"Key": k, "File": f.Path, "Other": exPath}))
			}
		}
		for _, k := range example.Order {
			if _, ok := env.Lines[k]; !ok {
				out = append(out, tr(exPath, example.Lines[k], "validate.env-example-keys.only-in", msg.Args{"Key": k, "File": exPath, "Other": f.Path}))
			}
		}
	}
	return out
}

// weakSecrets are values people paste from tutorials.
var weakSecrets = [...]string{"123456", "password", "changeme", "changeit", "secret", "yourpassword", "admin", "root", "example", "passw0rd", "12345678", "minioadmin", "postgres"}

func checkEnvWeakSecret(p *parsedSet) []Finding {
	var out []Finding
	for _, f := range secretEnvFiles(p) {
		env := parseDotenv(f.Content)
		for _, k := range env.Order {
			v := env.Values[k]
			if !isSecretKey(k) || v == "" || strings.Contains(v, "$") {
				continue
			}
			weak := len(v) < 16
			for _, w := range weakSecrets {
				if strings.EqualFold(v, w) {
					weak = true
				}
			}
			if weak {
				out = append(out, tr(f.Path, env.Lines[k], "validate.env-weak-secret.msg", msg.Args{"Key": k, "Len": len(v)}).withFix("validate.env-weak-secret.fix-generate"))
			}
		}
	}
	return out
}

func scripts(p *parsedSet) []fileset.File { return p.filesMatching(isShellScript) }

// runScripts are the scripts that are run, not only sourced: a library
// read with `source` or `.` (cookiecutter's _sourced/ folder) or a bashrc
// snippet runs inside the caller's shell, so a #! line, set -e (which
// would make the caller's shell exit on any failure) and the run bit are
// not expected of it.
func runScripts(p *parsedSet) []fileset.File {
	sourced := p.sourcedScripts()
	var out []fileset.File
	for _, f := range scripts(p) {
		if !sourced[f.Path] {
			out = append(out, f)
		}
	}
	return out
}

// sourcedScripts finds the scripts that are only sourced: under a folder
// named _sourced, named as shell start-up files (bashrc, profile),
// copied by a Dockerfile to such a file, or read by another file's source
// or . command and run by none.
func (p *parsedSet) sourcedScripts() map[string]bool {
	out := map[string]bool{}
	sourcedNames, runNames := map[string]bool{}, map[string]bool{}
	for _, f := range p.set {
		if !isShellScript(f.Path) && !bytes.HasPrefix(f.Content, []byte("#!")) {
			continue
		}
		for _, c := range shellCommands(string(f.Content)) {
			switch {
			case len(c) >= 2 && (c[0] == "source" || c[0] == "."):
				sourcedNames[path.Base(c[1])] = true
			default:
				for _, w := range c {
					if isShellScript(w) {
						runNames[path.Base(w)] = true
					}
				}
			}
		}
	}
	for _, d := range p.dockerfiles {
		for _, st := range d.stages {
			for _, in := range st.instrs {
				if (in.cmd == "copy" || in.cmd == "add") && len(in.args) >= 2 {
					dst := strings.ToLower(in.args[len(in.args)-1])
					if strings.Contains(dst, "bashrc") || strings.Contains(dst, "profile") {
						for _, src := range in.args[:len(in.args)-1] {
							sourcedNames[path.Base(src)] = true
						}
					}
				}
			}
		}
	}
	for _, f := range scripts(p) {
		base := strings.ToLower(path.Base(f.Path))
		switch {
		case strings.Contains("/"+f.Path, "/_sourced/"),
			strings.Contains(base, "bashrc"), strings.Contains(base, "profile"),
			sourcedNames[path.Base(f.Path)] && !runNames[path.Base(f.Path)]:
			out[f.Path] = true
		}
	}
	return out
}

func checkScriptShebang(p *parsedSet) []Finding {
	var out []Finding
	for _, f := range runScripts(p) {
		if !bytes.HasPrefix(f.Content, []byte("#!")) {
			out = append(out, tr(f.Path, 1, "validate.script-shebang.msg", nil))
		}
	}
	return out
}

// setsErrexit reports whether a script stops at the first failing command.
func setsErrexit(content []byte) bool {
	lines := strings.Split(string(content), "\n")
	if len(lines) > 0 && strings.HasPrefix(lines[0], "#!") {
		for _, w := range strings.Fields(lines[0])[1:] {
			if strings.HasPrefix(w, "-") && !strings.HasPrefix(w, "--") && strings.Contains(w, "e") {
				return true
			}
		}
	}
	for _, c := range shellCommands(string(content)) {
		if len(c) < 2 || c[0] != "set" {
			continue
		}
		for i, w := range c[1:] {
			if strings.HasPrefix(w, "-") && !strings.HasPrefix(w, "--") && strings.Contains(w, "e") {
				return true // -e, -eu, -euo pipefail
			}
			if w == "-o" && i+2 < len(c) && c[i+2] == "errexit" {
				return true
			}
		}
	}
	return false
}

func checkScriptSetE(p *parsedSet) []Finding {
	var out []Finding
	for _, f := range runScripts(p) {
		if !setsErrexit(f.Content) {
			out = append(out, tr(f.Path, 0, "validate.script-set-e.msg", nil))
		}
	}
	return out
}

func checkScriptCRLF(p *parsedSet) []Finding {
	var out []Finding
	for _, f := range scripts(p) {
		if i := bytes.Index(f.Content, []byte("\r\n")); i >= 0 {
			out = append(out, tr(f.Path, bytes.Count(f.Content[:i], []byte("\n"))+1, "validate.script-crlf.msg", nil))
		}
	}
	return out
}

func checkScriptExecBit(p *parsedSet) []Finding {
	var out []Finding
	for _, f := range runScripts(p) {
		if f.Mode.Perm()&0o100 == 0 {
			out = append(out, tr(f.Path, 0, "validate.script-exec-bit.msg", msg.Args{"Mode": fmt.Sprintf("%04o", f.Mode.Perm()), "Base": path.Base(f.Path), "File": f.Path}).withFix("validate.script-exec-bit.fix-chmod"))
		}
	}
	return out
}

// opsScripts are the deploy/backup scripts, bash or PowerShell.
func opsScripts(p *parsedSet) []fileset.File {
	return p.filesMatching(func(s string) bool { return isShellScript(s) || strings.HasSuffix(s, ".ps1") })
}

func checkScriptBgsaveNoWait(p *parsedSet) []Finding {
	var out []Finding
	for _, f := range opsScripts(p) {
		upper := strings.ToUpper(string(f.Content))
		if strings.Contains(upper, "LASTSAVE") {
			continue
		}
		for i, line := range strings.Split(upper, "\n") {
			if strings.Contains(line, "BGSAVE") && !strings.HasPrefix(strings.TrimSpace(line), "#") {
				out = append(out, tr(f.Path, i+1, "validate.script-bgsave-nowait.msg", nil))
				break
			}
		}
	}
	return out
}

// checkScriptExecTTY finds `docker compose exec` (or docker exec -t)
// whose output is redirected or piped without -T: the pseudo-TTY turns
// "\n" into "\r\n" and mixes in stderr, corrupting dumps.
func checkScriptExecTTY(p *parsedSet) []Finding {
	var out []Finding
	for _, f := range opsScripts(p) {
		for i, line := range strings.Split(string(f.Content), "\n") {
			words := strings.Fields(line)
			redirect := strings.Contains(line, ">") || strings.Contains(line, "|")
			if !redirect {
				continue
			}
			for j := 0; j+1 < len(words); j++ {
				compose := (words[j] == "docker-compose" && words[j+1] == "exec") ||
					(j+2 < len(words) && words[j] == "docker" && words[j+1] == "compose" && words[j+2] == "exec")
				if compose && !containsWord(words, "-T") && !containsWord(words, "--no-TTY") && !containsWord(words, "--no-tty") {
					out = append(out, tr(f.Path, i+1, "validate.script-exec-tty.msg", nil))
					break
				}
			}
		}
	}
	return out
}

// checkScriptSaveUnknownImage compares the images a script saves with the
// images it builds and the images compose uses: a name from neither was
// never built here, so docker save fails (or saves a stale image).
func checkScriptSaveUnknownImage(p *parsedSet) []Finding {
	var out []Finding
	known := map[string]bool{}
	var builtServices []string
	for _, m := range p.loadedModels() {
		for _, s := range m.services() {
			if s.Image != "" {
				known[s.Image] = true
			} else if s.Build != nil {
				builtServices = append(builtServices, s.Name)
			}
		}
	}
	for _, f := range opsScripts(p) {
		cmds := shellCommands(string(f.Content))
		localKnown := map[string]bool{}
		builds := false
		for _, c := range cmds {
			if len(c) > 2 && c[0] == "docker" && c[1] == "build" {
				builds = true
				for i, w := range c {
					if (w == "-t" || w == "--tag") && i+1 < len(c) {
						localKnown[c[i+1]] = true
					}
				}
			}
		}
		if !builds && len(known) == 0 && len(builtServices) == 0 {
			continue // nothing to compare with
		}
		for _, line := range strings.Split(string(f.Content), "\n") {
			for _, c := range shellCommands(line) {
				if len(c) < 3 || c[0] != "docker" || c[1] != "save" {
					continue
				}
				for i := 2; i < len(c); i++ {
					w := c[i]
					if w == "-o" || w == "--output" {
						i++
						continue
					}
					if strings.HasPrefix(w, "-") || strings.ContainsAny(w, "$@(") || w == "&" {
						continue
					}
					if known[w] || localKnown[w] || builtByCompose(w, builtServices) {
						continue
					}
					out = append(out, tr(f.Path, lineAt(string(f.Content), strings.Index(string(f.Content), line)), "validate.script-save-unknown-image.msg", msg.Args{"Image": w}))
				}
			}
		}
	}
	return out
}

// builtByCompose matches Compose's default name for a built image without
// image: (<project>-<service>), whatever the project name.
func builtByCompose(image string, services []string) bool {
	name := strings.SplitN(image, ":", 2)[0]
	for _, s := range services {
		if strings.HasSuffix(name, "-"+s) || strings.HasSuffix(name, "_"+s) {
			return true
		}
	}
	return false
}
