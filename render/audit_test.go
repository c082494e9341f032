package render

import (
	"io/fs"
	"sort"
	"strings"
	"testing"
	"text/template"
	"text/template/parse"

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
			for _, bad := range UnquotedActions(t, p, string(raw), "{{", "}}", Funcs(), allowed) {
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
	got := UnquotedActions(t, "t", src, "{{", "}}", Funcs(), allowed)
	if len(got) != 2 || !strings.Contains(got[0], ".X") || !strings.Contains(got[1], "sh") {
		t.Errorf("audit found %q; want the bare .X and the shell quoting in YAML", got)
	}
}

// UnquotedActions returns a description of every action of src that
// prints a value without ending in one of the allowed helpers.
func UnquotedActions(t *testing.T, name, src, left, right string, funcs template.FuncMap, allowed map[string]bool) []string {
	t.Helper()
	tmpl, err := template.New(name).Delims(left, right).Funcs(funcs).Parse(src)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	var bad []string
	var walk func(n parse.Node)
	walk = func(n parse.Node) {
		switch n := n.(type) {
		case *parse.ListNode:
			if n == nil {
				return
			}
			for _, c := range n.Nodes {
				walk(c)
			}
		case *parse.ActionNode:
			if len(n.Pipe.Decl) > 0 {
				return // {{$x := ...}} prints nothing
			}
			last := n.Pipe.Cmds[len(n.Pipe.Cmds)-1]
			if id, ok := last.Args[0].(*parse.IdentifierNode); !ok || !allowed[id.Ident] {
				bad = append(bad, "unquoted "+n.String()+"; use one of "+keys(allowed))
			}
		case *parse.IfNode:
			walk(n.List)
			walk(n.ElseList)
		case *parse.RangeNode:
			walk(n.List)
			walk(n.ElseList)
		case *parse.WithNode:
			walk(n.List)
			walk(n.ElseList)
		}
	}
	for _, tt := range tmpl.Templates() {
		if tt.Tree != nil {
			walk(tt.Tree.Root)
		}
	}
	return bad
}

func keys(m map[string]bool) string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}
