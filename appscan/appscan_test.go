package appscan

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// The fixtures are Django projects in the common layouts, written in the
// patterns of public projects (startproject's files, cookiecutter's
// config/ settings package, Celery's proj/celery.py).
func TestScanFixtures(t *testing.T) {
	tests := []struct {
		dir  string
		want Django
		// conflicts lists What of each conflict found, in order.
		conflicts []string
	}{
		{
			dir: "requirements-settings-package",
			want: Django{Code: ".", Settings: "config.settings.production", SettingsFile: "config/settings/production.py",
				WSGI: "config.wsgi:application", Tool: Requirements, Requirements: "requirements.txt",
				DepFiles: []string{"requirements.txt", "requirements/base.txt"},
				Packages: []string{"asgiref", "django", "sqlparse"}},
			conflicts: []string{"SECRET_KEY is written in the settings", "DEBUG = True", "ALLOWED_HOSTS is empty", "SQLite is the only database", "STATIC_ROOT is not set"},
		},
		{
			dir: "poetry-project",
			want: Django{Code: ".", Settings: "shop.settings", SettingsFile: "shop/settings.py", WSGI: "shop.wsgi:application",
				Python: "3.13", PythonFrom: "pyproject.toml", Tool: Poetry, DepFiles: []string{"pyproject.toml", "poetry.lock"},
				Packages: []string{"django", "django-storages", "django-storages[s3]", "pillow", "psycopg2"}},
		},
		{
			dir: "uv-project",
			want: Django{Code: ".", Settings: "notes.settings", SettingsFile: "notes/settings.py", WSGI: "notes.wsgi:application",
				Python: "3.12", PythonFrom: ".python-version", Tool: UV, DepFiles: []string{"pyproject.toml", "uv.lock"},
				Packages: []string{"django", "django-extensions", "django-redis", "lxml"}},
		},
		{
			dir: "src-layout",
			want: Django{Code: "src", Settings: "mysite.settings", SettingsFile: "src/mysite/settings.py", WSGI: "mysite.wsgi:application",
				Python: "3.11", PythonFrom: "runtime.txt", Tool: Requirements, Requirements: "requirements.txt", DepFiles: []string{"requirements.txt"},
				Packages: []string{"django", "mysqlclient", "whitenoise", "whitenoise[brotli]"}},
			conflicts: []string{"SQLite is the only database", "STATIC_ROOT is not set"},
		},
		{
			dir: "pep621-project",
			want: Django{Code: ".", Settings: "inventory.settings", SettingsFile: "inventory/settings.py", WSGI: "inventory.wsgi:application",
				Python: "3.12", PythonFrom: "pyproject.toml", Tool: PyProject, DepFiles: []string{"pyproject.toml"},
				Packages: []string{"django", "pillow", "psycopg2"}},
		},
		{
			dir: "celery-pipenv",
			want: Django{Code: ".", Settings: "proj.settings", SettingsFile: "proj/settings.py", WSGI: "proj.wsgi:application",
				Python: "3.12", PythonFrom: "Pipfile", Tool: Pipenv, DepFiles: []string{"Pipfile", "Pipfile.lock"},
				Packages: []string{"celery", "celery[redis]", "channels", "cryptography", "django", "psycopg", "psycopg[binary]"},
				Celery:   "proj", Channels: true},
		},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			got, err := Scan(os.DirFS(filepath.Join("testdata", tt.dir)))
			if err != nil {
				t.Fatal(err)
			}
			var what []string
			for _, c := range got.Conflicts {
				what = append(what, c.What)
			}
			if diff := cmp.Diff(tt.conflicts, what, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("conflicts (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.want, *got, cmpopts.IgnoreFields(Django{}, "Conflicts"), cmpopts.IgnoreUnexported(Django{}), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Scan (-want +got):\n%s", diff)
			}
		})
	}
}

func TestConflictLines(t *testing.T) {
	got, err := Scan(os.DirFS(filepath.Join("testdata", "requirements-settings-package")))
	if err != nil {
		t.Fatal(err)
	}
	// The hard-coded key is in base.py, which production.py star-imports:
	// reported where it is written.
	if c := got.Conflicts[0]; c.File != "config/settings/base.py" || c.Line != 6 {
		t.Errorf("conflict %+v: want config/settings/base.py:6", c)
	}
	one := fstest.MapFS{
		"manage.py":          {Data: []byte(`os.environ.setdefault("DJANGO_SETTINGS_MODULE", "s.settings")`)},
		"s/__init__.py":      {},
		"s/wsgi.py":          {},
		"requirements.txt":   {Data: []byte("django\n")},
		"s/settings.py":      {Data: []byte("# DEBUG = True\nSTATIC_ROOT = 'x'\nDEBUG = False\nSECRET_KEY = 'a'\nSECRET_KEY = env('K')\n\nDEBUG = True\n")},
		"s/other/manage.txt": {},
	}
	got, err = Scan(one)
	if err != nil {
		t.Fatal(err)
	}
	want := []Conflict{{File: "s/settings.py", Line: 7, What: "DEBUG = True"}}
	if diff := cmp.Diff(want, got.Conflicts, cmpopts.IgnoreFields(Conflict{}, "Fix")); diff != "" {
		t.Errorf("the last assignment wins, comments do not count (-want +got):\n%s", diff)
	}
}

func TestScanErrors(t *testing.T) {
	base := func() fstest.MapFS {
		return fstest.MapFS{
			"manage.py":         {Data: []byte(`os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'site1.settings')`)},
			"site1/settings.py": {Data: []byte("STATIC_ROOT = 'x'\n")},
			"site1/wsgi.py":     {},
			"requirements.txt":  {Data: []byte("Django==5.2\n")},
		}
	}
	tests := []struct {
		name   string
		change func(fstest.MapFS)
		want   string
	}{
		{"no manage.py", func(m fstest.MapFS) { delete(m, "manage.py") }, "no manage.py"},
		{"two projects", func(m fstest.MapFS) {
			delete(m, "manage.py")
			m["a/manage.py"] = m["site1/wsgi.py"]
			m["b/manage.py"] = m["site1/wsgi.py"]
		}, "a/manage.py, b/manage.py"},
		{"no settings default", func(m fstest.MapFS) { m["manage.py"] = &fstest.MapFile{Data: []byte("import sys\n")} }, "no DJANGO_SETTINGS_MODULE"},
		{"missing settings module", func(m fstest.MapFS) { delete(m, "site1/settings.py") }, "site1/settings"},
		{"no wsgi", func(m fstest.MapFS) { delete(m, "site1/wsgi.py") }, "no WSGI application"},
		{"no deps", func(m fstest.MapFS) { delete(m, "requirements.txt") }, "no dependencies found"},
		{"no django", func(m fstest.MapFS) { m["requirements.txt"] = &fstest.MapFile{Data: []byte("flask\n")} }, "Django is not among"},
		{"bad toml", func(m fstest.MapFS) { m["pyproject.toml"] = &fstest.MapFile{Data: []byte("[project\n")} }, "pyproject.toml:"},
		{"poetry without lock", func(m fstest.MapFS) {
			delete(m, "requirements.txt")
			m["pyproject.toml"] = &fstest.MapFile{Data: []byte("[tool.poetry.dependencies]\ndjango = \"*\"\n")}
		}, "poetry lock"},
		{"include outside", func(m fstest.MapFS) { m["requirements.txt"] = &fstest.MapFile{Data: []byte("-r ../other.txt\n")} }, "outside the project"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := base()
			if _, err := Scan(m); err != nil {
				t.Fatalf("base project: %v", err)
			}
			tt.change(m)
			_, err := Scan(m)
			if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("Scan: %v, want one line containing %q", err, tt.want)
			}
		})
	}
}

func TestParseRequirementsFile(t *testing.T) {
	text := "# comment\nDjango>=4.2,<5  # LTS\n-r base.txt\n--constraint=c.txt\n-e .\n--index-url https://example/simple\n" +
		"psycopg[binary,pool]==3.2 ; python_version >= '3.9'\nPillow \\\n  ==10.0 --hash=sha256:00\n" +
		"git+https://example/repo.git#egg=Django_Extensions\nzope.interface\n"
	reqs, inc := ParseRequirementsFile(text)
	want := []Requirement{{Name: "django"}, {Name: "psycopg", Extras: []string{"binary", "pool"}}, {Name: "pillow"}, {Name: "django-extensions"}, {Name: "zope-interface"}}
	if diff := cmp.Diff(want, reqs); diff != "" {
		t.Errorf("requirements (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"base.txt", "c.txt"}, inc); diff != "" {
		t.Errorf("includes (-want +got):\n%s", diff)
	}
}

func TestPickPython(t *testing.T) {
	for spec, want := range map[string]string{
		">=3.10":        "3.13",
		"^3.11":         "3.13",
		">=3.10,<3.12":  "3.11",
		"~=3.11.4":      "3.11",
		"~=3.11":        "3.13",
		"==3.12.*":      "3.12",
		">=3.14":        "3.14",
		"<3.8":          "",
		">=3.9, !=3.13": "3.12",
		"garbage":       "",
	} {
		if got := pickPython(spec); got != want {
			t.Errorf("pickPython(%q) = %q, want %q", spec, got, want)
		}
	}
}

func TestSystemLibs(t *testing.T) {
	build, run := SystemLibs([]string{"django", "psycopg", "psycopg[binary]", "mysqlclient", "lxml"})
	if diff := cmp.Diff([]string{"default-libmysqlclient-dev", "libxml2-dev", "libxslt1-dev", "pkg-config"}, build); diff != "" {
		t.Errorf("build (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"libmariadb3"}, run); diff != "" {
		t.Errorf("runtime: psycopg[binary] bundles libpq (-want +got):\n%s", diff)
	}
	if _, run := SystemLibs([]string{"psycopg"}); !cmp.Equal(run, []string{"libpq5"}) {
		t.Errorf("pure-Python psycopg loads libpq at run time: %v", run)
	}
}
