package backup

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
)

// dataFile is a file being written into a backup folder: it goes to a
// temporary name and becomes visible under its real name only once its
// bytes are on disk (fsync, rename, fsync of the folder).
type dataFile struct {
	f      *os.File
	final  string
	h      hash.Hash
	edges  edgeWriter
	n      int64
	onSize func(int64)
}

func createDataFile(dir, name string, onSize func(int64)) (*dataFile, error) {
	f, err := os.CreateTemp(dir, "."+name+".tmp-*")
	if err != nil {
		return nil, err
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, err
	}
	return &dataFile{f: f, final: filepath.Join(dir, name), h: sha256.New(), onSize: onSize}, nil
}

func (d *dataFile) Write(p []byte) (int, error) {
	n, err := d.f.Write(p)
	d.h.Write(p[:n])
	d.edges.Write(p[:n])
	d.n += int64(n)
	if d.onSize != nil {
		d.onSize(d.n)
	}
	return n, err
}

// commit makes the file durable under its final name.
func (d *dataFile) commit() (contentSum, error) {
	if err := d.f.Sync(); err != nil {
		d.abort()
		return contentSum{}, fmt.Errorf("writing %s: %w", d.final, err)
	}
	if err := d.f.Close(); err != nil {
		os.Remove(d.f.Name())
		return contentSum{}, fmt.Errorf("writing %s: %w", d.final, err)
	}
	if err := os.Rename(d.f.Name(), d.final); err != nil {
		os.Remove(d.f.Name())
		return contentSum{}, err
	}
	if err := syncDir(filepath.Dir(d.final)); err != nil {
		return contentSum{}, err
	}
	return contentSum{size: d.n, sha256: hex.EncodeToString(d.h.Sum(nil))}, nil
}

func (d *dataFile) abort() {
	d.f.Close()
	os.Remove(d.f.Name())
}

// writeFileAtomic writes a small file (manifest, sums) durably.
func writeFileAtomic(dir, name string, b []byte) error {
	d, err := createDataFile(dir, name, nil)
	if err != nil {
		return err
	}
	if _, err := d.Write(b); err != nil {
		d.abort()
		return err
	}
	_, err = d.commit()
	return err
}

func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	// Some file systems refuse fsync on directories; the rename is still
	// atomic there, so that error is not fatal.
	_ = f.Sync()
	return nil
}

var _ io.Writer = (*dataFile)(nil)
