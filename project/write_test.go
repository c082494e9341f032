package project

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stackgen/stackgen/fileset"
)

func sampleSet() fileset.Set {
	return fileset.Set{
		{Path: ".env", Mode: 0o600, Content: []byte("SECRET='s3cret'\n")},
		{Path: "compose.yaml", Mode: 0o644, Content: []byte("services: {}\n")},
		{Path: "scripts/deploy.sh", Mode: 0o755, Content: []byte("#!/usr/bin/env bash\n")},
	}
}

func writeAll(t *testing.T, dir string, set fileset.Set, force bool) []Step {
	t.Helper()
	tx, err := Begin(dir)
	if err != nil {
		t.Fatalf("Begin: %v", err)
	}
	defer tx.Close()
	steps, err := tx.Plan(set, force)
	if err != nil {
		t.Fatalf("Plan: %v", err)
	}
	if err := tx.Apply(steps, &Manifest{Stack: "test", Version: "dev"}); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if err := tx.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	return steps
}

func TestApplyWritesFilesWithModesAndManifest(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "proj")
	writeAll(t, dir, sampleSet(), false)
	for _, f := range sampleSet() {
		info, err := os.Stat(filepath.Join(dir, f.Path))
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode().Perm() != f.Mode {
			t.Errorf("%s mode %o, want %o", f.Path, info.Mode().Perm(), f.Mode)
		}
	}
	m, err := LoadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	if m.Files["compose.yaml"] != Hash([]byte("services: {}\n")) {
		t.Errorf("manifest hash of compose.yaml = %q", m.Files["compose.yaml"])
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, ".*tmp-*"))
	if len(leftovers) > 0 {
		t.Errorf("temporary files left behind: %v", leftovers)
	}
}

func TestPlanRefusals(t *testing.T) {
	base := t.TempDir()
	file := filepath.Join(base, "afile")
	os.WriteFile(file, []byte("x"), 0o644)
	nonEmpty := filepath.Join(base, "full")
	os.MkdirAll(nonEmpty, 0o755)
	os.WriteFile(filepath.Join(nonEmpty, "notes.txt"), []byte("mine"), 0o644)

	cases := []struct {
		name, dir, want string
	}{
		{"target is a file", file, "is a file, not a directory"},
		{"non-empty without force", nonEmpty, "pass --force"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Plan(c.dir, sampleSet(), false)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Plan(%s) error = %v, want %q", c.dir, err, c.want)
			}
		})
	}
	if b, _ := os.ReadFile(filepath.Join(nonEmpty, "notes.txt")); string(b) != "mine" {
		t.Error("refused plan changed the user's file")
	}
}

func TestForceKeepsFilesTheUserChanged(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "proj")
	writeAll(t, dir, sampleSet(), false)
	// The user edits compose.yaml; stackgen's next version changes both files.
	os.WriteFile(filepath.Join(dir, "compose.yaml"), []byte("services: {mine: {}}\n"), 0o644)
	next := sampleSet()
	next[1].Content = []byte("services: {new: {}}\n")
	next[2].Content = []byte("#!/usr/bin/env bash\nset -euo pipefail\n")

	steps := writeAll(t, dir, next, true)
	actions := map[string]Action{}
	for _, st := range steps {
		actions[st.File.Path] = st.Action
	}
	if actions["compose.yaml"] != Keep || actions["scripts/deploy.sh"] != Update || actions[".env"] != Unchanged {
		t.Fatalf("actions = %v", actions)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "compose.yaml")); string(b) != "services: {mine: {}}\n" {
		t.Errorf("user's compose.yaml was overwritten: %q", b)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "compose.yaml"+NewSuffix)); string(b) != "services: {new: {}}\n" {
		t.Errorf("new version not written beside: %q", b)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "scripts/deploy.sh")); !strings.Contains(string(b), "pipefail") {
		t.Errorf("untouched script not updated: %q", b)
	}
}

func TestForceKeepsFilesStackgenNeverWrote(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "compose.yaml"), []byte("theirs\n"), 0o644)
	steps := writeAll(t, dir, sampleSet(), true)
	if got := Kept(steps); len(got) != 1 || got[0] != "compose.yaml" {
		t.Fatalf("Kept = %v, want [compose.yaml]", got)
	}
}

func TestApplyUnwritableTargetWritesNothing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ro")
	if err := os.MkdirAll(dir, 0o500); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(dir, "proj")
	if os.Geteuid() == 0 {
		// root ignores permission bits; /proc takes no new directories.
		target = "/proc/stackgen-test/proj"
	}
	tx, err := Begin(target)
	if err == nil {
		defer tx.Close()
		var steps []Step
		if steps, err = tx.Plan(sampleSet(), false); err != nil {
			t.Fatal(err)
		}
		err = tx.Apply(steps, &Manifest{Stack: "test"})
	}
	if err == nil || !strings.Contains(err.Error(), "choose a directory you can write to") {
		t.Fatalf("Apply to unwritable target: err = %v", err)
	}
}

func TestParseEnvReadsWhatEnvValueWrites(t *testing.T) {
	got := ParseEnv("# comment\nA='x$y'\nB=\"it's \\\"q\\\" \\$z\\nnext\"\nC=plain\n")
	want := map[string]string{"A": "x$y", "B": "it's \"q\" $z\nnext", "C": "plain"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
}

// TestRewriteKeepsTheUsersSilences: the silence: entries a user added to
// .stackgen.yml survive the manifest stackgen writes on a re-render.
func TestRewriteKeepsTheUsersSilences(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "proj")
	writeAll(t, dir, sampleSet(), false)
	manifest := filepath.Join(dir, ManifestName)
	b, err := os.ReadFile(manifest)
	if err != nil {
		t.Fatal(err)
	}
	b = append(b, "silence:\n  - rule: image-currency\n    subject: mysql:8.0\n    reason: upgrade in OPS-42\n"...)
	if err := os.WriteFile(manifest, b, 0o644); err != nil {
		t.Fatal(err)
	}
	writeAll(t, dir, sampleSet(), true)
	m, err := LoadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []Silence{{Rule: "image-currency", Subject: "mysql:8.0", Reason: "upgrade in OPS-42"}}
	if len(m.Silence) != 1 || m.Silence[0] != want[0] {
		t.Errorf("silences after a re-render = %+v, want %+v", m.Silence, want)
	}
}
