package root

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/stackgen/stackgen/cmd/stackgen/cmdutil"
	"github.com/stackgen/stackgen/lifecycle"
)

const cmdPrefix = "github.com/stackgen/stackgen/cmd/stackgen/"

// A verb is flags → options → one call into a service package; work two
// verbs share lives in a service, so no verb package imports another.
// cmdutil (the shared plumbing) and root (the tree) are not verbs.
func TestVerbsImportNoVerb(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, "../...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	bad := verbImports(string(out))
	if len(bad) > 0 {
		t.Errorf("verbs import verbs (move the shared work into a service package):\n%s", strings.Join(bad, "\n"))
	}
}

// verbImports lists "A imports B" for each verb A importing a verb B in
// go list's output (one package a line: its path, then its imports).
func verbImports(list string) []string {
	isVerb := func(p string) bool {
		rest, ok := strings.CutPrefix(p, cmdPrefix)
		return ok && rest != "cmdutil" && rest != "root" && !strings.Contains(rest, "/")
	}
	var bad []string
	for _, line := range strings.Split(strings.TrimSpace(list), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || !isVerb(f[0]) {
			continue
		}
		for _, imp := range f[1:] {
			if isVerb(imp) {
				bad = append(bad, fmt.Sprintf("%s imports %s", f[0], imp))
			}
		}
	}
	return bad
}

// The check itself can fail: a verb importing a verb is caught, the
// plumbing is not.
func TestVerbImportsCatchesAVerbImportingAVerb(t *testing.T) {
	list := cmdPrefix + "deploycmd " + cmdPrefix + "upcmd " + cmdPrefix + "cmdutil\n" +
		cmdPrefix + "root " + cmdPrefix + "upcmd\n" +
		cmdPrefix + "upcmd " + cmdPrefix + "cmdutil fmt\n"
	got := verbImports(list)
	if len(got) != 1 || got[0] != cmdPrefix+"deploycmd imports "+cmdPrefix+"upcmd" {
		t.Errorf("verbImports = %q", got)
	}
}

// A failure a service already explained exits 1 and prints nothing more.
func TestReportedFailureExitsOneQuietly(t *testing.T) {
	ios, _, _, errOut := cmdutil.Test()
	f := &cmdutil.Factory{IO: ios}
	cmd := &cobra.Command{Use: "x", SilenceUsage: true, SilenceErrors: true, RunE: func(*cobra.Command, []string) error {
		return fmt.Errorf("restore: %w", lifecycle.ErrReported)
	}}
	if code := exitCode(f, cmd, cmd.ExecuteContext(context.Background())); code != 1 || errOut.Len() != 0 {
		t.Errorf("exit %d, stderr %q; want 1 and nothing", code, errOut.String())
	}
}
