package newcmd_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stackgen/stackgen/project"
)

// copyFixture copies one of appscan's fixture Django projects into a new
// folder and returns it.
func copyFixture(t *testing.T, name string) string {
	t.Helper()
	src := filepath.Join("..", "..", "..", "appscan", "testdata", name)
	dst := filepath.Join(t.TempDir(), name)
	err := filepath.WalkDir(src, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if e.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

func readAll(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	_ = filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			b, _ := os.ReadFile(p)
			rel, _ := filepath.Rel(dir, p)
			out[rel] = string(b)
		}
		return nil
	})
	return out
}

// Inside an existing Django project, `new django DIR --yes` without a
// terminal deploys it (and says so) instead of writing a skeleton beside
// it, and changes none of its files.
func TestNewDetectsDjangoProject(t *testing.T) {
	dir := copyFixture(t, "requirements-settings-package")
	before := readAll(t, dir)
	r := run(t, false, nil, "django", dir, "--yes")
	if r.err != nil {
		t.Fatalf("new: %v\n%s", r.err, r.errOut)
	}
	if !strings.Contains(r.errOut, "holds a Django project (manage.py): deploying it") {
		t.Errorf("new does not say it deploys the project it found:\n%s", r.errOut)
	}
	for _, want := range []string{"settings config.settings.production", "added for the stack", "uWSGI==2.0.28", "DEBUG = True", "Kept 1 file"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("report lacks %q:\n%s", want, r.out)
		}
	}
	after := readAll(t, dir)
	for p, c := range before {
		if after[p] != c {
			t.Errorf("%s was changed", p)
		}
	}
	for _, p := range []string{"compose.yaml", "stackgen_deploy/settings.py", "stackgen_deploy/Dockerfile", ".dockerignore", ".gitignore" + project.NewSuffix} {
		if _, ok := after[p]; !ok {
			t.Errorf("%s not written", p)
		}
	}
	if _, ok := after["config/manage.py"]; ok || after["mysite/manage.py"] != "" {
		t.Error("a skeleton project was written beside the user's")
	}
	m, err := project.LoadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	if m.Answers["app_dir"] != "." || m.Answers["app_settings"] != "config.settings.production" || m.Answers["project"] != "config" {
		t.Errorf("manifest answers %v", m.Answers)
	}

	// Later the project declares uWSGI itself: a re-render reads the
	// project again and no longer adds it; the database name stays.
	req := filepath.Join(dir, "requirements", "base.txt")
	if err := os.WriteFile(req, []byte(before["requirements/base.txt"]+"uWSGI==2.0.28\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".python-version"), []byte("3.12.4\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r = run(t, false, nil, "django", dir, "--yes", "--force")
	if r.err != nil {
		t.Fatalf("re-render: %v\n%s", r.err, r.errOut)
	}
	if df, _ := os.ReadFile(filepath.Join(dir, "stackgen_deploy", "Dockerfile")); !strings.Contains(string(df), "ARG PYTHON_IMAGE=python:3.12-slim") {
		t.Errorf("re-render did not follow the new .python-version")
	}
	b, _ := os.ReadFile(filepath.Join(dir, "stackgen_deploy", "requirements.txt"))
	if strings.Contains(string(b), "uWSGI") || !strings.Contains(string(b), "mysqlclient") {
		t.Errorf("re-render did not rescan the project: stackgen_deploy/requirements.txt:\n%s", b)
	}
}

func TestNewFromErrors(t *testing.T) {
	app := copyFixture(t, "poetry-project")
	empty := t.TempDir()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"project outside DIR", []string{"django-uwsgi", filepath.Join(t.TempDir(), "deploy"), "--from", app, "--yes"}, "must be DIR"},
		{"no project", []string{"django-uwsgi", "--from", empty, "--yes"}, "no manage.py"},
		{"other stack", []string{"keras", "--from", app, "--yes"}, "only the django-uwsgi stack"},
		{"bad answer", []string{"django-uwsgi", "--from", app, "--yes", "--set", "app_settings=../x"}, "app_settings"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := readAll(t, app)
			r := run(t, false, nil, tt.args...)
			if r.err == nil || !strings.Contains(r.err.Error(), tt.want) || strings.Contains(r.err.Error(), "\n") {
				t.Fatalf("new: %v, want one line containing %q", r.err, tt.want)
			}
			if after := readAll(t, app); len(after) != len(before) {
				t.Errorf("files were written: %d before, %d after", len(before), len(after))
			}
		})
	}
}

// The src/ layout: manage.py in src/, its dependencies at the top, Python
// from runtime.txt.
func TestNewFromSrcLayout(t *testing.T) {
	app := copyFixture(t, "src-layout")
	r := run(t, false, nil, "django-uwsgi", "--from", app, "--yes")
	if r.err != nil {
		t.Fatalf("new: %v\n%s", r.err, r.errOut)
	}
	df, err := os.ReadFile(filepath.Join(app, "src", "stackgen_deploy", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"ARG PYTHON_IMAGE=python:3.11-slim", "COPY requirements.txt /src/requirements.txt", "WORKDIR /app/src"} {
		if !strings.Contains(string(df), want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
	if !strings.Contains(r.out, "Python 3.11 (from runtime.txt)") {
		t.Errorf("report:\n%s", r.out)
	}
}

// A .env of the user's is kept, and new says how to give compose the
// stack's secrets.
func TestNewFromKeepsTheUsersEnv(t *testing.T) {
	app := copyFixture(t, "uv-project")
	if err := os.WriteFile(filepath.Join(app, ".env"), []byte("DEBUG=1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := run(t, false, nil, "django-uwsgi", "--from", app, "--yes")
	if r.err != nil {
		t.Fatalf("new: %v\n%s", r.err, r.errOut)
	}
	if b, _ := os.ReadFile(filepath.Join(app, ".env")); string(b) != "DEBUG=1\n" {
		t.Errorf("the user's .env was changed: %q", b)
	}
	b, err := os.ReadFile(filepath.Join(app, ".env"+project.NewSuffix))
	if err != nil || !strings.Contains(string(b), "DJANGO_SECRET_KEY=") {
		t.Fatalf("the stack's .env is not beside the user's: %v", err)
	}
	if !strings.Contains(r.errOut, "append its lines to your .env") {
		t.Errorf("new does not say what to do with the kept .env:\n%s", r.errOut)
	}
}

// A python image the user chose stays on a re-render; the one a scan
// picked follows the project.
func TestNewFromKeepsAChosenPythonImage(t *testing.T) {
	app := copyFixture(t, "uv-project")
	r := run(t, false, nil, "django-uwsgi", "--from", app, "--yes", "--image", "python=mirror.example/python:3.12-slim")
	if r.err != nil {
		t.Fatalf("new: %v\n%s", r.err, r.errOut)
	}
	r = run(t, false, nil, "django-uwsgi", app, "--yes", "--force")
	if r.err != nil {
		t.Fatalf("re-render: %v\n%s", r.err, r.errOut)
	}
	if df, _ := os.ReadFile(filepath.Join(app, "stackgen_deploy", "Dockerfile")); !strings.Contains(string(df), "ARG PYTHON_IMAGE=mirror.example/python:3.12-slim") {
		t.Errorf("the chosen image was replaced on a re-render")
	}
}
