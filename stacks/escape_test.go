package stacks

import (
	"sort"
	"strings"
	"testing"
	"unicode"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
	"go.yaml.in/yaml/v4"

	"github.com/stackgen/stackgen/fileset"
	"github.com/stackgen/stackgen/render"
	"github.com/stackgen/stackgen/stack"
)

// The three escapes the hardening audit (issue 10) showed, each as the
// attacker wrote it, plus the rule that closes the class: answers refuse
// the characters that end lines or reorder text.

// renderUnchecked renders d as if Resolve had let override through: it
// proves the templates alone keep a value inside its quoting, whatever
// the answer checks let pass. only, when set, is the one file rendered.
func renderUnchecked(t *testing.T, d *stack.Definition, only string, given, override stack.Answers) fileset.Set {
	t.Helper()
	if only != "" {
		// Only one file is rendered: others may (rightly) refuse the value.
		dd, outputPath := *d, d.OutputPath
		dd.OutputPath = func(p string, a stack.Answers) string {
			// compose.yaml too: render writes the project's name: into it.
			if p = outputPath(p, a); p != only && p != "compose.yaml" {
				return ""
			}
			return p
		}
		d = &dd
	}
	answers, err := d.Resolve(given)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range override {
		answers[k] = v
	}
	secrets, err := d.GenerateSecrets(&onyxRand{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	set, err := render.Render(d, stack.Input{Answers: answers, Secrets: secrets, Images: d.ResolveImages(answers), Roles: d.ResolveRoles(answers), Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func yamlTopKeys(t *testing.T, name, text string) []string {
	t.Helper()
	var doc map[string]any
	if err := yaml.Unmarshal([]byte(text), &doc); err != nil {
		t.Fatalf("%s does not parse: %v", name, err)
	}
	var keys []string
	for k := range doc {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// A YAML comment ends at NEL, LS and PS for the parser compose uses, so an
// answer written into a comment could add top-level keys (the audit turned
// the Postgres volume into a bind mount of the host's /).
func TestYAMLCommentCannotEndEarly(t *testing.T) {
	source := stack.Answers{"mode": "source", "source_dir": "../onyx"}
	want := yamlTopKeys(t, "compose.source.yaml", onyxFile(t, renderUnchecked(t, Onyx(), "compose.source.yaml", source, nil), "compose.source.yaml"))
	for _, sep := range []string{"\u2028", "\u2029", "\u0085", "\n", "\r"} {
		evil := "../onyx" + sep + "volumes:" + sep + "  db_volume:" + sep + "    driver_opts: {type: none, o: bind, device: /}"
		set := renderUnchecked(t, Onyx(), "compose.source.yaml", source, stack.Answers{"source_dir": evil})
		got := yamlTopKeys(t, "compose.source.yaml", onyxFile(t, set, "compose.source.yaml"))
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("source_dir with %U changed compose.source.yaml's top-level keys from %v to %v", []rune(sep)[0], want, got)
		}
	}
}

// psCode returns the code of a PowerShell script outside comments and
// strings, by PowerShell's tokenizer rules: a single-quoted string opens and
// closes at ' or any of U+2018, U+2019, U+201A, U+201B, and two quote
// characters in a row stand for one; double-quoted strings open and close
// at " or U+201C, U+201D, U+201E, with ` escaping the next character.
func psCode(src string) string {
	single := func(r rune) bool { return r == '\'' || r >= 0x2018 && r <= 0x201B }
	double := func(r rune) bool { return r == '"' || r >= 0x201C && r <= 0x201E }
	rs := []rune(src)
	var code strings.Builder
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case r == '<' && i+1 < len(rs) && rs[i+1] == '#':
			for i += 2; i+1 < len(rs) && !(rs[i] == '#' && rs[i+1] == '>'); i++ {
			}
			i++
		case r == '#':
			for ; i < len(rs) && rs[i] != '\n'; i++ {
			}
			code.WriteRune('\n')
		case single(r) || double(r):
			isQuote := single
			if double(r) {
				isQuote = double
			}
			for i++; i < len(rs); i++ {
				if isQuote(rs[i]) {
					if i+1 < len(rs) && isQuote(rs[i+1]) {
						i++
						continue
					}
					break
				}
				if double(r) && rs[i] == '`' {
					i++
				}
			}
			code.WriteString("''")
		default:
			code.WriteRune(r)
		}
	}
	return code.String()
}

// PowerShell ends a single-quoted string at typographic quotes too, so
// doubling only ' let `../onyx’; Start-Process calc; #` run code.
func TestPowerShellQuotingHoldsTypographicQuotes(t *testing.T) {
	for _, q := range []string{"'", "\u2018", "\u2019", "\u201A", "\u201B"} {
		evil := "../onyx" + q + "; Start-Process calc; #"
		set, _ := renderOnyx(t, stack.Answers{"mode": "source", "source_dir": evil})
		for _, f := range set {
			if !strings.HasSuffix(f.Path, ".ps1") {
				continue
			}
			text := string(f.Content)
			if strings.Contains(psCode(text), "Start-Process") {
				t.Errorf("%s: source_dir %q runs as code", f.Path, evil)
			}
			if i := strings.IndexFunc(text, func(r rune) bool { return r > unicode.MaxASCII }); i >= 0 {
				t.Errorf("%s: non-ASCII %q in a script Windows PowerShell 5.1 reads in the ANSI code page", f.Path, []rune(text[i:])[0])
			}
		}
	}
}

func TestPSCodeSeesTypographicQuotes(t *testing.T) {
	if got := psCode("x 'a’; Start-Process calc; #'"); !strings.Contains(got, "Start-Process") {
		t.Errorf("psCode(%q) = %q; U+2019 must end the string", "x 'a’; ...", got)
	}
	if got := psCode("x 'a’’b' # c"); strings.Contains(got, "b") || strings.Contains(got, "c") {
		t.Errorf("psCode treats a doubled quote or a comment as code: %q", got)
	}
}

// dockerfileArgs parses a Dockerfile with BuildKit and returns the number
// of instructions and every ARG's default value as BuildKit expands it.
func dockerfileArgs(t *testing.T, text string) (int, map[string]string) {
	t.Helper()
	res, err := parser.Parse(strings.NewReader(text))
	if err != nil {
		t.Fatalf("Dockerfile does not parse: %v", err)
	}
	lex := shell.NewLex(res.EscapeToken)
	args := map[string]string{}
	for _, n := range res.AST.Children {
		if !strings.EqualFold(n.Value, "arg") {
			continue
		}
		for a := n.Next; a != nil; a = a.Next {
			key, raw, ok := strings.Cut(a.Value, "=")
			if !ok {
				continue
			}
			v, _, err := lex.ProcessWord(raw, shell.EnvsFromSlice(nil))
			if err != nil {
				t.Fatalf("ARG %s: %v", key, err)
			}
			args[key] = v
		}
	}
	return len(res.AST.Children), args
}

// A bare ARG value ending in \ joined the next line, and the instruction
// after it disappeared.
func TestDockerfileArgCannotJoinLines(t *testing.T) {
	plain, _ := renderKeras(t, stack.Answers{"pip_index_url": "https://mirror.example.com/simple"})
	wantCount, _ := dockerfileArgs(t, kerasFile(t, plain, "Dockerfile"))
	for _, u := range []string{`https://mirror.example.com/simple\`, `https://mirror.example.com/a\b/`} {
		set, _ := renderKeras(t, stack.Answers{"pip_index_url": u})
		count, args := dockerfileArgs(t, kerasFile(t, set, "Dockerfile"))
		if count != wantCount {
			t.Errorf("pip_index_url %q: the Dockerfile has %d instructions, want %d", u, count, wantCount)
		}
		if args["PIP_INDEX_URL"] != u {
			t.Errorf("pip_index_url %q reads back from the Dockerfile as %q", u, args["PIP_INDEX_URL"])
		}
	}
}

// No answer is free text: each one refuses control characters, line and
// paragraph separators and bidi controls with one line naming the answer.
func TestAnswersRefuseLineBreakAndBidiCharacters(t *testing.T) {
	cases := []struct {
		def   *stack.Definition
		given stack.Answers
		key   string
	}{
		{Onyx(), stack.Answers{"mode": "source"}, "source_dir"},
		{Onyx(), stack.Answers{"auth": "oidc", "oauth_client_id": "x"}, "openid_config_url"},
		{Django(), nil, "pip_index_url"},
		{Keras(), nil, "pip_index_url"},
		{Django(), nil, "image.db"},
	}
	base := map[string]string{"source_dir": "../onyx", "openid_config_url": "https://login.example.com/x", "pip_index_url": "https://mirror.example.com/simple", "image.db": "mariadb:11.8"}
	for _, c := range cases {
		for _, bad := range []string{"\u2028", "\u2029", "\u0085", "\u202E", "\u2066", "\x00", "\x1b[31m", "\x7f", "\n", "\xff"} {
			given := stack.Answers{}
			for k, v := range c.given {
				given[k] = v
			}
			given[c.key] = base[c.key][:5] + bad + base[c.key][5:]
			_, err := c.def.Resolve(given)
			if err == nil {
				t.Errorf("%s: %s = %q was accepted", c.def.Name, c.key, given[c.key])
				continue
			}
			if msg := err.Error(); strings.ContainsAny(msg, "\n\r\u2028\u2029\u0085") || !strings.HasPrefix(msg, c.key+": ") {
				t.Errorf("%s: error for %q is not one line naming %s: %q", c.def.Name, given[c.key], c.key, msg)
			}
		}
	}
}
