package project

import (
	"errors"
	"fmt"
	"os"
	"strings"
)

// errLocked marks the refusal because another run holds a project's lock.
var errLocked = errors.New("locked")

type lockedError struct{ dir, path, pid string }

func (e *lockedError) Error() string {
	who := "another stackgen run"
	if e.pid != "" {
		who += " (pid " + e.pid + ")"
	}
	return fmt.Sprintf("%s is writing %s and holds %s; wait for it to finish, then run again", who, e.dir, e.path)
}

func (e *lockedError) Is(target error) bool { return target == errLocked }

// lockFile is a held project lock. Releasing removes the file, so a
// project at rest has none; acquire checks it locked the file that is
// still at the path, so a removal racing with it never yields two holders.
type lockFile struct {
	f    *os.File
	path string
}

func (l *lockFile) release() {
	os.Remove(l.path)
	l.f.Close()
}

func lockHolder(f *os.File) string {
	b := make([]byte, 32)
	n, _ := f.ReadAt(b, 0)
	return strings.TrimSpace(string(b[:n]))
}
