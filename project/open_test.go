package project

import (
	"os"
	"path/filepath"
	"testing"
)

func TestOpenReadsManifestAndEnvOnce(t *testing.T) {
	dir := t.TempDir()
	e, err := Open(filepath.Join(dir, "new"), false)
	if err != nil || e.Manifest != nil || len(e.Env) != 0 {
		t.Fatalf("a folder not there yet: %+v, %v", e, err)
	}
	b, _ := (&Manifest{Stack: "django-uwsgi", Answers: map[string]string{"db": "mariadb"}}).Marshal()
	os.WriteFile(filepath.Join(dir, ManifestName), b, 0o644)
	os.WriteFile(filepath.Join(dir, ".env"), []byte("DB_PASSWORD='kept'\n"), 0o600)
	e, err = Open(dir, true) // a re-render, as new --force does
	if err != nil || e.Manifest == nil || e.Manifest.Stack != "django-uwsgi" || e.Env["DB_PASSWORD"] != "kept" {
		t.Fatalf("an existing project: %+v, %v", e, err)
	}
	f := filepath.Join(dir, "file")
	os.WriteFile(f, nil, 0o644)
	if _, err := Open(f, false); err == nil {
		t.Error("Open accepted a file as the project folder")
	}
}
