package project

import (
	"errors"

	"github.com/stackgen/stackgen/fileset"
)

// Existing is what a re-render needs of the project already in a folder,
// read once: the answers it was made with and the hashes of the files
// stackgen wrote (its manifest), and the values of its .env, whose secrets
// are kept.
type Existing struct {
	Dir string
	// Manifest is nil when the folder holds none (a new project, or a
	// manifest Check reports as unreadable).
	Manifest *Manifest
	// Env is the .env's values; empty when there is none.
	Env map[string]string

	// What Check judges, read with the rest: whether dir may be written
	// depends on --force, which the caller may settle after reading it
	// (new's from-app detection turns it on).
	empty       bool  // dir is missing or holds nothing of a project
	manifestErr error // a manifest that is there but cannot be read
	envErr      error
}

// Open reads what dir holds, once. It fails only where no flag helps (dir
// is a file, or cannot be read); Check says whether dir may be written.
func Open(dir string) (*Existing, error) {
	e := &Existing{Dir: dir, Env: map[string]string{}}
	empty, err := look(dir)
	if err != nil {
		return nil, err
	}
	e.empty = empty
	// LoadManifest finishes an interrupted write first (and clears the
	// stages of a first write beside a folder not there yet), so what is
	// read is one version of the project.
	m, err := LoadManifest(dir)
	switch {
	case err == nil:
		e.Manifest = m
	case !errors.Is(err, ErrNoManifest):
		e.manifestErr = err
	}
	if e.Env, e.envErr = ReadEnv(dir); e.envErr != nil {
		e.Env = map[string]string{}
	}
	return e, nil
}

// Check refuses, as Plan does, a folder that is not empty without force
// and one whose manifest or .env cannot be read.
func (e *Existing) Check(force bool) error {
	if !e.empty {
		if !force {
			return errNotEmpty(e.Dir)
		}
		if e.manifestErr != nil {
			return e.manifestErr
		}
	}
	return e.envErr
}

// Plan is Plan for the folder as Open read it: the files' previous hashes
// come from the manifest read then, not from a second read.
func (e *Existing) Plan(set fileset.Set, force bool) ([]Step, error) {
	if err := e.Check(force); err != nil {
		return nil, err
	}
	if e.empty {
		return planAll(set, Create), nil
	}
	var prev map[string]string
	if e.Manifest != nil {
		prev = e.Manifest.Files
	}
	var steps []Step
	for _, f := range set {
		st, err := planFile(e.Dir, f, prev[f.Path])
		if err != nil {
			return nil, err
		}
		steps = append(steps, st)
	}
	return steps, nil
}
