//go:build !unix

package project

import (
	"io/fs"
	"os"
)

func openNoFollow(p string) (*os.File, error) { return os.Open(p) }

// Folders cannot be synced on every system; there the rename is as durable
// as the system makes it.

func renameNoReplace(from, to string) error {
	if _, err := os.Lstat(to); err == nil {
		return fs.ErrExist
	}
	return os.Rename(from, to)
}
