//go:build !unix

package project

import (
	"errors"
	"fmt"
	"os"
	"strconv"
)

// acquire creates the lock file exclusively; without flock a lock left by
// a crashed run must be removed by hand, which the message says.
func acquire(dir, path string) (*lockFile, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		e := &lockedError{dir: dir, path: path}
		if b, err := os.ReadFile(path); err == nil {
			e.pid = string(b)
		}
		return nil, fmt.Errorf("%w (if no stackgen is running, remove it)", e)
	}
	if err != nil {
		return nil, fmt.Errorf("cannot lock %s: %w; choose a directory you can write to", path, errors.Unwrap(err))
	}
	f.WriteString(strconv.Itoa(os.Getpid()) + "\n")
	return &lockFile{f: f, path: path}, nil
}

// heldLock reports whether the lock file at path exists.
func heldLock(path string) (pid string, held bool) {
	b, err := os.ReadFile(path)
	return string(b), err == nil
}
