package project

import (
	"errors"
	"os"
	"strings"

	"github.com/stackgen/stackgen/internal/msg"
)

// errLocked marks the refusal because another run holds a project's lock.
var errLocked = errors.New("locked")

// lockedErr is the refusal because another run (pid, when known) holds
// the lock file path of the project dir; errors.Is finds errLocked in it.
func lockedErr(dir, path, pid string) error {
	if pid != "" {
		return msg.Err("project.err.locked-pid", msg.Args{"Pid": pid, "Dir": dir, "File": path, "Kind": errLocked})
	}
	return msg.Err("project.err.locked", msg.Args{"Dir": dir, "File": path, "Kind": errLocked})
}

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
