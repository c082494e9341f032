package project

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/stackgen/stackgen/fileset"

	"github.com/stackgen/stackgen/internal/msg"
)

// BaseDir holds what stackgen rendered last time, one gzip file per
// content named by the SHA-256 the manifest records: the base of the
// 3-way merge `stackgen upgrade` makes. The generated .gitignore lists its
// parent, so the copies are never committed.
const BaseDir = ".stackgen/base"

// envFile is never copied into BaseDir: it holds the secrets, and
// upgrade merges it by key against .env.example's base instead.
const envFile = ".env"

// maxBaseSize bounds one base read once decompressed; templates render
// to kilobytes.
const maxBaseSize = 16 << 20

// BasePath is where the base copy of content with hash sum lives in a
// project: BaseDir/SUM.gz, gzip of the content.
func BasePath(sum string) string { return BaseDir + "/" + sum + ".gz" }

// baseFiles are the base copies of rendered contents (path, content),
// .env left out.
func baseFiles(rendered map[string][]byte) ([]fileset.File, error) {
	var out []fileset.File
	seen := map[string]bool{}
	for p, b := range rendered {
		sum := Hash(b)
		if path.Base(p) == envFile || seen[sum] {
			continue
		}
		seen[sum] = true
		var z bytes.Buffer
		w, err := gzip.NewWriterLevel(&z, gzip.DefaultCompression)
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(b); err != nil {
			return nil, err
		}
		if err := w.Close(); err != nil {
			return nil, err
		}
		out = append(out, fileset.File{Path: BasePath(sum), Mode: 0o644, Content: z.Bytes()})
	}
	fileset.Set(out).Sort()
	return out, nil
}

// ErrNoBase means the project holds no base copy of a file (it was made
// before stackgen kept them, or the folder was removed).
var ErrNoBase = errors.New("no base copy")

// ReadBase returns the content stackgen rendered whose manifest hash is
// sum, from dir's base store. A copy whose content does not match its
// name is refused: a merge against a wrong base would lose edits.
func ReadBase(dir, sum string) ([]byte, error) {
	if len(sum) != 64 {
		return nil, msg.Err("project.err.base-not-hash", msg.Args{"Sum": sum, "Kind": ErrNoBase})
	}
	z, err := readRegular(dir, BasePath(sum), maxBaseSize)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, msg.Err("project.err.no-base", msg.Args{"Sum": sum, "Kind": ErrNoBase})
	}
	if err != nil {
		return nil, err
	}
	r, err := gzip.NewReader(bytes.NewReader(z))
	if err != nil {
		return nil, msg.Err("project.err.base-unreadable", msg.Args{"File": BasePath(sum), "Err": err})
	}
	b, err := io.ReadAll(io.LimitReader(r, maxBaseSize+1))
	if err != nil || len(b) > maxBaseSize || Hash(b) != sum {
		return nil, msg.Err("project.err.base-damaged", msg.Args{"File": BasePath(sum)})
	}
	return b, nil
}

// staleBases lists the base copies in dir that the manifest being
// written no longer names, so the store holds one render, not every one.
func staleBases(dir string, files map[string]string) []string {
	entries, err := os.ReadDir(filepath.Join(dir, filepath.FromSlash(BaseDir)))
	if err != nil {
		return nil
	}
	keep := map[string]bool{}
	for _, sum := range files {
		keep[path.Base(BasePath(sum))] = true
	}
	var out []string
	for _, e := range entries {
		if e.Type().IsRegular() && strings.HasSuffix(e.Name(), ".gz") && !keep[e.Name()] {
			out = append(out, BaseDir+"/"+e.Name())
		}
	}
	return out
}
