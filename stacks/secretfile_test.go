package stacks

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestSecretFromFile runs the function the Django settings and the keras
// app read their secrets with, as Python runs it: NAME_FILE (a Swarm
// secret) wins over NAME, trailing newlines go, an unreadable file is an
// error that names the variable. Only the function is run, so no Django is
// needed; the source is cut from the rendered file.
func TestSecretFromFile(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("skipped: python3 is not installed")
	}
	dj := renderDjango(t, nil)
	settings, ok := dj.set.Get("mysite/mysite/settings.py")
	if !ok {
		t.Fatal("no settings.py")
	}
	ks, _ := renderKeras(t, nil)
	app, ok := ks.Get("app.py")
	if !ok {
		t.Fatal("no app.py")
	}
	cases := []struct {
		name, src, start, end, call string
	}{
		{"django settings env()", string(settings.Content), "def env(name", "def env_bool", "env('DJANGO_SECRET_KEY')"},
		{"keras app _secret()", string(app.Content), "def _secret(name", "API_TOKEN = ", "_secret('DJANGO_SECRET_KEY')"},
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "secret")
	if err := os.WriteFile(file, []byte("from-the-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			i, j := strings.Index(c.src, c.start), strings.Index(c.src, c.end)
			if i < 0 || j < i {
				t.Fatalf("cannot find %q..%q in the rendered file", c.start, c.end)
			}
			prog := "import os\nclass ImproperlyConfigured(Exception): pass\n" + c.src[i:j] + "\nprint(repr(" + c.call + "))\n"
			run := func(env ...string) (string, error) {
				cmd := exec.Command(py, "-c", prog)
				cmd.Env = append([]string{"PATH=" + os.Getenv("PATH")}, env...)
				out, err := cmd.CombinedOutput()
				return strings.TrimSpace(string(out)), err
			}
			if out, err := run("DJANGO_SECRET_KEY=from-env", "DJANGO_SECRET_KEY_FILE="+file); err != nil || out != "'from-the-file'" {
				t.Errorf("with NAME_FILE: %s (%v), want 'from-the-file'", out, err)
			}
			if out, err := run("DJANGO_SECRET_KEY=from-env"); err != nil || out != "'from-env'" {
				t.Errorf("without NAME_FILE: %s (%v), want 'from-env'", out, err)
			}
			if out, err := run("DJANGO_SECRET_KEY_FILE=" + filepath.Join(dir, "missing")); err == nil || !strings.Contains(out, "missing") {
				t.Errorf("an unreadable NAME_FILE passed: %s", out)
			}
		})
	}
}
