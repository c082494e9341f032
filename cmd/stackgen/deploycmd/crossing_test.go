package deploycmd

import (
	"bytes"
	"context"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docker/docker/api/types/image"

	"github.com/stackgen/stackgen/bundle"
	"github.com/stackgen/stackgen/bundle/bundletest"
	"github.com/stackgen/stackgen/sign"
)

// writeKey writes a signing key and returns its path and public key.
func writeKey(t *testing.T) (string, *sign.PublicKey) {
	t.Helper()
	k, err := sign.Generate(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "site.key")
	if err := os.WriteFile(p, k.Marshal("test"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p, k.Public()
}

func TestSplitSignedPackageInstallsFromTheFirstPart(t *testing.T) {
	dir, api, o, errOut := newFakeEnv(t)
	key, pub := writeKey(t)
	out := filepath.Join(t.TempDir(), "mysite.zip")
	o.Package, o.Dir, o.Output, o.NoBuild, o.SignKey, o.splitSet = true, dir, out, true, key, 1<<20
	if err := Run(context.Background(), o); err != nil {
		t.Fatalf("package: %v\n%s", err, errOut)
	}
	first := out + ".part001"
	if _, err := os.Stat(first); err != nil {
		t.Fatalf("no first part: %v\n%s", err, errOut)
	}
	if strings.Contains(errOut.String(), "readable by others") {
		t.Errorf("a 0600 key was warned about:\n%s", errOut)
	}
	if !strings.Contains(errOut.String(), "--verify-key "+pub.String()) {
		t.Errorf("the summary does not give the key to install with:\n%s", errOut)
	}
	api.images = map[string]image.InspectResponse{}
	inst := *o
	// The joined name, which a split did not write, points to the first part.
	inst.Package, inst.Bundle, inst.TargetDir = false, out, filepath.Join(t.TempDir(), "x")
	if err := Run(context.Background(), &inst); err == nil || !strings.Contains(err.Error(), "pass the first part, --bundle "+first) {
		t.Errorf("--bundle %s: %v", out, err)
	}
	inst = *o
	inst.Package, inst.Bundle, inst.TargetDir, inst.Yes = false, first, filepath.Join(t.TempDir(), "offline"), true
	inst.VerifyKeys = []string{pub.String()}
	inst.TrustDir = t.TempDir()
	inst.Up = func(context.Context, string, *Options) error { return nil }
	if err := Run(context.Background(), &inst); err != nil {
		t.Fatalf("install: %v\n%s", err, errOut)
	}
	if len(api.loads) != 1 || !bytes.Equal(api.loads[0], api.save) {
		t.Fatalf("the engine was sent %d loads, not the saved tar", len(api.loads))
	}
	if !strings.Contains(errOut.String(), "Signature checked: signed by key "+sign.IDString(pub.ID)) {
		t.Errorf("no word of the checked signature:\n%s", errOut)
	}
}

func TestPackageRefusesUnsignedWhenTheProjectRequiresSignatures(t *testing.T) {
	dir, _, o, errOut := newFakeEnv(t)
	f, _ := os.OpenFile(filepath.Join(dir, ".stackgen.yml"), os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString("bundle:\n  require_signature: true\n")
	f.Close()
	out := filepath.Join(t.TempDir(), "mysite.zip")
	o.Package, o.Dir, o.Output, o.NoBuild = true, dir, out, true
	err := Run(context.Background(), o)
	if err == nil || !strings.Contains(err.Error(), "bundle.require_signature is set: pass --sign KEY") {
		t.Fatalf("got %v, want a refusal\n%s", err, errOut)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a bundle was written")
	}
}

// The attack: a signed bundle whose compose.yaml is swapped for one
// that hands the container the host, with its manifest and SHA256SUMS
// regenerated so every checksum holds. With a key given or required it is
// refused before anything is loaded or written, --allow-privileged or not.
func TestInstallRefusesATamperedSignedBundle(t *testing.T) {
	dir, api, o, errOut := newFakeEnv(t)
	key, pub := writeKey(t)
	_, otherPub := writeKey(t)
	out := filepath.Join(t.TempDir(), "mysite.zip")
	o.Package, o.Dir, o.Output, o.NoBuild, o.SignKey = true, dir, out, true, key
	os.Chmod(key, 0o644)
	if err := Run(context.Background(), o); err != nil {
		t.Fatalf("package: %v\n%s", err, errOut)
	}
	if !strings.Contains(errOut.String(), "is readable by others (mode 0644)") {
		t.Errorf("no warning about a key others can read:\n%s", errOut)
	}
	evil := []byte("services:\n  web:\n    image: mysite-web:1.0\n    privileged: true\n    volumes:\n      - /:/host\n")
	tamperedDir := t.TempDir()
	kept := filepath.Join(tamperedDir, "kept.zip")
	dropped := filepath.Join(tamperedDir, "dropped.zip")
	if err := bundletest.Tamper(out, kept, map[string][]byte{"compose.yaml": evil}, true); err != nil {
		t.Fatal(err)
	}
	if err := bundletest.Tamper(out, dropped, map[string][]byte{"compose.yaml": evil}, false); err != nil {
		t.Fatal(err)
	}
	for _, b := range []string{kept, dropped} {
		if v, err := bundle.Verify(b, nil); err != nil {
			t.Fatalf("the tampered bundle fails its checksums (%v): the test would not show the signature's work", err)
		} else {
			v.Close()
		}
	}
	requireDir := t.TempDir()
	os.WriteFile(filepath.Join(requireDir, ".stackgen.yml"), []byte("bundle:\n  require_signature: true\n  trusted_keys:\n    - site.pub\n"), 0o644)
	os.WriteFile(filepath.Join(requireDir, "site.pub"), pub.Marshal(), 0o644)
	requireNoKey := t.TempDir()
	os.WriteFile(filepath.Join(requireNoKey, ".stackgen.yml"), []byte("stack: django-uwsgi\nbundle:\n  require_signature: true\n"), 0o644)
	unsigned := filepath.Join(t.TempDir(), "unsigned.zip")
	uo := *o
	uo.Output, uo.SignKey = unsigned, ""
	if err := Run(context.Background(), &uo); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, bundle, trustDir string
		keys                   []string
		want                   string
	}{
		{"tampered, key given", kept, "", []string{pub.String()}, "stackgen-bundle.json.minisig: the signature does not match"},
		{"tampered, signatures dropped, key given", dropped, "", []string{pub.String()}, "not signed, and --verify-key requires a signature"},
		{"tampered, required by .stackgen.yml", kept, requireDir, nil, "the signature does not match"},
		{"signatures dropped, required by .stackgen.yml", dropped, requireDir, nil, "not signed, and .stackgen.yml (bundle) requires"},
		{"wrong key", out, "", []string{otherPub.String()}, "which --verify-key does not trust"},
		{"unsigned, key given", unsigned, "", []string{pub.String()}, "not signed"},
		{"unsigned, required", unsigned, requireNoKey, nil, "not signed"},
		{"signed, required, no trusted key", out, requireNoKey, nil, "names no trusted key"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			api.loads = nil
			target := filepath.Join(t.TempDir(), "offline")
			inst := *o
			inst.Package, inst.Bundle, inst.TargetDir, inst.Yes, inst.AllowPrivileged = false, c.bundle, target, true, true
			inst.VerifyKeys, inst.TrustDir = c.keys, c.trustDir
			if inst.TrustDir == "" {
				inst.TrustDir = t.TempDir()
			}
			inst.Up = func(context.Context, string, *Options) error { return nil }
			err := Run(context.Background(), &inst)
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "nothing was loaded or written") || strings.Contains(err.Error(), "\n") {
				t.Fatalf("got %v, want one line with %q\n%s", err, c.want, errOut)
			}
			if len(api.loads) != 0 {
				t.Error("images were loaded")
			}
			if _, err := os.Lstat(target); err == nil {
				t.Error("the target was written")
			}
		})
	}

	// Without a key or a rule, the unsigned tampered bundle gets a warning,
	// and the host-access check still refuses it.
	errOut.Reset()
	inst := *o
	inst.Package, inst.Bundle, inst.TargetDir, inst.Yes, inst.TrustDir = false, dropped, filepath.Join(t.TempDir(), "x"), true, t.TempDir()
	inst.Up = func(context.Context, string, *Options) error { return nil }
	err := Run(context.Background(), &inst)
	if err == nil || !strings.Contains(errOut.String(), "is not signed") || !strings.Contains(err.Error(), "privileged") {
		t.Errorf("got %v\n%s", err, errOut)
	}
}
