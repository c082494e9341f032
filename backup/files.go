package backup

import (
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"io"
	"path/filepath"

	"github.com/stackgen/stackgen/internal/atomicfile"
	"github.com/stackgen/stackgen/internal/msg"
)

// dataFile is a file being written into a backup folder: it goes to a
// temporary name and becomes visible under its real name only once its
// bytes are on disk (fsync, rename, fsync of the folder).
type dataFile struct {
	f      *atomicfile.File
	final  string
	h      hash.Hash
	edges  edgeWriter
	n      int64
	onSize func(int64)
}

func createDataFile(dir, name string, onSize func(int64)) (*dataFile, error) {
	f, err := atomicfile.Create(filepath.Join(dir, name), 0o600)
	if err != nil {
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
	if err := d.f.Commit(); err != nil {
		return contentSum{}, msg.Err("backup.err.write", msg.Args{"File": d.final, "Err": err})
	}
	return contentSum{size: d.n, sha256: hex.EncodeToString(d.h.Sum(nil))}, nil
}

func (d *dataFile) abort() { d.f.Abort() }

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

func syncDir(dir string) error { return atomicfile.SyncDir(dir) }

var _ io.Writer = (*dataFile)(nil)
