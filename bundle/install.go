package bundle

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"sort"
	"strings"

	"github.com/stackgen/stackgen/fileset"
	"github.com/stackgen/stackgen/internal/msg"
)

// ImageLoader loads a plain `docker save` stream into the engine.
type ImageLoader interface {
	LoadImages(ctx context.Context, archive io.Reader) ([]string, error)
}

// LoadImages streams the verified bundle's image archive, decompressed
// here (any codec), into the engine as the plain tar every engine reads.
// It reads the file Verify opened (never the path again, which may name
// another file by now), and hashes the compressed bytes on the way, so a
// file changed in place since Verify is reported.
func LoadImages(ctx context.Context, v *Verified, loader ImageLoader, p *Progress) ([]string, error) {
	m := v.Manifest
	if len(m.Images) == 0 {
		return nil, nil
	}
	want, _ := m.File(m.ImageArchive)
	rc, err := v.Open(m.ImageArchive)
	if err != nil {
		return nil, msg.Err("bundle.err.in-bundle", msg.Args{"Bundle": v.Path, "File": m.ImageArchive, "Err": err})
	}
	defer rc.Close()
	h := sha256.New()
	src := io.TeeReader(rc, teeCounter(h, p.written()))
	dec, err := NewDecoder(m.Codec, src)
	if err != nil {
		return nil, msg.Err("bundle.err.in-bundle", msg.Args{"Bundle": v.Path, "File": m.ImageArchive, "Err": err})
	}
	defer dec.Close()
	p.phase("load")
	msgs, err := loader.LoadImages(ctx, countReader{r: dec, c: p.read()})
	if err != nil {
		if ctx.Err() != nil {
			return msgs, ctx.Err()
		}
		return msgs, msg.Err("bundle.err.load", msg.Args{"Bundle": v.Path, "Err": err})
	}
	if _, err := io.Copy(io.Discard, src); err != nil {
		return msgs, msg.Err("bundle.err.in-bundle", msg.Args{"Bundle": v.Path, "File": m.ImageArchive, "Err": err})
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != want.SHA256 {
		return msgs, msg.Err("bundle.err.changed-loading", msg.Args{"Bundle": v.Path, "File": m.ImageArchive, "Got": got[:12], "Want": want.SHA256[:12]})
	}
	return msgs, nil
}

// ownFiles are the bundle's own files, not the project's: they stay in the
// archive when a bundle is installed (the README is written too).
func ownFile(p string) bool {
	switch p {
	case ManifestName, ChecksumsName, LoadScriptSh, LoadScriptPs1:
		return true
	}
	return strings.HasPrefix(p, ImagesDir+"/")
}

// ProjectFiles lists the files of m that make up the project on the
// target host (everything but the images, checksums and load scripts).
func ProjectFiles(m *Manifest) []File {
	var out []File
	for _, f := range m.Files {
		if !ownFile(f.Path) {
			out = append(out, f)
		}
	}
	return out
}

// CheckTargetDir refuses a directory that exists and is not empty, before
// anything is loaded: installing never overwrites a project.
func CheckTargetDir(dir string) error {
	st, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if !st.IsDir() {
		return msg.Err("bundle.err.dir-file", msg.Args{"Dir": dir})
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	if len(entries) > 0 {
		return msg.Err("bundle.err.dir-not-empty", msg.Args{"Dir": dir})
	}
	return nil
}

// ProjectSet reads the verified bundle's project files, checking each
// against the manifest again, with the modes the manifest records. The
// whole set is in hand before anything is written, so the install can
// check it (validate) and write it as one transaction.
func ProjectSet(v *Verified) (fileset.Set, error) {
	var set fileset.Set
	for _, f := range ProjectFiles(v.Manifest) {
		rc, err := v.Open(f.Path)
		if err != nil {
			return nil, msg.Err("bundle.err.in-bundle", msg.Args{"Bundle": v.Path, "File": f.Path, "Err": err})
		}
		b, err := readAllLimit(rc, f.Size)
		rc.Close()
		if err != nil {
			return nil, msg.Err("bundle.err.in-bundle", msg.Args{"Bundle": v.Path, "File": f.Path, "Err": err})
		}
		if sum := sha256.Sum256(b); hex.EncodeToString(sum[:]) != f.SHA256 {
			return nil, msg.Err("bundle.err.changed-verified", msg.Args{"Bundle": v.Path, "File": f.Path})
		}
		mode := f.FileMode()
		if f.Path == ".env" {
			mode = 0o600
		}
		set = append(set, fileset.File{Path: f.Path, Mode: mode, Content: b})
	}
	return set, nil
}

// EnvFromExample builds a .env from .env.example: each key in secrets gets
// its value, every other line (comments, non-secret values) is kept as the
// example has it. Keys of secrets the example lacks are appended.
func EnvFromExample(example []byte, secrets map[string]string) []byte {
	var b strings.Builder
	used := map[string]bool{}
	text := strings.ReplaceAll(string(example), "\r\n", "\n")
	text = strings.TrimSuffix(text, "\n")
	for _, line := range strings.Split(text, "\n") {
		trimmed := strings.TrimSpace(line)
		key, _, ok := strings.Cut(trimmed, "=")
		key = strings.TrimSpace(strings.TrimPrefix(key, "export "))
		if v, secret := secrets[key]; ok && secret && !strings.HasPrefix(trimmed, "#") && !used[key] {
			b.WriteString(key + "=" + v + "\n")
			used[key] = true
			continue
		}
		b.WriteString(line + "\n")
	}
	var missing []string
	for k := range secrets {
		if !used[k] {
			missing = append(missing, k)
		}
	}
	sort.Strings(missing)
	for _, k := range missing {
		b.WriteString(k + "=" + secrets[k] + "\n")
	}
	return []byte(b.String())
}
