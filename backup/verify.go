package backup

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/stackgen/stackgen/stack"
)

// VerifyError lists everything wrong with a backup folder.
type VerifyError struct {
	Dir      string
	Problems []string
}

func (e *VerifyError) Error() string {
	return fmt.Sprintf("backup %s is damaged or incomplete, nothing was changed:\n  %s", e.Dir, strings.Join(e.Problems, "\n  "))
}

// Verify checks a backup folder without Docker: the manifest's structure,
// every listed file's size and SHA-256, SHA256SUMS (when present) agreeing
// with the manifest, and each file's content marks (a complete dump's
// header and trailer, a readable tar with relative names). It returns the
// manifest, and a *VerifyError naming every problem.
func Verify(dir string) (*Manifest, error) {
	m, err := LoadManifest(dir)
	if err != nil {
		return nil, &VerifyError{Dir: dir, Problems: []string{err.Error()}}
	}
	var problems []string
	if b, err := os.ReadFile(filepath.Join(dir, SumsName)); err == nil {
		sums, err := parseSums(b)
		if err != nil {
			problems = append(problems, err.Error())
		} else {
			listed := map[string]bool{}
			check := func(name, sha string) {
				listed[name] = true
				if h, ok := sums[name]; !ok {
					problems = append(problems, fmt.Sprintf("%s: not in %s", name, SumsName))
				} else if h != sha {
					problems = append(problems, fmt.Sprintf("%s: %s and %s disagree on its SHA-256", name, SumsName, ManifestName))
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
					problems = append(problems, fmt.Sprintf("%s lists %q, not a plain file name", SumsName, n))
				} else if err := verifyHash(filepath.Join(dir, n), sums[n]); err != nil {
					problems = append(problems, n+": "+err.Error())
				}
			}
		}
	} else if !os.IsNotExist(err) {
		problems = append(problems, err.Error())
	}
	for _, f := range m.Files {
		if err := verifyFile(dir, f); err != nil {
			problems = append(problems, f.Name+": "+err.Error())
		}
	}
	for _, a := range m.archives() {
		if err := verifyArchive(dir, a); err != nil {
			problems = append(problems, a.Name+": "+err.Error())
		}
	}
	if len(problems) > 0 {
		return m, &VerifyError{Dir: dir, Problems: problems}
	}
	return m, nil
}

func verifyArchive(dir string, a Archive) error {
	st, err := os.Lstat(filepath.Join(dir, a.Name))
	if err != nil {
		if os.IsNotExist(err) {
			return errors.New("missing")
		}
		return err
	}
	if !st.Mode().IsRegular() {
		return errors.New("not a regular file")
	}
	if st.Size() != a.Size {
		return fmt.Errorf("size is %d bytes, the manifest says %d", st.Size(), a.Size)
	}
	return verifyHash(filepath.Join(dir, a.Name), a.SHA256)
}

func verifyFile(dir string, f File) error {
	fh, err := os.Open(filepath.Join(dir, f.Name))
	if err != nil {
		if os.IsNotExist(err) {
			return errors.New("missing")
		}
		return err
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return err
	}
	if !st.Mode().IsRegular() {
		return errors.New("not a regular file")
	}
	if st.Size() != f.Size {
		return fmt.Errorf("size is %d bytes, the manifest says %d", st.Size(), f.Size)
	}
	sum, err := inspectContent(fh, f.Kind, f.Name)
	if err != nil {
		return err
	}
	if sum.sha256 != f.SHA256 {
		return fmt.Errorf("SHA-256 is %s, the manifest says %s: the file changed after the backup", sum.sha256[:12]+"…", f.SHA256[:12]+"…")
	}
	if sum.contentErr != nil {
		return sum.contentErr
	}
	return nil
}

func verifyHash(p, want string) error {
	fh, err := os.Open(p)
	if err != nil {
		if os.IsNotExist(err) {
			return errors.New("missing")
		}
		return err
	}
	defer fh.Close()
	h := sha256.New()
	if _, err := io.Copy(h, fh); err != nil {
		return err
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != want {
		return fmt.Errorf("SHA-256 is %s…, %s says %s…: the file changed after the backup", got[:12], SumsName, want[:12])
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
				contentErr = fmt.Errorf("not a gzip file: %v", err)
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
			return fmt.Errorf("the gzip stream is damaged or cut short: %v", err)
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
// hold only relative names that stay inside the directory.
func checkTar(r io.Reader) error {
	tr := tar.NewReader(r)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("not a complete tar archive: %v", err)
		}
		name := hdr.Name
		clean := path.Clean(strings.TrimPrefix(name, "./"))
		if path.IsAbs(name) || clean == ".." || strings.HasPrefix(clean, "../") {
			return fmt.Errorf("tar entry %q points outside the directory", name)
		}
		if _, err := io.Copy(io.Discard, tr); err != nil {
			return fmt.Errorf("not a complete tar archive: entry %s: %v", name, err)
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
