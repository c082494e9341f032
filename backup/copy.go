package backup

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
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
		return "", fmt.Errorf("--copy-to %s: %w", destDir, err)
	}
	final := filepath.Join(destDir, filepath.Base(backupDir))
	if exists(final) {
		return "", fmt.Errorf("--copy-to: %s exists already; nothing was copied", final)
	}
	work, err := os.MkdirTemp(destDir, "."+filepath.Base(backupDir)+".copying-")
	if err != nil {
		return "", fmt.Errorf("--copy-to %s: %w", destDir, err)
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
			return "", fmt.Errorf("copying %s to %s: %w", n, destDir, err)
		}
	}
	if err := syncDir(work); err != nil {
		return "", err
	}
	// Read back what landed on the other side, not what was sent.
	if _, err := Verify(work); err != nil {
		return "", fmt.Errorf("the copy in %s does not verify, so it was removed: %w", destDir, err)
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
		return fmt.Errorf("%s is not a regular file", src)
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
