package newcmd

import (
	"strings"
	"testing"

	"github.com/stackgen/stackgen/cmd/stackgen/cmdutil"
	"github.com/stackgen/stackgen/fileset"
	"github.com/stackgen/stackgen/validate"
)

// new prints a rendered stack's findings as validate does: the same
// formatter, with each finding's fix.
func TestReportRenderedPrintsFindingsWithTheirFix(t *testing.T) {
	set := fileset.Set{{Path: "compose.yaml", Mode: 0o644, Content: []byte("services:\n  db:\n    image: mysql:8.4\n    ports: [\"3306:3306\"]\n")}}
	findings := validate.Files(set)
	if len(findings) == 0 {
		t.Fatal("the fixture has no finding")
	}
	ios, _, _, out := cmdutil.Test()
	err := reportRendered(ios, validate.Files(set))
	for _, f := range findings {
		if !strings.Contains(out.String(), "stackgen: "+f.String()+"\n") || !strings.Contains(f.String(), "; fix: ") {
			t.Errorf("output lacks %q:\n%s", f.String(), out.String())
		}
	}
	if validate.HasErrors(findings) != (err != nil) {
		t.Errorf("err = %v with findings %v", err, findings)
	}
}
