package project

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stackgen/stackgen/fileset"
)

// TestApplyKeepsBaseCopies: every write records what it rendered (but
// never .env, which holds the secrets), and the copies read back.
func TestApplyKeepsBaseCopies(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "proj")
	writeAll(t, dir, sampleSet(), false)
	m, err := LoadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range sampleSet() {
		got, err := ReadBase(dir, m.Files[f.Path])
		if f.Path == ".env" {
			if !errors.Is(err, ErrNoBase) {
				t.Errorf(".env has a base copy (%q, %v): secrets must stay in .env only", got, err)
			}
			continue
		}
		if err != nil || string(got) != string(f.Content) {
			t.Errorf("ReadBase(%s) = %q, %v; want %q", f.Path, got, err, f.Content)
		}
	}
	// A second write (new --force) adds the new contents' copies and
	// drops the copies no file is at any more.
	next := sampleSet()
	next[1].Content = []byte("services: {web: {}}\n")
	writeAll(t, dir, next, true)
	if got, err := ReadBase(dir, Hash(next[1].Content)); err != nil || string(got) != string(next[1].Content) {
		t.Errorf("ReadBase of the new render = %q, %v", got, err)
	}
	if _, err := ReadBase(dir, Hash([]byte("services: {}\n"))); !errors.Is(err, ErrNoBase) {
		t.Errorf("the old render's copy is still kept: %v", err)
	}
	if got, err := ReadBase(dir, Hash(next[2].Content)); err != nil || string(got) != string(next[2].Content) {
		t.Errorf("an unchanged file's copy went: %q, %v", got, err)
	}
}

func TestReadBaseRefusesADamagedCopy(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "proj")
	writeAll(t, dir, sampleSet(), false)
	sum := Hash([]byte("services: {}\n"))
	other, err := baseFiles(map[string][]byte{"x": []byte("something else\n")})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(BasePath(sum))), other[0].Content, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadBase(dir, sum); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Errorf("ReadBase of a copy with other content = %v, want a damaged error", err)
	}
	if _, err := ReadBase(dir, "../../etc/passwd"); !errors.Is(err, ErrNoBase) {
		t.Errorf("ReadBase of a non-hash = %v, want ErrNoBase", err)
	}
}

// TestApplyUpgradeRecordsTheRender: the file holds the merge, the
// manifest and the base store hold what stackgen rendered, and a removed
// file is gone, all in one transaction.
func TestApplyUpgradeRecordsTheRender(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "proj")
	set := append(sampleSet(), fileset.File{Path: "old.conf", Mode: 0o644, Content: []byte("old\n")})
	writeAll(t, dir, set, false)
	tx, err := Begin(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Close()
	merged := []byte("services: {} # mine\nnew: 1\n")
	render := []byte("services: {}\nnew: 1\n")
	changes := []Change{
		{File: fileset.File{Path: "compose.yaml", Mode: 0o644, Content: merged}, Render: render},
		{File: set[0], Render: set[0].Content},
		{File: fileset.File{Path: "scripts/deploy.sh", Mode: 0o755, Content: set[2].Content}, Render: set[2].Content},
	}
	if err := tx.ApplyUpgrade(changes, []string{"old.conf"}, &Manifest{Stack: "test", Version: "2"}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Close(); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "compose.yaml")); string(b) != string(merged) {
		t.Errorf("compose.yaml = %q, want the merge", b)
	}
	if _, err := os.Lstat(filepath.Join(dir, "old.conf")); !os.IsNotExist(err) {
		t.Errorf("old.conf still there: %v", err)
	}
	m, err := LoadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	if m.Files["compose.yaml"] != Hash(render) || m.Version != "2" {
		t.Errorf("manifest = %+v, want the render's hash and version 2", m)
	}
	if _, ok := m.Files["old.conf"]; ok {
		t.Error("the manifest still lists the removed file")
	}
	if got, err := ReadBase(dir, Hash(render)); err != nil || string(got) != string(render) {
		t.Errorf("base of the render = %q, %v", got, err)
	}
	if _, err := os.Lstat(filepath.Join(dir, JournalDir)); !os.IsNotExist(err) {
		t.Errorf("journal left behind: %v", err)
	}
}

// TestRecoverFinishesARemoval: an upgrade that died after its journal was
// committed removes the files the journal says to (again, harmlessly, for
// one already gone), and never follows a link doing so.
func TestRecoverFinishesARemoval(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "proj")
	writeAll(t, dir, sampleSet(), false)
	jd := filepath.Join(dir, JournalDir)
	if err := os.Mkdir(jd, 0o700); err != nil {
		t.Fatal(err)
	}
	j := `{"entries":[{"dest":"compose.yaml","remove":true},{"dest":"gone-already.conf","remove":true}]}`
	if err := os.WriteFile(filepath.Join(jd, journalFile), []byte(j), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Recover(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(filepath.Join(dir, "compose.yaml")); !os.IsNotExist(err) {
		t.Errorf("compose.yaml not removed: %v", err)
	}
	if _, err := os.Lstat(jd); !os.IsNotExist(err) {
		t.Errorf("journal left behind: %v", err)
	}

	// A removal through a linked folder is refused.
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "keep"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, "linked")); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(jd, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(jd, journalFile), []byte(`{"entries":[{"dest":"linked/keep","remove":true}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Recover(dir); err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Errorf("removal through a link: %v, want a refusal", err)
	}
	if _, err := os.Stat(filepath.Join(outside, "keep")); err != nil {
		t.Errorf("the file behind the link went: %v", err)
	}
}

// TestBaseCopiesAreTheSameBytesAsBefore: reusing gzip writers across
// files (and splitting the files between workers) must write what one
// fresh writer per file wrote, so a project's base store does not change
// with how it was compressed.
func TestBaseCopiesAreTheSameBytesAsBefore(t *testing.T) {
	rendered := map[string][]byte{".env": []byte("SECRET=x\n")}
	for i := range 9 {
		rendered[fmt.Sprintf("f%d.txt", i)] = bytes.Repeat([]byte(fmt.Sprintf("line %d of a rendered file\n", i)), 50*i+1)
	}
	rendered["copy.txt"] = rendered["f3.txt"] // one content, one copy
	got, err := baseFiles(rendered)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]byte{}
	for p, b := range rendered {
		if p == ".env" {
			continue
		}
		var z bytes.Buffer
		w, _ := gzip.NewWriterLevel(&z, gzip.DefaultCompression)
		w.Write(b)
		w.Close()
		want[BasePath(Hash(b))] = z.Bytes()
	}
	if len(got) != len(want) {
		t.Fatalf("%d base copies, want %d (one per content, .env left out)", len(got), len(want))
	}
	for i, f := range got {
		if i > 0 && got[i-1].Path >= f.Path {
			t.Errorf("base copies out of order: %s before %s", got[i-1].Path, f.Path)
		}
		if !bytes.Equal(f.Content, want[f.Path]) {
			t.Errorf("%s differs from a fresh gzip writer's output", f.Path)
		}
	}
}
