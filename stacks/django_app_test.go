package stacks

import (
	"io/fs"
	"strings"
	"testing"

	"github.com/stackgen/stackgen/stack"
	"github.com/stackgen/stackgen/templates"
)

// The from-app tree carries its own copy of the web health check (the
// template trees cannot share a file): it must stay the skeleton's uWSGI
// check, the one server the from-app mode runs.
func TestAppHealthcheckIsTheSkeletons(t *testing.T) {
	skeleton := file(t, renderDjango(t, stack.Answers{"project": "mysite", djangoWSGI: djangoUWSGI}).set, "mysite/healthcheck.py")
	app, err := fs.ReadFile(templates.Stack(DjangoName), appTemplates+"/"+appCodeDir+"/stackgen_deploy/healthcheck.py")
	if err != nil || string(app) != skeleton {
		t.Fatalf("healthcheck.py of the uWSGI skeleton and of stackgen_deploy differ (%v)", err)
	}
}

func TestAppOutputPath(t *testing.T) {
	skeleton := stack.Answers{"project": "mysite"}
	app := stack.Answers{"project": "mysite", AppDirAnswer: "web", appCode: "src"}
	tests := []struct {
		in        string
		a         stack.Answers
		want      string
		whyNotOut string
	}{
		{"__project__/manage.py", skeleton, "mysite/manage.py", ""},
		{"__app__/.dockerignore", skeleton, "", "the from-app files are not in a skeleton"},
		{"README.stackgen.md", skeleton, "", ""},
		{"__project__/manage.py", app, "", "the user's project has its own"},
		{"README.md", app, "", "the user's README is theirs"},
		{"__app__/.dockerignore", app, "web/.dockerignore", ""},
		{"__app__/__code__/stackgen_deploy/settings.py", app, "web/src/stackgen_deploy/settings.py", ""},
		{"compose.yaml", app, "compose.yaml", ""},
	}
	for _, tt := range tests {
		if got := djangoOutputPath(tt.in, tt.a); got != tt.want {
			t.Errorf("djangoOutputPath(%q, app_dir=%q) = %q, want %q %s", tt.in, tt.a[AppDirAnswer], got, tt.want, tt.whyNotOut)
		}
	}
}

func TestAppAnswerChecks(t *testing.T) {
	d := Django()
	for _, bad := range []stack.Answers{
		{AppDirAnswer: "../elsewhere"},
		{AppDirAnswer: ".", appSettings: "my-site.settings"},
		{AppDirAnswer: ".", appWSGI: "mysite.wsgi"},
		{AppDirAnswer: ".", appAdd: "uWSGI>=2"},
		{AppDirAnswer: ".", appBuildLibs: "libpq-dev;rm"},
		{AppDirAnswer: ".", appInstall: "conda"},
	} {
		if _, err := d.Resolve(bad); err == nil {
			t.Errorf("Resolve(%v) accepted it", bad)
		}
	}
	if _, err := d.Resolve(stack.Answers{AppDirAnswer: ".", appSettings: "config.settings.production", appWSGI: "config.wsgi:application",
		appAdd: "uWSGI==2.0.28,django-redis==5.4.0", appBuildLibs: "libpq-dev pkg-config"}); err != nil {
		t.Errorf("Resolve refused good from-app answers: %v", err)
	}
}

// The from-app settings and uwsgi.ini are MySQL and uWSGI only: the new
// db and wsgi choices are refused there in one line instead of rendering a
// deployment that cannot start.
func TestAppRefusesPostgresAndGunicorn(t *testing.T) {
	base := stack.Answers{AppDirAnswer: ".", appSettings: "mysite.settings", appWSGI: "mysite.wsgi:application"}
	for _, extra := range []stack.Answers{{djangoDB: djangoPostgres}, {djangoWSGI: djangoGunicorn}} {
		given := stack.Answers{}
		for k, v := range base {
			given[k] = v
		}
		for k, v := range extra {
			given[k] = v
		}
		a, err := Django().Resolve(given)
		if err != nil {
			t.Fatalf("Resolve(%v): %v", given, err)
		}
		if _, err := djangoData(stack.Input{Answers: a}); err == nil || !strings.Contains(err.Error(), "--from") {
			t.Errorf("djangoData(%v) = %v, want the from-app refusal", extra, err)
		}
	}
}
