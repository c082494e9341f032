package keygencmd

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stackgen/stackgen/cmd/stackgen/cmdutil"
	"github.com/stackgen/stackgen/sign"
)

func TestSignKeyPairFilesAndNoOverwrite(t *testing.T) {
	dir := t.TempDir()
	priv := filepath.Join(dir, "mysite.key")
	ios, _, out, _ := cmdutil.Test()
	cmd := NewCmdKeygen(&cmdutil.Factory{IO: ios}, nil)
	cmd.SetArgs([]string{"--sign", "-o", priv})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(priv)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("secret key: %v, %v; want mode 0600", err, st)
	}
	b, _ := os.ReadFile(priv)
	k, err := sign.ParsePrivateKey(b)
	if err != nil {
		t.Fatal(err)
	}
	pubFile, err := os.ReadFile(filepath.Join(dir, "mysite.pub"))
	if err != nil {
		t.Fatal(err)
	}
	pub, err := sign.ParsePublicKey(string(pubFile))
	if err != nil || !pub.Key.Equal(k.Public().Key) || pub.ID != k.ID {
		t.Fatalf("mysite.pub is not the secret key's public half: %v", err)
	}
	if strings.TrimSpace(out.String()) != k.Public().String() {
		t.Errorf("stdout %q, want the public key line", out)
	}

	// Neither file is ever overwritten; a lone public key blocks too.
	for _, args := range [][]string{{"--sign", "-o", priv}, {"--sign", "-o", filepath.Join(dir, "other.key")}} {
		if args[2] != priv {
			os.WriteFile(filepath.Join(dir, "other.pub"), []byte("kept"), 0o644)
		}
		cmd := NewCmdKeygen(&cmdutil.Factory{IO: ios}, nil)
		cmd.SetArgs(args)
		cmd.SilenceUsage, cmd.SilenceErrors = true, true
		if err := cmd.Execute(); err == nil || !strings.Contains(err.Error(), "never overwritten") {
			t.Errorf("%v: got %v, want a refusal", args, err)
		}
	}
	if b2, _ := os.ReadFile(priv); string(b2) != string(b) {
		t.Error("the secret key was overwritten")
	}
	if _, err := os.Stat(filepath.Join(dir, "other.key")); err == nil {
		t.Error("a secret key was written beside a public key it does not match")
	}
}

func TestSignDefaultsToItsOwnFile(t *testing.T) {
	var got *Options
	ios, _, _, _ := cmdutil.Test()
	cmd := NewCmdKeygen(&cmdutil.Factory{IO: ios}, func(_ context.Context, o *Options) error { got = o; return nil })
	cmd.SetArgs([]string{"--sign"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.Out != DefaultSignKey || PublicKeyPath(got.Out) != "stackgen-sign.pub" {
		t.Errorf("-o %q (public %q)", got.Out, PublicKeyPath(got.Out))
	}
}
