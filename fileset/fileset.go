// Package fileset is the in-memory form of a generated project: the one
// value that flows from render through validate to the writer, so every
// stage can be tested without touching the disk.
package fileset

import (
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// File is one file of a project: a slash-separated path relative to the
// project root, its permission bits and its bytes.
type File struct {
	Path    string
	Mode    fs.FileMode
	Content []byte
}

// Set is a project's files, kept sorted by path.
type Set []File

// Get returns the file at path, if the set has it.
func (s Set) Get(path string) (File, bool) {
	for _, f := range s {
		if f.Path == path {
			return f, true
		}
	}
	return File{}, false
}

// Sort orders the set by path so renders are deterministic.
func (s Set) Sort() {
	sort.Slice(s, func(i, j int) bool { return s[i].Path < s[j].Path })
}

// skipDirs are never read from disk: they hold data or dependencies, not
// configuration a rule could judge, and can be huge (.stackgen holds
// compressed copies of earlier renders, for upgrade).
var skipDirs = map[string]bool{".git": true, "node_modules": true, ".venv": true, "venv": true, "__pycache__": true, ".stackgen": true}

// maxFileSize bounds what ReadDir loads: configuration is small, and a
// model file or database dump in the tree must not be pulled into memory.
const maxFileSize = 4 << 20

// ReadDir loads the regular files under root (skipping VCS and dependency
// folders and files over 4 MiB) so rules written for a rendered set can
// judge a directory on disk the same way.
func ReadDir(root string) (Set, error) {
	var set Set
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != root && skipDirs[d.Name()] {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if info.Size() > maxFileSize {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		set = append(set, File{Path: filepath.ToSlash(rel), Mode: info.Mode().Perm(), Content: b})
		return nil
	})
	set.Sort()
	return set, err
}

// Dir returns the directory part of a slash path ("" for the root).
func Dir(p string) string {
	i := strings.LastIndex(p, "/")
	if i < 0 {
		return ""
	}
	return p[:i]
}
