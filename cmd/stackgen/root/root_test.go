package root

import (
	"crypto/rand"
	"strings"
	"testing"

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
	}
	for _, c := range cases {
		_, errOut, code := execRoot(t, c.args...)
		if code != c.code || !strings.Contains(errOut, c.inStderr) {
			t.Errorf("stackgen %v: exit %d, stderr %q; want exit %d and %q", c.args, code, errOut, c.code, c.inStderr)
		}
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
