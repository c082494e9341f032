//go:build unix

package project

import (
	"errors"
	"os"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/stackgen/stackgen/internal/msg"
)

// acquire takes the lock file at path for the project dir without
// waiting: a second run refuses, naming the lock.
func acquire(dir, path string) (*lockFile, error) {
	for {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW, 0o600)
		if errors.Is(err, syscall.ELOOP) {
			return nil, msg.Err("project.err.lock-symlink", msg.Args{"File": path})
		}
		if err != nil {
			return nil, msg.Err("project.err.lock-dir", msg.Args{"File": path, "Err": errors.Unwrap(err)})
		}
		if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
			pid := lockHolder(f)
			f.Close()
			if errors.Is(err, unix.EWOULDBLOCK) {
				return nil, lockedErr(dir, path, pid)
			}
			return nil, msg.Err("project.err.lock", msg.Args{"File": path, "Err": err})
		}
		held, err1 := f.Stat()
		now, err2 := os.Lstat(path)
		if err1 == nil && err2 == nil && os.SameFile(held, now) {
			f.Truncate(0)
			f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
			return &lockFile{f: f, path: path}, nil
		}
		// The previous holder removed the file after we opened it.
		f.Close()
		if err2 != nil && !errors.Is(err2, os.ErrNotExist) {
			return nil, msg.Err("project.err.lock", msg.Args{"File": path, "Err": err2})
		}
	}
}

// heldLock reports whether another process holds the lock file at path,
// without creating it or taking it for long.
func heldLock(path string) (pid string, held bool) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW, 0)
	if err != nil {
		return "", false
	}
	defer f.Close()
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		return lockHolder(f), errors.Is(err, unix.EWOULDBLOCK)
	}
	unix.Flock(int(f.Fd()), unix.LOCK_UN)
	return "", false
}
