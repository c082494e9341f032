// Package golden pins every byte stackgen renders for a handful of
// meaningful answer cases. Regenerate with `go test ./golden -update` and
// review the diff like code.
package golden

import (
	"flag"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/stackgen/stackgen/fileset"
	"github.com/stackgen/stackgen/render"
	"github.com/stackgen/stackgen/stack"
	"github.com/stackgen/stackgen/stacks"
	"github.com/stackgen/stackgen/validate"
)

var update = flag.Bool("update", false, "rewrite the golden files from the current templates")

// modesFile lists each golden file's permission bits, which a plain file
// tree in git would not keep.
const modesFile = "_modes.txt"

// ext is added to every golden file so the rendered .gitignore and
// .gitattributes are inert here: otherwise git would ignore the golden .env
// and rewrite the line endings of the golden .ps1 files.
const ext = ".golden"

// cases are one per meaningful combination of answers, not one per answer.
var cases = []struct {
	name    string
	stack   string
	answers stack.Answers
}{
	{"django-defaults", "django-uwsgi", nil},
	{"django-mariadb", "django-uwsgi", stack.Answers{"db": "mariadb"}},
	{"django-https", "django-uwsgi", stack.Answers{"https": "true", "domain": "example.com"}},
	{"django-mirrors", "django-uwsgi", stack.Answers{"pip_index_url": "https://pypi.mirror.example/simple", "registry_mirror": "hub.mirror.example"}},
	// Every db x wsgi x cache combination (issue 15); defaults and mariadb
	// above are mysql and mariadb with uwsgi and redis.
	{"django-mysql-uwsgi-valkey", "django-uwsgi", stack.Answers{"db": "mysql", "wsgi": "uwsgi", "cache": "valkey"}},
	{"django-mysql-gunicorn-redis", "django-uwsgi", stack.Answers{"db": "mysql", "wsgi": "gunicorn", "cache": "redis"}},
	{"django-mysql-gunicorn-valkey", "django-uwsgi", stack.Answers{"db": "mysql", "wsgi": "gunicorn", "cache": "valkey"}},
	{"django-mariadb-uwsgi-valkey", "django-uwsgi", stack.Answers{"db": "mariadb", "wsgi": "uwsgi", "cache": "valkey"}},
	{"django-mariadb-gunicorn-redis", "django-uwsgi", stack.Answers{"db": "mariadb", "wsgi": "gunicorn", "cache": "redis"}},
	{"django-mariadb-gunicorn-valkey", "django-uwsgi", stack.Answers{"db": "mariadb", "wsgi": "gunicorn", "cache": "valkey"}},
	{"django-postgres-uwsgi-redis", "django-uwsgi", stack.Answers{"db": "postgres", "wsgi": "uwsgi", "cache": "redis"}},
	{"django-postgres-uwsgi-valkey", "django-uwsgi", stack.Answers{"db": "postgres", "wsgi": "uwsgi", "cache": "valkey"}},
	{"django-postgres-gunicorn-redis", "django-uwsgi", stack.Answers{"db": "postgres", "wsgi": "gunicorn", "cache": "redis"}},
	{"django-postgres-gunicorn-valkey", "django-uwsgi", stack.Answers{"db": "postgres", "wsgi": "gunicorn", "cache": "valkey"}},
	// a Chinese project: README and scripts in Chinese, Django in zh-hans on Shanghai time
	{"django-zh", "django-uwsgi", stack.Answers{"lang": "zh", "time_zone": "Asia/Shanghai"}},
	{"onyx-defaults", "onyx", nil},
	{"onyx-zh", "onyx", stack.Answers{"lang": "zh"}},
	{"onyx-zh-https", "onyx", stack.Answers{"lang": "zh", "https": "true", "domain": "onyx.example.com"}},
	{"onyx-lite", "onyx", stack.Answers{"profile": "lite"}},
	{"onyx-legacy-v2", "onyx", stack.Answers{"onyx_version": "v2.9.8"}},
	{"onyx-s3-minio", "onyx", stack.Answers{"file_store": "s3-minio"}},
	{"onyx-https", "onyx", stack.Answers{"https": "true", "domain": "onyx.example.com", "mcp_server": "true", "code_interpreter": "true"}},
	{"onyx-source", "onyx", stack.Answers{"mode": "source", "source_dir": "../onyx"}},
	{"onyx-logging-resources-https", "onyx", stack.Answers{"logging": "true", "resources": "true", "https": "true", "domain": "onyx.example.com"}},
	{"keras-defaults", "keras-webpy", nil},
	// a Chinese project: README and the scripts' messages in Chinese
	{"keras-zh", "keras-webpy", stack.Answers{"lang": "zh"}},
	{"keras-gpu", "keras-webpy", stack.Answers{"gpu": "true"}},
	{"keras-baked-public", "keras-webpy", stack.Answers{"bake_model": "true", "bind_address": "0.0.0.0"}},
	{"keras-model-shape", "keras-webpy", stack.Answers{"model_file": "digits.keras", "model_input_shape": "None,28,28,1"}},
}

// fixedRand makes secrets deterministic so golden files are stable.
func fixedRand() *rand.ChaCha8 {
	var seed [32]byte
	copy(seed[:], "stackgen golden files fixed seed")
	return rand.NewChaCha8(seed)
}

func TestGolden(t *testing.T) {
	reg := stacks.Registry()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, err := reg.Lookup(c.stack)
			if err != nil {
				t.Fatal(err)
			}
			set, _, err := render.Project(d, c.answers, render.Options{Rand: fixedRand(), Version: "golden"})
			if err != nil {
				t.Fatal(err)
			}
			dir := filepath.Join("testdata", c.name)
			if *update {
				writeGolden(t, dir, set)
			}
			compare(t, dir, set)
			for _, f := range validate.Files(set) {
				if knownMinioFinding(f) {
					continue
				}
				t.Errorf("golden case does not validate clean: %s:%d: %s %s: %s", f.File, f.Line, f.Severity, f.Rule, f.Message)
			}
		})
	}
}

// knownMinioFinding is the one warning a golden may carry: the MinIO
// service (file_store=s3-minio, and Onyx v2's default) runs the last
// community MinIO image, which predates the CVE-2025-62506 fix; onyx warns
// at render time and its README says so.
func knownMinioFinding(f validate.Finding) bool {
	return f.Rule == "image-currency" && strings.HasPrefix(f.Subject, "minio/minio:RELEASE.")
}

func writeGolden(t *testing.T, dir string, set fileset.Set) {
	t.Helper()
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	var modes strings.Builder
	for _, f := range set {
		p := filepath.Join(dir, filepath.FromSlash(f.Path)+ext)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f.Content, 0o644); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&modes, "%04o %s\n", f.Mode.Perm(), f.Path)
	}
	if err := os.WriteFile(filepath.Join(dir, modesFile), []byte(modes.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

func compare(t *testing.T, dir string, set fileset.Set) {
	t.Helper()
	want := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = strings.TrimSuffix(rel, ext)
		b, err := os.ReadFile(p)
		// Git on Windows may check golden files out with CRLF.
		want[filepath.ToSlash(rel)] = strings.ReplaceAll(string(b), "\r\n", "\n")
		return err
	})
	if err != nil {
		t.Fatalf("reading golden files (run `go test ./golden -update` to create them): %v", err)
	}
	var modes strings.Builder
	got := map[string]string{}
	for _, f := range set {
		got[f.Path] = string(f.Content)
		fmt.Fprintf(&modes, "%04o %s\n", f.Mode.Perm(), f.Path)
	}
	got[modesFile] = modes.String()

	var paths []string
	for p := range want {
		paths = append(paths, p)
	}
	for p := range got {
		if _, ok := want[p]; !ok {
			paths = append(paths, p)
		}
	}
	sort.Strings(paths)
	for _, p := range paths {
		w, inWant := want[p]
		g, inGot := got[p]
		switch {
		case !inWant:
			t.Errorf("%s: rendered but has no golden file (run `go test ./golden -update` and review)", p)
		case !inGot:
			t.Errorf("%s: golden file exists but is no longer rendered", p)
		case w != g:
			t.Errorf("%s differs from golden (-golden +rendered); if intended, run `go test ./golden -update`:\n%s", p,
				cmp.Diff(strings.Split(w, "\n"), strings.Split(g, "\n")))
		}
	}
}
