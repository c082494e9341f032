package render

import (
	"io/fs"
	"strings"
	"testing"

	"github.com/stackgen/stackgen/templates"
)

// TestEveryTemplateValueIsQuoted holds every template to the rule that
// each value it writes goes through the quoting helper of the file's
// syntax: an action that prints something must end in one of the helpers
// QuotingHelpers allows for that kind of file. A bare {{.X}} fails here.
func TestEveryTemplateValueIsQuoted(t *testing.T) {
	for _, name := range []string{"django-uwsgi", "keras-webpy", "onyx"} {
		tree := templates.Stack(name)
		err := fs.WalkDir(tree, ".", func(p string, e fs.DirEntry, err error) error {
			if err != nil || e.IsDir() || !strings.HasSuffix(p, TemplateExt) {
				return err
			}
			raw, err := fs.ReadFile(tree, p)
			if err != nil {
				return err
			}
			out := strings.TrimSuffix(p, TemplateExt)
			allowed, ok := QuotingHelpers(out)
			if !ok {
				t.Errorf("%s/%s: no quoting helpers are known for this kind of file; add it to QuotingHelpers", name, p)
				return nil
			}
			for _, bad := range mustAudit(t, p, string(raw), allowed) {
				t.Errorf("%s/%s: %s", name, p, bad)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestQuotingAuditCatchesBareValues proves the audit above can fail.
func TestQuotingAuditCatchesBareValues(t *testing.T) {
	allowed, _ := QuotingHelpers("compose.yaml")
	src := "a: {{.X}}\nb: {{compose .Y}}\n# {{comment .Z}}\nc: {{sh .W}}\n{{if .V}}d: {{num .N}}{{end}}\n{{$v := .Q}}"
	got := mustAudit(t, "t", src, allowed)
	if len(got) != 2 || !strings.Contains(got[0], ".X") || !strings.Contains(got[1], "sh") {
		t.Errorf("audit found %q; want the bare .X and the shell quoting in YAML", got)
	}
}

func mustAudit(t *testing.T, name, src string, allowed map[string]bool) []string {
	t.Helper()
	bad, err := UnquotedActions(name, src, "{{", "}}", Funcs(), allowed)
	if err != nil {
		t.Fatal(err)
	}
	return bad
}
