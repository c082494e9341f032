package msg

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
)

// entries reads one language's catalogue files the way the bundle does.
func entries(t *testing.T, l Lang) map[string]string {
	t.Helper()
	files, err := parse(l)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, mf := range files {
		for _, m := range mf.Messages {
			out[m.ID] = m.Other
		}
	}
	return out
}

var field = regexp.MustCompile(`\.([A-Za-z_][A-Za-z0-9_]*)`)
var action = regexp.MustCompile(`\{\{(.*?)\}\}`)

// placeholders are the template fields a message uses ({{.Service}},
// {{if eq .Tag "latest"}}), as a sorted set.
func placeholders(s string) []string {
	set := map[string]bool{}
	for _, a := range action.FindAllStringSubmatch(s, -1) {
		for _, f := range field.FindAllStringSubmatch(a[1], -1) {
			set[f[1]] = true
		}
	}
	out := []string{}
	for f := range set {
		out = append(out, f)
	}
	sort.Strings(out)
	return out
}

func TestEveryMessageInEveryLanguage(t *testing.T) {
	src := entries(t, En)
	for _, l := range Langs()[1:] {
		tr := entries(t, l)
		for id := range src {
			if _, ok := tr[id]; !ok {
				t.Errorf("%s: %q is in locales/en only; translate it", l, id)
			}
		}
		for id := range tr {
			if _, ok := src[id]; !ok {
				t.Errorf("%s: %q is in locales/%s only; add the English source", l, id, l)
			}
		}
	}
}

func TestPlaceholdersMatchTheSource(t *testing.T) {
	src := entries(t, En)
	for _, l := range Langs()[1:] {
		for id, text := range entries(t, l) {
			if d := cmp.Diff(placeholders(src[id]), placeholders(text)); d != "" {
				t.Errorf("%s %q: placeholders differ from en (-en +%s):\n%s", l, id, l, d)
			}
		}
	}
}

func TestMessagesRender(t *testing.T) {
	// every entry parses as a template and renders with its placeholders
	// set, in every language
	for _, l := range Langs() {
		loc := New(l)
		for id, text := range entries(t, l) {
			args := Args{}
			for _, p := range placeholders(text) {
				args[p] = "X"
			}
			got := loc.T(id, args)
			if got == id { // a count compared in the template ({{if ne .Count 1}})
				for k := range args {
					args[k] = 2
				}
				got = loc.T(id, args)
			}
			if got == id || strings.Contains(got, "<no value>") {
				t.Errorf("%s %q renders as %q", l, id, got)
			}
		}
	}
}

func TestPlaceholderCheckCatchesADifference(t *testing.T) {
	// the check itself must be able to fail
	a, b := placeholders("service {{.Service}} waits for {{.Dep}}"), placeholders("服务 {{.Service}} 等待 {{.Dependency}}")
	if cmp.Equal(a, b) {
		t.Fatalf("placeholders(%v) == placeholders(%v)", a, b)
	}
	if got := placeholders(`x {{if eq .Tag "latest"}}y{{end}} {{.A}}`); !cmp.Equal(got, []string{"A", "Tag"}) {
		t.Fatalf("placeholders in an if: %v", got)
	}
}

func TestChineseIsChinese(t *testing.T) {
	zh := New(Zh)
	if got := zh.T("root.cancelled"); got != "已取消" {
		t.Errorf("zh root.cancelled = %q", got)
	}
	if got := English().T("root.cancelled"); got != "cancelled" {
		t.Errorf("en root.cancelled = %q", got)
	}
	if got := zh.T("no.such.message"); got != "no.such.message" {
		t.Errorf("an unknown id renders as %q, want the id", got)
	}
}

func TestDetect(t *testing.T) {
	cases := []struct {
		name string
		flag string
		env  map[string]string
		want Lang
		err  bool
	}{
		{"nothing", "", nil, En, false},
		{"LANG zh_CN", "", map[string]string{"LANG": "zh_CN.UTF-8"}, Zh, false},
		{"LANG zh_TW means Chinese too", "", map[string]string{"LANG": "zh_TW.UTF-8"}, Zh, false},
		{"LC_ALL wins over LANG", "", map[string]string{"LC_ALL": "en_US.UTF-8", "LANG": "zh_CN.UTF-8"}, En, false},
		{"LC_MESSAGES wins over LANG", "", map[string]string{"LC_MESSAGES": "zh_CN.UTF-8", "LANG": "en_US.UTF-8"}, Zh, false},
		{"an unknown locale is English", "", map[string]string{"LANG": "de_DE.UTF-8"}, En, false},
		{"C locale", "", map[string]string{"LC_ALL": "C"}, En, false},
		{"flag wins", "en", map[string]string{"LANG": "zh_CN.UTF-8"}, En, false},
		{"flag zh", "zh", nil, Zh, false},
		{"flag zh-CN", "zh-CN", nil, Zh, false},
		{"bad flag", "fr", nil, "", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Detect(c.flag, func(k string) string { return c.env[k] })
			if (err != nil) != c.err || got != c.want {
				t.Fatalf("Detect(%q, %v) = %q, %v; want %q, error %v", c.flag, c.env, got, err, c.want, c.err)
			}
		})
	}
}

func TestSubIsSaidInTheSameLanguage(t *testing.T) {
	args := Args{"Value": `"fr"`, "Names": Sub{ID: "root.cancelled"}}
	if got := New(Zh).T("lang.invalid", args); !strings.Contains(got, "已取消") {
		t.Errorf("zh with a Sub: %q", got)
	}
	if got := English().T("lang.invalid", args); !strings.Contains(got, "speaks cancelled") {
		t.Errorf("en with a Sub: %q", got)
	}
	if _, ok := args["Names"].(Sub); !ok {
		t.Error("T changed the caller's args")
	}
}

func TestErrorsAreSaidAgainInTheReadersLanguage(t *testing.T) {
	inner := Err("down.volumes.named", Args{"Volumes": "db_vol"})
	outer := Err("down.err.confirm", Args{"What": inner, "Flag": "yes-delete-data"})
	if !strings.Contains(outer.Error(), "deletes the volumes db_vol") {
		t.Errorf("English where it was made: %q", outer)
	}
	got := New(Zh).T("root.error", Args{"Err": outer})
	if !strings.Contains(got, "会删除数据卷 db_vol") || !strings.HasPrefix(got, "stackgen：") {
		t.Errorf("said again in Chinese: %q", got)
	}
	// an error from outside the catalogue is printed as it is
	if got := New(Zh).T("root.error", Args{"Err": errors.New("boom")}); got != "stackgen：boom" {
		t.Errorf("plain error: %q", got)
	}
}

type usageError struct{ error }

func (e usageError) Unwrap() error { return e.error }

func TestAWrapperWithoutWordsIsLookedThrough(t *testing.T) {
	err := usageError{Err("logs.err.dir-services")}
	if got := New(Zh).T("root.error", Args{"Err": err}); !strings.Contains(got, "最多只能指定一个服务") {
		t.Errorf("%q", got)
	}
	wrapped := fmt.Errorf("reading x: %w", Err("logs.err.dir-services"))
	if got := New(Zh).T("root.error", Args{"Err": wrapped}); !strings.Contains(got, "reading x: with --dir") {
		t.Errorf("a wrapper with words of its own stays as it is: %q", got)
	}
}

func TestAnIDInTwoFilesIsRefused(t *testing.T) {
	fsys := fstest.MapFS{
		"locales/en/a.yaml": {Data: []byte(`"a.one": "one"` + "\n")},
		"locales/en/b.yaml": {Data: []byte(`"a.one": "again"` + "\n")},
	}
	_, err := parseFS(fsys, En)
	if err == nil || !strings.Contains(err.Error(), `"a.one" is already in locales/en/a.yaml`) {
		t.Fatalf("parseFS = %v, want the duplicate named", err)
	}
}

// Each area's file holds that area's IDs, so that a change to one area's
// messages is a change to one file in each language.
func TestEachFileHoldsItsArea(t *testing.T) {
	for _, l := range Langs() {
		files, err := parse(l)
		if err != nil {
			t.Fatal(err)
		}
		for _, mf := range files {
			want := strings.TrimSuffix(path.Base(mf.Path), ".yaml")
			for _, m := range mf.Messages {
				if a := area(m.ID); a != want {
					t.Errorf("%s: %q belongs in locales/%s/%s.yaml", mf.Path, m.ID, l, a)
				}
			}
		}
	}
}

func TestCatalogueErrorsUnwrapTheirCause(t *testing.T) {
	cause := fs.ErrNotExist
	err := Err("root.error", Args{"Err": fmt.Errorf("reading x: %w", cause)})
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("errors.Is(%v, fs.ErrNotExist) = false; a catalogue wrap must keep its cause", err)
	}
	var pe *Error
	if !errors.As(Err("root.error", Args{"Err": Err("lang.invalid", Args{"Value": "x", "Names": "en"})}), &pe) {
		t.Fatal("errors.As found no *Error")
	}
	if errors.Is(Err("root.error", Args{"Err": "text"}), fs.ErrNotExist) {
		t.Fatal("a string argument is not a cause")
	}
}
