package backup

import (
	"io"
	"os"
	"path/filepath"

	"github.com/stackgen/stackgen/internal/msg"
)

// CopyTo copies a verified backup folder into destDir (a mounted share, a
// USB disk), under the same name, and verifies the copy by size and
// SHA-256 against the manifest before it counts: the copy is written under
// a hidden name and renamed only once it verifies, so a half copy never
// looks like a backup. It returns the copy's folder.
func CopyTo(backupDir, destDir string) (string, error) {
	m, err := Verify(backupDir)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(destDir, 0o700); err != nil {
		return "", msg.Err("backup.err.copy-to", msg.Args{"Dir": destDir, "Err": err})
	}
	final := filepath.Join(destDir, filepath.Base(backupDir))
	if exists(final) {
		return "", msg.Err("backup.err.copy-exists", msg.Args{"Dir": final})
	}
	work, err := os.MkdirTemp(destDir, "."+filepath.Base(backupDir)+".copying-")
	if err != nil {
		return "", msg.Err("backup.err.copy-to", msg.Args{"Dir": destDir, "Err": err})
	}
	ok := false
	defer func() {
		if !ok {
			os.RemoveAll(work)
		}
	}()
	names := []string{ManifestName, SumsName}
	for _, f := range m.Files {
		names = append(names, f.Name)
	}
	for _, a := range m.archives() {
		names = append(names, a.Name)
	}
	for _, n := range names {
		if err := copyFile(filepath.Join(backupDir, n), filepath.Join(work, n)); err != nil {
			if os.IsNotExist(err) && n == SumsName {
				continue
			}
			return "", msg.Err("backup.err.copy-file", msg.Args{"File": n, "Dir": destDir, "Err": err})
		}
	}
	if err := syncDir(work); err != nil {
		return "", err
	}
	// Read back what landed on the other side, not what was sent.
	if _, err := Verify(work); err != nil {
		return "", msg.Err("backup.err.copy-verify", msg.Args{"Dir": destDir, "Err": err})
	}
	if err := os.Rename(work, final); err != nil {
		return "", err
	}
	ok = true
	return final, syncDir(destDir)
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	st, err := in.Stat()
	if err != nil {
		return err
	}
	if !st.Mode().IsRegular() {
		return msg.Err("backup.err.not-regular", msg.Args{"File": src})
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
