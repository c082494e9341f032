package sign

import (
	"bytes"
	"crypto/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stackgen/stackgen/internal/toolcheck"
)

func newKey(t *testing.T) *PrivateKey {
	t.Helper()
	k, err := Generate(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSignVerifyRoundTripAndRefusals(t *testing.T) {
	k, other := newKey(t), newKey(t)
	msg := []byte("abc  SHA256SUMS\n")
	sig, err := k.Sign(msg, "stackgen bundle mysite")
	if err != nil {
		t.Fatal(err)
	}
	s, err := k.Public().Verify(msg, sig)
	if err != nil {
		t.Fatalf("own signature refused: %v", err)
	}
	if s.TrustedComment != "stackgen bundle mysite" {
		t.Errorf("trusted comment %q", s.TrustedComment)
	}
	tamperedComment := bytes.Replace(sig, []byte("mysite"), []byte("evil00"), 1)
	cases := []struct {
		name string
		key  *PublicKey
		msg  []byte
		sig  []byte
		want string
	}{
		{"other key", other.Public(), msg, sig, "not with the trusted key"},
		{"same id, other key", &PublicKey{ID: k.ID, Key: other.Public().Key}, msg, sig, "does not match"},
		{"message changed", k.Public(), append([]byte("x"), msg...), sig, "does not match"},
		{"trusted comment changed", k.Public(), msg, tamperedComment, "trusted comment was changed"},
		{"not a signature", k.Public(), msg, []byte("hello\n"), "not a minisign signature"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := c.key.Verify(c.msg, c.sig)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an error with %q", err, c.want)
			}
		})
	}
}

func TestKeyFilesRoundTrip(t *testing.T) {
	k := newKey(t)
	got, err := ParsePrivateKey(k.Marshal("stackgen signing key"))
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != k.ID || !got.Key.Equal(k.Key) {
		t.Fatal("secret key changed in the round trip")
	}
	for _, s := range []string{string(k.Public().Marshal()), k.Public().String(), "  " + k.Public().String() + "\r\n"} {
		p, err := ParsePublicKey(s)
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		if p.ID != k.ID || !p.Key.Equal(k.Public().Key) {
			t.Fatal("public key changed in the round trip")
		}
	}
	if !strings.HasPrefix(k.Public().String(), "RW") {
		t.Errorf("public key %s does not start with RW like minisign's", k.Public())
	}
	damaged := k.Marshal("x")
	lines := strings.Split(string(damaged), "\n")
	b := []byte(lines[1])
	b[len(b)-5] ^= 1 // inside the checksum's base64
	lines[1] = string(b)
	if _, err := ParsePrivateKey([]byte(strings.Join(lines, "\n"))); err == nil {
		t.Error("a damaged secret key was accepted")
	}
	if _, err := ParsePublicKey("RWQf6LRCGA9i5"); err == nil {
		t.Error("a short public key was accepted")
	}
}

// The real minisign checks what stackgen signs, and stackgen checks what
// minisign signs with a key stackgen made, so the formats are minisign's
// and not a private reading of its documentation.
func TestMinisignToolAgrees(t *testing.T) {
	tool, err := toolcheck.Require("minisign", "apt-get install minisign")
	if err != nil {
		toolcheck.Unavailable(t, err)
	}
	dir := t.TempDir()
	k := newKey(t)
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	msg := []byte("0123  images/images.tar.zst\n")
	file := write("SHA256SUMS", msg)
	pub := write("key.pub", k.Public().Marshal())
	sig, err := k.Sign(msg, "stackgen test")
	if err != nil {
		t.Fatal(err)
	}
	write("SHA256SUMS.minisig", sig)
	if out, err := exec.Command(tool, "-V", "-p", pub, "-m", file).CombinedOutput(); err != nil {
		t.Fatalf("minisign refused stackgen's signature: %v\n%s", err, out)
	}
	if out, err := exec.Command(tool, "-V", "-P", k.Public().String(), "-m", file).CombinedOutput(); err != nil {
		t.Fatalf("minisign refused the public key line: %v\n%s", err, out)
	}
	write("SHA256SUMS", append(msg, 'x'))
	if err := exec.Command(tool, "-V", "-p", pub, "-m", file).Run(); err == nil {
		t.Fatal("minisign accepted a changed file: the test proves nothing")
	}

	// minisign signs with stackgen's secret key file; stackgen verifies.
	write("SHA256SUMS", msg)
	sec := write("key.sec", k.Marshal("stackgen signing key"))
	os.Remove(filepath.Join(dir, "SHA256SUMS.minisig"))
	if out, err := exec.Command(tool, "-S", "-s", sec, "-m", file, "-t", "made by minisign").CombinedOutput(); err != nil {
		t.Fatalf("minisign could not sign with stackgen's secret key: %v\n%s", err, out)
	}
	theirs, err := os.ReadFile(filepath.Join(dir, "SHA256SUMS.minisig"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := k.Public().Verify(msg, theirs)
	if err != nil {
		t.Fatalf("stackgen refused minisign's signature: %v", err)
	}
	if s.TrustedComment != "made by minisign" {
		t.Errorf("trusted comment %q", s.TrustedComment)
	}
}
