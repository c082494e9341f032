package project

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/stackgen/stackgen/fileset"
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
}

// Plan decides, before anything is written, what happens to each file in
// dir. It refuses a target that is a file, and a non-empty one without
// force; with force it still never overwrites a file whose content no
// longer matches the hash recorded in the previous manifest.
func Plan(dir string, set fileset.Set, force bool) ([]Step, error) {
	info, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return planAll(set, Create), nil
	case err != nil:
		return nil, fmt.Errorf("cannot use %s: %w", dir, err)
	case !info.IsDir():
		return nil, fmt.Errorf("%s is a file, not a directory; choose another target directory", dir)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w; choose a directory you can read and write", dir, err)
	}
	if len(entries) == 0 {
		return planAll(set, Create), nil
	}
	if !force {
		return nil, fmt.Errorf("%s is not empty; pass --force to write into it (files you changed are kept and the new versions written beside them)", dir)
	}
	prev := map[string]string{}
	if m, err := LoadManifest(dir); err == nil {
		prev = m.Files
	} else if !errors.Is(err, ErrNoManifest) {
		return nil, err
	}
	var steps []Step
	for _, f := range set {
		st := Step{File: f, Dest: f.Path}
		onDisk, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(f.Path)))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			st.Action = Create
		case err != nil:
			return nil, fmt.Errorf("cannot read %s: %w", filepath.Join(dir, f.Path), err)
		case string(onDisk) == string(f.Content):
			st.Action = Unchanged
		case prev[f.Path] != "" && prev[f.Path] == Hash(onDisk):
			st.Action = Update
		default:
			st.Action = Keep
			st.Dest = f.Path + NewSuffix
		}
		steps = append(steps, st)
	}
	return steps, nil
}

func planAll(set fileset.Set, a Action) []Step {
	steps := make([]Step, len(set))
	for i, f := range set {
		steps[i] = Step{File: f, Action: a, Dest: f.Path}
	}
	return steps
}

// Apply carries out a plan in dir and then writes the manifest m (whose
// Files it fills). Every file is written atomically, so an interrupted run
// leaves each file either old or new, never half-written.
func Apply(dir string, steps []Step, m *Manifest) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("cannot create %s: %w; choose a directory you can write to", dir, err)
	}
	if err := probeWritable(dir); err != nil {
		return err
	}
	m.Files = map[string]string{}
	for _, st := range steps {
		m.Files[st.File.Path] = Hash(st.File.Content)
		if st.Action == Unchanged {
			if err := os.Chmod(filepath.Join(dir, filepath.FromSlash(st.Dest)), st.File.Mode); err != nil {
				return err
			}
			continue
		}
		if err := WriteFileAtomic(filepath.Join(dir, filepath.FromSlash(st.Dest)), st.File.Content, st.File.Mode); err != nil {
			return err
		}
	}
	b, err := m.Marshal()
	if err != nil {
		return err
	}
	return WriteFileAtomic(filepath.Join(dir, ManifestName), b, 0o644)
}

// probeWritable fails early, before any file is written, when dir cannot
// take new files.
func probeWritable(dir string) error {
	f, err := os.CreateTemp(dir, ".stackgen-probe-*")
	if err != nil {
		return fmt.Errorf("cannot write to %s: %w; choose a directory you can write to", dir, errors.Unwrap(err))
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}

// WriteFileAtomic writes b to path through a temporary file in the same
// directory and a rename. The temporary file is created 0600, so a secret
// is never readable by others even for a moment.
func WriteFileAtomic(path string, b []byte, mode fs.FileMode) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("cannot create %s: %w", dir, err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	clean := func() { os.Remove(tmp.Name()) }
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		clean()
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		clean()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		clean()
		return err
	}
	if err := tmp.Close(); err != nil {
		clean()
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		clean()
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	return nil
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

// ReadEnv reads KEY=VALUE lines of dir's .env, unquoting simple quoted
// values, so secrets already deployed are kept on a re-render. A missing
// file (or a dir that is not a directory, which Plan reports) gives an
// empty map.
func ReadEnv(dir string) (map[string]string, error) {
	if info, err := os.Stat(dir); err != nil || !info.IsDir() {
		return map[string]string{}, nil
	}
	b, err := os.ReadFile(filepath.Join(dir, ".env"))
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, err
	}
	return ParseEnv(string(b)), nil
}

// ParseEnv parses the .env subset stackgen writes: KEY=VALUE with the value
// optionally in single quotes (literal) or double quotes (escaped).
func ParseEnv(s string) map[string]string {
	out := map[string]string{}
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(strings.TrimSuffix(line, "\r"))
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		k = strings.TrimSpace(strings.TrimPrefix(k, "export "))
		v = strings.TrimSpace(v)
		switch {
		case len(v) >= 2 && v[0] == '\'' && v[len(v)-1] == '\'':
			v = v[1 : len(v)-1]
		case len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"':
			v = strings.NewReplacer(`\\`, `\`, `\"`, `"`, `\$`, "$", `\n`, "\n", `\r`, "\r").Replace(v[1 : len(v)-1])
		}
		out[k] = v
	}
	return out
}
