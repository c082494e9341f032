// Package atomicfile writes a file so that readers see the old content or
// the new, never a part: a temporary file in the same folder (mode 0600
// while it is written, so a secret is never readable by others), fsync,
// rename, and an fsync of the folder so the rename survives a crash. It is
// the one implementation project, backup, bundle and the verbs use.
package atomicfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/stackgen/stackgen/internal/msg"
)

// File is a file being written to a temporary name beside its final path;
// Commit makes it visible there, Abort removes it.
type File struct {
	f     *os.File
	final string
	mode  fs.FileMode
	done  bool
}

// Create starts writing path. The temporary file is created 0600 and gets
// mode on Commit.
func Create(path string, mode fs.FileMode) (*File, error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return nil, err
	}
	return &File{f: tmp, final: path, mode: mode}, nil
}

// Write writes to the temporary file.
func (f *File) Write(p []byte) (int, error) { return f.f.Write(p) }

// Temp is the temporary file itself, for a writer that seeks or writes at
// an offset (a tar.gz header patch). Commit and Abort close it.
func (f *File) Temp() *os.File { return f.f }

// Path is the final path.
func (f *File) Path() string { return f.final }

// Commit syncs the file, renames it over the final path and syncs the
// folder. On an error the temporary file is gone.
func (f *File) Commit() error { return f.commit(false) }

// CommitNew is Commit that refuses (fs.ErrExist) when the final path
// appeared while the file was written.
func (f *File) CommitNew() error { return f.commit(true) }

func (f *File) commit(noReplace bool) error {
	if f.done {
		return errors.New("atomicfile: committed twice")
	}
	f.done = true
	err := f.f.Chmod(f.mode)
	if err == nil {
		err = f.f.Sync()
	}
	if cerr := f.f.Close(); err == nil {
		err = cerr
	}
	if err == nil && noReplace {
		if _, lerr := os.Lstat(f.final); lerr == nil {
			err = fs.ErrExist
		}
	}
	if err == nil {
		err = os.Rename(f.f.Name(), f.final)
	}
	if err != nil {
		os.Remove(f.f.Name())
		return err
	}
	return SyncDir(filepath.Dir(f.final))
}

// Abort discards the temporary file; after Commit it does nothing.
func (f *File) Abort() {
	if f.done {
		return
	}
	f.done = true
	f.f.Close()
	os.Remove(f.f.Name())
}

// Write replaces path with b, atomically and durably.
func Write(path string, b []byte, mode fs.FileMode) error {
	f, err := Create(path, mode)
	if err != nil {
		return msg.Err("atomicfile.err.write", msg.Args{"File": path, "Err": err})
	}
	if _, err := f.Write(b); err != nil {
		f.Abort()
		return msg.Err("atomicfile.err.write", msg.Args{"File": path, "Err": err})
	}
	if err := f.Commit(); err != nil {
		return msg.Err("atomicfile.err.write", msg.Args{"File": path, "Err": err})
	}
	return nil

}

// SyncDir makes the renames and creations in dir durable. A file system
// that cannot sync a folder (EINVAL) still renames atomically, so that is
// not an error.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil && dirSyncUnsupported(err) {
		return nil
	}
	return err
}
