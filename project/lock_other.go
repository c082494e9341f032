//go:build !unix

package project

import (
	"errors"
	"os"
	"strconv"
	"strings"

	"github.com/stackgen/stackgen/internal/msg"
)

// acquire creates the lock file exclusively; without flock a lock left by
// a crashed run must be removed by hand, which the message says.
func acquire(dir, path string) (*lockFile, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		pid := ""
		if b, err := os.ReadFile(path); err == nil {
			pid = strings.TrimSpace(string(b))
		}
		return nil, msg.Err("project.err.locked-stale", msg.Args{"Err": lockedErr(dir, path, pid)})
	}
	if err != nil {
		return nil, msg.Err("project.err.lock-dir", msg.Args{"File": path, "Err": errors.Unwrap(err)})
	}
	f.WriteString(strconv.Itoa(os.Getpid()) + "\n")
	return &lockFile{f: f, path: path}, nil
}

// heldLock reports whether the lock file at path exists.
func heldLock(path string) (pid string, held bool) {
	b, err := os.ReadFile(path)
	return string(b), err == nil
}
