package e2etest

import (
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
)

// DjangoPythonPins are the `--set python_pins=...` arguments that point
// the django-uwsgi render (the default uWSGI + MySQL-family choices) at the
// Python stand-in's wheelhouse: every package the stack's requirements.txt
// pins, at the version the wheelhouse holds (standins/python/VERSIONS.txt),
// named only where the two differ. With the official images
// (STACKGEN_E2E_OFFICIAL=1) the generated pins are installed from the
// index, so there are none.
func DjangoPythonPins(t testing.TB) []string {
	t.Helper()
	return DjangoPythonPinsFor(t, "uwsgi", "mysql")
}

// choicePackages are the requirements.txt packages only one wsgi or db
// choice installs; python_pins may name only packages the render pins.
var choicePackages = map[string]string{
	"uwsgi": "uwsgi", "gunicorn": "gunicorn",
	"mysqlclient": "mysql", "psycopg": "postgres",
}

// DjangoPythonPinsFor is DjangoPythonPins for a wsgi (uwsgi, gunicorn) and
// db (mysql, mariadb, postgres) choice.
func DjangoPythonPinsFor(t testing.TB, wsgi, db string) []string {
	t.Helper()
	if Official() {
		return nil
	}
	if db == "mariadb" {
		db = "mysql"
	}
	_, here, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(here), "..", "..")
	req := readPins(t, filepath.Join(root, "templates", "django-uwsgi", "__project__", "requirements.txt.tmpl"))
	have := readPins(t, filepath.Join(root, "e2e", "standins", "python", "VERSIONS.txt"))
	var pins []string
	for _, name := range req.order {
		if c, only := choicePackages[normalize(name)]; only && c != wsgi && c != db {
			continue
		}
		v, ok := have.by[normalize(name)]
		if !ok {
			t.Fatalf("the Python stand-in's wheelhouse lacks %s, which django-uwsgi's requirements.txt pins (see e2e/standins/python/wheels.txt and VERSIONS.txt)", name)
		}
		if v != req.by[normalize(name)] {
			pins = append(pins, name+"=="+v)
		}
	}
	if len(pins) == 0 {
		return nil
	}
	return []string{"--set", "python_pins=" + strings.Join(pins, " ")}
}

type pinFile struct {
	order []string
	by    map[string]string
}

func readPins(t testing.TB, path string) pinFile {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading pins: %v", err)
	}
	p := pinFile{by: map[string]string{}}
	for _, l := range strings.Split(string(b), "\n") {
		l = strings.TrimSpace(l)
		name, v, ok := strings.Cut(l, "==")
		if !ok || strings.HasPrefix(l, "#") || strings.Contains(l, "{{") {
			continue
		}
		p.order = append(p.order, name)
		p.by[normalize(name)] = strings.TrimSpace(v)
	}
	return p
}

var separators = regexp.MustCompile(`[-_.]+`)

func normalize(name string) string { return strings.ToLower(separators.ReplaceAllString(name, "-")) }
