package project

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stackgen/stackgen/fileset"
)

func TestOpenReadsManifestAndEnvOnce(t *testing.T) {
	dir := t.TempDir()
	e, err := Open(filepath.Join(dir, "new"))
	if err != nil || e.Manifest != nil || len(e.Env) != 0 || e.Check(false) != nil {
		t.Fatalf("a folder not there yet: %+v, %v", e, err)
	}
	b, _ := (&Manifest{Stack: "django-uwsgi", Answers: map[string]string{"db": "mariadb"}}).Marshal()
	os.WriteFile(filepath.Join(dir, ManifestName), b, 0o644)
	os.WriteFile(filepath.Join(dir, ".env"), []byte("DB_PASSWORD='kept'\n"), 0o600)
	e, err = Open(dir)
	if err != nil || e.Manifest == nil || e.Manifest.Stack != "django-uwsgi" || e.Env["DB_PASSWORD"] != "kept" {
		t.Fatalf("an existing project: %+v, %v", e, err)
	}
	// Whether it may be written is judged after reading, when --force is
	// known (new's from-app detection turns it on).
	if err := e.Check(false); err == nil || !strings.Contains(err.Error(), "--force") {
		t.Errorf("Check(false) on a non-empty folder: %v, want the --force hint", err)
	}
	if err := e.Check(true); err != nil {
		t.Errorf("Check(true), as new --force does: %v", err)
	}
	f := filepath.Join(dir, "file")
	os.WriteFile(f, nil, 0o644)
	if _, err := Open(f); err == nil {
		t.Error("Open accepted a file as the project folder")
	}
}

func TestOpenReportsABrokenManifestOnCheck(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, ManifestName), []byte("stack: [unclosed\n"), 0o644)
	e, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if e.Manifest != nil {
		t.Errorf("a broken manifest was read: %+v", e.Manifest)
	}
	if err := e.Check(true); err == nil || !strings.Contains(err.Error(), ManifestName) {
		t.Errorf("Check(true) with a broken manifest: %v, want it named", err)
	}
}

// Existing.Plan decides from the hashes Open read: a file stackgen wrote
// and the user left alone is updated, one the user changed is kept.
func TestExistingPlanUsesTheHashesRead(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.txt"), []byte("old a\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "b.txt"), []byte("user's b\n"), 0o644)
	m := &Manifest{Stack: "s", Answers: map[string]string{}, Files: map[string]string{"a.txt": Hash([]byte("old a\n")), "b.txt": Hash([]byte("old b\n"))}}
	b, _ := m.Marshal()
	os.WriteFile(filepath.Join(dir, ManifestName), b, 0o644)
	e, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	// The manifest on disk no longer matters: the plan is the read one's.
	os.Remove(filepath.Join(dir, ManifestName))
	set := fileset.Set{{Path: "a.txt", Mode: 0o644, Content: []byte("new a\n")}, {Path: "b.txt", Mode: 0o644, Content: []byte("new b\n")}}
	steps, err := e.Plan(set, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(steps) != 2 || steps[0].Action != Update || steps[1].Action != Keep {
		t.Errorf("plan %+v, want a.txt updated and b.txt kept", steps)
	}
	if _, err := e.Plan(set, false); err == nil {
		t.Error("Existing.Plan wrote into a non-empty folder without force")
	}
}
