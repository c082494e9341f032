package validate

import (
	"github.com/stackgen/stackgen/internal/msg"

	"path"
	"strings"

	"github.com/stackgen/stackgen/internal/imagerole"
)

// Dockerfile rules. Each walks the parsed stages; none looks at text a
// parser would misread (continuations, JSON form, heredocs are BuildKit's
// job).

// runText is every RUN of the stage, one per line.
func (st *dfStage) runText() string {
	var b strings.Builder
	for _, in := range st.instrs {
		if in.cmd == "run" {
			b.WriteString(in.text())
			b.WriteByte('\n')
		}
	}
	return b.String()
}

func checkDockerfileParse(p *parsedSet) []Finding {
	var out []Finding
	for _, d := range p.dockerfiles {
		if d.err != nil {
			out = append(out, tr(d.path, d.errLine, "validate.dockerfile-parse.msg", msg.Args{"Err": firstLine(d.err.Error())}))
		} else if len(d.stages) == 0 {
			out = append(out, tr(d.path, 0, "validate.dockerfile-parse.no-from", nil))
		}
	}
	return out
}

func checkBaseUnpinned(p *parsedSet) []Finding {
	var out []Finding
	for _, d := range p.dockerfiles {
		for _, st := range d.stages {
			if st.fromStage || strings.Contains(st.image, "$") {
				// an earlier stage, or an ARG with no default: the value comes
				// from --build-arg / compose build.args, not from this file
				continue
			}
			if unpinned(st.image) {
				out = append(out, tr(d.path, st.line, "validate.dockerfile-base-unpinned.msg", msg.Args{"From": st.raw}))
			}
		}
	}
	return out
}

// effectiveUser returns the user of the stage's last USER instruction
// before line limit (all of them when limit is 0), and its line.
func (st *dfStage) effectiveUser(limit int) (string, int) {
	user, line := "", 0
	for _, in := range st.instrs {
		if limit > 0 && in.line > limit {
			break
		}
		if in.cmd == "user" && len(in.args) > 0 {
			user, line = in.args[0], in.line
		}
	}
	return user, line
}

func isRootUser(u string) bool {
	name, _, _ := strings.Cut(u, ":")
	return name == "" || name == "root" || name == "0"
}

// dropsRoot reports whether the image a stage runs on keeps the work off
// root by itself: the family the building service declares (a private
// mirror's name says nothing), else the family its base image names.
func (p *parsedSet) dropsRoot(d *dockerfile, u stageUse) bool {
	fam := ""
	if u.model != nil {
		fam = p.roleOf(u.model, u.service).family
	}
	if fam == "" {
		if f, _, ok := imagerole.FromRef(d.baseImage(u.stage)); ok {
			fam = f.Name
		}
	}
	f, ok := imagerole.Lookup(fam)
	return ok && f.DropsRoot
}

func checkRootUser(p *parsedSet) []Finding {
	var out []Finding
	for _, d := range p.dockerfiles {
		for _, u := range p.judgedStages(d) {
			if f, ok := p.rootUser(d, u); ok {
				out = append(out, f)
			}
		}
	}
	return out
}

func (p *parsedSet) rootUser(d *dockerfile, u stageUse) (Finding, bool) {
	st := u.stage
	limit := 0
	for _, in := range st.instrs {
		if in.cmd == "cmd" || in.cmd == "entrypoint" {
			limit = in.line
		}
	}
	user, line := st.effectiveUser(limit)
	// a stage FROM an earlier one runs as that stage's last USER
	for cur, hops := st, 0; user == "" && cur.fromStage && hops < len(d.stages); hops++ {
		if cur = d.stageNamed(strings.ToLower(cur.image)); cur == nil {
			break
		}
		user, _ = cur.effectiveUser(0)
	}
	if !isRootUser(user) {
		return Finding{}, false
	}
	if user == "" && p.dropsRoot(d, u) {
		return Finding{}, false // the base image's own entrypoint or workers drop root
	}
	if line == 0 {
		line = st.line
	}
	id, args := "validate.dockerfile-root-user.final", msg.Args{}
	if st.name != "" && st != d.final() {
		id, args["Stage"] = "validate.dockerfile-root-user.stage", q(st.name)
	}
	var hint any = ""
	if _, _, known := imagerole.FromRef(d.baseImage(st)); user == "" && u.model != nil && !known {
		if r := p.roleOf(u.model, u.service); r.family == "" {
			// the base is of no known family: it may be a renamed image
			// that does drop root
			hint = msg.Sub{ID: "validate.dockerfile-root-user.hint", Args: msg.Args{"Base": d.baseImage(st), "Service": u.service.Name, "Role": string(r.role)}}
		}
	}
	args["Hint"] = hint
	return tr(d.path, line, id, args), true
}

func checkShellForm(p *parsedSet) []Finding {
	var out []Finding
	for _, d := range p.dockerfiles {
		for _, st := range d.stages {
			for _, in := range st.instrs {
				if (in.cmd == "cmd" || in.cmd == "entrypoint") && !in.json && len(in.args) > 0 {
					out = append(out, tr(d.path, in.line, "validate.dockerfile-shell-form.msg", msg.Args{"Cmd": strings.ToUpper(in.cmd)}).withFix("validate.dockerfile-shell-form.fix-cmd"))
				}
			}
		}
	}
	return out
}

// addExtracts are archive suffixes ADD unpacks: the one local use of ADD
// that COPY cannot replace.
var addExtracts = [...]string{".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz", ".tar.zst"}

func checkAddLocal(p *parsedSet) []Finding {
	var out []Finding
	for _, d := range p.dockerfiles {
		for _, st := range d.stages {
			for _, in := range st.instrs {
				if in.cmd != "add" || len(in.args) < 2 {
					continue
				}
				for _, src := range in.args[:len(in.args)-1] {
					if strings.Contains(src, "://") || strings.HasPrefix(src, "git@") || hasAnySuffix(strings.ToLower(src), addExtracts[:]) {
						continue
					}
					out = append(out, tr(d.path, in.line, "validate.dockerfile-add-local.msg", msg.Args{"Src": src}))
					break
				}
			}
		}
	}
	return out
}

func hasAnySuffix(s string, suffixes []string) bool {
	for _, x := range suffixes {
		if strings.HasSuffix(s, x) {
			return true
		}
	}
	return false
}

func checkMaintainer(p *parsedSet) []Finding {
	var out []Finding
	for _, d := range p.dockerfiles {
		for _, st := range d.stages {
			for _, in := range st.instrs {
				if in.cmd == "maintainer" {
					out = append(out, tr(d.path, in.line, "validate.dockerfile-maintainer.msg", nil))
				}
			}
		}
	}
	return out
}

// aptPackages returns the packages of an `apt-get install` / `apt install`
// command (words), and false when the command is not one.
func aptPackages(words []string) ([]string, bool) {
	i := 0
	for i < len(words) && (words[i] == "sudo" || strings.Contains(words[i], "=") && !strings.HasPrefix(words[i], "-")) {
		i++ // sudo, or VAR=value prefixes such as DEBIAN_FRONTEND=noninteractive
	}
	if i >= len(words) || (path.Base(words[i]) != "apt-get" && path.Base(words[i]) != "apt") {
		return nil, false
	}
	install := false
	var pkgs []string
	for _, w := range words[i+1:] {
		switch {
		case w == "install":
			install = true
		case strings.HasPrefix(w, "-"):
		case install:
			name, _, _ := strings.Cut(w, "=")
			pkgs = append(pkgs, name)
		}
	}
	return pkgs, install
}

// aptInstalls returns each apt install command of a RUN.
func aptInstalls(in *dfInstr) [][]string {
	if in.cmd != "run" {
		return nil
	}
	var out [][]string
	for _, c := range shellCommands(in.text()) {
		if _, ok := aptPackages(c); ok {
			out = append(out, c)
		}
	}
	return out
}

func checkAptRecommends(p *parsedSet) []Finding {
	var out []Finding
	for _, d := range p.dockerfiles {
		for _, st := range d.stages {
			for _, in := range st.instrs {
				for _, c := range aptInstalls(in) {
					if !containsWord(c, "--no-install-recommends") && !strings.Contains(strings.Join(c, " "), "Install-Recommends=false") {
						out = append(out, tr(d.path, in.line, "validate.dockerfile-apt-recommends.msg", nil))
						break
					}
				}
			}
		}
	}
	return out
}

func containsWord(words []string, w string) bool {
	for _, x := range words {
		if x == w {
			return true
		}
	}
	return false
}

func checkAptLists(p *parsedSet) []Finding {
	var out []Finding
	for _, d := range p.dockerfiles {
		for _, st := range d.stages {
			for _, in := range st.instrs {
				if len(aptInstalls(in)) == 0 || cachesAptLists(in) {
					continue
				}
				if !strings.Contains(in.text(), "/var/lib/apt/lists") && !strings.Contains(in.text(), "apt-get clean") {
					out = append(out, tr(d.path, in.line, "validate.dockerfile-apt-lists.msg", nil))
				}
			}
		}
	}
	return out
}

// cachesAptLists reports a RUN --mount=type=cache on apt's lists: they then
// never reach the layer.
func cachesAptLists(in *dfInstr) bool {
	for _, f := range in.flags {
		if strings.HasPrefix(f, "--mount=") && strings.Contains(f, "type=cache") && strings.Contains(f, "/var/lib/apt") {
			return true
		}
	}
	return false
}

// aptTraps are package names that current Debian (bookworm, trixie) no
// longer installs: the build fails with "has no installation candidate".
// A replacement that needs a word of explanation is a catalogue message.
var aptTraps = map[string]any{
	"netcat":              msg.Sub{ID: "validate.dockerfile-apt-trap.netcat"},
	"python":              msg.Sub{ID: "validate.dockerfile-apt-trap.python"},
	"python-pip":          "python3-pip",
	"python-dev":          "python3-dev",
	"python-setuptools":   "python3-setuptools",
	"libmysqlclient-dev":  "default-libmysqlclient-dev",
	"mysql-client":        msg.Sub{ID: "validate.dockerfile-apt-trap.mysql-client"},
	"libgl1-mesa-glx":     "libgl1",
	"libssl1.1":           "libssl3",
	"software-properties": "software-properties-common",
}

func checkAptTrap(p *parsedSet) []Finding {
	var out []Finding
	for _, d := range p.dockerfiles {
		for _, st := range d.stages {
			for _, in := range st.instrs {
				for _, c := range aptInstalls(in) {
					pkgs, _ := aptPackages(c)
					for _, pk := range pkgs {
						if repl, ok := aptTraps[pk]; ok {
							out = append(out, tr(d.path, in.line, "validate.dockerfile-apt-trap.msg", msg.Args{"Package": q(pk), "Replacement": repl}).withFix("validate.dockerfile-apt-trap.fix-install"))
						}
					}
				}
			}
		}
	}
	return out
}

func checkSedCR(p *parsedSet) []Finding {
	var out []Finding
	for _, d := range p.dockerfiles {
		for _, st := range d.stages {
			for _, in := range st.instrs {
				if in.cmd != "run" {
					continue
				}
				for _, c := range shellCommands(in.text()) {
					if len(c) > 0 && c[0] == "sed" && (containsWord(c, "s/r//") || containsWord(c, "s/r//g")) {
						out = append(out, tr(d.path, in.line, "validate.dockerfile-sed-cr.msg", nil))
					}
				}
			}
		}
	}
	return out
}

// shellBaseImages start a shell or a REPL when run without a command: an
// image built on them with no CMD does nothing useful by itself.
var shellBaseImages = [...]string{"ubuntu", "debian", "alpine", "busybox", "centos", "fedora", "rockylinux", "almalinux", "python", "node", "golang", "buildpack-deps", "anaconda3", "miniconda3", "continuumio"}

func checkNoCmd(p *parsedSet) []Finding {
	var out []Finding
	for _, d := range p.dockerfiles {
		for _, u := range p.judgedStages(d) {
			out = append(out, noCmd(d, u.stage)...)
		}
	}
	return out
}

func noCmd(d *dockerfile, st *dfStage) []Finding {
	var out []Finding
	hasCmd := false
	for _, in := range st.instrs {
		if in.cmd == "cmd" || in.cmd == "entrypoint" {
			hasCmd = true
		}
	}
	base := parseImageRef(d.baseImage(st)).name
	if hasCmd || base == "" {
		return nil
	}
	if d.stages[0] != st && st.fromStage {
		// FROM an earlier stage inherits its CMD
		if bs := d.stageNamed(strings.ToLower(st.image)); bs != nil && bs.hasCmd() {
			return nil
		}
	}
	for _, b := range shellBaseImages {
		if base == b {
			out = append(out, tr(d.path, st.line, "validate.dockerfile-no-cmd.msg", msg.Args{"Base": base}))
			break
		}
	}
	return out
}

func (d *dockerfile) stageNamed(name string) *dfStage {
	for _, s := range d.stages {
		if s.name == name {
			return s
		}
	}
	return nil
}

func (st *dfStage) hasCmd() bool {
	for _, in := range st.instrs {
		if in.cmd == "cmd" || in.cmd == "entrypoint" {
			return true
		}
	}
	return false
}

// fullImages are language images whose default variant carries a whole
// build toolchain (about 1 GB); their -slim variant is meant for running.
var fullImages = [...]string{"python", "node", "ruby", "golang", "openjdk", "php"}

func checkBaseFull(p *parsedSet) []Finding {
	var out []Finding
	for _, d := range p.dockerfiles {
		for _, u := range p.judgedStages(d) {
			out = append(out, baseFull(d, u.stage)...)
		}
	}
	return out
}

func baseFull(d *dockerfile, st *dfStage) []Finding {
	var out []Finding
	if st.fromStage {
		return nil
	}
	r := parseImageRef(st.image)
	tag := strings.ToLower(r.tag)
	for _, f := range fullImages {
		if r.name == f && !strings.Contains(tag, "slim") && !strings.Contains(tag, "alpine") && !strings.Contains(st.image, "$") {
			out = append(out, tr(d.path, st.line, "validate.dockerfile-base-full.msg", msg.Args{"Image": st.raw}))
		}
	}
	return out
}

func checkSyntaxDirective(p *parsedSet) []Finding {
	var out []Finding
	for _, d := range p.dockerfiles {
		if d.syntaxLine > 0 && d.needsNewFrontend() == "" {
			out = append(out, tr(d.path, d.syntaxLine, "validate.dockerfile-syntax-directive.msg", nil).withFix("validate.dockerfile-syntax-directive.fix-delete"))
		}
	}
	return out
}

// needsNewFrontend names the first feature the Dockerfile uses that the
// built-in frontend of Docker Engine before 23.0 (BuildKit 0.8 to 0.10)
// cannot build ("" when none): heredocs (RUN <<EOF) and COPY --link came
// with Dockerfile frontend 1.4, which Engine 23.0 ships built in. For those
// files the # syntax= directive is what makes older engines build them.
func (d *dockerfile) needsNewFrontend() string {
	for _, st := range d.stages {
		for _, in := range st.instrs {
			if len(in.heredocs) > 0 {
				return "heredocs"
			}
			if (in.cmd == "copy" || in.cmd == "add") && hasFlagPrefix(in.flags, "--link") {
				return "COPY --link"
			}
		}
	}
	return ""
}

// checkContextMissing follows what a Dockerfile takes from its build
// context (COPY/ADD sources, pip install -r files) and reports paths the
// project does not have. It only runs when compose names the context and
// the context is inside the project, so --source checkouts are left alone.
func checkContextMissing(p *parsedSet) []Finding {
	var out []Finding
	done := map[string]bool{}
	for _, m := range p.loadedModels() {
		for _, s := range m.services() {
			ctx, dfPath, ok := m.buildContext(s)
			if !ok || done[dfPath] || !p.hasDir(ctx) {
				continue
			}
			done[dfPath] = true
			d := p.dockerfileAt(dfPath)
			if d == nil {
				file, line := m.locate("services", s.Name, "build")
				out = append(out, tr(file, line, "validate.dockerfile-context-missing.dockerfile", msg.Args{"Service": q(s.Name), "File": dfPath}))
				continue
			}
			out = append(out, p.contextMissing(d, ctx)...)
		}
	}
	return out
}

func (p *parsedSet) contextMissing(d *dockerfile, ctx string) []Finding {
	var out []Finding
	exists := func(rel string) bool {
		full := path.Clean(path.Join(ctx, rel))
		if _, ok := p.files[full]; ok {
			return true
		}
		return p.hasDir(full)
	}
	for _, st := range d.stages {
		wholeContext := false
		for _, in := range st.instrs {
			switch in.cmd {
			case "copy", "add":
				if hasFlagPrefix(in.flags, "--from") || len(in.args) < 2 {
					continue
				}
				for _, src := range in.args[:len(in.args)-1] {
					if src == "." || src == "./" {
						wholeContext = true
						continue
					}
					if strings.ContainsAny(src, "*?[$") || strings.Contains(src, "://") || strings.HasPrefix(src, "git@") {
						continue
					}
					if !exists(src) {
						out = append(out, tr(d.path, in.line, "validate.dockerfile-context-missing.copy", msg.Args{"Cmd": strings.ToUpper(in.cmd), "Src": src, "Context": ctxName(ctx)}))
					}
				}
			case "run":
				if !wholeContext {
					continue
				}
				for _, c := range shellCommands(in.text()) {
					for i, w := range c {
						if (w == "-r" || w == "--requirement") && i+1 < len(c) && i > 0 && containsWord(c[:i], "install") {
							req := c[i+1]
							if !strings.HasPrefix(req, "/") && !strings.Contains(req, "$") && !exists(req) {
								out = append(out, tr(d.path, in.line, "validate.dockerfile-context-missing.pip", msg.Args{"Req": req, "Context": ctxName(ctx)}))
							}
						}
					}
				}
			}
		}
	}
	return out
}

func ctxName(ctx string) string {
	if ctx == "" {
		return "(the project root)"
	}
	return ctx + "/"
}

func hasFlagPrefix(flags []string, prefix string) bool {
	for _, f := range flags {
		if strings.HasPrefix(f, prefix) {
			return true
		}
	}
	return false
}
