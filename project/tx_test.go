package project

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stackgen/stackgen/fileset"
)

// errDiskFull stands in for ENOSPC from a full file system.
var errDiskFull = syscall.ENOSPC

// failAfter makes the n+1-th file write of tx fail as a full disk would,
// after writing part of the file. Files are written several at a time, so
// the count is shared under a lock.
func failAfter(tx *Tx, n int) {
	var mu sync.Mutex
	count := 0
	next := tx.write
	tx.write = func(root *os.Root, name string, b []byte, mode fs.FileMode) error {
		mu.Lock()
		count++
		full := count > n
		mu.Unlock()
		if full {
			root.WriteFile(name, b[:len(b)/2], 0o600) // a half-written file
			return errDiskFull
		}
		return next(root, name, b, mode)
	}
}

// snapshot maps every path under dir (folders with a trailing /) to its
// content and mode, without following links.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		info, _ := d.Info()
		switch {
		case d.IsDir():
			out[rel+"/"] = info.Mode().String()
		case d.Type()&fs.ModeSymlink != 0:
			to, _ := os.Readlink(p)
			out[rel] = "-> " + to
		case !d.Type().IsRegular():
			out[rel] = info.Mode().String()
		default:
			b, _ := os.ReadFile(p)
			out[rel] = info.Mode().String() + " " + string(b)
		}
		return nil
	})
	return out
}

func diffSnap(a, b map[string]string) []string {
	var d []string
	for k, v := range a {
		if b[k] != v {
			d = append(d, k)
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			d = append(d, k)
		}
	}
	sort.Strings(d)
	return d
}

func TestFirstWriteThatFailsLeavesNothingAndCanBeRerun(t *testing.T) {
	for n := 0; n <= len(sampleSet()); n++ {
		base := t.TempDir()
		dir := filepath.Join(base, "deep", "proj")
		tx, err := Begin(dir)
		if err != nil {
			t.Fatal(err)
		}
		failAfter(tx, n)
		steps, err := tx.Plan(sampleSet(), false)
		if err != nil {
			t.Fatal(err)
		}
		err = tx.Apply(steps, &Manifest{Stack: "test"})
		if !errors.Is(err, errDiskFull) || !strings.Contains(err.Error(), "nothing was written") {
			t.Fatalf("after %d files: err = %v, want the disk-full error saying nothing was written", n, err)
		}
		tx.Close()
		if left := snapshot(t, base); len(left) != 1 { // base itself
			t.Fatalf("after %d files a failed first write left %v", n, left)
		}
		writeAll(t, dir, sampleSet(), false) // the same command again works
		if _, err := LoadManifest(dir); err != nil {
			t.Fatal(err)
		}
	}
}

func TestForceWriteThatFailsLeavesTheOldProject(t *testing.T) {
	next := sampleSet()
	next[1].Content = []byte("services: {new: {}}\n")
	next[2].Content = []byte("#!/usr/bin/env bash\nset -eu\n")
	for n := 0; n <= 3; n++ { // two changed files, the manifest, the journal
		dir := filepath.Join(t.TempDir(), "proj")
		writeAll(t, dir, sampleSet(), false)
		before := snapshot(t, dir)
		tx, err := Begin(dir)
		if err != nil {
			t.Fatal(err)
		}
		failAfter(tx, n)
		steps, err := tx.Plan(next, true)
		if err != nil {
			t.Fatal(err)
		}
		if err := tx.Apply(steps, &Manifest{Stack: "test"}); !errors.Is(err, errDiskFull) {
			t.Fatalf("after %d files: err = %v, want disk full", n, err)
		}
		tx.Close()
		if d := diffSnap(before, snapshot(t, dir)); len(d) > 0 {
			t.Fatalf("after %d files a failed --force changed %v", n, d)
		}
	}
}

func TestFirstWriteIntoAnEmptyFolderThatFailsLeavesItEmpty(t *testing.T) {
	dir := t.TempDir()
	tx, err := Begin(dir)
	if err != nil {
		t.Fatal(err)
	}
	failAfter(tx, 1)
	steps, _ := tx.Plan(sampleSet(), false)
	if err := tx.Apply(steps, &Manifest{Stack: "test"}); err == nil {
		t.Fatal("Apply succeeded despite the fault")
	}
	tx.Close()
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("left %v in the empty target", entries)
	}
	writeAll(t, dir, sampleSet(), false) // still "empty": no --force needed
}

func TestSecondRunRefusesNamingTheLock(t *testing.T) {
	for _, exists := range []bool{true, false} {
		dir := filepath.Join(t.TempDir(), "proj")
		if exists {
			writeAll(t, dir, sampleSet(), false)
		}
		first, err := Begin(dir)
		if err != nil {
			t.Fatal(err)
		}
		_, err = Begin(dir)
		if err == nil || !strings.Contains(err.Error(), LockName) || !strings.Contains(err.Error(), "wait for it") || strings.Contains(err.Error(), "\n") {
			t.Fatalf("exists=%v: second Begin err = %v, want one line naming %s", exists, err, LockName)
		}
		if err := Recover(dir); exists && (err == nil || !strings.Contains(err.Error(), LockName)) {
			t.Fatalf("Recover (every LoadManifest) while a run writes: %v, want the lock named", err)
		}
		first.Close()
		second, err := Begin(dir)
		if err != nil {
			t.Fatalf("exists=%v: Begin after Close: %v", exists, err)
		}
		second.Close()
		if _, err := os.Lstat(filepath.Join(dir, LockName)); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("exists=%v: the lock file stays after Close: %v", exists, err)
		}
	}
}

func TestRecoverFinishesACommittedJournal(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "proj")
	writeAll(t, dir, sampleSet(), false)
	// A --force run committed its journal and moved one file before dying.
	jd := filepath.Join(dir, JournalDir)
	os.Mkdir(jd, 0o700)
	os.WriteFile(filepath.Join(jd, "0001"), []byte("NEW manifest\nstack: test\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "compose.yaml"), []byte("services: {new: {}}\n"), 0o644) // already moved
	os.WriteFile(filepath.Join(jd, "0002"), []byte("#!/bin/sh\n# new\n"), 0o755)
	os.WriteFile(filepath.Join(jd, journalFile), []byte(`{"entries":[{"staged":"0000","dest":"compose.yaml"},{"staged":"0002","dest":"scripts/new/run.sh"},{"staged":"0001","dest":".stackgen.yml"}]}`), 0o600)
	if err := Recover(dir); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, ManifestName)); !strings.HasPrefix(string(b), "NEW") {
		t.Errorf("manifest not moved into place: %q", b)
	}
	if info, err := os.Stat(filepath.Join(dir, "scripts/new/run.sh")); err != nil || info.Mode().Perm() != 0o755 {
		t.Errorf("staged script not moved into place: %v %v", info, err)
	}
	if _, err := os.Lstat(jd); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("journal left behind: %v", err)
	}
}

func TestRecoverDiscardsAnUncommittedJournal(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "proj")
	writeAll(t, dir, sampleSet(), false)
	before := snapshot(t, dir)
	jd := filepath.Join(dir, JournalDir)
	os.Mkdir(jd, 0o700)
	os.WriteFile(filepath.Join(jd, "0000"), []byte("SECRET='new'\n"), 0o600)
	os.WriteFile(filepath.Join(jd, journalFile+".tmp"), []byte(`{"entries":[`), 0o600)
	if err := Recover(dir); err != nil {
		t.Fatal(err)
	}
	if d := diffSnap(before, snapshot(t, dir)); len(d) > 0 {
		t.Fatalf("rolling back changed %v", d)
	}
}

func TestRecoverRemovesTheStageOfADeadFirstWrite(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "proj")
	stage := filepath.Join(base, ".proj"+stageInfix+"123")
	os.MkdirAll(filepath.Join(stage, "scripts"), 0o700)
	os.WriteFile(filepath.Join(stage, ".env"), []byte("SECRET='s'\n"), 0o600)
	os.WriteFile(filepath.Join(stage, LockName), []byte("999999\n"), 0o600) // its holder is gone
	if err := Recover(dir); err != nil {
		t.Fatal(err)
	}
	if left := snapshot(t, base); len(left) != 1 {
		t.Fatalf("left %v", left)
	}
}

func TestForceRefusesLinksAndSpecialFiles(t *testing.T) {
	cases := []struct {
		name  string
		setup func(t *testing.T, dir, outside string)
		want  string
	}{
		{"folder is a link", func(t *testing.T, dir, outside string) {
			os.RemoveAll(filepath.Join(dir, "scripts"))
			must(t, os.Symlink(outside, filepath.Join(dir, "scripts")))
		}, "scripts is a symbolic link"},
		{"file is a link", func(t *testing.T, dir, outside string) {
			os.Remove(filepath.Join(dir, "compose.yaml"))
			must(t, os.Symlink(filepath.Join(outside, "victim"), filepath.Join(dir, "compose.yaml")))
		}, "compose.yaml is a symbolic link"},
		{"manifest is a link", func(t *testing.T, dir, outside string) {
			os.Rename(filepath.Join(dir, ManifestName), filepath.Join(outside, "m"))
			must(t, os.Symlink(filepath.Join(outside, "m"), filepath.Join(dir, ManifestName)))
		}, ManifestName + " is a symbolic link"},
		{"file is a FIFO", func(t *testing.T, dir, outside string) {
			os.Remove(filepath.Join(dir, "compose.yaml"))
			must(t, syscall.Mkfifo(filepath.Join(dir, "compose.yaml"), 0o644))
		}, "compose.yaml is a named pipe (FIFO)"},
		{"secrets file is a FIFO", func(t *testing.T, dir, outside string) {
			os.Remove(filepath.Join(dir, ".env"))
			must(t, syscall.Mkfifo(filepath.Join(dir, ".env"), 0o644))
		}, ".env is a named pipe (FIFO)"},
		{"manifest is a FIFO", func(t *testing.T, dir, outside string) {
			os.Remove(filepath.Join(dir, ManifestName))
			must(t, syscall.Mkfifo(filepath.Join(dir, ManifestName), 0o644))
		}, ManifestName + " is a named pipe (FIFO)"},
		{"file is a device", func(t *testing.T, dir, outside string) {
			os.Remove(filepath.Join(dir, "compose.yaml"))
			if err := syscall.Mknod(filepath.Join(dir, "compose.yaml"), syscall.S_IFCHR|0o644, 0x0103); err != nil { // /dev/null's numbers
				t.Skipf("mknod: %v", err)
			}
		}, "compose.yaml is a character device"},
	}
	next := sampleSet()
	next[1].Content = []byte("services: {new: {}}\n")
	next[2].Content = []byte("#!/usr/bin/env bash\nset -eu\n")
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "proj")
			outside := t.TempDir()
			must(t, os.WriteFile(filepath.Join(outside, "victim"), []byte("not yours\n"), 0o600))
			writeAll(t, dir, sampleSet(), false)
			c.setup(t, dir, outside)
			before, beforeOut := snapshot(t, dir), snapshot(t, outside)
			done := make(chan error, 1)
			go func() { done <- forceWrite(dir, next) }()
			var err error
			select {
			case err = <-done:
			case <-time.After(5 * time.Second):
				t.Fatal("hung: a special file was opened for reading")
			}
			if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("err = %v, want one line with %q", err, c.want)
			}
			if d := diffSnap(before, snapshot(t, dir)); len(d) > 0 {
				t.Errorf("refused write changed the project: %v", d)
			}
			if d := diffSnap(beforeOut, snapshot(t, outside)); len(d) > 0 {
				t.Errorf("refused write changed files outside the project: %v", d)
			}
		})
	}
}

func TestUnchangedFileWithDriftedModeIsRewrittenNotChmodded(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "proj")
	writeAll(t, dir, sampleSet(), false)
	must(t, os.Chmod(filepath.Join(dir, "scripts/deploy.sh"), 0o600))
	steps := writeAll(t, dir, sampleSet(), true)
	if steps[2].Action != Unchanged {
		t.Fatalf("action = %v", steps[2].Action)
	}
	if info, _ := os.Stat(filepath.Join(dir, "scripts/deploy.sh")); info.Mode().Perm() != 0o755 {
		t.Errorf("mode = %o, want 755", info.Mode().Perm())
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// forceWrite is what `new --force` does with the project: read its secrets,
// lock, plan, write, unlock.
func forceWrite(dir string, set fileset.Set) error {
	if _, err := LoadManifest(dir); err != nil && !errors.Is(err, ErrNoManifest) {
		return err
	}
	if _, err := ReadEnv(dir); err != nil {
		return err
	}
	tx, err := Begin(dir)
	if err != nil {
		return err
	}
	defer tx.Close()
	steps, err := tx.Plan(set, true)
	if err != nil {
		return err
	}
	if err := tx.Apply(steps, &Manifest{Stack: "test"}); err != nil {
		return err
	}
	return tx.Close()
}

func TestWriteSetWritesExactlyTheSetOrNothing(t *testing.T) {
	set := append(sampleSet(), fileset.File{Path: ManifestName, Mode: 0o644, Content: []byte("stack: test\nfiles: {}\n")})
	dir := filepath.Join(t.TempDir(), "proj")
	tx, err := Begin(dir)
	must(t, err)
	failAfter(tx, 2)
	if err := tx.WriteSet(set); !errors.Is(err, errDiskFull) {
		t.Fatalf("WriteSet = %v, want disk full", err)
	}
	tx.Close()
	if _, err := os.Lstat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("a failed WriteSet left %s: %v", dir, err)
	}
	tx, err = Begin(dir)
	must(t, err)
	must(t, tx.WriteSet(set))
	must(t, tx.Close())
	got := snapshot(t, dir)
	if len(got) != 1+len(set)+1 { // dir, files, scripts/
		t.Errorf("wrote %v", keysOf(got))
	}
	if b, _ := os.ReadFile(filepath.Join(dir, ManifestName)); string(b) != "stack: test\nfiles: {}\n" {
		t.Errorf("the set's own manifest was replaced: %q", b)
	}
}

func keysOf(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestFirstWriteIntoARelativeDirectory(t *testing.T) {
	t.Chdir(t.TempDir())
	writeAll(t, "proj", sampleSet(), false)
	if _, err := LoadManifest("proj"); err != nil {
		t.Fatal(err)
	}
}

func TestRecoverRemovesALockAKilledRunLeft(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "proj")
	writeAll(t, dir, sampleSet(), false)
	must(t, os.WriteFile(filepath.Join(dir, LockName), []byte("999999\n"), 0o600))
	if _, err := LoadManifest(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(filepath.Join(dir, LockName)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the stale lock file stays: %v", err)
	}
}

// TestWriteGated: the gate is asked once, after every file is staged
// (none is visible in the project yet), and its refusal leaves the
// project as it was, first write or --force alike.
func TestWriteGated(t *testing.T) {
	next := sampleSet()
	next[1].Content = []byte("services: {web: {}}\n")
	refused := errors.New("the render has errors")
	for _, tc := range []struct {
		name     string
		existing bool
		verdict  error
	}{
		{"first write, gate passes", false, nil},
		{"first write, gate refuses", false, refused},
		{"--force write, gate passes", true, nil},
		{"--force write, gate refuses", true, refused},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base := t.TempDir()
			dir := filepath.Join(base, "proj")
			if tc.existing {
				writeAll(t, dir, sampleSet(), false)
			}
			before := snapshot(t, base)
			calls := 0
			gate := func() error {
				calls++
				now := snapshot(t, base)
				if len(diffSnap(before, now)) == 0 {
					t.Error("gate called before anything was staged")
				}
				for _, f := range []string{"proj/compose.yaml", "proj/" + ManifestName} {
					if now[f] != before[f] {
						t.Errorf("%s changed before the gate passed", f)
					}
				}
				return tc.verdict
			}
			_, err := WriteGated(dir, next, tc.existing, &Manifest{Stack: "test"}, gate)
			if calls != 1 {
				t.Errorf("gate called %d times, want once", calls)
			}
			if !errors.Is(err, tc.verdict) || (tc.verdict == nil) != (err == nil) {
				t.Fatalf("WriteGated = %v, want %v", err, tc.verdict)
			}
			if tc.verdict != nil {
				if d := diffSnap(before, snapshot(t, base)); len(d) > 0 {
					t.Errorf("a refused write changed %v", d)
				}
				return
			}
			if b, err := os.ReadFile(filepath.Join(dir, "compose.yaml")); err != nil || string(b) != string(next[1].Content) {
				t.Errorf("compose.yaml = %q, %v after the gate passed", b, err)
			}
		})
	}
}
