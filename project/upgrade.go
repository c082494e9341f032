package project

import (
	"errors"
	"io/fs"

	"github.com/stackgen/stackgen/fileset"

	"github.com/stackgen/stackgen/internal/msg"
)

// Change is one file of an upgrade: what the project holds afterwards and
// what stackgen rendered for it. They differ when the user's edits were
// merged in; the manifest and the base store record the render, so the
// next upgrade merges against what stackgen wrote, not against the merge.
type Change struct {
	File   fileset.File
	Render []byte
	// RecordOnly leaves the disk alone (the user removed the file and
	// stackgen has nothing new for it); the manifest still records it.
	RecordOnly bool
}

// ApplyUpgrade writes changes (skipping those already on disk with their
// mode), removes the files in remove, and writes m with the rendered
// hashes, as one transaction on an existing project.
func (tx *Tx) ApplyUpgrade(changes []Change, remove []string, m *Manifest) error {
	if tx.stage != "" {
		return msg.Err("project.err.upgrade-missing", msg.Args{"Dir": tx.dir})
	}
	m.Files = map[string]string{}
	rendered := map[string][]byte{}
	var steps []Step
	for _, c := range changes {
		m.Files[c.File.Path] = Hash(c.Render)
		rendered[c.File.Path] = c.Render
		if c.RecordOnly {
			continue
		}
		st := Step{File: c.File, Action: Update, Dest: c.File.Path}
		info, err := inspect(tx.dir, c.File.Path)
		if err != nil {
			return err
		}
		if info != nil {
			sum, err := hashFile(tx.dir, c.File.Path)
			if err != nil {
				return err
			}
			if sum == Hash(c.File.Content) {
				st.Action, st.diskMode = Unchanged, info.Mode().Perm()
			}
		} else {
			st.Action = Create
		}
		steps = append(steps, st)
	}
	man, err := m.Marshal()
	if err != nil {
		return err
	}
	bases, err := baseFiles(rendered)
	if err != nil {
		return err
	}
	return tx.commit(steps, man, bases, append(append([]string(nil), remove...), staleBases(tx.dir, m.Files)...))
}

// Dir is the project folder the transaction writes.
func (tx *Tx) Dir() string { return tx.dir }

// ReadFile reads the project file rel (slash-separated) the way stackgen
// reads what it wrote: never through a link, never a FIFO or device, at
// most 16 MiB. ok is false when the file does not exist.
func ReadFile(dir, rel string) (content []byte, mode fs.FileMode, ok bool, err error) {
	f, info, err := openRegular(dir, rel)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, 0, false, nil
	}
	if err != nil {
		return nil, 0, false, err
	}
	f.Close()
	b, err := readRegular(dir, rel, maxBaseSize)
	if err != nil {
		return nil, 0, false, err
	}
	return b, info.Mode().Perm(), true, nil
}
