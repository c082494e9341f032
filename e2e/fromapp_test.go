package e2e

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDjangoFromAppUp deploys an existing Django project the way its
// owner would: `stackgen new django-uwsgi DIR --from DIR` inside a copy of
// appscan/testdata/requirements-settings-package (requirements.txt
// including requirements/base.txt, a config/settings package with a
// hard-coded key, DEBUG = True and SQLite, and a blog app whose migration
// writes a post). Its dependencies come from the stand-in's wheelhouse;
// the stack adds mysqlclient, django-redis and uWSGI. Then `stackgen up`
// must build the image from the project's own folder, apply its
// migrations against MariaDB, and serve its own view through nginx.
func TestDjangoFromAppUp(t *testing.T) {
	djRequireEngine(t)
	s := newDjStack(t, "fromapp")
	faCopyTree(t, filepath.Join("..", "appscan", "testdata", "requirements-settings-package"), s.dir)
	before := faTreeHashes(t, s.dir)

	args := append([]string{"new", "django-uwsgi", s.dir, "--from", s.dir, "--yes", "--set", "db=mariadb",
		"--set", "compose_project=" + s.project,
		"--set", fmt.Sprintf("http_port=%d", s.port), "--set", "app_version=" + s.project}, djImages()...)
	out := s.must(2*time.Minute, s.bin, args...)
	for _, want := range []string{"settings config.settings.production", "mysqlclient==1.4.6", "SECRET_KEY is written in the settings", "SQLite is the only database"} {
		if !strings.Contains(out.stdout, want) {
			t.Errorf("new --from does not report %q:\n%s", want, out.stdout)
		}
	}
	// Not one of the project's files was changed.
	after := faTreeHashes(t, s.dir)
	for p, h := range before {
		if after[p] != h {
			t.Errorf("new --from changed the project's %s", p)
		}
	}

	res, _, upOut, err := s.up("6m")
	if err != nil || res.Status != "ready" {
		t.Fatalf("up: %v, status %q (%s)\n%s", err, res.Status, res.Error, djTail(upOut.all()))
	}
	if !strings.Contains(res.Migrations, "Django migrations") {
		t.Errorf("up did not report the migrations: %+v", res)
	}

	// The project's own view, through nginx, reading the row its own
	// migration wrote into MariaDB.
	resp, body := djGet(t, s.url("/"))
	if resp.StatusCode != 200 || !strings.Contains(body, "Hello from the fixture blog") {
		t.Fatalf("GET / = %d:\n%s", resp.StatusCode, djTail(body))
	}
	if resp, body := djGet(t, s.url("/healthz")); resp.StatusCode != 200 || strings.TrimSpace(body) != "ok" {
		t.Errorf("GET /healthz = %d %q", resp.StatusCode, body)
	}
	// collectstatic ran into static_vol, which nginx serves.
	if resp, _ := djGet(t, s.url("/static/admin/css/base.css")); resp.StatusCode != 200 {
		t.Errorf("GET /static/admin/css/base.css = %d", resp.StatusCode)
	}

	// The deployment's settings replaced the project's conflicting ones.
	got := djManageShell(s, "from django.conf import settings as s; "+
		"print(s.SETTINGS_MODULE, s.DEBUG, s.SECRET_KEY.startswith('django-insecure'), s.DATABASES['default']['ENGINE'], s.STATIC_ROOT)")
	if want := "stackgen_deploy.settings False False django.db.backends.mysql /app/staticfiles"; got != want {
		t.Errorf("settings in the web container: %q, want %q", got, want)
	}
	// .dockerignore kept the secrets and the stack's own files out of the image.
	for _, p := range []string{"/app/.env", "/app/compose", "/app/.stackgen.yml"} {
		if out, err := s.run(time.Minute, "docker", "compose", "exec", "-T", "web", "test", "-e", p); err == nil {
			t.Errorf("%s is in the web image", p)
		} else if strings.Contains(out.stderr, "no such service") {
			t.Fatalf("docker compose exec: %s", out.stderr)
		}
	}
	if out := s.exec("web", "id", "-u"); strings.TrimSpace(out) != "10001" {
		t.Errorf("web runs as uid %q, want 10001", strings.TrimSpace(out))
	}
}

func faCopyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if e.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func faTreeHashes(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out[rel] = djHash(t, p)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
