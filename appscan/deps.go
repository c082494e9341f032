package appscan

import (
	"bufio"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/pelletier/go-toml/v2"
	"github.com/stackgen/stackgen/internal/msg"
)

// Normalize is a distribution name as PEP 503 compares names: lower case,
// runs of -, _ and . as one -.
func Normalize(name string) string {
	return strings.Trim(nameSep.ReplaceAllString(strings.ToLower(strings.TrimSpace(name)), "-"), "-")
}

var (
	nameSep = regexp.MustCompile(`[-_.]+`)
	// pep508Name is the distribution name that starts a PEP 508 requirement.
	pep508Name = regexp.MustCompile(`^([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(\[[^\]]*\])?`)
)

// Requirement is one dependency: its normalised name and extras.
type Requirement struct {
	Name   string
	Extras []string
}

// ParseRequirement reads a PEP 508 requirement ("Django>=4.2,<5",
// "psycopg[binary]==3.2; python_version>='3.9'"); ok is false for what is
// not one (a URL, a path).
func ParseRequirement(s string) (Requirement, bool) {
	s = strings.TrimSpace(s)
	if i := strings.Index(s, "#egg="); i >= 0 {
		// A VCS or URL requirement names its distribution in #egg=.
		return ParseRequirement(s[i+len("#egg="):])
	}
	m := pep508Name.FindStringSubmatch(s)
	if m == nil {
		return Requirement{}, false
	}
	r := Requirement{Name: Normalize(m[1])}
	if m[2] != "" {
		for _, e := range strings.Split(strings.Trim(m[2], "[]"), ",") {
			if e = Normalize(e); e != "" {
				r.Extras = append(r.Extras, e)
			}
		}
	}
	return r, true
}

// ParseRequirementsFile reads a pip requirements file: comments, options
// and line continuations are understood; -r and -c includes are returned
// so the caller can follow them (relative to the file's folder).
func ParseRequirementsFile(text string) (reqs []Requirement, includes []string) {
	var lines []string
	var cur strings.Builder
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasSuffix(line, `\`) {
			cur.WriteString(strings.TrimSuffix(line, `\`))
			continue
		}
		cur.WriteString(line)
		lines = append(lines, cur.String())
		cur.Reset()
	}
	if cur.Len() > 0 {
		lines = append(lines, cur.String())
	}
	for _, line := range lines {
		// A comment starts at # after whitespace (or at the start).
		if i := strings.Index(line, " #"); i >= 0 {
			line = line[:i]
		}
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		for _, opt := range []string{"-r", "--requirement", "-c", "--constraint"} {
			if strings.HasPrefix(line, opt+" ") || strings.HasPrefix(line, opt+"=") {
				includes = append(includes, strings.TrimSpace(strings.TrimLeft(line[len(opt):], " =")))
				line = ""
				break
			}
		}
		if line == "" || strings.HasPrefix(line, "-") {
			continue // -e ., --index-url, --hash options
		}
		// Per-requirement options (--hash=...) follow the requirement.
		if i := strings.Index(line, " --"); i >= 0 {
			line = line[:i]
		}
		if r, ok := ParseRequirement(line); ok {
			reqs = append(reqs, r)
		}
	}
	return reqs, includes
}

// pyproject is the part of pyproject.toml that says what is installed.
type pyproject struct {
	Project struct {
		Dependencies   []string `toml:"dependencies"`
		RequiresPython string   `toml:"requires-python"`
	} `toml:"project"`
	Tool struct {
		Poetry struct {
			Dependencies map[string]any `toml:"dependencies"`
		} `toml:"poetry"`
	} `toml:"tool"`
}

type pipfile struct {
	Packages map[string]any `toml:"packages"`
	Requires struct {
		PythonVersion string `toml:"python_version"`
	} `toml:"requires"`
}

func readTOML(fsys fs.FS, name string, v any) (bool, error) {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return false, nil
	}
	if err := toml.Unmarshal(b, v); err != nil {
		return true, msg.Err("appscan.err.toml", msg.Args{"File": name, "Err": err})
	}
	return true, nil
}

func exists(fsys fs.FS, name string) bool {
	st, err := fs.Stat(fsys, name)
	return err == nil && st.Mode().IsRegular()
}

// findDeps decides the tool by what is locked: uv.lock, poetry.lock and
// Pipfile.lock each mean the project installs with that tool; otherwise
// requirements files, then PEP 621 dependencies without a lock.
func (d *Django) findDeps(fsys fs.FS) error {
	var pp pyproject
	hasPP, err := readTOML(fsys, "pyproject.toml", &pp)
	if err != nil {
		return err
	}
	var pf pipfile
	hasPF, err := readTOML(fsys, "Pipfile", &pf)
	if err != nil {
		return err
	}
	var reqs []Requirement
	switch {
	case exists(fsys, "uv.lock") && hasPP:
		d.Tool, d.DepFiles = UV, []string{"pyproject.toml", "uv.lock"}
		reqs = pep508All(pp.Project.Dependencies)
	case exists(fsys, "poetry.lock") && hasPP:
		d.Tool, d.DepFiles = Poetry, []string{"pyproject.toml", "poetry.lock"}
		reqs = append(pep508All(pp.Project.Dependencies), poetryDeps(pp.Tool.Poetry.Dependencies)...)
	case exists(fsys, "Pipfile.lock") && hasPF:
		d.Tool, d.DepFiles = Pipenv, []string{"Pipfile", "Pipfile.lock"}
		reqs = poetryDeps(pf.Packages) // the same table shape: name = spec
	default:
		file := requirementsFile(fsys)
		switch {
		case file != "":
			d.Tool, d.Requirements = Requirements, file
			var seen = map[string]bool{}
			reqs, d.DepFiles, err = readRequirements(fsys, file, seen)
			if err != nil {
				return err
			}
		case hasPP && len(pp.Project.Dependencies) > 0:
			d.Tool, d.DepFiles = PyProject, []string{"pyproject.toml"}
			reqs = pep508All(pp.Project.Dependencies)
		case hasPP && len(pp.Tool.Poetry.Dependencies) > 0:
			return msg.Err("appscan.err.poetry-unlocked")
		case hasPF:
			return msg.Err("appscan.err.pipenv-unlocked")
		default:
			return msg.Err("appscan.err.no-deps")
		}
	}
	names := map[string]bool{}
	for _, r := range reqs {
		names[r.Name] = true
		for _, e := range r.Extras {
			names[r.Name+"["+e+"]"] = true
		}
	}
	for n := range names {
		d.Packages = append(d.Packages, n)
	}
	sort.Strings(d.Packages)
	if !d.Has("django") {
		return msg.Err("appscan.err.no-django", msg.Args{"File": d.DepFiles[0]})
	}
	d.pyVersion = pp.Project.RequiresPython
	if d.pyVersion == "" {
		if s, ok := pp.Tool.Poetry.Dependencies["python"].(string); ok {
			d.pyVersion = s
		}
	}
	if d.pyVersion == "" && pf.Requires.PythonVersion != "" {
		d.pyVersion = "==" + pf.Requires.PythonVersion + ".*"
	}
	return nil
}

func pep508All(specs []string) []Requirement {
	var out []Requirement
	for _, s := range specs {
		if r, ok := ParseRequirement(s); ok {
			out = append(out, r)
		}
	}
	return out
}

// poetryDeps reads a table of name = "spec" or name = {version, extras}
// (Poetry's and Pipfile's shape); "python" is the interpreter, not a package.
func poetryDeps(table map[string]any) []Requirement {
	var out []Requirement
	for name, spec := range table {
		if Normalize(name) == "python" {
			continue
		}
		r := Requirement{Name: Normalize(name)}
		if t, ok := spec.(map[string]any); ok {
			if ex, ok := t["extras"].([]any); ok {
				for _, e := range ex {
					if s, ok := e.(string); ok {
						r.Extras = append(r.Extras, Normalize(s))
					}
				}
			}
		}
		out = append(out, r)
	}
	return out
}

// requirementsFile is the file the image installs: requirements.txt, else
// the production one of a requirements/ folder (cookiecutter-django's
// layout), else the only requirements*.txt at the top.
func requirementsFile(fsys fs.FS) string {
	for _, f := range []string{"requirements.txt", "requirements/production.txt", "requirements/prod.txt", "requirements/base.txt"} {
		if exists(fsys, f) {
			return f
		}
	}
	m, _ := fs.Glob(fsys, "requirements*.txt")
	var prod []string
	for _, f := range m {
		if !strings.Contains(f, "dev") && !strings.Contains(f, "test") {
			prod = append(prod, f)
		}
	}
	if len(prod) == 1 {
		return prod[0]
	}
	return ""
}

func readRequirements(fsys fs.FS, file string, seen map[string]bool) ([]Requirement, []string, error) {
	if seen[file] {
		return nil, nil, nil
	}
	seen[file] = true
	b, err := fs.ReadFile(fsys, file)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %v", file, err)
	}
	reqs, includes := ParseRequirementsFile(string(b))
	files := []string{file}
	for _, inc := range includes {
		p := path.Clean(path.Join(path.Dir(file), inc))
		if strings.HasPrefix(p, "../") || !fs.ValidPath(p) {
			return nil, nil, msg.Err("appscan.err.include-outside", msg.Args{"File": file, "Include": inc})

		}
		r, f, err := readRequirements(fsys, p, seen)
		if err != nil {
			return nil, nil, err
		}
		reqs, files = append(reqs, r...), append(files, f...)
	}
	return reqs, files, nil
}

// Python versions stackgen knows images for, newest last, and the one
// chosen when the project allows it (the stack's default image).
var (
	pythonMinors = []int{8, 9, 10, 11, 12, 13, 14}
	defaultMinor = 13
)

func (d *Django) findPython(fsys fs.FS) {
	if b, err := fs.ReadFile(fsys, ".python-version"); err == nil {
		if v := minorOf(strings.TrimSpace(firstLine(string(b)))); v != "" {
			d.Python, d.PythonFrom = v, ".python-version"
			return
		}
	}
	if d.pyVersion != "" {
		if v := pickPython(d.pyVersion); v != "" {
			d.Python, d.PythonFrom = v, d.DepFiles[0]
			return
		}
	}
	if b, err := fs.ReadFile(fsys, "runtime.txt"); err == nil {
		if v := minorOf(strings.TrimPrefix(strings.TrimSpace(firstLine(string(b))), "python-")); v != "" {
			d.Python, d.PythonFrom = v, "runtime.txt"
		}
	}
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

var minorRe = regexp.MustCompile(`^3\.(\d{1,2})(\.\d+)?$`)

func minorOf(v string) string {
	if m := minorRe.FindStringSubmatch(v); m != nil {
		return "3." + m[1]
	}
	return ""
}

var specRe = regexp.MustCompile(`^(~=|==|!=|<=|>=|<|>|\^|~)?\s*3(?:\.(\d+|\*))?(?:\.(\d+|\*))?$`)

// pickPython is the newest known minor version up to the default that a
// PEP 440 (or Poetry ^/~) specifier allows; "" when none is or it cannot
// be read.
func pickPython(spec string) string {
	var checks []func(int) bool
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		m := specRe.FindStringSubmatch(part)
		if m == nil {
			return ""
		}
		minor := -1
		if m[2] != "" && m[2] != "*" {
			minor, _ = strconv.Atoi(m[2])
		}
		op := m[1]
		patch := m[3] != "" && m[3] != "*" && m[3] != "0"
		switch {
		case minor < 0:
			continue // "3.*", ">=3": any Python 3
		case op == ">=" || op == "^" || (op == "~=" && m[3] == ""):
			checks = append(checks, func(n int) bool { return n >= minor })
		case op == ">":
			checks = append(checks, func(n int) bool { return n >= minor }) // >3.11 allows 3.11.1
		case op == "<":
			checks = append(checks, func(n int) bool { return n < minor || (n == minor && patch) })
		case op == "<=":
			checks = append(checks, func(n int) bool { return n <= minor })
		case op == "!=":
			checks = append(checks, func(n int) bool { return n != minor || patch })
		default: // ==, ~= 3.X.Y, ~ and a bare version pin the minor
			checks = append(checks, func(n int) bool { return n == minor })
		}
	}
	best := ""
	for _, n := range pythonMinors {
		ok := true
		for _, c := range checks {
			ok = ok && c(n)
		}
		if ok && (best == "" || n <= defaultMinor) {
			best = "3." + strconv.Itoa(n)
		}
	}
	return best
}
