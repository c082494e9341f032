package root

import (
	"context"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/stackgen/stackgen/cmd/stackgen/cmdutil"
)

func execRoot(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	ios, _, out, errOut := cmdutil.Test()
	f := &cmdutil.Factory{IO: ios, Rand: rand.Reader, Version: "1.2.3"}
	cmd := NewCmdRoot(f)
	cmd.SetArgs(args)
	code := exitCode(f, cmd, cmd.Execute())
	return out.String(), errOut.String(), code
}

func TestCommandTree(t *testing.T) {
	out, _, code := execRoot(t, "--help")
	if code != 0 {
		t.Fatalf("--help exit %d", code)
	}
	for _, verb := range []string{"new", "stacks", "version", "completion", "validate", "up", "status", "logs", "down", "doctor", "deploy", "backup", "restore", "export"} {
		if !strings.Contains(out, "\n  "+verb+" ") {
			t.Errorf("stackgen --help does not list %q:\n%s", verb, out)
		}
	}
}

func TestStacksListsEveryStackWithAliases(t *testing.T) {
	out, _, code := execRoot(t, "stacks")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"django-uwsgi", "(django, uwsgi)", "onyx", "keras-webpy", "(keras, model)"} {
		if !strings.Contains(out, want) {
			t.Errorf("stacks output lacks %q:\n%s", want, out)
		}
	}
}

func TestExitCodes(t *testing.T) {
	cases := []struct {
		args     []string
		code     int
		inStderr string
	}{
		{[]string{"version"}, 0, ""},
		{[]string{"new", "rails", "--yes"}, 2, "unknown stack \"rails\""},
		{[]string{"new", "--no-such-flag"}, 2, "unknown flag"},
		{[]string{"new", "django"}, 2, "pass --yes"},
		// --set, --image and --answers mistakes are usage errors too.
		{[]string{"new", "django", "--yes", "--set", "project"}, 2, "expected KEY=VALUE"},
		{[]string{"new", "django", "--yes", "--image", "=x"}, 2, "expected KEY=VALUE"},
		{[]string{"new", "django", "--yes", "--set", "no_such_answer=1"}, 2, `unknown answer "no_such_answer"`},
		{[]string{"new", "django", "--yes", "--set", "http_port=eighty"}, 2, "http_port"},
		{[]string{"new", "django", "--yes", "--answers", "/nonexistent/answers.yaml"}, 2, "--answers"},
	}
	for _, c := range cases {
		_, errOut, code := execRoot(t, c.args...)
		if code != c.code || !strings.Contains(errOut, c.inStderr) {
			t.Errorf("stackgen %v: exit %d, stderr %q; want exit %d and %q", c.args, code, errOut, c.code, c.inStderr)
		}
	}
}

// Ctrl-C during a non-interactive new (a cancelled context) exits 130 and
// writes nothing.
func TestInterruptedNewExits130(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "site")
	ios, _, _, errOut := cmdutil.Test()
	f := &cmdutil.Factory{IO: ios, Rand: rand.Reader, Version: "1.2.3"}
	cmd := NewCmdRoot(f)
	cmd.SetArgs([]string{"new", "onyx", dir, "--yes"})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if code := exitCode(f, cmd, cmd.ExecuteContext(ctx)); code != 130 {
		t.Errorf("exit %d, want 130; stderr %q", code, errOut.String())
	}
	if _, err := os.Stat(dir); err == nil {
		t.Error("the interrupted run wrote the project")
	}
}

// The stacks listing and the stack prompt show one line per stack.
func TestStackDescriptionsFitOneLine(t *testing.T) {
	out, _, _ := execRoot(t, "stacks")
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if n := len([]rune(line)); n > 110 {
			t.Errorf("stacks line is %d characters, too long for one terminal line: %q", n, line)
		}
	}
}

func TestStacksStackListsItsAnswers(t *testing.T) {
	out, _, code := execRoot(t, "stacks", "keras")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"Answers of keras-webpy", "  model_name  (", "  compose_project  (", "  image.python  (default: "} {
		if !strings.Contains(out, want) {
			t.Errorf("stacks keras lacks %q:\n%s", want, out)
		}
	}
	if _, errOut, code := execRoot(t, "stacks", "rails"); code != 2 || !strings.Contains(errOut, "unknown stack") {
		t.Errorf("stacks rails: exit %d, %q", code, errOut)
	}
}

// -v is --verbose on the verbs; the root keeps `stackgen -v` (and
// --version) printing the version.
func TestVersionSpellings(t *testing.T) {
	for _, args := range [][]string{{"-v"}, {"--version"}, {"version"}} {
		out, errOut, code := execRoot(t, args...)
		if code != 0 || !strings.Contains(out, "1.2.3") {
			t.Errorf("stackgen %v: exit %d, out %q, err %q", args, code, out, errOut)
		}
	}
	out, _, _ := execRoot(t, "--help")
	if strings.Contains(out, "-v,") {
		t.Errorf("root help still offers -v:\n%s", out)
	}
	out, _, _ = execRoot(t, "up", "--help")
	if !strings.Contains(out, "-v, --verbose") {
		t.Errorf("up help lacks -v, --verbose:\n%s", out)
	}
}

// One meaning per flag: a shorthand stands for the same long flag on
// every verb, and every verb that acts on a project takes --dir.
func TestFlagsMeanOneThing(t *testing.T) {
	ios, _, _, _ := cmdutil.Test()
	root := NewCmdRoot(&cmdutil.Factory{IO: ios, Rand: rand.Reader, Version: "1"})
	short := map[string]string{}
	for _, c := range root.Commands() {
		c.Flags().VisitAll(func(f *pflag.Flag) {
			if f.Shorthand == "" || f.Hidden {
				return
			}
			if prev, ok := short[f.Shorthand]; ok && prev != f.Name {
				t.Errorf("-%s is --%s on one verb and --%s on %s", f.Shorthand, prev, f.Name, c.Name())
			}
			short[f.Shorthand] = f.Name
		})
		switch c.Name() {
		case "up", "down", "status", "logs", "backup", "restore", "validate", "doctor", "deploy":
			if c.Flags().Lookup("dir") == nil {
				t.Errorf("%s has no --dir", c.Name())
			}
		}
	}
}
