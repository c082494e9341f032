package render

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/compose-spec/compose-go/v2/template"
	goccy "github.com/goccy/go-yaml"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
	"go.yaml.in/yaml/v4"
)

// Each quoting helper round-trips through the real parser of its syntax
// (PowerShell and nginx by their documented tokenizer rules, since pwsh
// cannot run here and nginx has no way to print a parsed value): whatever
// the value, the helper either refuses it or the parser reads back exactly
// the value, in exactly the structure the template meant. `go test` runs
// the seeds; .ci/fuzz.sh runs each target with -fuzz for a bounded time.

// seeds are the values the hardening audit used, and their neighbours.
var seeds = append([]string{
	"../onyx\u2028volumes:\u2028  db_volume: {}",
	"a\u0085b: c", "x\u2029y", "\u202Eevil\u202C", "\u2066rtl\u2069",
	"../onyx’; Start-Process calc; #", "‘’‚‛“”„", "a''b", "é🔑",
	`https://mirror.example.com/simple\`, `ends in \`, `\\`, `"`, `$$`, `${X:-y}`,
	"\x00", "\x1b[31m", "\x7f", "\t lead and trail \t", " ", "#", ";", "{}", "\xff\xfe",
	"#> <#", "`", "```", "*_[x](y)_*", "-- ", "key: value", "- item", "&a *a",
}, hostile...)

func addSeeds(f *testing.F) {
	for _, s := range seeds {
		f.Add(s)
	}
}

func yamlReadBack(t *testing.T, doc string) (map[string]any, error) {
	t.Helper()
	var v4, gc map[string]any
	if err := yaml.Unmarshal([]byte(doc), &v4); err != nil {
		return nil, fmt.Errorf("go.yaml.in/yaml/v4 (compose's parser): %w", err)
	}
	if err := goccy.Unmarshal([]byte(doc), &gc); err != nil {
		return nil, fmt.Errorf("goccy/go-yaml: %w", err)
	}
	if fmt.Sprint(v4) != fmt.Sprint(gc) {
		return nil, fmt.Errorf("the two YAML parsers disagree: %v vs %v", v4, gc)
	}
	return v4, nil
}

func FuzzYAMLString(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, s string) {
		q := YAMLString(s)
		if strings.ContainsAny(q, "\n\r\u0085\u2028\u2029") {
			t.Fatalf("YAMLString(%q) = %q spans lines", s, q)
		}
		got, err := yamlReadBack(t, "a: "+q+"\nb: 2\n")
		if err != nil {
			t.Fatalf("YAMLString(%q) = %s: %v", s, q, err)
		}
		if len(got) != 2 || got["a"] != strings.ToValidUTF8(s, "\uFFFD") || fmt.Sprint(got["b"]) != "2" {
			t.Fatalf("YAMLString(%q) = %s reads back as %#v", s, q, got)
		}
	})
}

func FuzzComposeString(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, s string) {
		q := ComposeString(s)
		got, err := yamlReadBack(t, "a: "+q+"\n")
		if err != nil {
			t.Fatalf("ComposeString(%q) = %s: %v", s, q, err)
		}
		v, _ := got["a"].(string)
		out, err := template.Substitute(v, func(string) (string, bool) { return "INJECTED", true })
		if err != nil || out != strings.ToValidUTF8(s, "\uFFFD") {
			t.Fatalf("ComposeString(%q) = %s interpolates to %q (%v)", s, q, out, err)
		}
	})
}

func FuzzComment(f *testing.F) {
	addSeeds(f)
	bash, bashErr := exec.LookPath("bash")
	f.Fuzz(func(t *testing.T, s string) {
		c := Comment(s)
		got, err := yamlReadBack(t, "a: 1\n# "+c+"\nb: 2\n")
		if err != nil {
			t.Fatalf("Comment(%q) = %q: %v", s, c, err)
		}
		if len(got) != 2 {
			t.Fatalf("Comment(%q) = %q adds YAML keys: %v", s, c, got)
		}
		// BuildKit: the comment, even ending in \, leaves the next
		// instruction alone.
		for _, src := range []string{"# " + c + "\nRUN true\n", "FROM x\n# " + c + "\nRUN true\n"} {
			res, err := parser.Parse(strings.NewReader(src))
			if err != nil || len(res.AST.Children) != strings.Count(src, "\n")-1 {
				t.Fatalf("Comment(%q) = %q: BuildKit: %v", s, c, err)
			}
		}
		if p := PowerShellComment(s); strings.IndexFunc(p, func(r rune) bool { return (r < 0x20 || r > 0x7E) && r != '\t' }) >= 0 {
			t.Fatalf("PowerShellComment(%q) = %q is not printable ASCII", s, p)
		}
		if bashErr == nil {
			out, err := exec.Command(bash, "-c", "# "+c+"\nprintf ok").Output()
			if err != nil || string(out) != "ok" {
				t.Fatalf("Comment(%q) = %q: bash ran %q (%v)", s, c, out, err)
			}
		}
	})
}

func FuzzShellQuote(f *testing.F) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		f.Skip("bash not installed")
	}
	addSeeds(f)
	f.Fuzz(func(t *testing.T, s string) {
		q, err := ShellWord(s)
		if err != nil {
			if !strings.ContainsRune(s, 0) {
				t.Fatalf("ShellWord refused %q: %v", s, err)
			}
			return
		}
		out, err := exec.Command(bash, "-c", "printf '%s|' "+q+" END").Output()
		if err != nil || string(out) != s+"|END|" {
			t.Fatalf("ShellQuote(%q) = %s: bash read %q (%v)", s, q, out, err)
		}
	})
}

// psEval evaluates what PowerShellQuote writes by PowerShell's tokenizer
// rules (about_Quoting_Rules, the language specification's
// verbatim-string-literal): a single-quoted string opens and closes at any
// of ' U+2018 U+2019 U+201A U+201B and two of them in a row stand for the
// second; [char]0xNNNN is one UTF-16 code unit; + concatenates; ( )
// group. Anything else is a syntax error here.
func psEval(src string) (string, error) {
	single := func(r rune) bool { return r == '\'' || r >= 0x2018 && r <= 0x201B }
	rs := []rune(src)
	i := 0
	var units []uint16
	term := func() error {
		switch {
		case i < len(rs) && single(rs[i]):
			for i++; ; i++ {
				if i >= len(rs) {
					return fmt.Errorf("string never closed")
				}
				if single(rs[i]) {
					if i+1 < len(rs) && single(rs[i+1]) {
						i++
					} else {
						i++
						return nil
					}
				}
				units = append(units, utf16.Encode([]rune{rs[i]})...)
			}
		case strings.HasPrefix(string(rs[i:]), "[char]0x"):
			i += len("[char]0x")
			j := i
			for j < len(rs) && strings.ContainsRune("0123456789abcdefABCDEF", rs[j]) {
				j++
			}
			n, err := strconv.ParseUint(string(rs[i:j]), 16, 16)
			if err != nil {
				return fmt.Errorf("bad [char]: %v", err)
			}
			units = append(units, uint16(n))
			i = j
			return nil
		}
		return fmt.Errorf("unexpected %q at %d", string(rs[i:]), i)
	}
	if i < len(rs) && rs[i] == '(' {
		i++
		for {
			if err := term(); err != nil {
				return "", err
			}
			if strings.HasPrefix(string(rs[i:]), " + ") {
				i += 3
				continue
			}
			break
		}
		if i >= len(rs) || rs[i] != ')' {
			return "", fmt.Errorf("( never closed")
		}
		i++
	} else if err := term(); err != nil {
		return "", err
	}
	if i != len(rs) {
		return "", fmt.Errorf("trailing %q: the value ended the string early", string(rs[i:]))
	}
	return string(utf16.Decode(units)), nil
}

func TestPSEvalFollowsTheTokenizerRules(t *testing.T) {
	if _, err := psEval("'../onyx’; Start-Process calc; #'"); err == nil {
		t.Error("psEval read past a U+2019 that ends the string")
	}
	if got, err := psEval("'a’’b'"); err != nil || got != "a’b" {
		t.Errorf("psEval of a doubled U+2019 = %q, %v", got, err)
	}
}

func FuzzPowerShellQuote(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, s string) {
		q := PowerShellQuote(s)
		if strings.IndexFunc(q, func(r rune) bool { return r < 0x20 || r > 0x7E }) >= 0 {
			t.Fatalf("PowerShellQuote(%q) = %q is not printable ASCII (Windows PowerShell 5.1 may read it in the ANSI code page)", s, q)
		}
		got, err := psEval(q)
		if err != nil || got != strings.ToValidUTF8(s, "\uFFFD") {
			t.Fatalf("PowerShellQuote(%q) = %s evaluates to %q (%v)", s, q, got, err)
		}
	})
}

func FuzzDockerfileWord(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, s string) {
		w, err := DockerfileWord(s)
		if err != nil {
			return // controls and line breaks: an instruction is one line
		}
		for _, ins := range []string{"ARG", "ENV"} {
			src := ins + " X=" + w + "\nRUN true\n"
			res, err := parser.Parse(strings.NewReader(src))
			if err != nil {
				t.Fatalf("DockerfileWord(%q) = %s: BuildKit: %v", s, w, err)
			}
			if n := len(res.AST.Children); n != 2 {
				t.Fatalf("DockerfileWord(%q) = %s: %d instructions, want 2", s, w, n)
			}
			n := res.AST.Children[0]
			if n.Next == nil {
				t.Fatalf("DockerfileWord(%q) = %s: %s has no argument", s, w, ins)
			}
			_, raw, _ := strings.Cut(n.Next.Value, "=")
			if ins == "ENV" {
				raw = n.Next.Next.Value
			}
			got, _, err := shell.NewLex(res.EscapeToken).ProcessWord(raw, shell.EnvsFromSlice([]string{"HOME=/INJECTED"}))
			if err != nil || got != s {
				t.Fatalf("DockerfileWord(%q) = %s: %s reads back as %q (%v)", s, w, ins, got, err)
			}
		}
	})
}

func FuzzEnvValue(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, s string) {
		v, err := EnvEntry(s)
		if err != nil {
			return
		}
		env, err := dotenvParse("K=" + v + "\nL=2\n")
		if err != nil || len(env) != 2 || env["K"] != s {
			t.Fatalf("EnvValue(%q) = %s reads back as %#v (%v)", s, v, env, err)
		}
	})
}

// nginxArgs tokenizes one nginx directive by ngx_conf_read_token's rules:
// blanks separate words, ; ends the directive, a word starting with " or
// ' runs to the matching quote, and in every word \" \' \\ stand for the
// character and \t \r \n for tab, CR and LF.
func nginxArgs(src string) ([]string, error) {
	var words []string
	i := 0
	unescape := func(w string) string {
		var b strings.Builder
		for j := 0; j < len(w); j++ {
			if w[j] == '\\' && j+1 < len(w) {
				switch w[j+1] {
				case '"', '\'', '\\':
					j++
				case 't', 'r', 'n':
					b.WriteByte(map[byte]byte{'t': '\t', 'r': '\r', 'n': '\n'}[w[j+1]])
					j++
					continue
				}
			}
			b.WriteByte(w[j])
		}
		return b.String()
	}
	for i < len(src) {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			i++
		case c == ';':
			if strings.TrimSpace(src[i+1:]) != "" {
				return nil, fmt.Errorf("text after ;: %q", src[i+1:])
			}
			return words, nil
		case c == '{' || c == '}' || c == '#':
			return nil, fmt.Errorf("unexpected %q", c)
		case c == '"' || c == '\'':
			j := i + 1
			for j < len(src) && src[j] != c {
				if src[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(src) {
				return nil, fmt.Errorf("quote never closed")
			}
			if j+1 < len(src) && !strings.ContainsRune(" \t\r\n;{", rune(src[j+1])) {
				return nil, fmt.Errorf("unexpected %q after a quoted string", src[j+1])
			}
			words = append(words, unescape(src[i+1:j]))
			i = j + 1
		default:
			j := i
			for j < len(src) && !strings.ContainsRune(" \t\r\n;{}", rune(src[j])) {
				if src[j] == '\\' {
					j++
				}
				j++
			}
			words = append(words, unescape(src[i:min(j, len(src))]))
			i = j
		}
	}
	return nil, fmt.Errorf("directive not ended by ;")
}

func FuzzNginxValue(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, s string) {
		v, err := NginxValue(s)
		if err != nil {
			return
		}
		if strings.Contains(v, "$") {
			t.Fatalf("NginxValue(%q) = %s holds a $, which nginx expands", s, v)
		}
		words, err := nginxArgs("server_name " + v + ";")
		if err != nil || len(words) != 2 || words[1] != s {
			t.Fatalf("NginxValue(%q) = %s reads back as %q (%v)", s, v, words, err)
		}
	})
}

// python3 finds the interpreter itself, not a version manager's shim
// (which costs half a second per run).
func python3(tb testing.TB) string {
	py, err := exec.LookPath("python3")
	if err != nil {
		tb.Skip("python3 not installed")
	}
	if out, err := exec.Command(py, "-c", "import sys; print(sys.executable)").Output(); err == nil && strings.TrimSpace(string(out)) != "" {
		return strings.TrimSpace(string(out))
	}
	return py
}

// pythonServer starts one python3 that runs handle(data: bytes) -> bytes
// for every request, so a fuzz worker does not pay python's start-up for
// each input. Requests and answers are hex lines; an exception answers
// "!" and its text.
func pythonServer(tb testing.TB, handle string) func([]byte) (string, error) {
	tb.Helper()
	program := handle + `
import sys, traceback
for line in sys.stdin:
    try:
        out = b"=" + handle(bytes.fromhex(line.strip()))
    except Exception as e:
        out = b"!" + repr(e).encode()
    sys.stdout.write(out.hex() + "\n")
    sys.stdout.flush()
`
	cmd := exec.Command(python3(tb), "-c", program)
	in, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	outPipe, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { in.Close(); cmd.Wait() })
	out := bufio.NewReader(outPipe)
	return func(data []byte) (string, error) {
		if _, err := fmt.Fprintf(in, "%x\n", data); err != nil {
			return "", err
		}
		line, err := out.ReadString('\n')
		if err != nil {
			return "", err
		}
		b, err := hex.DecodeString(strings.TrimSpace(line))
		if err != nil || len(b) == 0 {
			return "", fmt.Errorf("bad answer %q", line)
		}
		if b[0] == '!' {
			return "", fmt.Errorf("python: %s", b[1:])
		}
		return string(b[1:]), nil
	}
}

func FuzzINIValue(f *testing.F) {
	read := pythonServer(f, `import configparser
def handle(data):
    c = configparser.ConfigParser(interpolation=None)
    c.read_string(data.decode("utf-8"))
    return repr(sorted(c["s"].keys())).encode() + b"|" + c["s"]["k"].encode("utf-8")
`)
	addSeeds(f)
	f.Fuzz(func(t *testing.T, s string) {
		v, err := INIValue(s)
		if err != nil {
			return
		}
		got, err := read([]byte("[s]\nk = " + v + "\nz = 2\n"))
		if want := "['k', 'z']|" + s; err != nil || got != want {
			t.Fatalf("INIValue(%q) = %q: configparser read %q (%v)", s, v, got, err)
		}
	})
}

func FuzzPythonString(f *testing.F) {
	// ast.literal_eval parses with Python's own parser and evaluates
	// literals only: a value that escaped its quotes is a syntax error.
	eval := pythonServer(f, `import ast
def handle(data):
    v = ast.literal_eval(data.decode("utf-8"))
    if not isinstance(v, str):
        raise TypeError(type(v))
    return v.encode("utf-8", "surrogatepass")
`)
	addSeeds(f)
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return // JSON writes each invalid byte as U+FFFD; answers refuse them before
		}
		got, err := eval([]byte(PythonString(s)))
		if err != nil || got != s {
			t.Fatalf("PythonString(%q) = %s: python read %q (%v)", s, PythonString(s), got, err)
		}
	})
}
