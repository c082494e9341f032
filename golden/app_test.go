package golden

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stackgen/stackgen/appscan"
	"github.com/stackgen/stackgen/fileset"
	"github.com/stackgen/stackgen/internal/toolcheck"
	"github.com/stackgen/stackgen/render"
	"github.com/stackgen/stackgen/stack"
	"github.com/stackgen/stackgen/stacks"
	"github.com/stackgen/stackgen/validate"
)

// appCases deploy the fixture Django projects of appscan/testdata (one per
// common layout) with stackgen new --from: the stack is written into the
// project's own folder, as `stackgen new django .` inside it does.
var appCases = []struct {
	name, fixture string
	answers       stack.Answers
}{
	{"django-app-requirements", "requirements-settings-package", nil},
	{"django-app-poetry", "poetry-project", stack.Answers{"https": "true", "domain": "shop.example.com"}},
	{"django-app-uv", "uv-project", stack.Answers{"pip_index_url": "https://pypi.mirror.example/simple"}},
	{"django-app-src-layout", "src-layout", stack.Answers{"db": "mariadb"}},
	{"django-app-celery", "celery-pipenv", nil},
	{"django-app-pep621", "pep621-project", nil},
}

func TestGoldenFromApp(t *testing.T) {
	d := stacks.Django()
	for _, c := range appCases {
		t.Run(c.name, func(t *testing.T) {
			src := filepath.Join("..", "appscan", "testdata", c.fixture)
			app, err := appscan.Scan(os.DirFS(src))
			if err != nil {
				t.Fatal(err)
			}
			given, _ := stacks.AppAnswers(app, ".")
			for k, v := range c.answers {
				given[k] = v
			}
			set, _, err := render.Project(d, given, render.Options{Rand: fixedRand(), Version: "golden"})
			if err != nil {
				t.Fatal(err)
			}
			dir := filepath.Join("testdata", c.name)
			if *update {
				writeGolden(t, dir, set)
			}
			compare(t, dir, set)
			// The deployment as it lies on disk: the user's project with
			// the stack's files written into it (theirs win, as `new` keeps them).
			all, err := fileset.ReadDir(src)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range set {
				if _, ok := all.Get(f.Path); !ok {
					all = append(all, f)
				}
			}
			all.Sort()
			for _, f := range validate.Files(all) {
				t.Errorf("deployment does not validate clean: %s:%d: %s %s: %s", f.File, f.Line, f.Severity, f.Rule, f.Message)
			}
			// The real tools on what stackgen writes: compose-go, bash -n and
			// shellcheck, py_compile, BuildKit's Dockerfile parser, nginx -t.
			toolcheck.Check(t, set, toolcheck.WithShellcheckSeverity("style"))
		})
	}
}
