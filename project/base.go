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
	"runtime"
	"strings"

	"golang.org/x/sync/errgroup"

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
// .env left out. A gzip writer allocates about a megabyte of tables, more
// than the files it compresses, so each worker makes one and resets it
// between files (the output is the same bytes as a fresh writer's); the
// workers split the files, since deflate is most of a write's CPU.
func baseFiles(rendered map[string][]byte) ([]fileset.File, error) {
	type content struct {
		sum string
		b   []byte
	}
	var todo []content
	seen := map[string]bool{}
	for p, b := range rendered {
		sum := Hash(b)
		if path.Base(p) == envFile || seen[sum] {
			continue
		}
		seen[sum] = true
		todo = append(todo, content{sum, b})
	}
	out := make([]fileset.File, len(todo))
	var g errgroup.Group
	workers := min(runtime.GOMAXPROCS(0), len(todo))
	for w := range workers {
		g.Go(func() error {
			var z bytes.Buffer
			zw, err := gzip.NewWriterLevel(&z, gzip.DefaultCompression)
			if err != nil {
				return err
			}
			for i := w; i < len(todo); i += workers {
				z.Reset()
				zw.Reset(&z)
				if _, err := zw.Write(todo[i].b); err != nil {
					return err
				}
				if err := zw.Close(); err != nil {
					return err
				}
				out[i] = fileset.File{Path: BasePath(todo[i].sum), Mode: 0o644, Content: bytes.Clone(z.Bytes())}
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
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
