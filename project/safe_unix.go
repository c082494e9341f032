//go:build unix

package project

import (
	"io/fs"
	"os"
	"syscall"
)

// openNoFollow opens a file for reading without following a final link and
// without blocking on a FIFO.
func openNoFollow(p string) (*os.File, error) {
	return os.OpenFile(p, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
}

// renameChecked is the fallback where the system has no no-replace rename:
// a folder renames over only an empty folder, which the check excludes.
func renameChecked(from, to string) error {
	if _, err := os.Lstat(to); err == nil {
		return fs.ErrExist
	}
	return os.Rename(from, to)
}
