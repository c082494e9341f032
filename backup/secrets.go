package backup

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/stackgen/stackgen/internal/msg"
	"github.com/stackgen/stackgen/internal/smallfile"

	"filippo.io/age"
)

// SecretsName is the file of a backup that holds the project's secrets
// (.env, private keys), encrypted with age: a tar inside an age file, so
// `age -d -i KEY secrets.tar.age | tar -x` works without stackgen too.
const SecretsName = "secrets.tar.age"

// ProjectName is the file of a backup that holds the project's own files
// (compose files, configs, scripts, the user's edits) without its secrets,
// so a backup restores into a new directory without `stackgen new`.
const ProjectName = "project.tar.gz"

// Sealed describes the encrypted secrets of a backup.
type Sealed struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
	// To says who can open it: "x25519" (an age key) or "passphrase".
	To string `json:"to"`
	// Files are the project paths inside; EnvKeys the names (never the
	// values) of the variables of .env, so a restore without the key can
	// say which secrets the user must supply.
	Files   []string `json:"files"`
	EnvKeys []string `json:"env_keys,omitempty"`
}

// Recipients are who a backup's secrets are encrypted to.
type Recipients struct {
	List []age.Recipient
	// Kind is "x25519" or "passphrase" (age allows no mix of the two).
	Kind string
}

// ParseRecipients reads an age recipient ("age1…"), or a file of them (one
// a line, # comments), as `age -r` and `age -R` take them.
func ParseRecipients(s string) (Recipients, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "age1") {
		r, err := age.ParseX25519Recipient(s)
		if err != nil {
			return Recipients{}, msg.Err("backup.err.recipient", msg.Args{"Value": strconv.Quote(s), "Err": err})
		}
		return Recipients{List: []age.Recipient{r}, Kind: "x25519"}, nil
	}
	b, err := smallfile.ReadFile(s, 64<<10)
	if err != nil {
		return Recipients{}, msg.Err("backup.err.recipient-file", msg.Args{"Err": err})
	}
	list, err := age.ParseRecipients(bytes.NewReader(b))
	if err != nil {
		return Recipients{}, msg.Err("backup.err.recipients", msg.Args{"File": s, "Err": err})
	}
	return Recipients{List: list, Kind: "x25519"}, nil
}

// PassphraseRecipient encrypts to a passphrase (scrypt).
func PassphraseRecipient(pass string) (Recipients, error) {
	if len(pass) < 12 {
		return Recipients{}, msg.Err("backup.err.passphrase-short")
	}
	r, err := age.NewScryptRecipient(pass)
	if err != nil {
		return Recipients{}, err
	}
	return Recipients{List: []age.Recipient{r}, Kind: "passphrase"}, nil
}

// LoadIdentities reads an age identity file (AGE-SECRET-KEY-…, as
// `stackgen keygen` and age-keygen write it).
func LoadIdentities(file string) ([]age.Identity, error) {
	b, err := smallfile.ReadFile(file, 1<<20)
	if err != nil {
		return nil, msg.Err("backup.err.identity-read", msg.Args{"Err": err})
	}
	ids, err := age.ParseIdentities(bytes.NewReader(b))
	if err != nil {
		return nil, msg.Err("backup.err.identity", msg.Args{"File": file, "Err": err})
	}
	return ids, nil
}

// PassphraseIdentity opens secrets encrypted to a passphrase.
func PassphraseIdentity(pass string) ([]age.Identity, error) {
	id, err := age.NewScryptIdentity(pass)
	if err != nil {
		return nil, err
	}
	return []age.Identity{id}, nil
}

// sealSecrets writes files (project path → content) as a tar encrypted to
// rcpt. Entries are sorted, modes 0600, times zero: the same secrets give
// the same plaintext.
func sealSecrets(w io.Writer, files map[string][]byte, rcpt Recipients) error {
	enc, err := age.Encrypt(w, rcpt.List...)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(enc)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if err := tw.WriteHeader(&tar.Header{Name: n, Mode: 0o600, Size: int64(len(files[n])), Typeflag: tar.TypeReg, Format: tar.FormatPAX}); err != nil {
			return err
		}
		if _, err := tw.Write(files[n]); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return enc.Close()
}

// OpenSecrets decrypts a backup's secrets with ids and returns them by
// project path. A wrong key is one clear error.
func OpenSecrets(r io.Reader, ids []age.Identity) (map[string][]byte, error) {
	dec, err := age.Decrypt(r, ids...)
	if err != nil {
		var nm *age.NoIdentityMatchError
		if errors.As(err, &nm) {
			return nil, msg.Err("backup.err.wrong-key")
		}
		return nil, msg.Err("backup.err.decrypt", msg.Args{"Err": err})
	}
	out := map[string][]byte{}
	tr := tar.NewReader(dec)
	var total int64
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, msg.Err("backup.err.secrets-read", msg.Args{"Err": err})
		}
		name, err := safeRel(h.Name)
		if err != nil || h.Typeflag != tar.TypeReg {
			return nil, msg.Err("backup.err.secrets-entry", msg.Args{"Entry": strconv.Quote(h.Name)})
		}
		total += h.Size
		if total > 16<<20 {
			return nil, msg.Err("backup.err.secrets-large")
		}
		b, err := io.ReadAll(io.LimitReader(tr, h.Size))
		if err != nil {
			return nil, err
		}
		out[name] = b
	}
}

// safeRel accepts a relative slash path inside the project.
func safeRel(name string) (string, error) {
	clean := path.Clean(strings.TrimPrefix(name, "./"))
	if clean == "." || path.IsAbs(clean) || clean == ".." || strings.HasPrefix(clean, "../") || strings.ContainsRune(clean, '\\') || strings.ContainsRune(clean, 0) {
		return "", msg.Err("backup.err.outside", msg.Args{"Entry": strconv.Quote(name)})
	}
	return clean, nil
}
