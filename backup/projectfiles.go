package backup

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/stackgen/stackgen/internal/msg"
)

// packedProject is what PackProject found.
type packedProject struct {
	// secrets are the files kept out of the plain archive (.env, private
	// keys), by project path.
	secrets map[string][]byte
	// skipped are paths not archived (symlinks, sockets), to be reported.
	skipped []string
	files   int
}

// isSecretFile says a project file holds secrets: .env, or a PEM private
// key (the certificate's key in ssl/).
func isSecretFile(rel string, head []byte) bool {
	base := path.Base(rel)
	if base == ".env" {
		return true
	}
	return bytes.Contains(head, []byte("PRIVATE KEY-----"))
}

// maxSecretFile bounds what is read to decide whether a file is a secret,
// and the size of a secret file.
const maxSecretFile = 1 << 20

// packProject writes the project directory as a tar.gz, without its
// secrets (returned separately, to be encrypted or left out), without the
// backups folders (skip: project paths) and without .git. Modes are kept,
// owners and times are not: the archive is the same for the same files.
func packProject(dir string, skip []string, w io.Writer) (*packedProject, error) {
	zw := gzip.NewWriter(w)
	tw := tar.NewWriter(zw)
	pp := &packedProject{secrets: map[string][]byte{}}
	skipSet := map[string]bool{".git": true}
	for _, s := range skip {
		skipSet[s] = true
	}
	var paths []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil || rel == "." {
			return err
		}
		rel = filepath.ToSlash(rel)
		if skipSet[rel] {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		paths = append(paths, rel)
		return nil
	})
	if err != nil {
		return nil, msg.Err("backup.err.read-project", msg.Args{"Dir": dir, "Err": err})
	}
	sort.Strings(paths)
	for _, rel := range paths {
		full := filepath.Join(dir, filepath.FromSlash(rel))
		st, err := os.Lstat(full)
		if err != nil {
			return nil, err
		}
		switch {
		case st.IsDir():
			if err := tw.WriteHeader(&tar.Header{Name: rel + "/", Mode: int64(st.Mode().Perm()), Typeflag: tar.TypeDir, Format: tar.FormatPAX}); err != nil {
				return nil, err
			}
		case st.Mode().IsRegular():
			if err := packFile(tw, pp, full, rel, st); err != nil {
				return nil, err
			}
		default:
			pp.skipped = append(pp.skipped, rel)
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return pp, nil
}

func packFile(tw *tar.Writer, pp *packedProject, full, rel string, st fs.FileInfo) error {
	f, err := os.Open(full)
	if err != nil {
		return err
	}
	defer f.Close()
	head := make([]byte, 4096)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	if isSecretFile(rel, head) {
		if st.Size() > maxSecretFile {
			return msg.Err("backup.err.secret-large", msg.Args{"File": rel})
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return err
		}
		b, err := io.ReadAll(io.LimitReader(f, maxSecretFile+1))
		if err != nil {
			return err
		}
		pp.secrets[rel] = b
		return nil
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	if err := tw.WriteHeader(&tar.Header{Name: rel, Mode: int64(st.Mode().Perm()), Size: st.Size(), Typeflag: tar.TypeReg, Format: tar.FormatPAX}); err != nil {
		return err
	}
	if _, err := io.CopyN(tw, f, st.Size()); err != nil {
		return msg.Err("backup.err.changed-archiving", msg.Args{"File": rel, "Err": err})
	}
	pp.files++
	return nil
}

// maxProjectFiles bounds what a project archive may unpack to (a project
// is small; anything larger is not one of ours).
const maxProjectBytes = 2 << 30

// UnpackProject recreates a project directory from a backup: the plain
// files of project.tar.gz, then secrets (project path → content, may be
// nil). dir must not exist or be empty. Everything is written into a
// hidden folder beside dir and renamed into place at the end, so a failed
// unpack leaves nothing. Entries must be plain files and folders inside the
// project.
func UnpackProject(archive io.Reader, secrets map[string][]byte, dir string) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	if des, err := os.ReadDir(abs); err == nil && len(des) > 0 {
		return msg.Err("backup.err.not-empty", msg.Args{"Dir": abs})
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	parent := filepath.Dir(abs)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return err
	}
	work, err := os.MkdirTemp(parent, "."+filepath.Base(abs)+".restoring-")
	if err != nil {
		return err
	}
	ok := false
	defer func() {
		if !ok {
			os.RemoveAll(work)
		}
	}()
	if err := os.Chmod(work, 0o755); err != nil {
		return err
	}
	zr, err := gzip.NewReader(archive)
	if err != nil {
		return msg.Err("backup.err.file", msg.Args{"File": ProjectName, "Err": err})
	}
	tr := tar.NewReader(zr)
	var total int64
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return msg.Err("backup.err.file", msg.Args{"File": ProjectName, "Err": err})
		}
		rel, err := safeRel(h.Name)
		if err != nil {
			return msg.Err("backup.err.file", msg.Args{"File": ProjectName, "Err": err})
		}
		target := filepath.Join(work, filepath.FromSlash(rel))
		mode := fs.FileMode(h.Mode).Perm()
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(target, 0o755); err != nil {
				return err
			}
			if err := os.Chmod(target, mode|0o700); err != nil {
				return err
			}
		case tar.TypeReg:
			total += h.Size
			if total > maxProjectBytes {
				return msg.Err("backup.err.project-large", msg.Args{"File": ProjectName})
			}
			if err := writeNew(target, mode, io.LimitReader(tr, h.Size)); err != nil {
				return err
			}
		default:
			return msg.Err("backup.err.project-entry", msg.Args{"File": ProjectName, "Entry": strconv.Quote(h.Name)})
		}
	}
	for rel, b := range secrets {
		clean, err := safeRel(rel)
		if err != nil {
			return err
		}
		if err := writeNew(filepath.Join(work, filepath.FromSlash(clean)), 0o600, bytes.NewReader(b)); err != nil {
			return err
		}
	}
	if err := syncDir(work); err != nil {
		return err
	}
	if _, err := os.Stat(abs); err == nil {
		if err := os.Remove(abs); err != nil { // empty, checked above
			return err
		}
	}
	if err := os.Rename(work, abs); err != nil {
		return err
	}
	ok = true
	return syncDir(parent)
}

// writeNew creates a file that must not exist (O_EXCL: never through a
// link), in a folder made as needed.
func writeNew(p string, mode fs.FileMode, r io.Reader) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Chmod(p, mode)
}

// envKeys lists the variable names of a .env file (never the values).
func envKeys(b []byte) []string {
	var keys []string
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "export "))
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if k, _, ok := strings.Cut(line, "="); ok && strings.TrimSpace(k) != "" {
			keys = append(keys, strings.TrimSpace(k))
		}
	}
	sort.Strings(keys)
	return keys
}

// CloneProject copies a project directory (secrets included, backups and
// .git left out) into dst, which must not exist: the same walk and checks
// as a backup's archive, so a copy never follows a link out of src.
func CloneProject(src, dst string) error {
	var buf bytes.Buffer
	pp, err := packProject(src, []string{"backups"}, &buf)
	if err != nil {
		return err
	}
	return UnpackProject(&buf, pp.secrets, dst)
}
