package render

import (
	"fmt"
	"sort"
	"strings"
	"text/template"
	"text/template/parse"
)

// UnquotedActions returns a description of every action of src that
// prints a value without ending in one of the allowed helpers: the audit
// that holds templates (the stacks' and the bundle scripts') to quoting
// every value they write.
func UnquotedActions(name, src, left, right string, funcs template.FuncMap, allowed map[string]bool) ([]string, error) {
	tmpl, err := template.New(name).Delims(left, right).Funcs(funcs).Parse(src)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
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
	return bad, nil
}

func keys(m map[string]bool) string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}
