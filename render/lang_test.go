package render

import (
	"bufio"
	"bytes"
	"io/fs"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stackgen/stackgen/fileset"
	"github.com/stackgen/stackgen/stack"
	"github.com/stackgen/stackgen/stacks"
	"github.com/stackgen/stackgen/templates"
)

func renderDjango(t *testing.T, a stack.Answers) fileset.Set {
	t.Helper()
	return renderStack(t, "django-uwsgi", a)
}

func renderStack(t *testing.T, name string, a stack.Answers) fileset.Set {
	t.Helper()
	d, err := stacks.Registry().Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	set, _, err := Project(d, a, Options{Rand: rand.NewChaCha8([32]byte{1})})
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func TestChineseProjectFiles(t *testing.T) {
	zh := renderDjango(t, stack.Answers{"lang": "zh"})
	en := renderDjango(t, nil)
	get := func(set fileset.Set, p string) string {
		f, ok := set.Get(p)
		if !ok {
			t.Fatalf("no %s", p)
		}
		return string(f.Content)
	}
	if r := get(zh, "README.md"); !strings.Contains(r, "## 故障排查") {
		t.Errorf("zh README is not Chinese:\n%.300s", r)
	}
	if r := get(en, "README.md"); !strings.Contains(r, "## Troubleshooting") {
		t.Errorf("en README:\n%.300s", r)
	}
	if _, ok := zh.Get("README.md.zh"); ok {
		t.Error("the variant is written under its own name too")
	}
	if e := get(zh, ".env"); !strings.Contains(e, "DJANGO_LANGUAGE_CODE='zh-hans'") {
		t.Errorf("zh .env does not default LANGUAGE_CODE to zh-hans:\n%s", e)
	}
	if e := get(en, ".env"); !strings.Contains(e, "DJANGO_LANGUAGE_CODE='en-us'") {
		t.Errorf("en .env LANGUAGE_CODE:\n%s", e)
	}
	if s := get(zh, "scripts/deploy.sh"); !strings.Contains(s, "正在构建镜像") || strings.HasPrefix(s, "\xEF\xBB\xBF") {
		t.Errorf("zh deploy.sh: Chinese messages, plain UTF-8 without a BOM:\n%.200q", s)
	}
}

// PowerShell 5.1 reads a .ps1 without a BOM in the ANSI code page: every
// rendered .ps1 with a non-ASCII byte starts with the UTF-8 BOM, and an
// ASCII one has none.
func TestPowerShellScriptsWithNonASCIIHaveABOM(t *testing.T) {
	n := map[string]int{}
	for _, name := range []string{"django-uwsgi", "keras-webpy", "onyx"} {
		for _, a := range []stack.Answers{nil, {"lang": "zh"}} {
			for _, f := range renderStack(t, name, a) {
				if !strings.HasSuffix(f.Path, ".ps1") {
					continue
				}
				ascii := true
				for _, c := range bytes.TrimPrefix(f.Content, utf8BOM) {
					ascii = ascii && c < 0x80
				}
				bom := bytes.HasPrefix(f.Content, utf8BOM)
				if !ascii && !bom {
					t.Errorf("%s %v %s: non-ASCII without a BOM", name, a, f.Path)
				}
				if ascii && bom {
					t.Errorf("%s %v %s: ASCII with a BOM", name, a, f.Path)
				}
				if !ascii {
					n[name]++
				}
			}
		}
		if n[name] == 0 {
			t.Errorf("%s: no rendered .ps1 has non-ASCII text; the check proved nothing", name)
		}
	}
}

// A language variant repeats its original's logic: only comments and the
// messages a person reads may differ, so the two cannot drift apart.
func TestLanguageVariantsOnlyChangeWords(t *testing.T) {
	for _, name := range []string{"django-uwsgi", "keras-webpy", "onyx"} {
		tree := templates.Stack(name)
		_ = fs.WalkDir(tree, ".", func(p string, e fs.DirEntry, err error) error {
			if err != nil || e.IsDir() || !strings.Contains(p, ".zh") || strings.HasSuffix(p, ".md.zh.tmpl") {
				return err
			}
			orig := strings.Replace(p, ".zh", "", 1)
			a, errA := fs.ReadFile(tree, orig)
			b, errB := fs.ReadFile(tree, p)
			if errA != nil || errB != nil {
				t.Errorf("%s: variant without its original %s", p, orig)
				return nil
			}
			if x, y := codeLines(string(a)), codeLines(string(b)); x != y {
				t.Errorf("%s/%s: its code differs from %s, not only its words:\n%s\n---\n%s", name, p, orig, x, y)
			}
			return nil
		})
	}
}

// codeLines drops comments and the lines that print or throw a message.
func codeLines(s string) string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(s))
	inHelp := false
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		switch {
		case l == "<#":
			inHelp = true
			continue
		case l == "#>":
			inHelp = false
			continue
		case inHelp, strings.HasPrefix(l, "#"):
			continue
		}
		for _, say := range []string{"echo ", "die ", "throw ", "Write-Host ", "Write-Warning ", "Write-Error "} {
			if strings.HasPrefix(l, say) || strings.Contains(l, "|| die ") {
				l = say + "…"
				break
			}
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}

func TestCodeLinesSeesACodeChange(t *testing.T) {
	if codeLines("# a\necho \"a\"\nx=1") != codeLines("# b\necho \"b\"\nx=1") {
		t.Error("a changed message or comment counts as code")
	}
	if codeLines("echo a\nx=1") == codeLines("echo a\nx=2") {
		t.Error("a changed command is not seen")
	}
}
