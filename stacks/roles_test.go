package stacks

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"

	"github.com/stackgen/stackgen/fileset"
	"github.com/stackgen/stackgen/render"
	"github.com/stackgen/stackgen/stack"
	"github.com/stackgen/stackgen/validate"
)

// privateRef names an image the way a private registry or a hardened
// mirror does: nothing in it says what the image is.
const privateRef = "corp.example:5000/platform/thing-7:1.0"

// roleVariants are answers that together put every image of every stack
// in use (TestRoleVariantsCoverEveryImage keeps them complete).
var roleVariants = map[string][]stack.Answers{
	DjangoName:    {{}, {"db": "mariadb"}, {"https": "true", "publish_db": "true"}},
	"keras-webpy": {{}, {"gpu": "true"}},
	"onyx": {{}, {"logging": "true"}, {"mode": "source", "source_dir": "../onyx"},
		{"onyx_version": "v2.9.8"}, {"file_store": "s3-minio", "code_interpreter": "true", "mcp_server": "true"}},
}

func renderWith(t *testing.T, d *stack.Definition, a stack.Answers) (fileset.Set, error) {
	t.Helper()
	set, _, err := render.Project(d, a, render.Options{Rand: rand.NewChaCha8([32]byte{}), Version: "test"})
	return set, err
}

// TestRoleVariantsCoverEveryImage fails when a stack gains an image that
// no variant below puts in use, so the rename test cannot skip it.
func TestRoleVariantsCoverEveryImage(t *testing.T) {
	for _, d := range Registry().All() {
		used := map[int]bool{}
		for _, v := range roleVariants[d.Name] {
			a, err := d.Resolve(v)
			if err != nil {
				t.Fatalf("%s %v: %v", d.Name, v, err)
			}
			for i, im := range d.Images {
				if im.When == nil || im.When(a) {
					used[i] = true
				}
			}
		}
		for i, im := range d.Images {
			if !used[i] {
				t.Errorf("%s: image %s (%s) is in use in no roleVariants entry; add answers that use it", d.Name, im.Key, im.Help)
			}
		}
	}
}

// TestPrivateImageNamesRenderCleanly replaces each image of each stack,
// one at a time and then all at once, with a private-registry name that
// says nothing about its role: the render gate must pass (the roles come
// from the stack, not from image names), validate must find nothing, and
// the override must reach the files.
func TestPrivateImageNamesRenderCleanly(t *testing.T) {
	for _, d := range Registry().All() {
		for _, v := range roleVariants[d.Name] {
			a, err := d.Resolve(v)
			if err != nil {
				t.Fatal(err)
			}
			keys := []string{}
			for k := range d.ResolveImages(a) {
				keys = append(keys, k)
			}
			cases := map[string]stack.Answers{}
			all := stack.Answers{}
			for _, k := range keys {
				one := stack.Answers{stack.ImagePrefix + k: privateRef}
				for kk, vv := range v {
					one[kk], all[kk] = vv, vv
				}
				cases[k] = one
				all[stack.ImagePrefix+k] = privateRef
			}
			cases["every image"] = all
			for name, given := range cases {
				t.Run(d.Name+"/"+strings.Join(stack.SortedKeys(v), ",")+"/"+name, func(t *testing.T) {
					set, err := renderWith(t, d, given)
					if err != nil {
						t.Fatalf("render refused: %v", err)
					}
					for _, f := range validate.Files(set) {
						t.Errorf("%s", f)
					}
					if !carries(set, privateRef) {
						t.Errorf("no rendered file names %s", privateRef)
					}
					if name != "every image" {
						checkRoles(t, d, given, name, set)
					}
				})
			}
		}
	}
}

func carries(set fileset.Set, ref string) bool {
	for _, f := range set {
		if strings.Contains(string(f.Content), ref) {
			return true
		}
	}
	return false
}

// checkRoles checks that every compose service running the renamed
// image declares the role the stack gives image key.
func checkRoles(t *testing.T, d *stack.Definition, given stack.Answers, key string, set fileset.Set) {
	t.Helper()
	a, err := d.Resolve(given)
	if err != nil {
		t.Fatal(err)
	}
	want, ok := d.ResolveRoles(a)[key]
	if !ok {
		return // a base image: Dockerfiles use it, no service runs it
	}
	// merged the way compose merges overlays onto the base: a later
	// file's image or x-stackgen replaces the earlier one
	image, ext := map[string]any{}, map[string]map[string]any{}
	for _, f := range set {
		if !strings.HasPrefix(f.Path, "compose") || !strings.HasSuffix(f.Path, ".yaml") {
			continue
		}
		var doc struct {
			Services map[string]map[string]any `yaml:"services"`
		}
		if err := yaml.Unmarshal(f.Content, &doc); err != nil {
			t.Fatalf("%s: %v", f.Path, err)
		}
		for name, svc := range doc.Services {
			if v, ok := svc["image"]; ok {
				image[name] = v
			}
			if x, ok := svc["x-stackgen"].(map[string]any); ok {
				ext[name] = x
			}
		}
	}
	found := false
	for name, ref := range image {
		if ref != privateRef {
			continue
		}
		found = true
		x := ext[name]
		if x["role"] != string(want.Role) || (want.Family != "" && x["family"] != want.Family) {
			t.Errorf("service %s declares x-stackgen %v, want %s", name, x, want)
		}
	}
	if !found {
		t.Errorf("no compose service runs %s (image %s)", privateRef, key)
	}
}

// TestContradictingImageRefused: an override whose reference (name or
// tag) or stated family contradicts the answers is refused with the
// answer that fixes it; a compatible or stated family is accepted.
func TestContradictingImageRefused(t *testing.T) {
	d := Django()
	cases := []struct {
		name    string
		given   stack.Answers
		wantErr string // "" when it must render
	}{
		{"mariadb image for mysql", stack.Answers{"image.db": "mariadb:11.8"}, "add --set db=mariadb"},
		{"the tag says mariadb", stack.Answers{"image.db": "corp.example:5000/db:mariadb-11.8"}, "whose tag says mariadb"},
		{"a path component says mariadb", stack.Answers{"image.db": "corp.example:5000/mariadb/server:11.8"}, "add --set db=mariadb"},
		{"mysql image for mariadb", stack.Answers{"db": "mariadb", "image.db": "mysql:8.4"}, "add --set db=mysql"},
		{"stated family contradicts", stack.Answers{"image.db": privateRef, "image.db.family": "mariadb"}, "add --set db=mariadb"},
		{"postgres for the redis cache", stack.Answers{"image.redis": "postgres:17"}, "use a redis image"},
		{"unknown family", stack.Answers{"image.db": privateRef, "image.db.family": "oracle"}, "not an image family stackgen knows"},
		{"family of a built image", stack.Answers{"image.proxy.family": "nginx"}, "built by the stack"},
		{"matching answers", stack.Answers{"db": "mariadb", "image.db": "mariadb:11.8"}, ""},
		{"a name that says nothing", stack.Answers{"image.db": privateRef}, ""},
		{"stated family beats a misleading name", stack.Answers{"db": "mariadb", "image.db": "corp.example:5000/mysql-compatible:11.8", "image.db.family": "mariadb"}, ""},
		{"percona stands in for mysql", stack.Answers{"image.db": "percona/percona-server:8.4"}, ""},
		{"valkey stands in for redis", stack.Answers{"image.redis": "valkey/valkey:8.1"}, ""},
		{"unprivileged nginx listens elsewhere", stack.Answers{"image.nginx": "nginxinc/nginx-unprivileged:1.28"}, "use a nginx image"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := renderWith(t, d, c.given)
			switch {
			case c.wantErr == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case c.wantErr != "" && err == nil:
				t.Fatalf("rendered; want an error containing %q", c.wantErr)
			case c.wantErr != "" && !strings.Contains(err.Error(), c.wantErr):
				t.Fatalf("error %q does not contain %q", err, c.wantErr)
			case err != nil && strings.Contains(err.Error(), "\n"):
				t.Fatalf("error spans lines: %q", err)
			}
		})
	}
}

// TestStatedFamilyReachesCompose: the family a user states is what the
// service's x-stackgen records, so validate later judges the service as
// that family (my.cnf options of MariaDB, not of an unknown server).
func TestStatedFamilyReachesCompose(t *testing.T) {
	set, err := renderWith(t, Django(), stack.Answers{"db": "mariadb", "image.db": privateRef, "image.db.family": "mariadb"})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range set {
		if f.Path == "compose.yaml" && !strings.Contains(string(f.Content), "image: \""+privateRef+"\"\n    x-stackgen: {role: database, family: mariadb}\n") {
			t.Errorf("compose.yaml does not record the stated family on service db:\n%s", f.Content)
		}
	}
}
