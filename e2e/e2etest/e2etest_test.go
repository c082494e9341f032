package e2etest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// recorder is a testing.TB that records Skip/Fatal instead of ending the
// goroutine's test, so RequireEngine's decisions can be checked.
type recorder struct {
	testing.TB
	skipped, failed bool
	msg             string
}

func (r *recorder) Helper() {}
func (r *recorder) Skip(args ...any) {
	r.skipped, r.msg = true, fmt.Sprint(args...)
	runtime.Goexit()
}
func (r *recorder) Fatal(args ...any) { r.failed, r.msg = true, fmt.Sprint(args...); runtime.Goexit() }
func (r *recorder) Fatalf(format string, args ...any) {
	r.failed, r.msg = true, fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// run calls f with a recorder on its own goroutine (Goexit ends only it).
func run(t *testing.T, f func(testing.TB)) *recorder {
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() { defer close(done); f(r) }()
	<-done
	return r
}

func TestRequireEngineSkipsOrFails(t *testing.T) {
	saved := engineCheck
	t.Cleanup(func() { engineCheck = saved })
	engineCheck = func() error { return errors.New("Cannot connect to the Docker daemon") }

	cases := []struct {
		name, ci, e2e string
		wantFail      bool
	}{
		{"developer machine", "", "", false},
		{"CI", "true", "", true},
		{"STACKGEN_E2E", "", "1", true},
		{"CI=false", "false", "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("CI", c.ci)
			t.Setenv(EnvE2E, c.e2e)
			r := run(t, func(tb testing.TB) { RequireEngine(tb) })
			if r.failed != c.wantFail || r.skipped == c.wantFail {
				t.Fatalf("failed=%v skipped=%v (%q), want failed=%v", r.failed, r.skipped, r.msg, c.wantFail)
			}
			if !strings.Contains(r.msg, NoEngineMessage) {
				t.Errorf("message %q lacks %q", r.msg, NoEngineMessage)
			}
		})
	}

	engineCheck = func() error { return nil }
	t.Setenv("CI", "true")
	if r := run(t, func(tb testing.TB) { RequireEngine(tb) }); r.failed || r.skipped {
		t.Fatalf("with an engine: failed=%v skipped=%v %q", r.failed, r.skipped, r.msg)
	}
}

func TestStandinsAndOfficial(t *testing.T) {
	t.Setenv(EnvOfficial, "")
	t.Setenv(EnvPrefix, "")
	roles := []string{Python, Nginx, MariaDB, Redis, Valkey, Postgres, HTTPStub, OpenSearch}
	s := Standins()
	if len(s) != len(roles) {
		t.Fatalf("Standins() = %v, want the roles %v", s, roles)
	}
	for _, role := range roles {
		if !strings.HasPrefix(s[role], DefaultPrefix+"/"+role+":") {
			t.Errorf("Standins()[%s] = %q", role, s[role])
		}
	}
	if Image(Python) != "stackgen-standin/python:3.13" {
		t.Errorf("Image(python) = %q", Image(Python))
	}

	t.Setenv(EnvPrefix, "mirror.example/sg")
	if got := Standins()[Redis]; got != "mirror.example/sg/redis:8.0" {
		t.Errorf("with %s: redis = %q", EnvPrefix, got)
	}
	t.Setenv(EnvPrefix, "")

	t.Setenv(EnvOfficial, "1")
	o := Standins()
	want := map[string]string{Python: "python:3.13-slim", MariaDB: "mariadb:11.8", Postgres: "postgres:17", Valkey: "valkey/valkey:8.1", OpenSearch: "opensearchproject/opensearch:3.6.0"}
	for role, ref := range want {
		if o[role] != ref {
			t.Errorf("official %s = %q, want %q", role, o[role], ref)
		}
	}
	for _, role := range []string{Nginx, Redis} {
		if strings.HasPrefix(o[role], DefaultPrefix) || !strings.Contains(o[role], ":") {
			t.Errorf("official %s = %q, want an official tagged image", role, o[role])
		}
	}
	if o[HTTPStub] != s[HTTPStub] {
		t.Errorf("httpstub has no official image; got %q", o[HTTPStub])
	}
}

// The tags here must be the ones build.sh gives the images.
func TestTagsMatchBuildScript(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "standins", "build.sh"))
	if err != nil {
		t.Fatal(err)
	}
	for role, tag := range standinTags {
		if !strings.Contains(string(src), "["+role+"]="+tag+"\n") {
			t.Errorf("build.sh has no TAGS entry [%s]=%s", role, tag)
		}
	}
}

// With an engine, the stand-ins that are present are the ones named.
func TestRequireImagesWithEngine(t *testing.T) {
	if _, err := exec.LookPath("docker"); err != nil {
		t.Skip("no docker CLI")
	}
	RequireEngine(t)
	t.Setenv(EnvOfficial, "")
	refs := RequireImages(t, HTTPStub)
	if refs[0] != Image(HTTPStub) {
		t.Fatalf("RequireImages(httpstub) = %v", refs)
	}
}

func TestSkipLineIsOneLine(t *testing.T) {
	line := SkipLine("github.com/stackgen/stackgen/e2e", errors.New("exit status 1: Cannot connect to the Docker daemon\nat unix:///var/run/docker.sock"))
	if strings.Contains(line, "\n") || !strings.Contains(line, strings.TrimPrefix(NoEngineMessage, "e2e: ")) || !strings.Contains(line, "github.com/stackgen/stackgen/e2e") || !strings.Contains(line, "docker.sock") {
		t.Errorf("skip line %q: want one line with the package, the reason and the fix", line)
	}
}
