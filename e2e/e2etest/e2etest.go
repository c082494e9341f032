// Package e2etest holds helpers shared by stackgen's end-to-end tests: the
// engine gate (skip on a developer machine without Docker, fail in CI) and
// the image references of the stand-ins built by e2e/standins/build.sh, or
// of the official images when STACKGEN_E2E_OFFICIAL=1.
//
// It uses only the standard library and talks to the engine through the
// docker CLI, like a user would.
package e2etest

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// Roles of the stand-in images, as named in e2e/standins.
const (
	Python     = "python"
	Nginx      = "nginx"
	MariaDB    = "mariadb"
	Redis      = "redis"
	Valkey     = "valkey"
	Postgres   = "postgres"
	HTTPStub   = "httpstub"
	OpenSearch = "opensearch"
)

// Environment switches.
const (
	// EnvE2E=1 says an engine is expected: a missing one fails the test.
	EnvE2E = "STACKGEN_E2E"
	// EnvOfficial=1 makes Standins return the official images (a machine
	// with registry access runs the same suite against them).
	EnvOfficial = "STACKGEN_E2E_OFFICIAL"
	// EnvPrefix overrides the stand-ins' repository prefix (default
	// stackgen-standin), as e2e/standins/build.sh's STANDIN_PREFIX does.
	EnvPrefix = "STANDIN_PREFIX"
)

// DefaultPrefix is the repository prefix build.sh gives the stand-ins.
const DefaultPrefix = "stackgen-standin"

// NoEngineMessage is the skip message when no engine answers.
const NoEngineMessage = "e2e: no Docker engine reachable; run `bash .ci/run` (installs and starts one) or set STACKGEN_E2E=1 with an engine running"

// standinTags must match TAGS in e2e/standins/build.sh.
var standinTags = map[string]string{
	Python:     "3.13",
	Nginx:      "1.26",
	MariaDB:    "11.8",
	Redis:      "8.0",
	Valkey:     "8.1",
	Postgres:   "17",
	HTTPStub:   "1",
	OpenSearch: "3.6",
}

// official are the images the stand-ins stand in for. httpstub has no
// official counterpart (it replaces images that cannot be built here, such
// as Onyx's), so it stays the stand-in in both modes.
var official = map[string]string{
	Python:     "python:3.13-slim",
	Nginx:      "nginx:1.28",
	MariaDB:    "mariadb:11.8",
	Redis:      "redis:7.4",
	Valkey:     "valkey/valkey:8.1",
	Postgres:   "postgres:17",
	OpenSearch: "opensearchproject/opensearch:3.6.0",
}

// Strict reports whether a missing engine or image must fail the test
// rather than skip it: under CI=true or STACKGEN_E2E=1.
func Strict() bool {
	return os.Getenv("CI") == "true" || os.Getenv(EnvE2E) == "1"
}

// Official reports whether STACKGEN_E2E_OFFICIAL=1 selects the official
// images.
func Official() bool { return os.Getenv(EnvOfficial) == "1" }

// Standins maps each role (python, nginx, mariadb, redis, valkey, postgres,
// httpstub, opensearch) to the image reference the tests should use: the local
// stand-in, or with STACKGEN_E2E_OFFICIAL=1 the official image.
func Standins() map[string]string {
	prefix := os.Getenv(EnvPrefix)
	if prefix == "" {
		prefix = DefaultPrefix
	}
	m := make(map[string]string, len(standinTags))
	for role, tag := range standinTags {
		m[role] = prefix + "/" + role + ":" + tag
	}
	if Official() {
		for role, ref := range official {
			m[role] = ref
		}
	}
	return m
}

// Image returns Standins()[role] and panics on an unknown role, so a typo
// cannot turn into an empty image reference.
func Image(role string) string {
	ref, ok := Standins()[role]
	if !ok {
		panic(fmt.Sprintf("e2etest: unknown stand-in role %q", role))
	}
	return ref
}

// skipOrFail skips the test, or fails it when Strict.
func skipOrFail(t testing.TB, msg string) {
	t.Helper()
	if Strict() {
		t.Fatal(msg + " (CI=true or STACKGEN_E2E=1: an engine is required, so this fails instead of skipping)")
	}
	t.Skip(msg)
}

// docker runs the docker CLI with a bound on its run time.
func docker(timeout time.Duration, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, "docker", args...).CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// engineCheck is `docker info` (replaced in this package's tests).
var engineCheck = func() error {
	out, err := docker(30*time.Second, "info", "--format", "{{.ServerVersion}}")
	if err != nil {
		if out != "" {
			return fmt.Errorf("%v: %s", err, lastLine(out))
		}
		return err
	}
	return nil
}

// Main runs a package of end-to-end tests (call it from TestMain). It
// asks for an engine once: without one, and not Strict, it runs nothing
// and says so in one line for the package, instead of one skip per test.
// `go test ./...` hides everything a passing package prints, so the line
// also goes to the terminal when there is one; under -v it is printed
// with the package's output. Strict runs go on, and each test fails with
// the message.
func Main(m *testing.M, pkg string) int {
	flag.Parse()
	if Strict() {
		return m.Run()
	}
	err := engineCheck()
	if err == nil {
		return m.Run()
	}
	line := SkipLine(pkg, err)
	if testing.Verbose() {
		fmt.Fprintln(os.Stderr, line)
	} else if tty, terr := os.OpenFile("/dev/tty", os.O_WRONLY, 0); terr == nil {
		fmt.Fprintln(tty, line)
		tty.Close()
	}
	return 0
}

// SkipLine is Main's one line for a package skipped without an engine.
func SkipLine(pkg string, err error) string {
	return fmt.Sprintf("skip\t%s: every end-to-end test skipped: %s (docker info: %s)", pkg, strings.TrimPrefix(NoEngineMessage, "e2e: "), lastLine(err.Error()))
}

// RequireEngine skips the test when `docker info` fails, with a message
// saying how to get an engine; under CI=true or STACKGEN_E2E=1 it fails
// instead, so CI can never skip the end-to-end suite silently.
func RequireEngine(t testing.TB) {
	t.Helper()
	if err := engineCheck(); err != nil {
		if Strict() {
			t.Fatalf("%s (docker info: %v)", NoEngineMessage, err)
		}
		t.Skip(NoEngineMessage)
	}
}

// RequireCompose is RequireEngine plus the Compose v2 plugin.
func RequireCompose(t testing.TB) {
	t.Helper()
	RequireEngine(t)
	if _, err := docker(30*time.Second, "compose", "version"); err != nil {
		skipOrFail(t, fmt.Sprintf("e2e: docker compose v2 is missing (%v); bash .ci/install-tools.sh installs it", err))
	}
}

// RequireImages is RequireEngine plus the named images present locally
// (roles of Standins or image references). A missing stand-in skips with
// the command that builds it, and fails under Strict. In official mode the
// images are left to docker to pull.
func RequireImages(t testing.TB, rolesOrRefs ...string) []string {
	t.Helper()
	RequireEngine(t)
	all := Standins()
	refs := make([]string, 0, len(rolesOrRefs))
	for _, r := range rolesOrRefs {
		if ref, ok := all[r]; ok {
			r = ref
		}
		refs = append(refs, r)
		if Official() && !isStandin(r) {
			continue
		}
		if _, err := docker(30*time.Second, "image", "inspect", "--format", "{{.Id}}", r); err != nil {
			skipOrFail(t, fmt.Sprintf("e2e: image %s is missing; build the stand-ins with `bash e2e/standins/build.sh`", r))
		}
	}
	return refs
}

func isStandin(ref string) bool {
	prefix := os.Getenv(EnvPrefix)
	if prefix == "" {
		prefix = DefaultPrefix
	}
	return strings.HasPrefix(ref, prefix+"/")
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}
