package project

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/stackgen/stackgen/internal/smallfile"

	"github.com/stackgen/stackgen/internal/atomicfile"

	"github.com/stackgen/stackgen/internal/msg"
)

// inspect looks at the project path rel (slash-separated) in dir without
// following links: it refuses a link anywhere on the way, a file where a
// folder is needed, and anything but a regular file at the end (a FIFO or
// a device would hang or harm a read). It returns the file's info, or nil
// when it does not exist yet.
func inspect(dir, rel string) (fs.FileInfo, error) {
	parts := strings.Split(rel, "/")
	cur := dir
	for i, p := range parts {
		cur = filepath.Join(cur, p)
		info, err := os.Lstat(cur)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		if err != nil {
			return nil, msg.Err("project.err.inspect", msg.Args{"File": cur, "Err": err})
		}
		last := i == len(parts)-1
		switch {
		case info.Mode()&fs.ModeSymlink != 0:
			to, _ := os.Readlink(cur)
			if !last {
				return nil, msg.Err("project.err.symlink-folder", msg.Args{"File": cur, "Target": to})
			}
			return nil, msg.Err("project.err.symlink-file", msg.Args{"File": cur, "Target": to})
		case !last && !info.IsDir():
			return nil, msg.Err("project.err.file-not-folder", msg.Args{"File": cur})
		case last && info.IsDir():
			return nil, msg.Err("project.err.folder-not-file", msg.Args{"File": cur})
		case last && !info.Mode().IsRegular():
			return nil, msg.Err("project.err.not-regular", msg.Args{"File": cur, "Kind": smallfile.Kind(info.Mode())})
		}
		if last {
			return info, nil
		}
	}
	return nil, nil
}

// openRegular opens the regular file rel in dir for reading, refusing links
// and special files (it never opens a FIFO or device), and checks that
// what it opened is what it inspected.
func openRegular(dir, rel string) (*os.File, fs.FileInfo, error) {
	info, err := inspect(dir, rel)
	if err != nil {
		return nil, nil, err
	}
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if info == nil {
		return nil, nil, &fs.PathError{Op: "open", Path: p, Err: fs.ErrNotExist}
	}
	f, err := openNoFollow(p)
	if err != nil {
		return nil, nil, msg.Err("project.err.read", msg.Args{"File": p, "Err": err})
	}
	got, err := f.Stat()
	if err != nil || !got.Mode().IsRegular() || !os.SameFile(info, got) {
		f.Close()
		return nil, nil, msg.Err("project.err.changed", msg.Args{"File": p})
	}
	return f, got, nil
}

// readRegular reads the regular file rel in dir, at most limit bytes.
func readRegular(dir, rel string, limit int64) ([]byte, error) {
	f, info, err := openRegular(dir, rel)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if info.Size() > limit {
		return nil, msg.Err("project.err.too-big", msg.Args{"File": f.Name(), "Size": info.Size(), "Limit": limit})
	}
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err == nil && int64(len(b)) > limit {
		err = msg.Err("project.err.grew", msg.Args{"File": f.Name(), "Limit": limit})
	}
	return b, err
}

// syncDir makes the renames and creations in dir durable.
func syncDir(dir string) error { return atomicfile.SyncDir(dir) }
