// Package appscan reads an existing Django project from a directory and
// describes what deploying it needs: where manage.py is, the settings
// module, the WSGI application, the Python version, how its dependencies
// are declared and installed, what needs system libraries, Celery,
// Channels, and what in its settings conflicts with a deployment. It reads
// text only; it never executes the project's Python.
package appscan

import (
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/stackgen/stackgen/internal/msg"
)

// Tool is how a project declares and locks its dependencies, which decides
// how the image installs them.
type Tool string

const (
	Requirements Tool = "requirements" // pip install -r requirements*.txt
	UV           Tool = "uv"           // uv.lock: uv export --frozen
	Poetry       Tool = "poetry"       // poetry.lock: poetry export
	Pipenv       Tool = "pipenv"       // Pipfile.lock: pipenv requirements
	PyProject    Tool = "pyproject"    // PEP 621 [project] dependencies, no lock
)

// Tools lists every Tool, for answer checks.
var Tools = []Tool{Requirements, UV, Poetry, Pipenv, PyProject}

// Django describes one Django project.
type Django struct {
	// Code is the folder holding manage.py, relative to the scanned root
	// ("." or e.g. "src"): the folder Python imports the project from.
	Code string
	// Settings is the dotted settings module (DJANGO_SETTINGS_MODULE).
	Settings string
	// SettingsFile is the settings module's file, relative to the root.
	SettingsFile string
	// WSGI is the WSGI application as module:callable.
	WSGI string
	// Python is the major.minor version the project asks for ("" none),
	// and PythonFrom the file that said so.
	Python, PythonFrom string
	// Tool is how the dependencies are installed; DepFiles the files it reads.
	Tool     Tool
	DepFiles []string
	// Requirements is the main requirements file (Tool Requirements).
	Requirements string
	// Packages are the normalised names of the declared dependencies.
	Packages []string
	// Celery is the module defining the Celery app ("" when Celery is not used).
	Celery string
	// Channels is true when the project uses Django Channels or names an
	// ASGI_APPLICATION.
	Channels bool
	// Conflicts are what in the settings a deployment overrides.
	Conflicts []Conflict

	pyVersion string // the requires-python style specifier, for findPython
}

// Conflict is one setting a deployment cannot keep as written.
type Conflict struct {
	File string
	Line int
	// What is found, and Fix what the generated settings do about it.
	What, Fix string
}

// ErrNoProject is returned when no manage.py is found.
var ErrNoProject = msg.Err("appscan.err.no-project")

// skipDirs are never searched for manage.py or Celery apps.
var skipDirs = map[string]bool{
	".git": true, ".venv": true, "venv": true, "env": true, "node_modules": true,
	"__pycache__": true, ".tox": true, ".mypy_cache": true, ".pytest_cache": true,
	"site-packages": true, "staticfiles": true, "media": true,
}

// Scan reads the project in fsys.
func Scan(fsys fs.FS) (*Django, error) {
	manage, err := findManage(fsys)
	if err != nil {
		return nil, err
	}
	d := &Django{Code: path.Dir(manage)}
	if err := d.findSettings(fsys, manage); err != nil {
		return nil, err
	}
	if err := d.findWSGI(fsys); err != nil {
		return nil, err
	}
	if err := d.findDeps(fsys); err != nil {
		return nil, err
	}
	d.findPython(fsys)
	if d.Has("celery") {
		d.Celery = findCelery(fsys, d.Code)
	}
	text := d.settingsText(fsys)
	d.Channels = d.Has("channels") || asgiApp.MatchString(text)
	d.Conflicts = findConflicts(d.SettingsFile, text)
	return d, nil
}

// Has reports whether the project declares the package (any spelling).
func (d *Django) Has(name string) bool {
	n := Normalize(name)
	for _, p := range d.Packages {
		if p == n {
			return true
		}
	}
	return false
}

func findManage(fsys fs.FS) (string, error) {
	// Shallowest first, then alphabetical: the top-level manage.py wins.
	for depth := 0; depth <= 2; depth++ {
		var found []string
		err := fs.WalkDir(fsys, ".", func(p string, e fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			n := strings.Count(p, "/")
			if p == "." {
				n = -1
			}
			if e.IsDir() {
				if p != "." && (skipDirs[e.Name()] || n >= depth) {
					return fs.SkipDir
				}
				return nil
			}
			if e.Name() == "manage.py" && n == depth {
				found = append(found, p)
			}
			return nil
		})
		if err != nil {
			return "", err
		}
		if len(found) > 1 {
			sort.Strings(found)
			return "", msg.Err("appscan.err.several-projects", msg.Args{"Found": strings.Join(found, ", ")})
		}
		if len(found) == 1 {
			return found[0], nil
		}
	}
	return "", ErrNoProject
}

var (
	settingsEnv = regexp.MustCompile(`DJANGO_SETTINGS_MODULE["']\s*,\s*["']([A-Za-z_][\w.]*)["']`)
	dotted      = regexp.MustCompile(`^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$`)
	wsgiSetting = regexp.MustCompile(`(?m)^WSGI_APPLICATION\s*=\s*["']([A-Za-z_][\w.]*)["']`)
	asgiApp     = regexp.MustCompile(`(?m)^ASGI_APPLICATION\s*=`)
)

func (d *Django) findSettings(fsys fs.FS, manage string) error {
	candidates := []string{manage}
	for _, pat := range []string{"*/wsgi.py", "*/asgi.py", "*/*/wsgi.py", "*/*/asgi.py"} {
		m, _ := fs.Glob(fsys, path.Join(d.Code, pat))
		candidates = append(candidates, m...)
	}
	for _, f := range candidates {
		b, err := fs.ReadFile(fsys, f)
		if err != nil {
			continue
		}
		if m := settingsEnv.FindSubmatch(b); m != nil {
			d.Settings = string(m[1])
			break
		}
	}
	if d.Settings == "" {
		return msg.Err("appscan.err.no-settings", msg.Args{"File": manage})
	}
	file, ok := ModuleFile(fsys, d.Code, d.Settings)
	if !ok {
		return msg.Err("appscan.err.settings-missing", msg.Args{"File": manage, "Module": d.Settings, "Path": path.Join(d.Code, strings.ReplaceAll(d.Settings, ".", "/"))})
	}
	d.SettingsFile = file
	return nil
}

// ModuleFile is the file of a dotted module imported from the folder code
// of fsys: mod/name.py or mod/name/__init__.py.
func ModuleFile(fsys fs.FS, code, module string) (string, bool) {
	if !dotted.MatchString(module) {
		return "", false
	}
	base := path.Join(code, strings.ReplaceAll(module, ".", "/"))
	for _, f := range []string{base + ".py", base + "/__init__.py"} {
		if st, err := fs.Stat(fsys, f); err == nil && st.Mode().IsRegular() {
			return f, true
		}
	}
	return "", false
}

func (d *Django) findWSGI(fsys fs.FS) error {
	// WSGI_APPLICATION in the settings is what runserver uses; then the
	// wsgi.py beside the settings module, as startproject writes it.
	if m := wsgiSetting.FindStringSubmatch(d.settingsText(fsys)); m != nil {
		i := strings.LastIndex(m[1], ".")
		if i > 0 {
			if _, ok := ModuleFile(fsys, d.Code, m[1][:i]); ok {
				d.WSGI = m[1][:i] + ":" + m[1][i+1:]
				return nil
			}
		}
	}
	pkg := d.Settings
	for pkg != "" {
		if _, ok := ModuleFile(fsys, d.Code, pkg+".wsgi"); ok {
			d.WSGI = pkg + ".wsgi:application"
			return nil
		}
		i := strings.LastIndex(pkg, ".")
		if i < 0 {
			break
		}
		pkg = pkg[:i]
	}
	return msg.Err("appscan.err.no-wsgi", msg.Args{"File": d.SettingsFile})

}

// settingsText is the settings module's text after the modules it
// star-imports from its own package (base.py of a settings package), in
// the order Python runs them; each file starts with fileMark(its path).
func (d *Django) settingsText(fsys fs.FS) string {
	b, err := fs.ReadFile(fsys, d.SettingsFile)
	if err != nil {
		return ""
	}
	main := string(b)
	text := fileMark(d.SettingsFile) + main
	pkg := d.Settings
	if !strings.HasSuffix(d.SettingsFile, "/__init__.py") {
		if i := strings.LastIndex(pkg, "."); i > 0 {
			pkg = pkg[:i]
		} else {
			pkg = ""
		}
	}
	for _, m := range starImport.FindAllStringSubmatch(main, -1) {
		mod := strings.TrimPrefix(m[1], ".")
		if pkg != "" && strings.HasPrefix(m[1], ".") {
			mod = pkg + "." + mod
		}
		if f, ok := ModuleFile(fsys, d.Code, mod); ok && f != d.SettingsFile {
			if b, err := fs.ReadFile(fsys, f); err == nil {
				text = fileMark(f) + string(b) + text
			}
		}
	}
	return text
}

var starImport = regexp.MustCompile(`(?m)^from\s+(\.?[A-Za-z_][\w.]*)\s+import\s+\*`)

var celeryApp = regexp.MustCompile(`(?m)^\s*\w+\s*=\s*(?:celery\.)?Celery\(`)

// findCelery is the module that creates the Celery app (proj/celery.py,
// as Celery's Django guide writes it): `celery -A` takes its package.
func findCelery(fsys fs.FS, code string) string {
	var found string
	_ = fs.WalkDir(fsys, code, func(p string, e fs.DirEntry, err error) error {
		if err != nil || found != "" {
			return fs.SkipDir
		}
		if e.IsDir() {
			if p != code && (skipDirs[e.Name()] || strings.Count(strings.TrimPrefix(p, code+"/"), "/") >= 2) {
				return fs.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".py") {
			return nil
		}
		b, err := fs.ReadFile(fsys, p)
		if err == nil && celeryApp.Match(b) {
			rel := strings.TrimSuffix(strings.TrimPrefix(p, strings.TrimPrefix(code+"/", "./")), ".py")
			rel = strings.TrimSuffix(rel, "/__init__")
			mod := strings.ReplaceAll(rel, "/", ".")
			// proj/celery.py is imported by proj/__init__.py; -A proj finds it.
			mod = strings.TrimSuffix(mod, ".celery")
			if dotted.MatchString(mod) {
				found = mod
			}
		}
		return nil
	})
	return found
}
