package bundle

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/klauspost/compress/zip"
	"github.com/klauspost/pgzip"
	"github.com/stackgen/stackgen/internal/msg"
)

// archiveReader reads a bundle's entries, relative to its root folder.
type archiveReader interface {
	// Walk calls fn for every file in archive order; fn must read r to
	// the end for the next entry to be reached.
	Walk(fn func(name string, size int64, r io.Reader) error) error
	// Open returns one file's content.
	Open(name string) (io.ReadCloser, error)
	Close() error
}

// BundleError is a bundle refused before anything was loaded: the
// archive, the file inside it (when one is to blame) and why.
type BundleError struct {
	Bundle string
	File   string
	Reason error
}

// said is the refusal as a catalogue message. Bundle is often set after
// the error is made (by Verify), so it is built when asked for.
func (e *BundleError) said() error {
	if e.File != "" {
		return msg.Err("bundle.err.damaged-file", msg.Args{"Bundle": e.Bundle, "File": e.File, "Err": e.Reason})
	}
	return msg.Err("bundle.err.damaged", msg.Args{"Bundle": e.Bundle, "Err": e.Reason})
}

func (e *BundleError) Error() string { return e.said().Error() }

// Unwrap yields the catalogue message (of the same text), so the error is
// said again in the reader's language, and through it the reason.
func (e *BundleError) Unwrap() error { return e.said() }

// source is what a bundle is read from: one file, or the verified parts of
// a split bundle read as one (split.go). It stays open for the whole
// install, so every read is of the bytes that were verified.
type source interface {
	io.ReaderAt
	io.Closer
}

// openArchive opens a bundle, telling zip from tar.gz by its first bytes.
func openArchive(path string) (archiveReader, Format, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, "", err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, "", err
	}
	return openSource(f, st.Size(), path)
}

// openSource reads a bundle from src (closed on failure).
func openSource(src source, size int64, path string) (archiveReader, Format, error) {
	head := make([]byte, 4)
	n, _ := src.ReadAt(head, 0)
	head = head[:n]
	switch {
	case bytes.HasPrefix(head, []byte("PK\x03\x04")), bytes.HasPrefix(head, []byte("PK\x05\x06")):
		zr, err := zip.NewReader(src, size)
		if err != nil {
			src.Close()
			return nil, Zip, &BundleError{Bundle: path, Reason: msg.Err("bundle.err.reason.zip", msg.Args{"Err": err})}
		}
		root, err := zipRoot(zr)
		if err != nil {
			src.Close()
			return nil, Zip, &BundleError{Bundle: path, Reason: err}
		}
		return &zipReader{f: src, zr: zr, root: root}, Zip, nil
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}):
		// Kept open: every later read (verify, load, write) is of this
		// file, not of whatever the path names by then.
		return &tarGzReader{path: path, f: src, size: size}, TarGz, nil
	}
	src.Close()
	if n == 0 {
		return nil, "", &BundleError{Bundle: path, Reason: msg.Err("bundle.err.reason.empty-file")}
	}
	return nil, "", &BundleError{Bundle: path, Reason: msg.Err("bundle.err.reason.not-archive")}
}

// entryError is a failure to read one entry (or, with after, to find the
// next one after it).
type entryError struct {
	name  string
	err   error
	after bool
}

func (e *entryError) Error() string { return e.name + ": " + e.err.Error() }
func (e *entryError) Unwrap() error { return e.err }

// splitRoot splits "root/rest" and refuses anything else.
func splitRoot(name string) (root, rest string, err error) {
	root, rest, ok := strings.Cut(name, "/")
	if !ok || root == "" {
		return "", "", msg.Err("bundle.err.outside-root", msg.Args{"File": name})
	}
	return root, rest, nil
}

func zipRoot(zr *zip.Reader) (string, error) {
	root := ""
	for _, f := range zr.File {
		r, _, err := splitRoot(f.Name)
		if err != nil {
			return "", err
		}
		if root == "" {
			root = r
		} else if r != root {
			return "", msg.Err("bundle.err.two-roots", msg.Args{"Root": root, "Other": r})
		}
	}
	if root == "" {
		return "", msg.Err("bundle.err.empty")
	}
	return root, nil
}

type zipReader struct {
	f    source
	zr   *zip.Reader
	root string
}

func (z *zipReader) Walk(fn func(string, int64, io.Reader) error) error {
	for _, f := range z.zr.File {
		_, rest, _ := splitRoot(f.Name)
		if rest == "" || strings.HasSuffix(f.Name, "/") {
			continue // the folder itself
		}
		if !f.Mode().IsRegular() {
			return &entryError{name: rest, err: msg.Err("bundle.err.not-regular", msg.Args{"Type": f.Mode().Type().String()})}
		}
		rc, err := f.Open()
		if err != nil {
			return &entryError{name: rest, err: err}
		}
		err = fn(rest, int64(f.UncompressedSize64), rc)
		rc.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// checkDeclared compares every entry's declared (uncompressed) size with
// the manifest before any entry is inflated, so a zip bomb, or an entry the
// manifest does not list, is refused at the cost of reading the central
// directory. The zip reader then also stops any entry that inflates past
// its declared size.
func (z *zipReader) checkDeclared(m *Manifest) error {
	want := map[string]int64{}
	for _, f := range m.Files {
		want[f.Path] = f.Size
	}
	for _, f := range z.zr.File {
		_, rest, _ := splitRoot(f.Name)
		if rest == "" || strings.HasSuffix(f.Name, "/") || rest == ManifestName {
			continue
		}
		if isSigName(rest) {
			if f.UncompressedSize64 > maxSigSize {
				return &BundleError{File: rest, Reason: msg.Err("bundle.err.reason.sig-large")}
			}
			continue
		}
		size, ok := want[rest]
		switch {
		case !ok:
			return &BundleError{File: rest, Reason: msg.Err("bundle.err.reason.unlisted")}
		case f.UncompressedSize64 != uint64(size):
			return &BundleError{File: rest, Reason: msg.Err("bundle.err.reason.declares", msg.Args{"Size": f.UncompressedSize64, "Listed": size})}
		}
	}
	return nil
}

// manifest reads the manifest entry, refusing one that declares more than
// maxManifestSize before reading it.
func (z *zipReader) manifest() ([]byte, bool, error) {
	for _, f := range z.zr.File {
		if _, rest, _ := splitRoot(f.Name); rest != ManifestName {
			continue
		}
		if f.UncompressedSize64 > maxManifestSize {
			return nil, true, msg.Err("bundle.err.manifest-large", msg.Args{"Size": f.UncompressedSize64, "Max": maxManifestSize})
		}
		rc, err := f.Open()
		if err != nil {
			return nil, true, err
		}
		defer rc.Close()
		b, err := readAllLimit(rc, maxManifestSize)
		return b, true, err
	}
	return nil, false, nil
}

func (z *zipReader) Open(name string) (io.ReadCloser, error) {
	f, err := z.zr.Open(z.root + "/" + name)
	if err != nil {
		return nil, err
	}
	return f, nil
}

func (z *zipReader) Close() error { return z.f.Close() }

// tarGzReader reads a tar.gz sequentially; Open reads it again from the
// start up to the entry, through the file opened once.
type tarGzReader struct {
	path string
	f    source
	size int64
}

type tarStream struct {
	gz *pgzip.Reader
	tr *tar.Reader
}

func (t *tarGzReader) open() (*tarStream, error) {
	gz, err := pgzip.NewReader(io.NewSectionReader(t.f, 0, t.size))
	if err != nil {
		return nil, err
	}
	return &tarStream{gz: gz, tr: tar.NewReader(gz)}, nil
}

func (s *tarStream) Close() error { return s.gz.Close() }

func (t *tarGzReader) Walk(fn func(string, int64, io.Reader) error) error {
	s, err := t.open()
	if err != nil {
		return err
	}
	defer s.Close()
	root, last := "", ""
	for {
		h, err := s.tr.Next()
		if errors.Is(err, io.EOF) {
			if root == "" {
				return msg.Err("bundle.err.empty")
			}
			// The tar ends before the gzip trailer: read up to it, so a
			// missing or wrong trailer (a cut-off copy) is caught.
			if _, err := io.Copy(io.Discard, s.gz); err != nil {
				return &entryError{name: last, err: err, after: true}
			}
			return nil
		}
		if err != nil {
			if last != "" {
				return &entryError{name: last, err: err, after: true}
			}
			return err
		}
		r, rest, err := splitRoot(strings.TrimPrefix(h.Name, "./"))
		if err != nil {
			return err
		}
		if root == "" {
			root = r
		} else if r != root {
			return msg.Err("bundle.err.two-roots", msg.Args{"Root": root, "Other": r})
		}
		rest = strings.TrimSuffix(rest, "/")
		if h.Typeflag == tar.TypeDir {
			continue
		}
		if h.Typeflag != tar.TypeReg {
			return &entryError{name: rest, err: msg.Err("bundle.err.not-regular-tar", msg.Args{"Type": strconv.QuoteRune(rune(h.Typeflag))})}
		}
		last = rest
		if err := fn(rest, h.Size, s.tr); err != nil {
			return err
		}
	}
}

type multiCloser struct {
	io.Reader
	close func() error
}

func (m multiCloser) Close() error { return m.close() }

func (t *tarGzReader) Open(name string) (io.ReadCloser, error) {
	s, err := t.open()
	if err != nil {
		return nil, err
	}
	for {
		h, err := s.tr.Next()
		if err != nil {
			s.Close()
			if errors.Is(err, io.EOF) {
				return nil, fmt.Errorf("%s: %w", name, os.ErrNotExist)
			}
			return nil, err
		}
		_, rest, err := splitRoot(strings.TrimPrefix(h.Name, "./"))
		if err == nil && rest == name && h.Typeflag == tar.TypeReg {
			return multiCloser{Reader: s.tr, close: s.Close}, nil
		}
	}
}

func (t *tarGzReader) Close() error { return t.f.Close() }

// displayName shortens a bundle path for messages.
func displayName(p string) string {
	if rel, err := filepath.Rel(".", p); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return p
}
