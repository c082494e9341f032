package keygencmd

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/stackgen/stackgen/internal/atomicfile"
	"github.com/stackgen/stackgen/internal/msg"
	"github.com/stackgen/stackgen/sign"
)

// DefaultSignKey is --sign's default -o.
const DefaultSignKey = "stackgen-sign.key"

// PublicKeyPath is where the public half of the signing key at priv goes:
// NAME.key -> NAME.pub, anything else gets .pub added.
func PublicKeyPath(priv string) string {
	return strings.TrimSuffix(priv, ".key") + ".pub"
}

// runSign makes a minisign signing key pair: the secret key to opts.Out
// (0600), the public key beside it (0644) and on stdout. Neither file is
// ever overwritten: an old key may be the only one servers trust.
func runSign(opts *Options) error {
	priv := opts.Out
	pub := PublicKeyPath(priv)
	for _, p := range []string{priv, pub} {
		if _, err := os.Lstat(p); err == nil {
			return msg.Err("keygen.err.sign-exists", msg.Args{"File": p})
		} else if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	k, err := sign.Generate(rand.Reader)
	if err != nil {
		return err
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	id := sign.IDString(k.ID)
	absPriv, err := filepath.Abs(priv)
	if err != nil {
		return err
	}
	absPub, err := filepath.Abs(pub)
	if err != nil {
		return err
	}
	if err := atomicfile.Write(absPriv, k.Marshal(fmt.Sprintf("stackgen signing key %s, created %s (minisign format, unencrypted)", id, now().UTC().Format(time.RFC3339))), 0o600); err != nil {
		return err
	}
	if err := atomicfile.Write(absPub, k.Public().Marshal(), 0o644); err != nil {
		os.Remove(absPriv)
		return err
	}
	fmt.Fprintln(opts.IO.ErrOut, opts.IO.L.T("keygen.sign.wrote", msg.Args{"ID": id, "Priv": absPriv, "Pub": absPub, "PrivArg": priv, "PubArg": pub}))
	fmt.Fprintln(opts.IO.Out, k.Public().String())
	return nil
}
