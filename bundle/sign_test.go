package bundle_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/zip"

	"github.com/stackgen/stackgen/bundle"
	"github.com/stackgen/stackgen/bundle/bundletest"
	"github.com/stackgen/stackgen/internal/msg"
	"github.com/stackgen/stackgen/internal/savetar"
	"github.com/stackgen/stackgen/internal/toolcheck"
	"github.com/stackgen/stackgen/sign"
)

type tarSaver struct{}

// SaveImages returns a classic save of the one image the signature tests'
// bundles name: enough for them.
func (tarSaver) SaveImages(context.Context, []string) (io.ReadCloser, error) {
	return io.NopCloser(bytes.NewReader(savetar.Classic(savetar.Image{Tags: []string{"mysite-web:latest"}, Layers: [][]byte{[]byte("layer")}}))), nil
}

const privilegedCompose = "services:\n  web:\n    image: mysite-web:latest\n    privileged: true\n    volumes:\n      - /:/host\n"

func signedBundle(t *testing.T, k *sign.PrivateKey) string {
	t.Helper()
	o := bundle.CreateOptions{
		Output: filepath.Join(t.TempDir(), "mysite.zip"),
		Format: bundle.Zip,
		Codec:  bundle.Gzip,
		Manifest: bundle.Manifest{
			Project: "mysite", StackgenVersion: "test", Platform: "linux/amd64",
			Created: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
			Images:  []bundle.Image{{Name: "mysite-web:latest", ID: "sha256:" + strings.Repeat("a", 64)}},
		},
		Files:  []bundle.SourceFile{{Path: "compose.yaml", Mode: 0o644, Content: []byte("services:\n  web:\n    image: mysite-web:latest\n")}},
		Signer: k,
	}
	if _, err := bundle.Create(context.Background(), tarSaver{}, o); err != nil {
		t.Fatal(err)
	}
	return o.Output
}

func check(t *testing.T, path string, tr bundle.Trust) (*bundle.SignatureCheck, error) {
	t.Helper()
	v, err := bundle.Verify(path, nil)
	if err != nil {
		t.Fatalf("Verify: %v (the checksums must hold: only the signature may tell)", err)
	}
	defer v.Close()
	return bundle.CheckSignature(v, tr)
}

// A refusal reads in one language: the reason (sign's own error inside
// bundle's) is said again in the reader's, not left in English.
func TestSignatureRefusalIsSaidInChinese(t *testing.T) {
	k, other := newKey(t), newKey(t)
	_, err := check(t, signedBundle(t, k), bundle.Trust{Keys: []*sign.PublicKey{other.Public()}, Source: "--verify-key"})
	if err == nil {
		t.Fatal("a bundle signed with another key was accepted")
	}
	got := msg.New(msg.Zh).T("root.error", msg.Args{"Err": err})
	for _, want := range []string{"不信任", "没有加载或写入任何东西", sign.IDString(k.ID)} {
		if !strings.Contains(got, want) {
			t.Errorf("said in Chinese as %q, want %q in it", got, want)
		}
	}
	if strings.Contains(got, "nothing was loaded") || strings.Contains(got, "does not trust") {
		t.Errorf("English left in the Chinese text: %q", got)
	}
}

func newKey(t *testing.T) *sign.PrivateKey {
	k, err := sign.Generate(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSignatureRefusals(t *testing.T) {
	k, other := newKey(t), newKey(t)
	signed := signedBundle(t, k)
	unsigned := signedBundle(t, nil)
	dir := t.TempDir()
	// The attack: compose.yaml swapped for one that hands the
	// container the host, the manifest and SHA256SUMS regenerated to match.
	swap := map[string][]byte{"compose.yaml": []byte(privilegedCompose)}
	tamperedKeep := filepath.Join(dir, "kept.zip")
	tamperedDrop := filepath.Join(dir, "dropped.zip")
	if err := bundletest.Tamper(signed, tamperedKeep, swap, true); err != nil {
		t.Fatal(err)
	}
	if err := bundletest.Tamper(signed, tamperedDrop, swap, false); err != nil {
		t.Fatal(err)
	}
	trustK := bundle.Trust{Keys: []*sign.PublicKey{k.Public()}, Source: "--verify-key"}
	required := bundle.Trust{Required: true, Source: ".stackgen.yml"}
	cases := []struct {
		name     string
		path     string
		trust    bundle.Trust
		wantErr  string
		wantWarn string
		verified bool
	}{
		{"signed, right key", signed, trustK, "", "", true},
		{"signed, no key", signed, bundle.Trust{}, "", "signed by key " + sign.IDString(k.ID), false},
		{"unsigned, no rule", unsigned, bundle.Trust{}, "", "is not signed", false},
		{"unsigned, key given", unsigned, trustK, "the bundle is not signed, and --verify-key requires a signature", "", false},
		{"unsigned, required", unsigned, required, "not signed, and .stackgen.yml requires", "", false},
		{"signed, required without keys", signed, required, "names no trusted key", "", false},
		{"wrong key", signed, bundle.Trust{Keys: []*sign.PublicKey{other.Public()}, Source: "--verify-key"}, "signed with key " + sign.IDString(k.ID) + ", which --verify-key does not trust", "", false},
		{"tampered, signatures kept", tamperedKeep, trustK, bundle.ManifestSigName + ": the signature does not match", "", false},
		{"tampered, signatures dropped", tamperedDrop, trustK, "not signed", "", false},
		{"tampered, signatures dropped, required", tamperedDrop, bundle.Trust{Required: true, Keys: []*sign.PublicKey{k.Public()}, Source: ".stackgen.yml"}, "not signed", "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := check(t, c.path, c.trust)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) || !strings.Contains(err.Error(), "nothing was loaded") {
					t.Fatalf("got %v, %+v; want a refusal with %q", err, got, c.wantErr)
				}
				if strings.Contains(err.Error(), "\n") {
					t.Errorf("error on several lines: %q", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			warning := ""
			if got.Warning != nil {
				warning = got.Warning.Error()
			}
			if got.Verified != c.verified || !strings.Contains(warning, c.wantWarn) || (c.wantWarn == "") != (warning == "") {
				t.Errorf("got %+v; want verified %v, warning with %q", got, c.verified, c.wantWarn)
			}
		})
	}
}

// A host without stackgen checks the same signatures with minisign.
func TestMinisignVerifiesABundle(t *testing.T) {
	tool, err := toolcheck.Require("minisign", "apt-get install minisign")
	if err != nil {
		toolcheck.Unavailable(t, err)
	}
	k := newKey(t)
	path := signedBundle(t, k)
	dir := t.TempDir()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	for _, e := range zr.File {
		rc, _ := e.Open()
		b, _ := io.ReadAll(rc)
		rc.Close()
		p := filepath.Join(dir, e.Name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{bundle.ManifestName, bundle.ChecksumsName} {
		cmd := exec.Command(tool, "-V", "-P", k.Public().String(), "-m", f)
		cmd.Dir = filepath.Join(dir, "mysite")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("minisign -V %s: %v\n%s", f, err, out)
		}
	}
}

// A tar.gz bundle carries its signatures the same way.
func TestSignedTarGzVerifies(t *testing.T) {
	k := newKey(t)
	o := bundle.CreateOptions{
		Output: filepath.Join(t.TempDir(), "mysite.tar.gz"),
		Format: bundle.TarGz,
		Codec:  bundle.Gzip,
		Manifest: bundle.Manifest{
			Project: "mysite", StackgenVersion: "test", Platform: "linux/amd64",
			Images: []bundle.Image{{Name: "mysite-web:latest", ID: "sha256:" + strings.Repeat("a", 64)}},
		},
		Files:  []bundle.SourceFile{{Path: "compose.yaml", Mode: 0o644, Content: []byte("services: {}\n")}},
		Signer: k,
	}
	if _, err := bundle.Create(context.Background(), tarSaver{}, o); err != nil {
		t.Fatal(err)
	}
	got, err := check(t, o.Output, bundle.Trust{Keys: []*sign.PublicKey{k.Public()}, Source: "--verify-key"})
	if err != nil || !got.Verified {
		t.Fatalf("%+v, %v", got, err)
	}
}

func unzipTo(t *testing.T, path, dir string) string {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	for _, e := range zr.File {
		rc, _ := e.Open()
		b, _ := io.ReadAll(rc)
		rc.Close()
		p := filepath.Join(dir, e.Name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, b, e.Mode().Perm()|0o600); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "mysite")
}

// load-and-start.sh, on a host without stackgen, has minisign check
// SHA256SUMS against STACKGEN_VERIFY_KEY before it checks the files or
// loads anything. A fake docker answers the script's first questions and
// stops it at its first load.
func TestLoadScriptChecksTheSignature(t *testing.T) {
	if _, err := toolcheck.Require("minisign", "apt-get install minisign"); err != nil {
		toolcheck.Unavailable(t, err)
	}
	bin := t.TempDir()
	fake := "#!/bin/sh\ncase \"$1\" in\n  info|compose) exit 0 ;;\n  version) echo linux/amd64; exit 0 ;;\nesac\necho \"fake docker reached: $*\" >&2\nexit 3\n"
	if err := os.WriteFile(filepath.Join(bin, "docker"), []byte(fake), 0o755); err != nil {
		t.Fatal(err)
	}
	k, other := newKey(t), newKey(t)
	signed := signedBundle(t, k)
	tampered := filepath.Join(t.TempDir(), "t.zip")
	if err := bundletest.Tamper(signed, tampered, map[string][]byte{"compose.yaml": []byte(privilegedCompose)}, true); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, bundle, key, want string
		passes                  bool
	}{
		{"right key", signed, k.Public().String(), "signature checked", true},
		{"no key: no check", signed, "", "checking the SHA-256", true},
		{"other key", signed, other.Public().String(), "is not signed by STACKGEN_VERIFY_KEY", false},
		{"tampered", tampered, k.Public().String(), "is not signed by STACKGEN_VERIFY_KEY", false},
		{"unsigned", signedBundle(t, nil), k.Public().String(), "the bundle is not signed", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root := unzipTo(t, c.bundle, t.TempDir())
			cmd := exec.Command("bash", filepath.Join(root, bundle.LoadScriptSh))
			cmd.Env = append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"), "STACKGEN_VERIFY_KEY="+c.key)
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("the fake docker should stop the script:\n%s", out)
			}
			s := string(out)
			if !strings.Contains(s, c.want) {
				t.Errorf("output lacks %q:\n%s", c.want, s)
			}
			checked := strings.Contains(s, "checking the SHA-256")
			if checked != c.passes {
				t.Errorf("files checked: %v, want %v:\n%s", checked, c.passes, s)
			}
		})
	}
}
