package project

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stackgen/stackgen/fileset"
)

func TestLoadBundleSettings(t *testing.T) {
	cases := []struct {
		name, yml string
		want      *BundleSettings
		wantErr   string
	}{
		{"no file", "", nil, ""},
		{"no section", "stack: django-uwsgi\n", nil, ""},
		{"rule only, no stack", "bundle:\n  require_signature: true\n  trusted_keys: [RWQx, keys/site.pub]\n", &BundleSettings{RequireSignature: true, TrustedKeys: []string{"RWQx", "keys/site.pub"}}, ""},
		// A misspelt rule must not read as "no rule".
		{"misspelt", "bundle:\n  require_signatures: true\n", nil, "require_signatures"},
		{"wrong type", "bundle:\n  require_signature: [yes]\n", nil, "bundle:"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			if c.yml != "" {
				os.WriteFile(filepath.Join(dir, ManifestName), []byte(c.yml), 0o644)
			}
			got, err := LoadBundleSettings(dir)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) || strings.Contains(err.Error(), "\n") {
					t.Fatalf("got %v, want one line with %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if (got == nil) != (c.want == nil) || (got != nil && (got.RequireSignature != c.want.RequireSignature || strings.Join(got.TrustedKeys, ",") != strings.Join(c.want.TrustedKeys, ","))) {
				t.Errorf("got %+v, want %+v", got, c.want)
			}
		})
	}
}

// stackgen new --force rewrites the manifest; the user's bundle rules stay.
func TestRewriteKeepsTheBundleRules(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "site")
	set := fileset.Set{{Path: "compose.yaml", Mode: 0o644, Content: []byte("services: {}\n")}}
	if _, err := Write(dir, set, false, &Manifest{Stack: "django-uwsgi", Version: "t"}); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, ManifestName)
	b, _ := os.ReadFile(p)
	os.WriteFile(p, append(b, []byte("bundle:\n  require_signature: true\n")...), 0o644)
	if _, err := Write(dir, set, true, &Manifest{Stack: "django-uwsgi", Version: "t2"}); err != nil {
		t.Fatal(err)
	}
	bs, err := LoadBundleSettings(dir)
	if err != nil || bs == nil || !bs.RequireSignature {
		t.Fatalf("after the rewrite: %+v, %v", bs, err)
	}
}
