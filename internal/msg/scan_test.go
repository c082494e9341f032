package msg

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v4"
)

// What counts as "a message printed without the catalogue": in the
// module's non-test Go files (not e2e/, bench/ or code generators),
//
//   - a string literal passed to fmt.Fprint, fmt.Fprintf or fmt.Fprintln
//     (the writers every command prints through);
//   - a string literal as the Short, Long or Example of a cobra.Command;
//   - a string literal as the usage of a flag (the last argument of
//     FlagSet.BoolVar, StringVarP, Duration, ... );
//   - a string literal passed to cmdutil.FlagErrorf (a usage error);
//   - a string literal as the format of fmt.Errorf or the text of
//     errors.New: an error is printed to the person who ran the command
//     (root says it with root.error), so its words are a message too;
//   - a string literal as the Message or Fix of a validate Finding (a
//     composite literal), directly, as fmt.Sprintf's format or as part of
//     a + concatenation: findings are printed to people, and a finding's
//     words belong in its Text (validate/text.go);
//   - a string literal as the Prompt or Help of a stack.Question whose
//     words are not the English of a q.* message (QuestionText asks in
//     the reader's language only what the catalogue holds);
//
// where the literal holds a word: two letters in a row once format verbs
// (%s, %-9s, %04o) and escapes are taken out. "  %-9s %04o\n" is layout,
// not a message.
//
// allowed are the exceptions by file and the literal's first words:
// machine output and names, never prose.
var allowed = map[string][]string{
	// the catalogue's own defects (a broken embedded file): it cannot say
	// them through itself, and its tests catch them before a release
	"internal/msg/msg.go": {"message catalogue "},
	// `stackgen version` prints the program name and version, a format
	// scripts parse
	"cmd/stackgen/root/commands.go": {"stackgen "},
	// the tz table generator writes Go source
	"stack/internal/gentz/main.go": {""},
	// the dry-run plan's action column: the same enum as create/update
	"cmd/stackgen/newcmd/new.go": {"manifest"},
	// a hosts-file line for nginx -t, not a message
	"internal/toolcheck/nginx.go": {"127.0.0.1 "},
	// the bundle's checksum, the same in every language
	"bundle/pack.go": {"SHA-256 "},
	// sentinels root tests for with errors.Is and never prints: a cancel
	// exits quietly, a silent error was reported already
	"cmd/stackgen/cmdutil/errors.go": {"cancelled", "silent"},
	// sentinels for errors.Is, never printed alone: a person reads the
	// catalogue message that carries them as its Kind argument
	"project/base.go":         {"no base copy"},
	"project/lock.go":         {"locked"},
	"engine/bundle_images.go": {"image not in the engine"},
	"engine/compose.go":       {"docker compose v2 is not"},
	"engine/engine.go":        {"cannot reach the Docker engine"},
	"engine/swarm.go":         {"this Docker engine is not part"},
	"engine/wait.go": {"a service exited", "a service is unhealthy", "a service was not started",
		"a service has no container", "a service keeps restarting", "timed out waiting for the services",
		"the Docker engine stopped answering", "docker compose up failed"},
	// only a fake API lacks the stream methods (the real client has them)
	"engine/exec_stream.go": {"this Docker client cannot copy"},
	// the test fake's answer for a call a test did not set up
	"engine/enginetest/api.go": {"not faked"},
	// a second commit of one transaction is a defect in stackgen's code,
	// not something a user can do
	"project/tx.go": {"project: a transaction"},
	// the chart and the manifests are built from one object list; a
	// difference is a defect in stackgen, not something a user can do
	"k8s/helm.go": {"internal: the chart's objects"},
	// Install's and GenerateSecrets' missing hooks (a caller's wiring
	// defect no user can reach: every command sets them)
	"bundle/deploy.go": {"internal error: "},
	// WriteTar's header rewrite changed size: a defect in the writer, not
	// input a user can give
	"bundle/archive.go": {"internal error: "},
	// errStop ends a Walk early and never leaves the package
	"bundle/update.go": {"stop"},
	// ErrReported is never printed: root exits quietly on it, the failure
	// having been explained above
	"lifecycle/up.go": {"failure reported above"},
	// the changelogs are embedded and checked by upgrade's tests: a bad
	// one is a build defect no user can cause or fix
	"upgrade/changelog.go": {"changelog of "},
	// Resolve gives every image a reference before the data function runs:
	// an empty one is a stackgen defect, not an answer a user can fix
	"stacks/keras.go": {"keras-webpy: no model image"},
	"stacks/onyx.go":  {"onyx: no image resolved"},
	// a stack definition or template that breaks render's rules (no
	// templates, two writing one file, its own name:, an unparsable
	// template, a number or word helper given something else) is a
	// stackgen defect the golden and render tests catch, not user input
	"render/render.go": {"stack ", "templates ", "%s: the template sets name:", "no %s rendered", "template %s: "},
	"render/funcs.go":  {"value %v (%T) is not a whole number", "word: "},

	// Commit after Commit, and LoadCompose without a file, are callers'
	// defects, not anything a user does
	"internal/atomicfile/atomicfile.go": {"atomicfile: committed twice"},
	"internal/toolcheck/compose.go":     {"no compose file given"},
	// the scripted prompter is a test double: its error goes to the test
	"prompt/prompttest/scripted.go": {"unexpected question "},
}

// pending counts, per file, the messages not yet in the catalogue when
// the catalogue was introduced (issue 20). The test fails when a file has
// more (a new message bypassed the catalogue) or fewer (one was converted:
// lower the count, so the list only shrinks). It is printed on every run.
var pending = map[string]int{
	// Empty: every site found when errors (fmt.Errorf, errors.New) and
	// questions joined the scan has been converted. A new message goes in
	// the catalogue, not here.
}

var (
	verb    = regexp.MustCompile(`%[-+# 0-9.*\[\]]*[a-zA-Z%]`)
	escape  = regexp.MustCompile(`\\[nrt"\\]`)
	hasWord = regexp.MustCompile(`[A-Za-z]{2,}`)
)

// prose reports whether a Go string literal is words rather than layout.
func prose(lit string) bool {
	s, err := strconv.Unquote(lit)
	if err != nil {
		s = lit
	}
	s = verb.ReplaceAllString(s, "")
	s = escape.ReplaceAllString(s, "")
	return hasWord.MatchString(s)
}

var flagMethods = map[string]bool{}

func init() {
	for _, t := range []string{"Bool", "String", "StringArray", "StringSlice", "Int", "Int64", "Uint", "Duration", "Float64", "Count", "StringToString"} {
		for _, suffix := range []string{"", "P", "Var", "VarP"} {
			flagMethods[t+suffix] = true
		}
	}
}

type site struct {
	file, what, lit string
	line            int
}

// scan finds the sites in one parsed file.
func scan(fset *token.FileSet, rel string, f *ast.File) []site {
	var out []site
	add := func(what string, e ast.Expr) {
		if lit, ok := e.(*ast.BasicLit); ok && lit.Kind == token.STRING && prose(lit.Value) {
			out = append(out, site{file: rel, what: what, lit: lit.Value, line: fset.Position(lit.Pos()).Line})
		}
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CallExpr:
			sel, ok := n.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			pkg, _ := sel.X.(*ast.Ident)
			switch {
			case pkg != nil && pkg.Name == "fmt" && strings.HasPrefix(sel.Sel.Name, "Fprint"):
				for _, a := range n.Args[1:] {
					add("fmt."+sel.Sel.Name, a)
				}
			case pkg != nil && (pkg.Name == "fmt" && sel.Sel.Name == "Errorf" || pkg.Name == "errors" && sel.Sel.Name == "New") && len(n.Args) > 0:
				add(pkg.Name+"."+sel.Sel.Name, n.Args[0])
			case pkg != nil && pkg.Name == "cmdutil" && sel.Sel.Name == "FlagErrorf" && len(n.Args) > 0:
				add("cmdutil.FlagErrorf", n.Args[0])
			case flagMethods[sel.Sel.Name] && len(n.Args) >= 3:
				add("flag usage", n.Args[len(n.Args)-1])
			}
		case *ast.CompositeLit:
			if isQuestion(n.Type) {
				questionFields(n, add)
			}
			if at, ok := n.Type.(*ast.ArrayType); ok && isQuestion(at.Elt) {
				// []stack.Question{{Key: ..., Prompt: ...}}: the elements'
				// type is elided
				for _, el := range n.Elts {
					if cl, ok := el.(*ast.CompositeLit); ok && cl.Type == nil {
						questionFields(cl, add)
					}
				}
			}
			if typeName(n.Type) == "Finding" {
				for _, el := range n.Elts {
					if kv, ok := el.(*ast.KeyValueExpr); ok {
						if k, ok := kv.Key.(*ast.Ident); ok && (k.Name == "Message" || k.Name == "Fix") {
							for _, e := range textParts(kv.Value) {
								add("Finding."+k.Name, e)
							}
						}
					}
				}
			}
			if sel, ok := n.Type.(*ast.SelectorExpr); ok && sel.Sel.Name == "Command" {
				for _, el := range n.Elts {
					if kv, ok := el.(*ast.KeyValueExpr); ok {
						if k, ok := kv.Key.(*ast.Ident); ok && (k.Name == "Short" || k.Name == "Long" || k.Name == "Example") {
							add("cobra "+k.Name, kv.Value)
						}
					}
				}
			}
		}
		return true
	})
	return out
}

// typeName is the name of a composite literal's type, Finding for both
// Finding{...} and validate.Finding{...}.
func typeName(e ast.Expr) string {
	switch t := e.(type) {
	case *ast.Ident:
		return t.Name
	case *ast.SelectorExpr:
		return t.Sel.Name
	}
	return ""
}

// textParts are the expressions whose literals make up a text: the text
// itself, the format of a fmt.Sprintf, each side of a + concatenation.
func textParts(e ast.Expr) []ast.Expr {
	switch e := e.(type) {
	case *ast.BinaryExpr:
		if e.Op == token.ADD {
			return append(textParts(e.X), textParts(e.Y)...)
		}
	case *ast.CallExpr:
		if sel, ok := e.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Sprintf" && len(e.Args) > 0 {
			if pkg, ok := sel.X.(*ast.Ident); ok && pkg.Name == "fmt" {
				return []ast.Expr{e.Args[0]}
			}
		}
	case *ast.ParenExpr:
		return textParts(e.X)
	}
	return []ast.Expr{e}
}

// isQuestion reports whether a composite literal's type is stack.Question
// (Question inside package stack).
func isQuestion(e ast.Expr) bool {
	switch t := e.(type) {
	case *ast.SelectorExpr:
		x, ok := t.X.(*ast.Ident)
		return ok && x.Name == "stack" && t.Sel.Name == "Question"
	case *ast.Ident:
		return t.Name == "Question"
	}
	return false
}

// questionFields adds a question's Prompt and Help literals: the English
// of a q.* message, which the catalogue must hold word for word.
func questionFields(n *ast.CompositeLit, add func(string, ast.Expr)) {
	for _, el := range n.Elts {
		if kv, ok := el.(*ast.KeyValueExpr); ok {
			if k, ok := kv.Key.(*ast.Ident); ok && (k.Name == "Prompt" || k.Name == "Help") {
				add("stack.Question "+k.Name, kv.Value)
			}
		}
	}
}

// questionTexts is the English of every q.* message: a question's Prompt
// or Help literal found there goes through the catalogue (QuestionText
// looks it up by ID; newcmd's tests hold the two equal).
func questionTexts(t *testing.T) map[string]bool {
	t.Helper()
	b, err := locales.ReadFile("locales/en/q.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]string
	if err := yaml.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, v := range m {
		out[v] = true
	}
	return out
}

func isAllowed(s site) bool {
	for _, prefix := range allowed[s.file] {
		if u, err := strconv.Unquote(s.lit); err == nil && strings.HasPrefix(u, prefix) {
			return true
		}
	}
	return false
}

// scanModule parses every non-test Go file of the module outside e2e/
// and bench/.
func scanModule(t *testing.T) map[string][]site {
	t.Helper()
	root := filepath.Join("..", "..")
	fset := token.NewFileSet()
	found := map[string][]site{}
	asked := questionTexts(t)
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if rel == "e2e" || rel == "bench" || strings.HasPrefix(d.Name(), ".") && rel != "." || d.Name() == "testdata" {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		for _, s := range scan(fset, rel, f) {
			if u, err := strconv.Unquote(s.lit); err == nil && strings.HasPrefix(s.what, "stack.Question ") && asked[u] {
				continue
			}
			if !isAllowed(s) {
				found[rel] = append(found[rel], s)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

func TestEveryMessageGoesThroughTheCatalogue(t *testing.T) {
	found := scanModule(t)
	files := map[string]bool{}
	for f := range found {
		files[f] = true
	}
	for f := range pending {
		files[f] = true
	}
	var names []string
	for f := range files {
		names = append(names, f)
	}
	sort.Strings(names)
	total := 0
	var summary strings.Builder
	for _, f := range names {
		got, want := len(found[f]), pending[f]
		total += got
		if got > 0 {
			fmt.Fprintf(&summary, "\t%q: %d,\n", f, got)
		}
		switch {
		case got > want:
			for _, s := range found[f] {
				how := "say it with IOStreams.L.T"
				if strings.HasPrefix(s.what, "stack.Question ") {
					how = "add it to locales/*/q.yaml as q.STACK.KEY (or q.common.KEY)"
				}
				t.Errorf("%s:%d: %s %s is not in the message catalogue (internal/msg/locales); %s", s.file, s.line, s.what, s.lit, how)

			}
			t.Errorf("%s: %d message(s) bypass the catalogue, %d pending: convert the new ones", f, got, want)
		case got < want:
			t.Errorf("%s: %d message(s) left, pending says %d: lower its count in pending", f, got, want)
		}
	}
	t.Logf("messages not yet in the catalogue: %d\n%s", total, summary.String())
}

// The scanner must see each kind of site it claims to see.
func TestScannerFindsEachKindOfSite(t *testing.T) {
	src := `package x
func f() {
	fmt.Fprintf(w, "Wrote %s stack\n", name)
	fmt.Fprintln(w, "  %-9s %04o\n")
	fmt.Fprintln(w, l.T("new.summary.wrote"))
	fl.BoolVar(&yes, "yes", false, "accept every default")
	fl.BoolVar(&yes, "yes", false, l.T("new.flag.yes"))
	_ = cmdutil.FlagErrorf("name a stack")
	_ = fmt.Errorf("reading %s: %w", name, err)
	_ = fmt.Errorf("%s: %w", name, err)
	_ = errors.New("no stack")
	_ = &cobra.Command{Use: "new", Short: "Write a stack", Long: l.T("new.long")}
	_ = Finding{File: f, Message: "service has no healthcheck", Fix: l.T("validate.x.fix")}
	_ = validate.Finding{Message: fmt.Sprintf("service %q is privileged", s), Fix: "use one of: " + names}
	_ = Finding{Message: en.T("validate.x.msg"), Text: &Text{Message: "validate.x.msg"}}
	_ = stack.Question{Key: "db", Prompt: "Database", Help: "MySQL or MariaDB"}
	_ = []stack.Question{{Key: "port", Prompt: "HTTP port"}, {Key: "x", Help: l.T("q.x.help")}}
}`
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "x.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range scan(fset, "x.go", f) {
		got = append(got, s.what)
	}
	want := "fmt.Fprintf flag usage cmdutil.FlagErrorf fmt.Errorf errors.New cobra Short Finding.Message Finding.Message Finding.Fix stack.Question Prompt stack.Question Help stack.Question Prompt"

	if strings.Join(got, " ") != want {
		t.Errorf("found %q, want %q", strings.Join(got, " "), want)
	}
}
