package project

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"sort"

	"github.com/stackgen/stackgen/fileset"
	"github.com/stackgen/stackgen/internal/dotenv"

	"github.com/stackgen/stackgen/internal/msg"
)

// Action is what writing does to one file.
type Action int

const (
	// Create writes a file that does not exist yet.
	Create Action = iota
	// Update overwrites a file stackgen wrote before and the user left alone.
	Update
	// Unchanged skips a file whose content is already what would be written.
	Unchanged
	// Keep leaves a file the user changed (or that stackgen did not write)
	// and writes the new version beside it.
	Keep
)

func (a Action) String() string {
	return [...]string{"create", "update", "unchanged", "keep"}[a]
}

// NewSuffix names the new version written beside a file the user changed.
const NewSuffix = ".stackgen-new"

// Step is the plan for one file.
type Step struct {
	File   fileset.File
	Action Action
	// Dest is the path written, relative to the project: File.Path, or
	// File.Path+NewSuffix for Keep.
	Dest string
	// diskMode is the permission of the file on disk, for Unchanged.
	diskMode fs.FileMode
}

// Plan decides, before anything is written, what happens to each file in
// dir. It refuses a target that is a file, and a non-empty one without
// force; with force it still never overwrites a file whose content no
// longer matches the hash recorded in the previous manifest, never goes
// through a symbolic link, and never opens a FIFO or device.
func Plan(dir string, set fileset.Set, force bool) ([]Step, error) {
	empty, err := look(dir)
	if err != nil {
		return nil, err
	}
	if empty {
		return planAll(set, Create), nil
	}
	if !force {
		return nil, errNotEmpty(dir)
	}
	if _, err := inspect(dir, ManifestName); err != nil {
		return nil, err
	}
	prev := map[string]string{}
	if m, err := loadManifest(dir); err == nil {
		prev = m.Files
	} else if !errors.Is(err, ErrNoManifest) {
		return nil, err
	}
	var steps []Step
	for _, f := range set {
		st, err := planFile(dir, f, prev[f.Path])
		if err != nil {
			return nil, err
		}
		steps = append(steps, st)
	}
	return steps, nil
}

// look checks that dir can hold a project: it is missing (empty is true)
// or a directory that can be read, which may hold nothing of a project yet.
func look(dir string) (empty bool, err error) {
	info, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return true, nil
	case err != nil:
		return false, msg.Err("project.err.use", msg.Args{"File": dir, "Err": err})
	case !info.IsDir():
		return false, msg.Err("project.err.target-file", msg.Args{"Dir": dir})
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false, msg.Err("project.err.read-dir", msg.Args{"Dir": dir, "Err": err})
	}
	return isEmpty(entries), nil
}

func errNotEmpty(dir string) error {
	return msg.Err("project.err.not-empty", msg.Args{"Dir": dir})
}

// isEmpty tells whether a folder holds nothing but what a write of its
// own leaves (the lock while a run holds it, a journal it will finish).
func isEmpty(entries []fs.DirEntry) bool {
	for _, e := range entries {
		if e.Name() != LockName && e.Name() != JournalDir {
			return false
		}
	}
	return true
}

// planFile decides what happens to one file, comparing hashes streamed
// from disk so a huge file in the target costs no memory.
func planFile(dir string, f fileset.File, prevHash string) (Step, error) {
	st := Step{File: f, Dest: f.Path}
	info, err := inspect(dir, f.Path)
	if err != nil {
		return st, err
	}
	if info == nil {
		st.Action = Create
		return st, nil
	}
	sum, err := hashFile(dir, f.Path)
	if err != nil {
		return st, err
	}
	switch {
	case sum == Hash(f.Content):
		st.Action = Unchanged
		st.diskMode = info.Mode().Perm()
	case prevHash != "" && prevHash == sum:
		st.Action = Update
	default:
		st.Action = Keep
		st.Dest = f.Path + NewSuffix
		if _, err := inspect(dir, st.Dest); err != nil {
			return st, err
		}
	}
	return st, nil
}

func hashFile(dir, rel string) (string, error) {
	f, _, err := openRegular(dir, rel)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", msg.Err("project.err.read", msg.Args{"File": f.Name(), "Err": err})
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func planAll(set fileset.Set, a Action) []Step {
	steps := make([]Step, len(set))
	for i, f := range set {
		steps[i] = Step{File: f, Action: a, Dest: f.Path}
	}
	return steps
}

// Kept lists the files a plan leaves alone because the user changed them.
func Kept(steps []Step) []string {
	var out []string
	for _, st := range steps {
		if st.Action == Keep {
			out = append(out, st.File.Path)
		}
	}
	sort.Strings(out)
	return out
}

// maxEnvSize bounds the .env read on a re-render; stackgen writes a few
// kilobytes.
const maxEnvSize = 1 << 20

// ReadEnv reads dir's .env (ParseEnv), so secrets already deployed are
// kept on a re-render. A missing file (or a dir that is not a directory,
// which Plan reports) gives an empty map.
func ReadEnv(dir string) (map[string]string, error) {
	if info, err := os.Stat(dir); err != nil || !info.IsDir() {
		return map[string]string{}, nil
	}
	b, err := readRegular(dir, ".env", maxEnvSize)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, err
	}
	return ParseEnv(string(b)), nil
}

// ParseEnv reads a .env as Compose does (internal/dotenv), so the secrets
// kept on a re-render are the ones the stack runs with.
func ParseEnv(s string) map[string]string {
	return dotenv.Parse([]byte(s)).Values
}
