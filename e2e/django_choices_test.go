package e2e

import (
	"crypto/rand"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stackgen/stackgen/backup"
	"github.com/stackgen/stackgen/e2e/e2etest"
)

// TestDjangoGunicornPostgresValkey is issue 15's other choices in one real
// run: `stackgen new django-uwsgi --set db=postgres --set wsgi=gunicorn
// --set cache=valkey`, up (migrations included), the site through nginx's
// proxy_pass to gunicorn, then the data of all three (a user and a table in
// PostgreSQL, cache keys in Valkey, uploads) backed up with stackgen,
// wiped, restored, and once more through the generated scripts.
func TestDjangoGunicornPostgresValkey(t *testing.T) {
	images := bkRequireEngine(t, e2etest.Python, e2etest.Postgres, e2etest.Valkey, e2etest.Nginx)
	s := newBkSite(t, "djpgv")
	port := bkFreePort(t)
	s.must("new", "django-uwsgi", s.dir, "--yes", "--set", "project=mysite", "--set", "compose_project="+s.project,
		"--set", "db=postgres", "--set", "db_version=17", "--set", "wsgi=gunicorn", "--set", "cache=valkey",
		"--set", "gunicorn_workers=2", "--set", "app_version=e2e", "--set", fmt.Sprintf("http_port=%d", port),
		"--image", "python="+images[0], "--image", "db="+images[1], "--image", "redis="+images[2], "--image", "nginx="+images[3])
	t.Cleanup(func() {
		if t.Failed() {
			r := s.stackgen("logs", s.dir, "--tail", "40")
			t.Logf("stackgen logs:\n%s%s", r.stdout, r.stderr)
		}
		s.stackgen("down", s.dir, "--volumes", "--yes-delete-data")
		_ = exec.Command("docker", "image", "rm", s.project+"-web:e2e", s.project+"-nginx:e2e").Run()
	})
	s.must("validate", s.dir)
	s.must("up", s.dir, "--progress", "plain")

	// nginx answers through gunicorn, and each service is what was chosen.
	resp, body := djGet(t, fmt.Sprintf("http://127.0.0.1:%d/", port))
	if resp.StatusCode != 200 || !strings.Contains(body, "Django") {
		t.Fatalf("GET / through nginx: %d\n%s", resp.StatusCode, djTail(body))
	}
	if resp, _ := djGet(t, fmt.Sprintf("http://127.0.0.1:%d/healthz", port)); resp.StatusCode != 200 {
		t.Errorf("GET /healthz: %d", resp.StatusCode)
	}
	web := s.compose(nil, "exec", "-T", "web", "sh", "-c", `tr '\0' ' ' < /proc/1/cmdline; echo; id -u`)
	if !strings.Contains(web, "gunicorn --config gunicorn.conf.py") || !strings.HasSuffix(strings.TrimSpace(web), "\n10001") {
		t.Errorf("web's main process and user: %q, want gunicorn as uid 10001", web)
	}
	if logs := s.compose(nil, "logs", "web"); strings.Contains(logs, "[ERROR]") {
		t.Errorf("gunicorn logged an error:\n%s", djTail(logs))
	}
	if pg := s.compose(nil, "exec", "-T", "db", "sh", "-c", `psql -U "$POSTGRES_USER" -d "$POSTGRES_DB" -Atc 'SHOW config_file; SHOW shared_buffers'`); pg != "/etc/postgresql/postgresql.conf\n256MB\n" {
		t.Errorf("postgres settings %q: the tuning file is not in use", pg)
	}
	if info := s.compose(nil, "exec", "-T", "redis", "valkey-cli", "INFO", "server"); !strings.Contains(info, "server_name:valkey") {
		t.Errorf("the cache is not Valkey:\n%s", djTail(info))
	}

	// Known data in each store; the cache through Django (django-redis).
	s.compose(nil, "exec", "-T", "web", "python", "manage.py", "shell", "-v", "0", "-c", `
from django.contrib.auth import get_user_model
from django.core.cache import cache
get_user_model().objects.create_user("ada", "ada@example.com", "pw-Lovelace-1815")
cache.set("e2e:greeting", "bonjour 🐳", None)
cache.set("e2e:bytes", b"\x00\xff\r\n", None)
`)
	s.psql(`CREATE TABLE e2e_blobs (id int PRIMARY KEY, body text, raw bytea);
INSERT INTO e2e_blobs VALUES (1, 'héllo 🐳 wörld', '\x00ff0d0a1b5c27'), (2, NULL, NULL)`)
	upload := make([]byte, 1<<20)
	_, _ = rand.Read(upload)
	s.compose(upload, "exec", "-T", "web", "sh", "-c", `mkdir -p /app/media/uploads && cat > "/app/media/uploads/photo 1.jpg"`)
	want := s.pgDjangoState()
	if !strings.Contains(want, "user 1 ada ada@example.com pbkdf2_sha256$") || !strings.Contains(want, "cache 'bonjour 🐳' b'\\x00\\xff\\r\\n'") ||
		!strings.Contains(want, "photo 1.jpg 10001") || !strings.Contains(want, "1|héllo 🐳 wörld|00ff0d0a1b5c27") {
		t.Fatalf("the test data is not all there:\n%s", want)
	}

	// stackgen backup: pg_dump -Fc, Valkey's RDB, the media volume.
	bk := filepath.Join(t.TempDir(), "backups")
	r := s.must("backup", s.dir, "-o", bk)
	bdir := strings.TrimSpace(r.stdout)
	m, err := backup.Verify(bdir)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]string{}
	for _, f := range m.Files {
		names[f.Name] = string(f.Kind)
	}
	if names["db.pgdump"] != "postgres" || names["redis.rdb"] != "redis" || names["web.media_vol.tar"] != "files" {
		t.Fatalf("backup files %v, want db.pgdump (postgres), redis.rdb (redis), web.media_vol.tar (files)", names)
	}

	// Wiped, then restored: every byte back.
	s.must("down", s.dir, "--volumes", "--yes-delete-data")
	s.must("up", s.dir, "--progress", "plain")
	if empty := s.pgDjangoState(); strings.Contains(empty, "ada") || strings.Contains(empty, "bonjour") || strings.Contains(empty, "photo") {
		t.Fatalf("down --volumes left data behind:\n%s", empty)
	}
	r = s.must("restore", bdir, s.dir, "--yes")
	t.Logf("restore:\n%s", r.stderr)
	if got := s.pgDjangoState(); got != want {
		t.Errorf("restored data differs\n--- want\n%s\n--- got\n%s", want, got)
	}
	s.compose(nil, "exec", "-T", "web", "python", "manage.py", "shell", "-v", "0", "-c", `
from django.contrib.auth import authenticate
assert authenticate(username="ada", password="pw-Lovelace-1815") is not None, "ada cannot log in"
`)

	// The generated scripts: backup.sh writes a backup stackgen accepts as
	// this stack's; restore.sh puts stackgen's backup back.
	scriptBk := filepath.Join(t.TempDir(), "script-backup")
	bkRun(t, s.dir, nil, "bash", "scripts/backup.sh", scriptBk)
	sm, err := backup.Verify(scriptBk)
	if err != nil {
		t.Fatalf("scripts/backup.sh wrote a backup stackgen refuses: %v", err)
	}
	if _, err := backup.Match(sm, "django-uwsgi", statesOf(t, s.dir)); err != nil {
		t.Errorf("scripts/backup.sh's manifest %+v does not match the stack: %v", sm, err)
	}
	s.psql("DELETE FROM e2e_blobs")
	s.compose(nil, "exec", "-T", "web", "sh", "-c", "rm -rf /app/media/uploads")
	s.compose(nil, "exec", "-T", "redis", "valkey-cli", "FLUSHALL")
	bkRun(t, s.dir, nil, "bash", "scripts/restore.sh", "--yes", bdir)
	if got := s.pgDjangoState(); got != want {
		t.Errorf("scripts/restore.sh of stackgen's backup: data differs\n--- want\n%s\n--- got\n%s", want, got)
	}
	if resp, _ := djGet(t, fmt.Sprintf("http://127.0.0.1:%d/healthz", port)); resp.StatusCode != 200 {
		t.Errorf("GET /healthz after the restores: %d", resp.StatusCode)
	}
}

// psql runs SQL as POSTGRES_USER in the project's database.
func (s *bkSite) psql(sql string) {
	s.t.Helper()
	s.compose(nil, "exec", "-T", "db", "sh", "-c", `exec psql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d "$POSTGRES_DB" -qc "$1"`, "sh", sql)
}

// pgDjangoState is djangoState with the table read from PostgreSQL.
func (s *bkSite) pgDjangoState() string {
	s.t.Helper()
	out := s.compose(nil, "exec", "-T", "web", "python", "manage.py", "shell", "-v", "0", "-c", djangoSnapshot)
	var keep []string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "user ") || strings.HasPrefix(l, "cache ") || strings.HasPrefix(l, "file ") {
			keep = append(keep, l)
		}
	}
	rows, err := bkTry(s.dir, nil, "docker", "compose", "exec", "-T", "db", "sh", "-c",
		`psql -U "$POSTGRES_USER" -d "$POSTGRES_DB" -At -c "SELECT id, body, encode(raw, 'hex') FROM e2e_blobs ORDER BY id"`)
	if err != nil {
		rows = "no e2e_blobs\n"
	}
	return strings.Join(keep, "\n") + "\nblobs:\n" + rows
}
