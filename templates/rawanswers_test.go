package templates

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
)

// action matches one template action under either delimiter pair the
// trees use ({{ }} for stacks, {% %} for bundle/).
var action = regexp.MustCompile(`(?s)\{\{.*?\}\}|\{%.*?%\}`)

// rawAnswer matches a read of the raw answers or the whole render input:
// templates read only the struct their stack builds (stacks/*Data), where
// each answer is parsed and checked once.
var rawAnswer = regexp.MustCompile(`\.(Answers|Input)\b`)

// rawAnswerUses lists "path: action" for every template action in fsys
// that reads raw answers.
func rawAnswerUses(fsys fs.FS) ([]string, error) {
	var uses []string
	err := fs.WalkDir(fsys, ".", func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() || !strings.HasSuffix(p, ".tmpl") {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		for _, a := range action.FindAllString(string(b), -1) {
			if rawAnswer.MatchString(a) {
				uses = append(uses, p+": "+a)
			}
		}
		return nil
	})
	return uses, err
}

func TestTemplatesReadNoRawAnswers(t *testing.T) {
	uses, err := rawAnswerUses(files)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range uses {
		t.Errorf("%s reads raw answers; add a field to the stack's template data (stacks/*Data) and read that", u)
	}
}

// The scan must see each way a template can reach the answers, or the
// test above passes for the wrong reason.
func TestRawAnswerScanCatchesPlanted(t *testing.T) {
	fsys := fstest.MapFS{
		"a/field.sh.tmpl":     {Data: []byte("v={{sh .Answers.app_version}}\n")},
		"a/index.ps1.tmpl":    {Data: []byte("{{ index .Answers \"db\" }}")},
		"a/root.yaml.tmpl":    {Data: []byte("{{- range $.Answers }}x{{ end }}")},
		"bundle/load.sh.tmpl": {Data: []byte("{% .Input.Version %}")},
		"a/multi.tmpl":        {Data: []byte("{{ if\n  .Answers.https }}on{{ end }}")},
		// Not template actions, or not templates: left alone.
		"a/text.md.tmpl": {Data: []byte("Answers are kept in .stackgen.yml (see .Answers in the docs)\n{{ .AppVersion }}")},
		"a/copied.txt":   {Data: []byte("{{ .Answers.x }}")},
	}
	uses, err := rawAnswerUses(fsys)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, u := range uses {
		got[strings.SplitN(u, ":", 2)[0]] = true
	}
	for _, p := range []string{"a/field.sh.tmpl", "a/index.ps1.tmpl", "a/root.yaml.tmpl", "bundle/load.sh.tmpl", "a/multi.tmpl"} {
		if !got[p] {
			t.Errorf("the scan missed the raw answer read in %s", p)
		}
	}
	for _, p := range []string{"a/text.md.tmpl", "a/copied.txt"} {
		if got[p] {
			t.Errorf("the scan flagged %s, which reads no raw answer in a template action", p)
		}
	}
}
