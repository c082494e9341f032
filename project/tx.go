package project

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/stackgen/stackgen/fileset"

	"github.com/stackgen/stackgen/internal/msg"
)

// The names a write uses besides the project's own files. The generated
// .gitignore lists the two inside the project, so a crash never gets them
// committed.
const (
	// LockName is the lock file a run holds in the project while it writes.
	LockName = ".stackgen.lock"
	// JournalDir holds the new versions of the files of a --force write
	// until they are moved into place.
	JournalDir  = ".stackgen-txn"
	journalFile = "journal.json"
	// stageInfix names the folder beside a new project where its first
	// version is assembled: .NAME.stackgen-tmp-RANDOM.
	stageInfix = ".stackgen-tmp-"
)

// Tx is one write of a project. It holds the project's lock from Begin to
// Close, so a second run refuses instead of mixing two answer sets, and it
// writes all-or-nothing:
//
//   - a project that does not exist yet is assembled in a folder beside it,
//     on the same file system, and renamed into place in one step;
//   - an existing project gets the new files staged in JournalDir, then a
//     journal listing them (the commit point), then the renames. A run that
//     finds a journal finishes it; one that finds staged files without a
//     journal deletes them. Either way the project is wholly old or wholly
//     new, and its manifest matches its files.
type Tx struct {
	dir       string
	lock      *lockFile
	stage     string   // first write: the folder beside dir; "" otherwise
	created   []string // parent folders Begin made, removed unless committed
	committed bool
	// write puts one file under root; tests swap it to inject faults such
	// as a full disk.
	write func(root *os.Root, name string, b []byte, mode fs.FileMode) error
	// gate, when set, decides at the commit point, after every file is
	// staged and synced and before anything is visible in the project:
	// an error from it aborts the write (see WriteGated).
	gate func() error
}

// Begin locks dir for writing and finishes or rolls back what an
// interrupted run left. A dir that does not exist is not created: its
// first version appears only when Apply succeeds.
func Begin(dir string) (*Tx, error) {
	dir = filepath.Clean(dir)
	info, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return beginNew(dir)
	case err != nil:
		return nil, msg.Err("project.err.use", msg.Args{"File": dir, "Err": err})
	case !info.IsDir():
		return nil, msg.Err("project.err.target-file", msg.Args{"Dir": dir})
	}
	lk, err := acquire(dir, filepath.Join(dir, LockName))
	if err != nil {
		return nil, err
	}
	if err := recoverLocked(dir); err != nil {
		lk.release()
		return nil, err
	}
	return &Tx{dir: dir, lock: lk, write: writeSynced}, nil
}

func beginNew(dir string) (*Tx, error) {
	parent, base := filepath.Dir(dir), filepath.Base(dir)
	created, err := mkdirParents(parent)
	if err != nil {
		return nil, err
	}
	tx := &Tx{dir: dir, created: created, write: writeSynced}
	if err := cleanStages(parent, base); err != nil {
		tx.Close()
		return nil, err
	}
	stage, err := os.MkdirTemp(parent, "."+base+stageInfix+"*")
	if err != nil {
		tx.Close()
		return nil, msg.Err("project.err.write-dir", msg.Args{"Dir": parent, "Err": errors.Unwrap(err)})
	}
	tx.stage = stage
	if tx.lock, err = acquire(dir, filepath.Join(stage, LockName)); err != nil {
		tx.Close()
		return nil, err
	}
	// Two runs that started together may both have found no stage. Each
	// looks again now that it holds its own lock: of two runs, at least
	// the one that locked second sees the other's lock, and gives way.
	if err := otherStage(parent, base, stage); err != nil {
		tx.Close()
		return nil, err
	}
	return tx, nil
}

// otherStage refuses when a live run (other than the one staging in own)
// is writing the first version of parent/base.
func otherStage(parent, base, own string) error {
	entries, err := os.ReadDir(parent)
	if err != nil {
		return err
	}
	prefix := "." + base + stageInfix
	for _, e := range entries {
		stage := filepath.Join(parent, e.Name())
		if !e.IsDir() || !strings.HasPrefix(e.Name(), prefix) || stage == filepath.Clean(own) {
			continue
		}
		lock := filepath.Join(stage, LockName)
		if pid, held := heldLock(lock); held {
			return lockedErr(filepath.Join(parent, base), lock, pid)
		}
	}
	return nil
}

// Apply carries out steps and writes the manifest m (whose Files it fills)
// as one transaction; on error nothing of it is visible in the project.
func (tx *Tx) Apply(steps []Step, m *Manifest) error {
	if m.Bundle == nil {
		// The user's bundle rules outlive a regeneration (new --force).
		if old, err := loadManifest(tx.dir); err == nil {
			m.Bundle = old.Bundle
		}
	}
	m.Files = map[string]string{}
	if m.Silence == nil {
		// the user's accepted findings outlive a re-render
		if old, err := loadManifest(tx.dir); err == nil {
			m.Silence = old.Silence
		}
	}
	rendered := map[string][]byte{}
	for _, st := range steps {
		m.Files[st.File.Path] = Hash(st.File.Content)
		rendered[st.File.Path] = st.File.Content
	}
	man, err := m.Marshal()
	if err != nil {
		return err
	}
	bases, err := baseFiles(rendered)
	if err != nil {
		return err
	}
	var stale []string
	if tx.stage == "" {
		stale = staleBases(tx.dir, m.Files)
	}
	return tx.commit(steps, man, bases, stale)
}

// WriteSet writes exactly set, which must carry its own manifest if it has
// one (an installed bundle does), into a dir that is new or empty, as one
// transaction.
func (tx *Tx) WriteSet(set fileset.Set) error {
	steps, err := tx.Plan(set, false)
	if err != nil {
		return err
	}
	return tx.commit(steps, nil, nil, nil)
}

// commit writes steps, the base copies in bases (content-addressed, so
// one already there is kept), removes the files in remove, and writes the
// manifest man unless it is nil.
func (tx *Tx) commit(steps []Step, man []byte, bases []fileset.File, remove []string) error {
	if tx.committed {
		return errors.New("project: a transaction writes once")
	}
	if tx.stage != "" {
		return tx.applyNew(steps, man, bases)
	}
	return tx.applyJournal(steps, man, bases, remove)
}

// applyNew assembles the whole project in the stage folder and renames it
// into place: the rename is the commit.
func (tx *Tx) applyNew(steps []Step, man []byte, bases []fileset.File) error {
	root, err := os.OpenRoot(tx.stage)
	if err != nil {
		return err
	}
	defer root.Close()
	var files []pending
	for _, st := range steps {
		files = append(files, pending{name: st.Dest, b: st.File.Content, mode: st.File.Mode})
	}
	for _, f := range bases {
		files = append(files, pending{name: f.Path, b: f.Content, mode: f.Mode})
	}
	if man != nil {
		files = append(files, pending{name: ManifestName, b: man, mode: 0o644})
	}
	// Each folder is made once, parents first (a parent sorts before
	// what it holds), instead of a MkdirAll walk per file.
	dirs := map[string]bool{".": true}
	for _, f := range files {
		for d := path.Dir(f.name); d != "."; d = path.Dir(d) {
			dirs[d] = true
		}
	}
	sorted := make([]string, 0, len(dirs))
	for d := range dirs {
		sorted = append(sorted, d)
	}
	sort.Strings(sorted)
	for _, d := range sorted[1:] { // "." is the stage itself
		if err := root.Mkdir(d, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
			return tx.writeErr(d, err)
		}
	}
	if err := tx.writeAll(root, files); err != nil {
		return err
	}
	if err := syncDirs(tx.stage, sorted, tx.writeErr); err != nil {
		return err
	}
	if err := tx.pass(); err != nil {
		return err
	}
	// MkdirTemp made the stage private; the project folder is not.
	if err := os.Chmod(tx.stage, 0o755); err != nil {
		return err
	}
	if err := renameNoReplace(tx.stage, tx.dir); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return msg.Err("project.err.raced", msg.Args{"Dir": tx.dir})
		}
		return msg.Err("project.err.create-none", msg.Args{"File": tx.dir, "Err": err})
	}
	tx.committed = true
	tx.stage = ""
	tx.lock.path = filepath.Join(tx.dir, LockName)
	return syncDir(filepath.Dir(tx.dir))
}

// pending is one file a commit writes: name under the root it writes to,
// dest the project path an error names ("" when it is name).
type pending struct {
	name, dest string
	b          []byte
	mode       fs.FileMode
}

// syncWorkers is how many files are written and synced at once. An fsync
// mostly waits for the disk, and the file system commits concurrent syncs
// together: a first write of ~75 files (half of them base copies) took
// 45-130 ms synced one after the other here, 10-30 ms eight at a time.
const syncWorkers = 8

// writeAll writes files under root through tx.write, syncWorkers at a
// time, and returns the first failure (named by the file's project path).
// Every file has been written and synced when it returns nil.
func (tx *Tx) writeAll(root *os.Root, files []pending) error {
	var g errgroup.Group
	g.SetLimit(syncWorkers)
	for _, f := range files {
		g.Go(func() error {
			if err := tx.write(root, f.name, f.b, f.mode); err != nil {
				dest := f.dest
				if dest == "" {
					dest = f.name
				}
				return tx.writeErr(dest, err)
			}
			return nil
		})
	}
	return g.Wait()
}

// syncDirs syncs each folder of dirs (slash paths under base), several at
// a time, so the entries of the files just written are on disk too; a
// failure is named by wrap.
func syncDirs(base string, dirs []string, wrap func(dir string, err error) error) error {
	var g errgroup.Group
	g.SetLimit(syncWorkers)
	for _, d := range dirs {
		g.Go(func() error {
			if err := syncDir(filepath.Join(base, filepath.FromSlash(d))); err != nil {
				return wrap(d, err)
			}
			return nil
		})
	}
	return g.Wait()
}

// pass asks the gate, if any, whether the staged write may commit.
func (tx *Tx) pass() error {
	if tx.gate == nil {
		return nil
	}
	return tx.gate()
}

func (tx *Tx) writeErr(name string, err error) error {
	return msg.Err("project.err.write-none", msg.Args{"File": filepath.Join(tx.dir, filepath.FromSlash(name)), "Err": err})
}

// journal lists the staged files and where each goes, in order; the
// manifest comes last.
type journal struct {
	Entries []journalEntry `json:"entries"`
}

type journalEntry struct {
	Staged string `json:"staged,omitempty"`
	Dest   string `json:"dest"`
	// Remove deletes Dest instead (a file stackgen no longer generates).
	Remove bool `json:"remove,omitempty"`
}

// applyJournal stages the new files in JournalDir, commits by writing the
// journal, and then moves them into place.
func (tx *Tx) applyJournal(steps []Step, man []byte, bases []fileset.File, remove []string) error {
	root, err := os.OpenRoot(tx.dir)
	if err != nil {
		return err
	}
	defer root.Close()
	if err := root.Mkdir(JournalDir, 0o700); err != nil {
		return tx.writeErr(JournalDir, err)
	}
	var j journal
	var staged []pending
	stageFile := func(dest string, b []byte, mode fs.FileMode) {
		name := fmt.Sprintf("%04d", len(j.Entries))
		staged = append(staged, pending{name: JournalDir + "/" + name, dest: dest, b: b, mode: mode})
		j.Entries = append(j.Entries, journalEntry{Staged: name, Dest: dest})
	}
	for _, st := range steps {
		// An unchanged file with the right mode needs nothing; one whose
		// mode drifted is rewritten rather than chmod-ed, because a rename
		// never follows a link and a chmod does.
		if st.Action == Unchanged && st.diskMode == st.File.Mode.Perm() {
			continue
		}
		stageFile(st.Dest, st.File.Content, st.File.Mode)
	}
	for _, f := range bases {
		info, err := inspect(tx.dir, f.Path)
		if err != nil {
			return err
		}
		if info != nil {
			continue // named by its content: already right
		}
		stageFile(f.Path, f.Content, f.Mode)
	}
	for _, p := range remove {
		j.Entries = append(j.Entries, journalEntry{Dest: p, Remove: true})
	}
	if man != nil {
		stageFile(ManifestName, man, 0o644)
	}
	if err := tx.writeAll(root, staged); err != nil {
		return err
	}
	if err := tx.pass(); err != nil {
		return err
	}
	b, err := json.Marshal(j)
	if err != nil {
		return err
	}
	tmp := JournalDir + "/" + journalFile + ".tmp"
	if err := tx.write(root, tmp, b, 0o600); err != nil {
		return tx.writeErr(JournalDir, err)
	}
	if err := syncDir(filepath.Join(tx.dir, JournalDir)); err != nil {
		return tx.writeErr(JournalDir, err)
	}
	if err := root.Rename(tmp, JournalDir+"/"+journalFile); err != nil {
		return tx.writeErr(JournalDir, err)
	}
	if err := syncDir(filepath.Join(tx.dir, JournalDir)); err != nil {
		return tx.writeErr(JournalDir, err)
	}
	// Committed: from here an interruption is finished by the next run.
	tx.committed = true
	return rollForward(tx.dir, j)
}

// rollForward moves the journal's staged files into place (skipping those
// already moved), syncs the folders, and removes the journal.
func rollForward(dir string, j journal) error {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	dirs := map[string]bool{".": true}
	for _, e := range j.Entries {
		if !fs.ValidPath(e.Dest) || strings.HasPrefix(e.Dest, JournalDir) || (!e.Remove && (!fs.ValidPath(e.Staged) || strings.Contains(e.Staged, "/"))) {
			return msg.Err("project.err.journal-entry", msg.Args{"File": filepath.Join(dir, JournalDir, journalFile), "Entry": e.Dest, "Dir": filepath.Join(dir, JournalDir)})
		}
		if e.Remove {
			if _, err := inspect(dir, e.Dest); err != nil {
				return err
			}
			if err := root.Remove(e.Dest); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return msg.Err("project.err.remove", msg.Args{"File": filepath.Join(dir, e.Dest), "Err": err})
			}
			dirs[path.Dir(e.Dest)] = true
			continue
		}
		staged := JournalDir + "/" + e.Staged
		if _, err := root.Lstat(staged); errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if _, err := inspect(dir, e.Dest); err != nil {
			return err
		}
		if err := root.MkdirAll(path.Dir(e.Dest), 0o755); err != nil {
			return msg.Err("project.err.create", msg.Args{"File": filepath.Join(dir, path.Dir(e.Dest)), "Err": err})
		}
		if err := root.Rename(staged, e.Dest); err != nil {
			return msg.Err("project.err.write", msg.Args{"File": filepath.Join(dir, e.Dest), "Err": err})
		}
		dirs[path.Dir(e.Dest)] = true
	}
	keys := make([]string, 0, len(dirs))
	for d := range dirs {
		keys = append(keys, d)
	}
	sort.Strings(keys)
	if err := syncDirs(dir, keys, func(_ string, err error) error { return err }); err != nil {
		return err
	}
	if err := root.RemoveAll(JournalDir); err != nil {
		return err
	}
	return syncDir(dir)
}

// Close ends the transaction and releases the lock. Without a committed
// Apply it removes everything the transaction staged, and the folders
// Begin created; after a commit interrupted mid-way it finishes the moves.
func (tx *Tx) Close() error {
	var err error
	if tx.stage != "" {
		err = os.RemoveAll(tx.stage)
		if err == nil {
			err = syncDir(filepath.Dir(tx.stage))
		}
	} else if tx.lock != nil {
		err = recoverLocked(tx.dir)
	}
	if tx.lock != nil {
		tx.lock.release()
		tx.lock = nil
	}
	if !tx.committed {
		for i := len(tx.created) - 1; i >= 0; i-- {
			os.Remove(tx.created[i]) // only if still empty
		}
	}
	return err
}

// Recover finishes or rolls back a write that was interrupted in dir (by a
// crash, kill -9 or power loss), so what dir holds is one version of the
// project, and removes the leftovers of an interrupted first write beside
// it. It refuses while another run holds the lock.
func Recover(dir string) error {
	dir = filepath.Clean(dir)
	if err := cleanStages(filepath.Dir(dir), filepath.Base(dir)); err != nil {
		return err
	}
	_, jerr := os.Lstat(filepath.Join(dir, JournalDir))
	_, lerr := os.Lstat(filepath.Join(dir, LockName))
	if jerr != nil && lerr != nil {
		return nil // no journal, no lock, or no project: nothing to finish
	}
	// Taking the lock refuses while a run writes; releasing it removes a
	// lock file a killed run left.
	lk, err := acquire(dir, filepath.Join(dir, LockName))
	if err != nil {
		return err
	}
	defer lk.release()
	return recoverLocked(dir)
}

// recoverLocked finishes (journal present) or discards (journal absent) a
// --force write; the caller holds the lock.
func recoverLocked(dir string) error {
	jd := filepath.Join(dir, JournalDir)
	info, err := os.Lstat(jd)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if !info.IsDir() {
		return msg.Err("project.err.journal-not-dir", msg.Args{"Dir": jd})
	}
	b, err := readRegular(dir, JournalDir+"/"+journalFile, 16<<20)
	if errors.Is(err, fs.ErrNotExist) {
		// Interrupted before the commit: the project was not touched.
		if err := os.RemoveAll(jd); err != nil {
			return err
		}
		return syncDir(dir)
	}
	if err != nil {
		return err
	}
	var j journal
	if err := json.Unmarshal(b, &j); err != nil {
		return msg.Err("project.err.journal-damaged", msg.Args{"File": filepath.Join(jd, journalFile), "Err": err, "Dir": jd})
	}
	return rollForward(dir, j)
}

// cleanStages removes the stage folders of first writes of parent/base
// whose run is gone (its lock is free), and refuses while one is alive.
func cleanStages(parent, base string) error {
	entries, err := os.ReadDir(parent)
	if err != nil {
		return nil // no parent: no stages
	}
	prefix := "." + base + stageInfix
	for _, e := range entries {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), prefix) {
			continue
		}
		stage := filepath.Join(parent, e.Name())
		lk, err := acquire(filepath.Join(parent, base), filepath.Join(stage, LockName))
		if err != nil {
			if errors.Is(err, errLocked) {
				return err
			}
			// No lock file: the run died before taking it (or is about
			// to, and then fails cleanly when its folder is gone).
		}
		if lk != nil {
			lk.f.Close() // the folder goes, lock file and all
		}
		if err := os.RemoveAll(stage); err != nil {
			return msg.Err("project.err.remove-stage", msg.Args{"Dir": stage, "Err": err})
		}
	}
	return nil
}

// mkdirParents creates dir and its missing parents, returning those it
// created, outermost first.
func mkdirParents(dir string) ([]string, error) {
	var missing []string
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil || filepath.Dir(d) == d {
			break
		}
		missing = append(missing, d)
	}
	var created []string
	for i := len(missing) - 1; i >= 0; i-- {
		if err := os.Mkdir(missing[i], 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
			for j := len(created) - 1; j >= 0; j-- {
				os.Remove(created[j])
			}
			return nil, msg.Err("project.err.create-dir", msg.Args{"File": missing[i], "Err": errors.Unwrap(err)})
		}
		created = append(created, missing[i])
	}
	return created, nil
}

// writeSynced creates name (which must not exist) under root with b, gives
// it mode, and syncs it. It is created 0600, so a secret is never readable
// by others even for a moment.
func writeSynced(root *os.Root, name string, b []byte, mode fs.FileMode) error {
	f, err := root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Chmod(mode)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		root.Remove(name)
	}
	return err
}

// Plan is Plan for the locked project.
func (tx *Tx) Plan(set fileset.Set, force bool) ([]Step, error) {
	return Plan(tx.dir, set, force)
}

// Write plans and writes set into dir as one transaction under the
// project's lock, so the plan is made against what the write replaces.
func Write(dir string, set fileset.Set, force bool, m *Manifest) ([]Step, error) {
	return WriteGated(dir, set, force, m, nil)
}

// WriteGated is Write that calls gate once every file is staged and
// synced, just before the commit, and commits only if it returns nil; its
// error is returned as it is, with nothing written. A caller that is
// still checking set (new validates what it rendered) lets the disk work
// run meanwhile. gate is not called when the write fails before it.
func WriteGated(dir string, set fileset.Set, force bool, m *Manifest, gate func() error) ([]Step, error) {
	tx, err := Begin(dir)
	if err != nil {
		return nil, err
	}
	defer tx.Close()
	tx.gate = gate
	steps, err := tx.Plan(set, force)
	if err != nil {
		return nil, err
	}
	if err := tx.Apply(steps, m); err != nil {
		return nil, err
	}
	return steps, tx.Close()
}
