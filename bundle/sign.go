package bundle

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/stackgen/stackgen/internal/msg"
	"github.com/stackgen/stackgen/internal/smallfile"
	"github.com/stackgen/stackgen/project"
	"github.com/stackgen/stackgen/sign"
)

// A signed bundle carries two detached minisign signatures, written after
// the manifest and not listed in it (they sign it): one of the manifest,
// which holds the SHA-256 of every other file, and one of SHA256SUMS, so
// a host without stackgen checks the same with `minisign -V` and
// `sha256sum -c`.
const (
	ManifestSigName  = ManifestName + ".minisig"
	ChecksumsSigName = ChecksumsName + ".minisig"
)

// maxSigSize bounds a signature file read (minisign's are under 9 KiB).
const maxSigSize = 16 << 10

func isSigName(p string) bool { return p == ManifestSigName || p == ChecksumsSigName }

// signBundle makes the two signatures of a bundle.
func signBundle(k *sign.PrivateKey, man *Manifest, manifest, checksums []byte) (manSig, sumSig []byte, err error) {
	comment := fmt.Sprintf("stackgen bundle %s created %s file %s", man.Project, man.Created.UTC().Format("2006-01-02T15:04:05Z"), ManifestName)
	if manSig, err = k.Sign(manifest, comment); err != nil {
		return nil, nil, err
	}
	comment = strings.Replace(comment, ManifestName, ChecksumsName, 1)
	if sumSig, err = k.Sign(checksums, comment); err != nil {
		return nil, nil, err
	}
	return manSig, sumSig, nil
}

// Trust is what an install demands of a bundle's signature: signed by one
// of Keys (when there are any), and signed at all when Required. Source
// names where the demand comes from, for messages.
type Trust struct {
	Keys     []*sign.PublicKey
	Required bool
	Source   string
}

// SignatureCheck is what CheckSignature found.
type SignatureCheck struct {
	Signed bool
	// KeyID is the signing key's id, as minisign prints it.
	KeyID string
	// Verified is true when a trusted key checked both signatures.
	Verified bool
	// Warning, when set, is to be printed: the bundle installs, but its
	// origin is unchecked. A catalogue error, so it is said in the
	// reader's language where it is printed.
	Warning error
}

// CheckSignature judges the verified bundle's signatures against t. With
// a key (or Required), a bundle that is unsigned, signed by another key,
// or changed after signing (a manifest regenerated over swapped files
// fails the signature) is refused; without, an unsigned bundle gets a
// warning.
func CheckSignature(v *Verified, t Trust) (*SignatureCheck, error) {
	manSig, sumSig := v.sigs[ManifestSigName], v.sigs[ChecksumsSigName]
	refuse := func(file string, reason error) error {
		if file == "" {
			return msg.Err("bundle.err.refused", msg.Args{"Bundle": v.Path, "Err": reason})
		}
		return msg.Err("bundle.err.refused-file", msg.Args{"Bundle": v.Path, "File": file, "Err": reason})
	}
	c := &SignatureCheck{Signed: manSig != nil || sumSig != nil}
	if c.Signed && (manSig == nil || sumSig == nil) {
		missing := ManifestSigName
		if manSig != nil {
			missing = ChecksumsSigName
		}
		return nil, refuse(missing, msg.Err("bundle.err.sig-half"))
	}
	demand := len(t.Keys) > 0 || t.Required
	if !c.Signed {
		if demand {
			return nil, refuse("", msg.Err("bundle.err.sig-unsigned", msg.Args{"Source": t.Source}))
		}
		c.Warning = msg.Err("bundle.warn.unsigned", msg.Args{"Bundle": v.Path})
		return c, nil
	}
	parsed, err := sign.ParseSignature(manSig)
	if err != nil {
		return nil, refuse(ManifestSigName, err)
	}
	c.KeyID = sign.IDString(parsed.KeyID)
	if len(t.Keys) == 0 {
		if t.Required {
			return nil, refuse("", msg.Err("bundle.err.sig-no-key", msg.Args{"Source": t.Source}))
		}
		c.Warning = msg.Err("bundle.warn.unchecked", msg.Args{"Bundle": v.Path, "Key": c.KeyID})
		return c, nil
	}
	var key *sign.PublicKey
	var ids []string
	for _, k := range t.Keys {
		ids = append(ids, sign.IDString(k.ID))
		if k.ID == parsed.KeyID {
			key = k
		}
	}
	if key == nil {
		return nil, refuse(ManifestSigName, msg.Err("bundle.err.sig-untrusted", msg.Args{"Key": c.KeyID, "Source": t.Source, "Trusted": strings.Join(ids, ", ")}))
	}
	for _, s := range []struct {
		name string
		msg  []byte
		sig  []byte
	}{{ManifestSigName, v.manifestRaw, manSig}, {ChecksumsSigName, v.checksumsRaw, sumSig}} {
		if _, err := key.Verify(s.msg, s.sig); err != nil {
			return nil, refuse(s.name, err)
		}
	}
	c.Verified = true
	return c, nil
}

// LoadPublicKey reads a minisign public key given as its RW... line or as
// a file (relative to base).
func LoadPublicKey(arg, base string) (*sign.PublicKey, error) {
	if k, err := sign.ParsePublicKey(arg); err == nil {
		return k, nil
	}
	p := arg
	if !filepath.IsAbs(p) {
		p = filepath.Join(base, p)
	}
	b, err := smallfile.ReadFile(p, 4<<10)
	if errors.Is(err, os.ErrNotExist) {
		return nil, msg.Err("bundle.err.key-arg", msg.Args{"Key": arg})
	}
	if err != nil {
		return nil, msg.Err("bundle.err.at", msg.Args{"File": arg, "Err": err})
	}
	k, err := sign.ParsePublicKey(string(b))
	if err != nil {
		return nil, msg.Err("bundle.err.at", msg.Args{"File": arg, "Err": err})
	}
	return k, nil
}

// LoadPrivateKey reads a signing key file ('stackgen keygen --sign').
func LoadPrivateKey(path string) (*sign.PrivateKey, error) {
	b, err := smallfile.ReadFile(path, 4<<10)
	if err != nil {
		return nil, msg.Err("bundle.err.sign-key", msg.Args{"File": path, "Err": err})
	}
	k, err := sign.ParsePrivateKey(b)
	if err != nil {
		return nil, msg.Err("bundle.err.sign-key", msg.Args{"File": path, "Err": err})
	}
	return k, nil
}

// LoadTrust is what an install demands of a bundle's signature: keys (the
// command's --verify-key), and the rules of the .stackgen.yml in dir (""
// is the current directory), the project already on this host or a
// folder holding only that rule; never the bundle's own, which its maker
// wrote.
func LoadTrust(keys []*sign.PublicKey, dir string) (Trust, error) {
	if dir == "" {
		dir = "."
	}
	t := Trust{Keys: append([]*sign.PublicKey(nil), keys...)}
	var from []string
	if len(keys) > 0 {
		from = append(from, "--verify-key")
	}
	bs, err := project.LoadBundleSettings(dir)
	if err != nil {
		return t, err
	}
	if bs != nil && (bs.RequireSignature || len(bs.TrustedKeys) > 0) {
		for _, k := range bs.TrustedKeys {
			pk, err := LoadPublicKey(k, dir)
			if err != nil {
				return t, msg.Err("bundle.err.trusted-keys", msg.Args{"File": filepath.Join(dir, project.ManifestName), "Err": err})
			}
			t.Keys = append(t.Keys, pk)
		}
		t.Required = bs.RequireSignature
		from = append(from, project.ManifestName+" (bundle)")
	}
	t.Source = strings.Join(from, " and ")
	return t, nil
}
