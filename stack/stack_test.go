package stack

import (
	"bytes"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/loader"
)

func testDef() *Definition {
	return &Definition{
		Name:    "demo",
		Aliases: []string{"d"},
		Questions: []Question{
			{Key: "name", Kind: String, Default: "mysite", Check: PythonPackage},
			{Key: "db", Kind: Choice, Default: "mysql", Choices: []string{"mysql", "mariadb"}},
			{Key: "db_version", Kind: Choice, DefaultFrom: func(a Answers) string {
				if a["db"] == "mariadb" {
					return "11.8"
				}
				return "8.4"
			}, ChoicesFrom: func(a Answers) []string {
				if a["db"] == "mariadb" {
					return []string{"11.8", "10.11"}
				}
				return []string{"8.4", "8.0"}
			}},
			{Key: "https", Kind: Bool, Default: "false"},
			{Key: "https_port", Kind: Int, Default: "443", Check: Port, When: func(a Answers) bool { return a.Bool("https") }},
			RegistryMirrorQuestion(),
		},
		Images: []Image{
			{Key: "db", Default: func(a Answers) string { return a["db"] + ":" + a["db_version"] }},
			{Key: "web", Built: true, Default: func(a Answers) string { return a["name"] + "-web:1.0" }},
		},
		Secrets: []Secret{{Key: "PASSWORD", Bytes: 32}},
	}
}

func TestResolve(t *testing.T) {
	cases := []struct {
		name    string
		given   Answers
		want    Answers
		wantErr string
	}{
		{name: "defaults", given: nil, want: Answers{"name": "mysite", "db": "mysql", "db_version": "8.4", "https": "false", "registry_mirror": ""}},
		{name: "default follows earlier answer", given: Answers{"db": "mariadb"}, want: Answers{"db_version": "11.8"}},
		{name: "bool normalised and dependent question asked", given: Answers{"https": "yes"}, want: Answers{"https": "true", "https_port": "443"}},
		{name: "inactive answer dropped", given: Answers{"https_port": "8443"}, want: Answers{"https": "false"}},
		{name: "unknown key", given: Answers{"colour": "blue"}, wantErr: `unknown answer "colour" for stack demo; known answers: name, db`},
		{name: "bad identifier", given: Answers{"name": "my-site"}, wantErr: "name: \"my-site\" is not a Python identifier"},
		{name: "keyword", given: Answers{"name": "class"}, wantErr: "clash with a Python keyword"},
		{name: "bad choice", given: Answers{"db": "oracle"}, wantErr: "choose one of: mysql, mariadb"},
		{name: "version of the other db", given: Answers{"db": "mysql", "db_version": "11.8"}, wantErr: "choose one of: 8.4, 8.0"},
		{name: "port out of range", given: Answers{"https": "true", "https_port": "0"}, wantErr: "use a number from 1 to 65535"},
		{name: "not a number", given: Answers{"https": "true", "https_port": "44x"}, wantErr: "not a whole number"},
		{name: "unpinned image", given: Answers{"image.db": "mysql"}, wantErr: "image.db: \"mysql\" is not pinned"},
		{name: "latest image", given: Answers{"image.db": "mysql:latest"}, wantErr: "not pinned"},
		{name: "image override kept", given: Answers{"image.db": "registry.local:5000/db/mysql:8.4"}, want: Answers{"image.db": "registry.local:5000/db/mysql:8.4"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := testDef().Resolve(c.given)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err = %v, want %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range c.want {
				if got[k] != v {
					t.Errorf("%s = %q, want %q (all: %v)", k, got[k], v, got)
				}
			}
			if _, ok := got["https_port"]; ok && !got.Bool("https") {
				t.Error("https_port kept although https is off")
			}
		})
	}
}

func TestMirror(t *testing.T) {
	cases := []struct{ ref, mirror, want string }{
		{"mysql:8.4", "hub.example", "hub.example/library/mysql:8.4"},
		{"docker.io/library/redis:7.4", "hub.example", "hub.example/library/redis:7.4"},
		{"onyxdotapp/onyx-backend:v1", "hub.example:5000/", "hub.example:5000/onyxdotapp/onyx-backend:v1"},
		{"ghcr.io/org/img:1", "hub.example", "ghcr.io/org/img:1"},
		{"localhost/img:1", "hub.example", "localhost/img:1"},
		{"mysql:8.4", "", "mysql:8.4"},
	}
	for _, c := range cases {
		if got := Mirror(c.ref, c.mirror); got != c.want {
			t.Errorf("Mirror(%q, %q) = %q, want %q", c.ref, c.mirror, got, c.want)
		}
	}
}

func TestResolveImagesMirrorsDefaultsOnly(t *testing.T) {
	d := testDef()
	a, err := d.Resolve(Answers{"registry_mirror": "hub.example"})
	if err != nil {
		t.Fatal(err)
	}
	got := d.ResolveImages(a)
	if got["db"] != "hub.example/library/mysql:8.4" {
		t.Errorf("db = %q: a default Docker Hub image must go through the mirror", got["db"])
	}
	if got["web"] != "mysite-web:1.0" {
		t.Errorf("web = %q: a built image is named, never mirrored", got["web"])
	}
	a["image.db"] = "stand-in/mariadb:11.8"
	if got := d.ResolveImages(a); got["db"] != "stand-in/mariadb:11.8" {
		t.Errorf("db = %q: an explicit override is used as given", got["db"])
	}
}

func TestGenerateSecrets(t *testing.T) {
	d := testDef()
	s1, err := d.GenerateSecrets(bytes.NewReader(bytes.Repeat([]byte{1}, 64)), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(s1["PASSWORD"]) < 32 || strings.ContainsAny(s1["PASSWORD"], "+/=") {
		t.Errorf("secret %q: want ≥32 URL-safe characters", s1["PASSWORD"])
	}
	s2, _ := d.GenerateSecrets(bytes.NewReader(nil), map[string]string{"PASSWORD": "kept"})
	if s2["PASSWORD"] != "kept" {
		t.Errorf("existing secret not kept: %q", s2["PASSWORD"])
	}
	if _, err := d.GenerateSecrets(bytes.NewReader(nil), nil); err == nil {
		t.Error("an exhausted random source must be an error, not an empty secret")
	}
}

func TestLookup(t *testing.T) {
	reg := NewRegistry(testDef(), &Definition{Name: "other"})
	for _, name := range []string{"demo", "D", " d "} {
		if d, err := reg.Lookup(name); err != nil || d.Name != "demo" {
			t.Errorf("Lookup(%q) = %v, %v", name, d, err)
		}
	}
	_, err := reg.Lookup("rails")
	if err == nil || !strings.Contains(err.Error(), "demo, other") {
		t.Errorf("unknown stack error %v must list the real ones", err)
	}
}

func TestHostName(t *testing.T) {
	for _, ok := range []string{"localhost", "example.com", "a-b.example.co.uk", "10.0.0.1"} {
		if err := HostName(ok); err != nil {
			t.Errorf("HostName(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"", "exa mple.com", "-bad.com", "under_score.com", "a;b", "$host", "UPPER.com"} {
		if err := HostName(bad); err == nil {
			t.Errorf("HostName(%q) accepted", bad)
		}
	}
}

func TestMixedSecrets(t *testing.T) {
	d := &Definition{Secrets: []Secret{{Key: "P", Bytes: 32, Mixed: true}}}
	// A stream whose first draw has no symbol (bytes that encode to
	// letters and digits only) must be drawn again.
	noSymbol := bytes.Repeat([]byte{0x00, 0x10, 0x83}, 11) // "ABCD" repeated
	src := append(noSymbol[:32:32], bytes.Repeat([]byte{0xfb, 0xff, 0x3e, 0x41, 0x9a}, 7)...)
	s, err := d.GenerateSecrets(bytes.NewReader(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !mixed(s["P"]) {
		t.Errorf("secret %q lacks a class OpenSearch requires", s["P"])
	}
	if strings.HasPrefix(s["P"], "ABCD") {
		t.Errorf("the first draw (no symbol) was kept: %q", s["P"])
	}
	for v, want := range map[string]bool{"aB3-": true, "aB3_": true, "aB3c": false, "ab3-": false, "AB3-": false, "aBc-": false} {
		if mixed(v) != want {
			t.Errorf("mixed(%q) = %v, want %v", v, !want, want)
		}
	}
}

func TestComposeProjectNameMatchesCompose(t *testing.T) {
	for in, want := range map[string]string{
		"onyx": "onyx", "My_Onyx.Prod": "my_onyxprod", "-_x-1": "x-1", "onyx-e2e-123": "onyx-e2e-123", "Ünïcode": "ncode",
	} {
		if got := ComposeProjectName(in, "onyx"); got != want {
			t.Errorf("ComposeProjectName(%q) = %q, want %q", in, got, want)
		}
		// The same rule as compose itself.
		if got, c := ComposeProjectName(in, "onyx"), loader.NormalizeProjectName(in); got != c {
			t.Errorf("ComposeProjectName(%q) = %q, compose says %q", in, got, c)
		}
		if want != "" && ComposeProject(want) != nil {
			t.Errorf("ComposeProject(%q) refuses a derived name", want)
		}
	}
	for _, bad := range []string{"", "My", "-x", "a b", "a.b"} {
		if ComposeProject(bad) == nil {
			t.Errorf("ComposeProject(%q) accepted", bad)
		}
	}
}
