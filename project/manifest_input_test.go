package project

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// .stackgen.yml is input too (a cloned or unpacked project brings its
// own): it is read as a regular, capped, single, alias-free document, and
// answers keep their text.
func TestLoadManifestLimits(t *testing.T) {
	cases := []struct {
		name    string
		make    func(p string) error
		wantErr string
	}{
		{"FIFO", func(p string) error { return syscall.Mkfifo(p, 0o600) }, "a named pipe (FIFO), not a regular file"},
		{"directory", func(p string) error { return os.Mkdir(p, 0o700) }, "is a folder"},
		{"alias", func(p string) error {
			return os.WriteFile(p, []byte("stack: &s onyx\nanswers:\n  domain: *s\n"), 0o600)
		}, "anchors and aliases"},
		{"two documents", func(p string) error {
			return os.WriteFile(p, []byte("stack: onyx\n---\nstack: keras-webpy\n"), 0o600)
		}, "2 YAML documents"},
		{"too large", func(p string) error {
			return os.WriteFile(p, []byte("stack: onyx\n#"+strings.Repeat("x", 1<<20)), 0o600)
		}, "more than the"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := c.make(filepath.Join(dir, ManifestName)); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { _, err := LoadManifest(dir); done <- err }()
			select {
			case err := <-done:
				if err == nil || !strings.Contains(err.Error(), c.wantErr) || strings.Contains(err.Error(), "\n") {
					t.Errorf("LoadManifest = %v; want one line containing %q", err, c.wantErr)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("LoadManifest hangs")
			}
		})
	}
}

func TestManifestKeepsAnswerText(t *testing.T) {
	dir := t.TempDir()
	m := &Manifest{Stack: "django-uwsgi", Answers: map[string]string{"app_version": "1.10", "http_port": "80"}}
	b, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ManifestName), b, 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := LoadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got.Answers["app_version"] != "1.10" {
		t.Errorf("app_version reads back as %q", got.Answers["app_version"])
	}
}
