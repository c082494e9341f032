package render

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"unicode"

	"github.com/stackgen/stackgen/internal/msg"
	"github.com/stackgen/stackgen/stack"
)

// sayValue is what the script variable holds in the fuzz targets: were it
// evaluated again (not just read), the output would show it.
const sayValue = `$(echo pwned) ${HOME} "q" 'x' ` + "`id`"

// A message with a placeholder, whatever its text, prints exactly that
// text around the variable's value: bash reads tsh's word back.
func FuzzShellMessage(f *testing.F) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		f.Skip("bash not installed")
	}
	for _, s := range seeds {
		f.Add(s, "后半句")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		if stack.CheckText("a", a) != nil || stack.CheckText("b", b) != nil {
			return // lookup refuses such text before it is quoted
		}
		q := shellJoin([]string{a, "v", b})
		script := "v=" + ShellQuote(sayValue) + "; printf '%s|' " + q + " END"
		out, err := exec.Command(bash, "-c", script).Output()
		if want := a + sayValue + b + "|END|"; err != nil || string(out) != want {
			t.Fatalf("shellJoin(%q, v, %q) = %s: bash printed %q, want %q (%v)", a, b, q, out, want, err)
		}
		if q := shellJoin([]string{a + b}); !strings.HasPrefix(q, `"`) {
			t.Fatalf("shellJoin(%q) = %s is not one double-quoted word", a+b, q)
		}
	})
}

// psDoubleEval evaluates a double-quoted PowerShell string by the
// language's rules for what psJoin writes: it opens and closes at any of
// " U+201C U+201D U+201E, a backtick makes the next character literal,
// ${NAME} is the variable (from vars), and any other $ would expand
// something, so it is an error here.
func psDoubleEval(src string, vars map[string]string) (string, error) {
	dq := func(r rune) bool { return r == '"' || r >= 0x201C && r <= 0x201E }
	rs := []rune(src)
	if len(rs) < 2 || !dq(rs[0]) || !dq(rs[len(rs)-1]) {
		return "", fmt.Errorf("not a double-quoted string: %s", src)
	}
	var b strings.Builder
	for i := 1; i < len(rs)-1; i++ {
		switch r := rs[i]; {
		case r == '`':
			i++
			if i == len(rs)-1 {
				return "", fmt.Errorf("a backtick escapes the closing quote: %s", src)
			}
			if strings.ContainsRune("0abefnrtuv", rs[i]) {
				return "", fmt.Errorf("`%c is a special character, not a literal: %s", rs[i], src)
			}
			b.WriteRune(rs[i])
		case r == '$':
			var name string
			if i+1 < len(rs) && rs[i+1] == '{' {
				end := strings.IndexRune(string(rs[i:]), '}')
				if end < 0 {
					return "", fmt.Errorf("${ without }: %s", src)
				}
				name = string(rs[i:])[2:end]
				i += len([]rune(string(rs[i:])[:end]))
			} else {
				// $name: letters of any script, digits, _ ? and : go on
				j := i + 1
				for j < len(rs)-1 && (unicode.IsLetter(rs[j]) || unicode.IsDigit(rs[j]) || strings.ContainsRune("_?:", rs[j])) {
					j++
				}
				name = string(rs[i+1 : j])
				i = j - 1
			}
			v, ok := vars[name]
			if !ok {
				return "", fmt.Errorf("unknown variable %q in %s", name, src)
			}
			b.WriteString(v)
		case dq(r):
			return "", fmt.Errorf("the string ends early: %s", src)
		default:
			b.WriteRune(r)
		}
	}
	return b.String(), nil
}

func FuzzPowerShellMessage(f *testing.F) {
	for _, s := range seeds {
		f.Add(s, "后半句")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		if stack.CheckText("a", a) != nil || stack.CheckText("b", b) != nil {
			return // lookup refuses such text before it is quoted
		}
		q := psJoin([]string{a, "v", b})
		got, err := psDoubleEval(q, map[string]string{"v": sayValue})
		if want := a + sayValue + b; err != nil || got != want {
			t.Fatalf("psJoin(%q, v, %q) = %s evaluates to %q, want %q (%v)", a, b, q, got, want, err)
		}
		q = psJoin([]string{a + b})
		if got, err := psEval(q); err != nil || got != a+b {
			t.Fatalf("psJoin(%q) = %s evaluates to %q (%v)", a+b, q, got, err)
		}
	})
}

func TestPsDoubleEvalSeesAnExpansion(t *testing.T) {
	for _, src := range []string{`"a $b"`, `"$v已"`, `"$v:x"`, `"a“b"`, "\"a`\"", `"$(x)"`, "\"`n\""} {
		if got, err := psDoubleEval(src, nil); err == nil {
			t.Errorf("psDoubleEval(%s) = %q, want an error", src, got)
		}
	}
}

func TestMessageHelpersRefuse(t *testing.T) {
	l := msg.New(msg.Zh)
	if _, err := ShellMessage(l, "gen.no.such.message"); err == nil || !strings.Contains(err.Error(), "gen.yaml") {
		t.Errorf("an unknown ID: %v, want the catalogue file named", err)
	}
	for _, v := range []string{"$(rm -rf /)", "a b", "", "${x}"} {
		if _, err := ShellMessage(l, "gen.keras.load.loaded", "Image", v); err == nil {
			t.Errorf("variable name %q accepted", v)
		}
		if _, err := PowerShellMessage(l, "gen.keras.load.loaded", "Image", v); err == nil {
			t.Errorf("PowerShell variable name %q accepted", v)
		}
	}
	if _, err := ShellMessage(l, "gen.keras.load.loaded", "Image"); err == nil {
		t.Error("a placeholder without its variable accepted")
	}
	if _, err := ShellMessage(l, "gen.keras.load.loaded", "Image", Lit("a\nb")); err == nil {
		t.Error("a literal with a line break accepted")
	}
	if _, err := ShellMessage(l, "gen.keras.load.loaded", "Image", Lit("a\x00b")); err == nil {
		t.Error("a literal with NUL accepted")
	}
}

func TestMessageHelpersSayTheProjectsLanguage(t *testing.T) {
	for _, c := range []struct {
		lang msg.Lang
		sh   string
		ps   string
	}{
		{msg.En, `"Loaded $IMAGE."`, `"Loaded $Image."`},
		{msg.Zh, `"已载入镜像 ${IMAGE}。"`, `"已载入镜像 ${Image}。"`},
	} {
		l := msg.New(c.lang)
		if got, err := ShellMessage(l, "gen.keras.load.loaded", "Image", "IMAGE"); err != nil || got != c.sh {
			t.Errorf("%s tsh = %s (%v), want %s", c.lang, got, err, c.sh)
		}
		if got, err := PowerShellMessage(l, "gen.keras.load.loaded", "Image", "Image"); err != nil || got != c.ps {
			t.Errorf("%s tps = %s (%v), want %s", c.lang, got, err, c.ps)
		}
		// a literal is text: escaped with the message, not expanded
		if got, err := ShellMessage(l, "gen.keras.load.loaded", "Image", Lit("$(x)`y`")); err != nil || !strings.Contains(got, `\$(x)\`+"`y\\`") {
			t.Errorf("%s tsh with a literal = %s (%v)", c.lang, got, err)
		}
		if got, err := PowerShellMessage(l, "gen.keras.load.loaded", "Image", Lit("it's $x")); err != nil || !strings.Contains(got, `it''s $x`) {
			t.Errorf("%s tps with a literal = %s (%v)", c.lang, got, err)
		}
	}
}

// tcomment writes every line as a comment, indents the lines after the
// first, and a value's line break cannot start a line of code.
func TestCommentMessage(t *testing.T) {
	got, err := CommentMessage(msg.English(), "gen.conf.mycnf.header", 4, "DB", "MySQL", "Project", "x\nDROP TABLE")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(got, "\n")
	if len(lines) < 3 || !strings.HasPrefix(lines[0], "# MySQL settings for x\\u000ADROP TABLE") {
		t.Fatalf("CommentMessage = %q", got)
	}
	for _, l := range lines[1:] {
		if !strings.HasPrefix(l, "    #") {
			t.Errorf("line %q is not an indented comment", l)
		}
	}
	funcs := FuncsFor(msg.New(msg.Zh))
	tc := funcs["tcomment"].(func(...any) (string, error))
	if got, err := tc(8, "gen.conf.nginx.api-paths-api-rate"); err != nil || got != "# API 路径：api_rate_limit。" {
		t.Errorf("tcomment zh = %q (%v)", got, err)
	}
	if _, err := tc("gen.conf.mycnf.header", "DB"); err == nil {
		t.Error("tcomment accepted a placeholder without its value")
	}
	ini := funcs["tinicomment"].(func(string, ...any) (string, error))
	got, err = ini("gen.conf.uwsgi.header", "Project", "a\nstrict = false")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(got, "\n") {
		if !strings.HasPrefix(l, "; ") {
			t.Errorf("tinicomment line %q is not a ; comment", l)
		}
	}
	if !strings.Contains(got, "a\\u000Astrict = false 的 uWSGI 配置") {
		t.Errorf("tinicomment zh = %q: the value's line break must stay inside the comment", got)
	}
}
