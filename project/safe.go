package project

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/stackgen/stackgen/internal/smallfile"

	"github.com/stackgen/stackgen/internal/atomicfile"
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
			return nil, fmt.Errorf("cannot inspect %s: %w", cur, err)
		}
		last := i == len(parts)-1
		switch {
		case info.Mode()&fs.ModeSymlink != 0:
			to, _ := os.Readlink(cur)
			return nil, fmt.Errorf("%s is a symbolic link (to %s); stackgen never writes through a link: replace it with a real %s or choose another directory", cur, to, map[bool]string{true: "file", false: "folder"}[last])
		case !last && !info.IsDir():
			return nil, fmt.Errorf("%s is a file where stackgen needs a folder; move it away or choose another directory", cur)
		case last && info.IsDir():
			return nil, fmt.Errorf("%s is a folder where stackgen writes a file; move it away or choose another directory", cur)
		case last && !info.Mode().IsRegular():
			return nil, fmt.Errorf("%s is %s, not a regular file; stackgen does not read or replace it: remove it or choose another directory", cur, smallfile.Kind(info.Mode()))
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
		return nil, nil, fmt.Errorf("cannot read %s: %w", p, err)
	}
	got, err := f.Stat()
	if err != nil || !got.Mode().IsRegular() || !os.SameFile(info, got) {
		f.Close()
		return nil, nil, fmt.Errorf("%s changed while stackgen read it; run again", p)
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
		return nil, fmt.Errorf("%s is %d bytes, more than the %d stackgen reads; it is not a file stackgen wrote", f.Name(), info.Size(), limit)
	}
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err == nil && int64(len(b)) > limit {
		err = fmt.Errorf("%s grew past %d bytes while stackgen read it", f.Name(), limit)
	}
	return b, err
}

// syncDir makes the renames and creations in dir durable.
func syncDir(dir string) error { return atomicfile.SyncDir(dir) }
