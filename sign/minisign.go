// Package sign makes and checks ed25519 signatures in minisign's formats
// (public key, secret key, detached .minisig), so a bundle stackgen signed
// can be checked with the minisign tool alone, and a key minisign made
// (unencrypted, `minisign -G -W`) signs with stackgen.
//
// The formats are minisign's documented ones: a public key is
// base64("Ed" || key id (8) || ed25519 public key (32)); a signature is
// base64("ED" || key id || ed25519(BLAKE2b-512(file))) followed by a
// trusted comment and a global signature over the signature and that
// comment, so the comment cannot be changed either.
package sign

import (
	"bytes"
	"crypto/ed25519"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"strings"

	"github.com/stackgen/stackgen/internal/msg"
	"golang.org/x/crypto/blake2b"
)

const (
	untrustedPrefix = "untrusted comment: "
	trustedPrefix   = "trusted comment: "
	// maxComment is minisign's limit on a trusted comment.
	maxComment = 8192
)

var (
	algEd     = []byte("Ed") // key algorithm; also the legacy signature over the file itself
	algHashed = []byte("ED") // signature over BLAKE2b-512 of the file
	kdfNone   = []byte{0, 0}
	chkB2     = []byte("B2")
)

// ErrBadSignature is a signature that does not verify with the key.
var ErrBadSignature = msg.Err("sign.err.bad-signature")

// PublicKey is a minisign public key.
type PublicKey struct {
	ID  [8]byte
	Key ed25519.PublicKey
}

// PrivateKey is a minisign secret key (kept unencrypted: stackgen's keys
// are protected by the file's 0600 mode, like its age keys).
type PrivateKey struct {
	ID  [8]byte
	Key ed25519.PrivateKey
}

// IDString is the key id as minisign prints it.
func IDString(id [8]byte) string {
	return fmt.Sprintf("%016X", binary.LittleEndian.Uint64(id[:]))
}

// Generate makes a key pair from rnd.
func Generate(rnd io.Reader) (*PrivateKey, error) {
	_, priv, err := ed25519.GenerateKey(rnd)
	if err != nil {
		return nil, err
	}
	k := &PrivateKey{Key: priv}
	if _, err := io.ReadFull(rnd, k.ID[:]); err != nil {
		return nil, err
	}
	return k, nil
}

// Public returns the key's public half.
func (k *PrivateKey) Public() *PublicKey {
	return &PublicKey{ID: k.ID, Key: k.Key.Public().(ed25519.PublicKey)}
}

// String is the public key's one base64 line (what minisign -P takes).
func (p *PublicKey) String() string {
	b := append(append(append([]byte{}, algEd...), p.ID[:]...), p.Key...)
	return base64.StdEncoding.EncodeToString(b)
}

// Marshal renders a public key file (minisign.pub).
func (p *PublicKey) Marshal() []byte {
	return []byte(untrustedPrefix + "minisign public key " + IDString(p.ID) + "\n" + p.String() + "\n")
}

// ParsePublicKey reads a public key file, or its base64 line alone.
func ParsePublicKey(s string) (*PublicKey, error) {
	line := ""
	for _, l := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, untrustedPrefix) {
			continue
		}
		line = l
		break
	}
	b, err := base64.StdEncoding.DecodeString(line)
	if err != nil || len(b) != 2+8+ed25519.PublicKeySize || !bytes.Equal(b[:2], algEd) {
		return nil, msg.Err("sign.err.not-public-key")
	}
	p := &PublicKey{Key: ed25519.PublicKey(b[10:])}
	copy(p.ID[:], b[2:10])
	return p, nil
}

// checksum is minisign's check over a secret key: BLAKE2b-256 of the
// algorithm, the key id and the key.
func checksum(id [8]byte, key ed25519.PrivateKey) []byte {
	h, _ := blake2b.New256(nil)
	h.Write(algEd)
	h.Write(id[:])
	h.Write(key)
	return h.Sum(nil)
}

// Marshal renders an unencrypted minisign secret key file (as `minisign
// -G -W` writes one): no passphrase, the file's mode protects it.
func (k *PrivateKey) Marshal(comment string) []byte {
	var b []byte
	b = append(b, algEd...)
	b = append(b, kdfNone...)
	b = append(b, chkB2...)
	b = append(b, make([]byte, 32+8+8)...) // salt, opslimit, memlimit: unused without a KDF
	b = append(b, k.ID[:]...)
	b = append(b, k.Key...)
	b = append(b, checksum(k.ID, k.Key)...)
	return []byte(untrustedPrefix + comment + "\n" + base64.StdEncoding.EncodeToString(b) + "\n")
}

// ParsePrivateKey reads an unencrypted minisign secret key file.
func ParsePrivateKey(data []byte) (*PrivateKey, error) {
	lines := strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n")
	if len(lines) < 2 || !strings.HasPrefix(lines[0], untrustedPrefix) {
		return nil, msg.Err("sign.err.not-secret-key")
	}
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(lines[1]))
	const size = 2 + 2 + 2 + 32 + 8 + 8 + 8 + 64 + 32
	if err != nil || len(b) != size || !bytes.Equal(b[:2], algEd) || !bytes.Equal(b[4:6], chkB2) {
		return nil, msg.Err("sign.err.not-secret-key")
	}
	if !bytes.Equal(b[2:4], kdfNone) {
		return nil, msg.Err("sign.err.passphrase")
	}
	k := &PrivateKey{}
	// Layout: alg 2, kdf 2, chk 2, salt 32, opslimit 8, memlimit 8, then
	// key id 8 (at 54), key 64 (at 62), checksum 32 (at 126).
	copy(k.ID[:], b[54:62])
	k.Key = ed25519.NewKeyFromSeed(b[62:94])
	if !bytes.Equal(k.Key, b[62:126]) || subtle.ConstantTimeCompare(checksum(k.ID, k.Key), b[126:158]) != 1 {
		return nil, msg.Err("sign.err.damaged-key")
	}
	return k, nil
}

// Sign makes a detached .minisig of data with a trusted comment (one line,
// signed too).
func (k *PrivateKey) Sign(data []byte, trustedComment string) ([]byte, error) {
	if strings.ContainsAny(trustedComment, "\r\n") || len(trustedComment) > maxComment {
		return nil, msg.Err("sign.err.comment", msg.Args{"Max": maxComment})
	}
	digest := blake2b.Sum512(data)
	sig := ed25519.Sign(k.Key, digest[:])
	global := ed25519.Sign(k.Key, append(append([]byte{}, sig...), trustedComment...))
	blob := append(append(append([]byte{}, algHashed...), k.ID[:]...), sig...)
	var out strings.Builder
	out.WriteString(untrustedPrefix + "signature from stackgen secret key " + IDString(k.ID) + "\n")
	out.WriteString(base64.StdEncoding.EncodeToString(blob) + "\n")
	out.WriteString(trustedPrefix + trustedComment + "\n")
	out.WriteString(base64.StdEncoding.EncodeToString(global) + "\n")
	return []byte(out.String()), nil
}

// Signature is a parsed .minisig.
type Signature struct {
	KeyID          [8]byte
	hashed         bool
	sig            []byte
	TrustedComment string
	global         []byte
}

// ParseSignature reads a .minisig file.
func ParseSignature(data []byte) (*Signature, error) {
	lines := strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n")
	bad := msg.Err("sign.err.not-signature")
	if len(lines) < 4 || !strings.HasPrefix(lines[0], untrustedPrefix) || !strings.HasPrefix(lines[2], trustedPrefix) {
		return nil, bad
	}
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(lines[1]))
	if err != nil || len(b) != 2+8+ed25519.SignatureSize {
		return nil, bad
	}
	s := &Signature{sig: b[10:], TrustedComment: strings.TrimPrefix(lines[2], trustedPrefix)}
	switch {
	case bytes.Equal(b[:2], algHashed):
		s.hashed = true
	case bytes.Equal(b[:2], algEd):
	default:
		return nil, bad
	}
	copy(s.KeyID[:], b[2:10])
	if s.global, err = base64.StdEncoding.DecodeString(strings.TrimSpace(lines[3])); err != nil || len(s.global) != ed25519.SignatureSize {
		return nil, bad
	}
	return s, nil
}

// Verify checks sig (a .minisig file) over data with p: the key id, the
// signature and the global signature over the trusted comment.
func (p *PublicKey) Verify(data, sigFile []byte) (*Signature, error) {
	s, err := ParseSignature(sigFile)
	if err != nil {
		return nil, err
	}
	if s.KeyID != p.ID {
		return nil, msg.Err("sign.err.other-key", msg.Args{"Key": IDString(s.KeyID), "Trusted": IDString(p.ID)})
	}
	signed := data
	if s.hashed {
		d := blake2b.Sum512(data)
		signed = d[:]
	}
	if !ed25519.Verify(p.Key, signed, s.sig) {
		return nil, ErrBadSignature
	}
	if !ed25519.Verify(p.Key, append(append([]byte{}, s.sig...), s.TrustedComment...), s.global) {
		return nil, msg.Err("sign.err.comment-changed")
	}
	return s, nil
}
