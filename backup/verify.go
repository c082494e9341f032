package backup

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/stackgen/stackgen/internal/msg"
	"github.com/stackgen/stackgen/stack"
)

// VerifyError lists everything wrong with a backup folder. It reads as
// (and unwraps to) a catalogue message, so the command says it again in
// the reader's language, each problem included.
type VerifyError struct {
	Dir      string
	Problems []error
}

func (e *VerifyError) Error() string { return e.Unwrap().Error() }

func (e *VerifyError) Unwrap() error {
	return msg.Err("backup.err.damaged", msg.Args{"Dir": e.Dir, "Problems": joinProblems(e.Problems)})
}

// Verify checks a backup folder without Docker: the manifest's structure,
// every listed file's size and SHA-256, SHA256SUMS (when present) agreeing
// with the manifest, and each file's content marks (a complete dump's
// header and trailer, a readable tar with relative names). It returns the
// manifest, and a *VerifyError naming every problem.
func Verify(dir string) (*Manifest, error) {
	m, err := LoadManifest(dir)
	if err != nil {
		return nil, &VerifyError{Dir: dir, Problems: []error{err}}
	}
	var problems []error
	if b, err := readSmall(dir, SumsName); err == nil {
		sums, err := parseSums(b)
		if err != nil {
			problems = append(problems, err)
		} else {
			listed := map[string]bool{}
			check := func(name, sha string) {
				listed[name] = true
				if h, ok := sums[name]; !ok {
					problems = append(problems, msg.Err("backup.err.not-in-sums", msg.Args{"File": name, "Sums": SumsName}))
				} else if h != sha {
					problems = append(problems, msg.Err("backup.err.sums-disagree", msg.Args{"File": name, "Sums": SumsName, "Manifest": ManifestName}))
				}
			}
			for _, f := range m.Files {
				check(f.Name, f.SHA256)
			}
			for _, a := range m.archives() {
				check(a.Name, a.SHA256)
			}
			// Files only SHA256SUMS lists (a script's notes, an optional
			// extra) are not restored, but must still be intact.
			for _, n := range sortedNames(sums) {
				if listed[n] {
					continue
				}
				if !safeName.MatchString(n) {
					problems = append(problems, msg.Err("backup.err.sums-name", msg.Args{"File": SumsName, "Name": strconv.Quote(n)}))
				} else if err := verifyHash(filepath.Join(dir, n), sums[n]); err != nil {
					problems = append(problems, msg.Err("backup.err.file", msg.Args{"File": n, "Err": err}))
				}
			}
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		problems = append(problems, msg.Err("backup.err.file", msg.Args{"File": SumsName, "Err": err}))
	}
	for _, f := range m.Files {
		if err := verifyFile(dir, f); err != nil {
			problems = append(problems, msg.Err("backup.err.file", msg.Args{"File": f.Name, "Err": err}))
		}
	}
	for _, a := range m.archives() {
		if err := verifyArchive(dir, a); err != nil {
			problems = append(problems, msg.Err("backup.err.file", msg.Args{"File": a.Name, "Err": err}))
		}
	}
	if len(problems) > 0 {
		return m, &VerifyError{Dir: dir, Problems: problems}
	}
	return m, nil
}

func verifyArchive(dir string, a Archive) error {
	fh, st, err := OpenData(dir, a.Name)
	if err != nil {
		return err
	}
	fh.Close()
	if st.Size() != a.Size {
		return msg.Err("backup.err.size", msg.Args{"Size": st.Size(), "Want": a.Size})
	}
	return verifyHash(filepath.Join(dir, a.Name), a.SHA256)
}

// errMissing is a backup file that is not there; it is fs.ErrNotExist, and
// reads as (and unwraps to) a catalogue message.
type errMissing struct{}

func (errMissing) Error() string        { return errMissing{}.Unwrap().Error() }
func (errMissing) Unwrap() error        { return msg.Err("backup.err.missing") }
func (errMissing) Is(target error) bool { return target == fs.ErrNotExist }

// readSmall reads a backup's own small file (manifest, sums) as OpenData
// opens data: never through a link, never a FIFO.
func readSmall(dir, name string) ([]byte, error) {
	fh, st, err := OpenData(dir, name)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	const limit = 16 << 20
	if st.Size() > limit {
		return nil, msg.Err("backup.err.small-large", msg.Args{"File": filepath.Join(dir, name), "Size": st.Size(), "Name": name})
	}
	return io.ReadAll(io.LimitReader(fh, limit))
}

// OpenData opens the data file name in the backup folder dir: a regular
// file in the folder itself, never a link (which could point anywhere on
// the host) nor a FIFO or device (which would hang or never end).
func OpenData(dir, name string) (*os.File, os.FileInfo, error) {
	p := filepath.Join(dir, name)
	info, err := os.Lstat(p)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, nil, errMissing{}
		}
		return nil, nil, err
	}
	if info.Mode()&os.ModeSymlink != 0 {
		to, _ := os.Readlink(p)
		return nil, nil, msg.Err("backup.err.symlink", msg.Args{"Target": to})
	}
	if !info.Mode().IsRegular() {
		return nil, nil, msg.Err("backup.err.irregular")
	}
	fh, err := os.Open(p)
	if err != nil {
		return nil, nil, err
	}
	st, err := fh.Stat()
	if err != nil || !os.SameFile(info, st) {
		fh.Close()
		return nil, nil, msg.Err("backup.err.changed-checking")
	}
	return fh, st, nil
}

func verifyFile(dir string, f File) error {
	fh, st, err := OpenData(dir, f.Name)
	if err != nil {
		return err
	}
	defer fh.Close()
	if st.Size() != f.Size {
		return msg.Err("backup.err.size", msg.Args{"Size": st.Size(), "Want": f.Size})
	}
	sum, err := inspectContent(fh, f.Kind, f.Name)
	if err != nil {
		return err
	}
	if sum.sha256 != f.SHA256 {
		return msg.Err("backup.err.sha-manifest", msg.Args{"Got": sum.sha256[:12], "Want": f.SHA256[:12]})
	}
	if sum.contentErr != nil {
		return sum.contentErr
	}
	return nil
}

func verifyHash(p, want string) error {
	fh, _, err := OpenData(filepath.Dir(p), filepath.Base(p))
	if err != nil {
		return err
	}
	defer fh.Close()
	h := sha256.New()
	if _, err := io.Copy(h, fh); err != nil {
		return err
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != want {
		return msg.Err("backup.err.sha-sums", msg.Args{"Got": got[:12], "File": SumsName, "Want": want[:12]})
	}
	return nil
}

// contentSum is what one pass over a data file learns.
type contentSum struct {
	size   int64
	sha256 string
	// contentErr is set when the bytes are not a complete file of the kind.
	contentErr error
}

// inspectContent reads r once, hashing it and checking its content marks
// (of the decompressed bytes, for a file named *.gz).
func inspectContent(r io.Reader, kind stack.StateKind, name string) (contentSum, error) {
	gz := Compressed(name)
	s := strategies[kind]
	h := sha256.New()
	counter := &countWriter{}
	var readErr error
	tee := io.TeeReader(r, io.MultiWriter(h, counter))
	src := io.Reader(&errTrap{r: tee, err: &readErr})
	var contentErr error
	if s != nil {
		content := src
		if gz {
			zr, err := gzip.NewReader(src)
			if err != nil {
				contentErr = msg.Err("backup.err.not-gzip", msg.Args{"Err": err})
			} else {
				zr.Multistream(false)
				content = zr
			}
		}
		if contentErr == nil {
			contentErr = checkContent(content, s, gz)
		}
	}
	if readErr != nil {
		return contentSum{}, readErr
	}
	if _, err := io.Copy(io.Discard, tee); err != nil {
		return contentSum{}, err
	}
	return contentSum{size: counter.n, sha256: hex.EncodeToString(h.Sum(nil)), contentErr: contentErr}, nil
}

// checkContent reads a (decompressed) data stream to its end and checks
// it with the strategy.
func checkContent(r io.Reader, s *Strategy, gz bool) error {
	if s.Tar {
		err := checkTar(r)
		if err == nil && gz {
			// Read to the gzip trailer, so its checksum is checked too.
			_, err = io.Copy(io.Discard, r)
		}
		return err
	}
	edges := &edgeWriter{}
	if _, err := io.Copy(edges, r); err != nil {
		if gz {
			return msg.Err("backup.err.gzip-damaged", msg.Args{"Err": err})
		}
		return err
	}
	if s.Check != nil {
		return s.Check(edges.head, edges.tail)
	}
	return nil
}

// errTrap remembers a read error of the underlying file, so it is told
// apart from a content error found while decoding.
type errTrap struct {
	r   io.Reader
	err *error
}

func (t *errTrap) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if err != nil && err != io.EOF && *t.err == nil {
		*t.err = err
	}
	return n, err
}

// checkTar reads every header of a tar stream: it must end properly and
// hold only files and folders with relative names that stay inside the
// directory (and hard links between them).
func checkTar(r io.Reader) error {
	tr := tar.NewReader(r)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return msg.Err("backup.err.tar-incomplete", msg.Args{"Err": err})
		}
		name := hdr.Name
		clean := path.Clean(strings.TrimPrefix(name, "./"))
		if path.IsAbs(name) || clean == ".." || strings.HasPrefix(clean, "../") {
			return msg.Err("backup.err.tar-outside", msg.Args{"Entry": strconv.Quote(name)})
		}
		// Only files, folders and hard links within: a symbolic link
		// restored into a volume could point the service (a web server
		// sending media files, say) anywhere in its container, and a
		// device node gives access to the host's hardware.
		switch hdr.Typeflag {
		case tar.TypeReg, tar.TypeDir:
		case tar.TypeSymlink:
			return msg.Err("backup.err.tar-symlink", msg.Args{"Entry": strconv.Quote(name), "Target": strconv.Quote(hdr.Linkname)})
		case tar.TypeLink:
			// A hard link shares a file of the archive itself (the backup
			// keeps them, rebased); it must name one inside.
			if l := path.Clean(strings.TrimPrefix(hdr.Linkname, "./")); path.IsAbs(hdr.Linkname) || l == ".." || strings.HasPrefix(l, "../") {
				return msg.Err("backup.err.tar-hardlink", msg.Args{"Entry": strconv.Quote(name), "Target": strconv.Quote(hdr.Linkname)})
			}
		default:
			return msg.Err("backup.err.tar-type", msg.Args{"Entry": strconv.Quote(name), "Type": strconv.Quote(string(hdr.Typeflag))})
		}
		if _, err := io.Copy(io.Discard, tr); err != nil {
			return msg.Err("backup.err.tar-entry", msg.Args{"Entry": name, "Err": err})
		}
	}
}

// edgeWriter keeps the first and last checkBytes bytes written to it.
type edgeWriter struct {
	head, tail []byte
}

func (e *edgeWriter) Write(p []byte) (int, error) {
	if n := checkBytes - len(e.head); n > 0 {
		if n > len(p) {
			n = len(p)
		}
		e.head = append(e.head, p[:n]...)
	}
	if len(p) >= checkBytes {
		e.tail = append(e.tail[:0], p[len(p)-checkBytes:]...)
	} else {
		e.tail = append(e.tail, p...)
		if len(e.tail) > checkBytes {
			e.tail = append([]byte(nil), e.tail[len(e.tail)-checkBytes:]...)
		}
	}
	return len(p), nil
}

type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// joinProblems makes one error of several, a line each, as a chain of
// catalogue messages: said again in another language, every problem is
// too, which a list of strings made here could not be.
func joinProblems(errs []error) error {
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return errs[0]
	}
	return msg.Err("backup.err.problems", msg.Args{"Err": errs[0], "More": joinProblems(errs[1:])})
}
