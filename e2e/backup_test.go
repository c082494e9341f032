package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stackgen/stackgen/backup"
	"github.com/stackgen/stackgen/e2e/e2etest"
	"github.com/stackgen/stackgen/engine"
	"github.com/stackgen/stackgen/stack"
)

// bkRequireEngine skips without an engine and compose (fails in CI) and
// returns the images of the roles, failing when one is missing.
func bkRequireEngine(t *testing.T, roles ...string) []string {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end test (-short)")
	}
	e2etest.RequireCompose(t)
	return e2etest.RequireImages(t, roles...)
}

// bkRun runs a command in dir and returns its stdout; it fails the test
// with stderr when the command fails.
func bkRun(t *testing.T, dir string, stdin []byte, name string, args ...string) string {
	t.Helper()
	out, err := bkTry(dir, stdin, name, args...)
	if err != nil {
		t.Fatalf("%s %s: %v", name, strings.Join(args, " "), err)
	}
	return out
}

func bkTry(dir string, stdin []byte, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("%v\nstdout: %s\nstderr: %s", err, bkTail(out.String()), bkTail(errOut.String()))
	}
	return out.String(), nil
}

func bkTail(s string) string {
	if len(s) > 4000 {
		return "…" + s[len(s)-4000:]
	}
	return s
}

func bkWrite(t *testing.T, p string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// bkProjectName is a compose project name unique to this run.
func bkProjectName(prefix string) string {
	return fmt.Sprintf("%s%d", prefix, time.Now().UnixNano()%1_000_000_000)
}

// bkCompose is `docker compose` for a test project.
func bkCompose(t *testing.T, dir, project string, args ...string) string {
	t.Helper()
	return bkRun(t, dir, nil, "docker", append([]string{"compose", "--project-directory", dir, "-p", project}, args...)...)
}

const bkStrategiesCompose = `services:
  pg:
    image: %[1]s
    environment:
      POSTGRES_USER: onyx
      POSTGRES_PASSWORD: pgpass
      POSTGRES_DB: onyxdb
    healthcheck:
      # TCP: the first start's temporary server listens on the socket only.
      test: ["CMD-SHELL", "pg_isready -h 127.0.0.1 -U onyx -d onyxdb"]
      interval: 2s
      retries: 60
    volumes: [pg_vol:/var/lib/postgresql/data]
  redis:
    image: %[2]s
    command: ["redis-server", "--requirepass", "redispw", "--appendonly", "no"]
    environment:
      REDISCLI_AUTH: redispw
    healthcheck:
      test: ["CMD-SHELL", "redis-cli ping | grep -q PONG"]
      interval: 2s
      retries: 30
    volumes: [redis_vol:/data]
  redis_aof:
    image: %[2]s
    command: ["redis-server", "--appendonly", "yes"]
    healthcheck:
      test: ["CMD-SHELL", "redis-cli ping | grep -q PONG"]
      interval: 2s
      retries: 30
    volumes: [redis_aof_vol:/data]
  files:
    image: %[2]s
    entrypoint: ["sh", "-c", "mkdir -p /srv/files && chown 1234:1234 /srv/files && exec sleep infinity"]
    volumes: [files_vol:/srv/files]
volumes:
  pg_vol:
  redis_vol:
  redis_aof_vol:
  files_vol:
`

// TestBackupStrategiesRoundTrip proves the strategies against real servers
// (the stand-ins honour the official images' contracts), below the
// commands and beyond what the stacks use: Postgres, Redis (RDB only, and
// append-only, where a restored RDB alone would be ignored) and a files
// volume with its owners, modes and odd names are filled, backed up, wiped
// with `down --volumes`, brought up empty and restored, byte for byte.
// (MariaDB is proven through the django-uwsgi stack below.)
func TestBackupStrategiesRoundTrip(t *testing.T) {
	images := bkRequireEngine(t, e2etest.Postgres, e2etest.Redis)
	t.Parallel()
	dir := t.TempDir()
	project := bkProjectName("sgbkstrat")
	bkWrite(t, filepath.Join(dir, "compose.yaml"), []byte(fmt.Sprintf(bkStrategiesCompose, images[0], images[1])))
	t.Cleanup(func() {
		exec.Command("docker", "compose", "--project-directory", dir, "-p", project, "down", "--volumes", "--timeout", "1").Run()
	})
	bkCompose(t, dir, project, "up", "-d", "--wait")

	// Known data, with the bytes a careless pipe would mangle: NUL, CR LF,
	// non-ASCII, 4-byte UTF-8, and a 3 MiB random file.
	pgIn := "CREATE TABLE docs (id int primary key, title text, blob bytea); INSERT INTO docs VALUES (1, 'Ünïcode ✓', '\\x00ff0d0a'), (2, 'two', NULL);"
	bkCompose(t, dir, project, "exec", "-T", "pg", "psql", "-v", "ON_ERROR_STOP=1", "-U", "onyx", "-d", "onyxdb", "-c", pgIn)
	bkCompose(t, dir, project, "exec", "-T", "redis", "redis-cli", "SET", "cache:greeting", "bonjour\r\n\x01")
	bkCompose(t, dir, project, "exec", "-T", "redis", "redis-cli", "HSET", "session:42", "user", "ada")
	bkCompose(t, dir, project, "exec", "-T", "redis_aof", "redis-cli", "SET", "aof:key", "kept through the AOF")
	big := make([]byte, 3<<20)
	rand.Read(big)
	files := map[string][]byte{
		"uploads/photo one.jpg": big,
		"uploads/.hidden":       []byte("dot file\r\n"),
		"ünï/crlf.txt":          []byte("a\r\nb\x00c"),
	}
	for name, b := range files {
		bkRun(t, dir, b, "docker", "compose", "--project-directory", dir, "-p", project, "exec", "-T", "files",
			"sh", "-c", `mkdir -p "$(dirname "/srv/files/$1")" && cat > "/srv/files/$1" && chown -R 1234:1234 /srv/files`, "sh", name)
	}
	want := bkSnapshot(t, dir, project)
	if strings.Contains(want, "ERR") {
		t.Fatalf("reading the data back failed:\n%s", want)
	}
	t.Logf("data:\n%s", want)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	eng, err := engine.New()
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	states := []stack.State{
		{Service: "pg", Kind: stack.StatePostgres, Volume: "pg_vol"},
		{Service: "redis", Kind: stack.StateRedis, Volume: "redis_vol"},
		{Service: "redis_aof", Kind: stack.StateRedis, Volume: "redis_aof_vol"},
		{Service: "files", Kind: stack.StateFiles, Path: "/srv/files", Volume: "files_vol"},
	}
	targets := bkTargets(t, ctx, eng, project, states)
	start := time.Now()
	out := t.TempDir()
	bdir, m, err := backup.Create(ctx, eng, backup.Options{OutDir: out, Stack: "test", Project: project, StackgenVersion: "e2e", Now: time.Now(), Targets: targets})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range m.Files {
		t.Logf("backup %s: %d bytes", f.Name, f.Size)
	}
	t.Logf("backup took %s", time.Since(start))
	if _, err := backup.Verify(bdir); err != nil {
		t.Fatal(err)
	}

	bkCompose(t, dir, project, "down", "--volumes", "--timeout", "2")
	bkCompose(t, dir, project, "up", "-d", "--wait")
	if got := bkSnapshot(t, dir, project); got == want {
		t.Fatal("the data survived down --volumes; the test proves nothing")
	}

	targets = bkTargets(t, ctx, eng, project, states)
	p, err := eng.LoadProject(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	p.Name = project
	redisCfg := map[string]backup.RedisConfig{}
	for i, svc := range []string{"redis", "redis_aof"} {
		cfg, err := backup.ProbeRedis(ctx, eng, targets[1+i].ContainerID)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.AppendOnly != (svc == "redis_aof") || cfg.Major < 7 {
			t.Fatalf("probe of %s: %+v", svc, cfg)
		}
		redisCfg[svc] = cfg
	}
	if err := eng.StopServices(ctx, p, []string{"files", "redis", "redis_aof"}, nil, nil); err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	if err := backup.Restore(ctx, eng, backup.RestoreOptions{Dir: bdir, Manifest: m, Targets: targets, Redis: redisCfg}); err != nil {
		t.Fatal(err)
	}
	t.Logf("restore took %s", time.Since(start))
	bkCompose(t, dir, project, "up", "-d", "--wait")
	if got := bkSnapshot(t, dir, project); got != want {
		t.Errorf("restored data differs\n--- want\n%s\n--- got\n%s", want, got)
	}
	// No helper container is left behind.
	if left := bkRun(t, dir, nil, "docker", "ps", "-aq", "--filter", "label="+engine.HelperLabel); strings.TrimSpace(left) != "" {
		t.Errorf("helper containers left: %s", left)
	}
}

func bkTargets(t *testing.T, ctx context.Context, eng *engine.Client, project string, states []stack.State) []backup.Target {
	t.Helper()
	var out []backup.Target
	for _, st := range states {
		ct, err := eng.ServiceContainer(ctx, project, st.Service)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, backup.Target{State: st, ContainerID: ct.ID, Container: ct.Name, Image: ct.Image})
	}
	return out
}

// bkSnapshot reads everything the strategies test stored, as text.
func bkSnapshot(t *testing.T, dir, project string) string {
	t.Helper()
	c := func(args ...string) string {
		out, err := bkTry(dir, nil, "docker", append([]string{"compose", "--project-directory", dir, "-p", project, "exec", "-T"}, args...)...)
		if err != nil {
			return "ERR " + strings.SplitN(err.Error(), "\n", 2)[0]
		}
		return out
	}
	var b strings.Builder
	b.WriteString("postgres:\n" + c("pg", "psql", "-U", "onyx", "-d", "onyxdb", "-At", "-c", "SELECT id, title, encode(blob, 'hex') FROM docs ORDER BY id"))
	b.WriteString("redis:\n" + c("redis", "sh", "-c", "redis-cli --no-raw GET cache:greeting; redis-cli --no-raw HGETALL session:42; redis-cli DBSIZE"))
	b.WriteString("redis_aof:\n" + c("redis_aof", "sh", "-c", "redis-cli GET aof:key; redis-cli DBSIZE"))
	b.WriteString("files:\n" + c("files", "sh", "-c", `cd /srv/files && find . -printf '%p %u:%g %m %s\n' | sort && find . -type f -print0 | sort -z | xargs -0 -r sha256sum`))
	return b.String()
}

// bkSite is a project rendered by the stackgen binary under test, with
// a compose project name of its own.
type bkSite struct {
	t       *testing.T
	bin     string
	dir     string
	project string
}

func newBkSite(t *testing.T, prefix string) *bkSite {
	t.Helper()
	s := &bkSite{t: t, project: bkProjectName(prefix)}
	s.dir = filepath.Join(t.TempDir(), s.project)
	s.bin = filepath.Join(t.TempDir(), "stackgen")
	if out, err := exec.Command("go", "build", "-o", s.bin, "../cmd/stackgen").CombinedOutput(); err != nil {
		t.Fatalf("go build stackgen: %v\n%s", err, out)
	}
	return s
}

type bkResult struct {
	stdout, stderr string
	code           int
}

// stackgen runs the binary in the project's parent folder.
func (s *bkSite) stackgen(args ...string) bkResult {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, s.bin, args...)
	cmd.Dir = filepath.Dir(s.dir)
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	r := bkResult{stdout: out.String(), stderr: errOut.String()}
	if err != nil {
		r.code = -1
		if ee, ok := err.(*exec.ExitError); ok {
			r.code = ee.ExitCode()
		}
	}
	return r
}

func (s *bkSite) must(args ...string) bkResult {
	s.t.Helper()
	r := s.stackgen(args...)
	if r.code != 0 {
		s.t.Fatalf("stackgen %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.code, bkTail(r.stdout), bkTail(r.stderr))
	}
	return r
}

func (s *bkSite) compose(stdin []byte, args ...string) string {
	s.t.Helper()
	return bkRun(s.t, s.dir, stdin, "docker", append([]string{"compose"}, args...)...)
}

// containers returns "name id startedAt status" of the project's
// containers: equal before and after means nothing was stopped or
// restarted.
func (s *bkSite) containers() string {
	s.t.Helper()
	ids := strings.Fields(bkRun(s.t, s.dir, nil, "docker", "ps", "-aq", "--filter", "label=com.docker.compose.project="+s.project))
	if len(ids) == 0 {
		return ""
	}
	out := bkRun(s.t, s.dir, nil, "docker", append([]string{"inspect", "--format", "{{.Name}} {{.Id}} {{.State.StartedAt}} {{.State.Status}}"}, ids...)...)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// bkCopyDir copies a backup folder (flat) so a test can damage the copy.
func bkCopyDir(t *testing.T, src, dst string) {
	t.Helper()
	if err := os.MkdirAll(dst, 0o700); err != nil {
		t.Fatal(err)
	}
	des, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, de := range des {
		b, err := os.ReadFile(filepath.Join(src, de.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, de.Name()), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// djangoSnapshot prints, through Django itself, everything the test
// stores: the users (with password hashes), the cache keys, and every
// media file's path, owner, mode, size and SHA-256.
const djangoSnapshot = `
import hashlib, os
from django.contrib.auth import get_user_model
from django.core.cache import cache
for u in get_user_model().objects.order_by("username"):
    print("user", u.pk, u.username, u.email, u.password, u.date_joined.isoformat())
print("cache", repr(cache.get("e2e:greeting")), repr(cache.get("e2e:bytes")))
for root, dirs, files in os.walk("/app/media"):
    dirs.sort()
    for name in sorted(files) + [d + "/" for d in dirs]:
        p = os.path.join(root, name.rstrip("/"))
        st = os.lstat(p)
        digest = hashlib.sha256(open(p, "rb").read()).hexdigest() if not name.endswith("/") else "-"
        print("file", os.path.relpath(p, "/app/media"), st.st_uid, oct(st.st_mode), st.st_size if digest != "-" else 0, digest)
`

func (s *bkSite) djangoState() string {
	s.t.Helper()
	out := s.compose(nil, "exec", "-T", "web", "python", "manage.py", "shell", "-v", "0", "-c", djangoSnapshot)
	var keep []string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "user ") || strings.HasPrefix(l, "cache ") || strings.HasPrefix(l, "file ") {
			keep = append(keep, l)
		}
	}
	rows, err := bkTry(s.dir, nil, "docker", "compose", "exec", "-T", "db", "sh", "-c",
		`MYSQL_PWD="$MYSQL_ROOT_PASSWORD" mariadb -uroot "$MYSQL_DATABASE" -N -B -e 'SELECT id, body, HEX(raw) FROM e2e_blobs ORDER BY id'`)
	if err != nil {
		rows = "no e2e_blobs\n"
	}
	return strings.Join(keep, "\n") + "\nblobs:\n" + rows
}

// mariadb runs SQL as root in the project's database.
func (s *bkSite) mariadb(sql string) {
	s.t.Helper()
	s.compose(nil, "exec", "-T", "db", "sh", "-c", `MYSQL_PWD="$MYSQL_ROOT_PASSWORD" exec mariadb -uroot "$MYSQL_DATABASE" -e "$1"`, "sh", sql)
}

// TestBackupRestoreDjango is the user story on django-uwsgi with
// MariaDB, Redis and the media volume: write a user, a cache key and an
// upload, back up while the site runs, delete everything with
// down --volumes, come back empty, restore, and find every byte again. A
// damaged backup, one from another stack, and a restore without --yes on
// no terminal are all refused before anything is stopped.
func TestBackupRestoreDjango(t *testing.T) {
	images := bkRequireEngine(t, e2etest.Python, e2etest.MariaDB, e2etest.Redis, e2etest.Nginx)
	t.Parallel() // mostly waiting on health checks: run beside the other backup tests
	s := newBkSite(t, "bkdj")
	port := bkFreePort(t)
	s.must("new", "django-uwsgi", s.dir, "--yes", "--set", "project="+s.project, "--set", "db=mariadb",
		"--set", "app_version=e2e", "--set", fmt.Sprintf("http_port=%d", port),
		"--image", "python="+images[0], "--image", "db="+images[1], "--image", "redis="+images[2], "--image", "nginx="+images[3])
	t.Cleanup(func() {
		if t.Failed() {
			r := s.stackgen("logs", s.dir, "--tail", "30")
			t.Logf("stackgen logs:\n%s%s", r.stdout, r.stderr)
		}
		s.stackgen("down", s.dir, "--volumes", "--yes-delete-data")
		exec.Command("docker", "image", "rm", s.project+"-web:e2e", s.project+"-nginx:e2e").Run()
	})
	s.must("up", s.dir, "--progress", "plain")

	// Known data: a user (row), two cache keys in Redis through Django's
	// cache, and uploads with bytes a TTY would mangle.
	s.compose(nil, "exec", "-T", "web", "python", "manage.py", "shell", "-v", "0", "-c", `
from django.contrib.auth import get_user_model
from django.core.cache import cache
get_user_model().objects.create_user("ada", "ada@example.com", "pw-Lovelace-1815")
cache.set("e2e:greeting", "bonjour 🐳", None)
cache.set("e2e:bytes", b"\x00\xff\r\n", None)
`)
	s.mariadb("CREATE TABLE e2e_blobs (id INT PRIMARY KEY, body VARCHAR(100) CHARACTER SET utf8mb4, raw BLOB);" +
		"INSERT INTO e2e_blobs VALUES (1, 'héllo 🐳 wörld', UNHEX('00FF0D0A1B5C27')), (2, NULL, NULL)")
	upload := make([]byte, 2<<20)
	rand.Read(upload)
	s.compose(upload, "exec", "-T", "web", "sh", "-c", `mkdir -p /app/media/uploads/2026 && cat > "/app/media/uploads/2026/photo 1.jpg"`)
	s.compose([]byte("notes\r\n\x00end"), "exec", "-T", "web", "sh", "-c", `cat > /app/media/.hidden-notes`)
	want := s.djangoState()
	if !strings.Contains(want, "user 1 ada ada@example.com pbkdf2_sha256$") || !strings.Contains(want, "cache 'bonjour 🐳' b'\\x00\\xff\\r\\n'") ||
		!strings.Contains(want, "photo 1.jpg 10001") || !strings.Contains(want, "1\théllo 🐳 wörld\t00FF0D0A1B5C27") {
		t.Fatalf("the test data is not all there:\n%s", want)
	}

	// Back up while the site serves.
	bk := filepath.Join(t.TempDir(), "backups")
	start := time.Now()
	r := s.must("backup", s.dir, "-o", bk)
	took := time.Since(start)
	bdir := strings.TrimSpace(r.stdout)
	t.Logf("backup in %s:\n%s", took, r.stderr)
	m, err := backup.Verify(bdir)
	if err != nil {
		t.Fatal(err)
	}
	if m.Stack != "django-uwsgi" || m.Project != s.project || len(m.Files) != 3 {
		t.Fatalf("manifest %+v", m)
	}
	if !strings.Contains(r.stderr, "db.sql.gz") || !strings.Contains(r.stderr, "redis.rdb") || !strings.Contains(r.stderr, "web.media_vol.tar") {
		t.Errorf("backup progress does not name each file:\n%s", r.stderr)
	}
	if got := s.containers(); !strings.Contains(got, "running") || strings.Contains(got, "exited") {
		t.Errorf("the stack did not keep running during the backup:\n%s", got)
	}

	// Everything goes, the stack comes back empty.
	s.must("down", s.dir, "--volumes", "--yes-delete-data")
	s.must("up", s.dir, "--progress", "plain")
	if empty := s.djangoState(); strings.Contains(empty, "ada") || strings.Contains(empty, "bonjour") || strings.Contains(empty, "photo") {
		t.Fatalf("down --volumes left data behind:\n%s", empty)
	}

	// Refusals, each before anything is stopped.
	before := s.containers()
	r = s.stackgen("restore", bdir, s.dir)
	if r.code == 0 || !strings.Contains(r.stderr, "--yes") {
		t.Errorf("restore without --yes and without a terminal: exit %d\n%s", r.code, r.stderr)
	}
	damaged := filepath.Join(t.TempDir(), "damaged")
	bkCopyDir(t, bdir, damaged)
	media := filepath.Join(damaged, "web.media_vol.tar")
	b, err := os.ReadFile(media)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0x20
	os.WriteFile(media, b, 0o600)
	r = s.stackgen("restore", damaged, s.dir, "--yes")
	if r.code == 0 || !strings.Contains(r.stderr, "damaged") || !strings.Contains(r.stderr, "web.media_vol.tar: SHA-256") {
		t.Errorf("a damaged backup was not refused: exit %d\n%s", r.code, r.stderr)
	}
	foreign := filepath.Join(t.TempDir(), "foreign")
	bkCopyDir(t, bdir, foreign)
	mf := filepath.Join(foreign, backup.ManifestName)
	mb, _ := os.ReadFile(mf)
	os.WriteFile(mf, bytes.Replace(mb, []byte(`"stack": "django-uwsgi"`), []byte(`"stack": "onyx"`), 1), 0o600)
	r = s.stackgen("restore", foreign, s.dir, "--yes")
	if r.code == 0 || !strings.Contains(r.stderr, "backup of a onyx stack") {
		t.Errorf("a backup of another stack was not refused: exit %d\n%s", r.code, r.stderr)
	}
	if after := s.containers(); after != before {
		t.Errorf("a refused restore touched the stack\nbefore:\n%s\nafter:\n%s", before, after)
	}

	// The restore brings every byte back and the stack up healthy.
	start = time.Now()
	r = s.must("restore", bdir, s.dir, "--yes")
	t.Logf("restore in %s:\n%s", time.Since(start), r.stderr)
	if got := s.djangoState(); got != want {
		t.Errorf("restored data differs\n--- want\n%s\n--- got\n%s", want, got)
	}
	s.compose(nil, "exec", "-T", "web", "python", "manage.py", "shell", "-v", "0", "-c", `
from django.contrib.auth import authenticate
assert authenticate(username="ada", password="pw-Lovelace-1815") is not None, "ada cannot log in"
`)
	if got := bkRun(t, s.dir, nil, "docker", "compose", "ps", "--status", "running", "-q"); len(strings.Fields(got)) != 4 {
		t.Errorf("after the restore %d services run, want 4", len(strings.Fields(got)))
	}

	// Restoring into the running stack, again and again: the wait must
	// never take a service the restore itself stopped for a failed one
	// (it did 2 times in 4 before the wait judged only what happened after
	// it began).
	for i := 1; i <= 5; i++ {
		start := time.Now()
		r := s.stackgen("restore", bdir, s.dir, "--yes")
		if r.code != 0 {
			t.Fatalf("restore %d of 5 into the running stack failed (exit %d):\n%s", i, r.code, r.stderr)
		}
		t.Logf("restore %d of 5 into the running stack: %s", i, time.Since(start).Round(100*time.Millisecond))
	}
	if got := s.djangoState(); got != want {
		t.Errorf("after five restores the data differs\n--- want\n%s\n--- got\n%s", want, got)
	}

	// The generated scripts share the format: scripts/backup.sh writes a
	// backup stackgen verifies as this stack's, and scripts/restore.sh
	// restores stackgen's backup (other file names, uncompressed tar).
	scriptBk := filepath.Join(t.TempDir(), "script-backup")
	bkRun(t, s.dir, nil, "bash", "scripts/backup.sh", scriptBk)
	sm, err := backup.Verify(scriptBk)
	if err != nil {
		t.Fatalf("scripts/backup.sh wrote a backup stackgen refuses: %v", err)
	}
	if _, err := backup.Match(sm, "django-uwsgi", statesOf(t, s.dir)); err != nil || sm.StackgenVersion != "script" {
		t.Errorf("scripts/backup.sh's manifest %+v does not match the stack: %v", sm, err)
	}
	s.mariadb("DELETE FROM e2e_blobs")
	s.compose(nil, "exec", "-T", "web", "sh", "-c", "rm -rf /app/media/uploads")
	bkRun(t, s.dir, nil, "bash", "scripts/restore.sh", "--yes", bdir)
	if got := s.djangoState(); got != want {
		t.Errorf("scripts/restore.sh of stackgen's backup: data differs\n--- want\n%s\n--- got\n%s", want, got)
	}

	// Retention: a second backup with --keep 1 removes the first.
	r = s.must("backup", s.dir, "-o", bk, "--keep", "1")
	second := strings.TrimSpace(r.stdout)
	des, _ := os.ReadDir(bk)
	if len(des) != 1 || filepath.Join(bk, des[0].Name()) != second {
		t.Errorf("--keep 1 left %d entries in %s", len(des), bk)
	}
}

func bkFreePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// onyxSnapshot reads what TestBackupRestoreOnyx stores: rows of its own
// table in Postgres, every file of MinIO's data directory and of the
// file-system volume.
func (s *bkSite) onyxState() string {
	s.t.Helper()
	rows := s.compose(nil, "exec", "-T", "relational_db", "sh", "-c",
		`psql -U "$POSTGRES_USER" -d "$POSTGRES_DB" -At -c "SELECT id, title, encode(body, 'hex') FROM e2e_docs ORDER BY id" 2>&1 || true`)
	list := `find . -printf '%p %u:%g %m %s\n' | sort && find . -type f -print0 | sort -z | xargs -0 -r sha256sum`
	files := s.compose(nil, "exec", "-T", "minio", "sh", "-c", "cd /data && "+list)
	fsys := s.compose(nil, "exec", "-T", "api_server", "sh", "-c", "cd /app/file-system && "+list)
	return "postgres:\n" + rows + "minio:\n" + files + "file-system:\n" + fsys
}

// TestBackupRestoreOnyx is the round trip on onyx (v4, file_store=s3-minio):
// Postgres, the MinIO object store and the file-system volume, which is
// what the stack declares stateful (Onyx keeps Redis ephemeral on purpose,
// and the OpenSearch index is rebuilt by re-indexing, so the backup holds
// neither). Onyx's images are replaced by the stand-ins TestOnyx uses.
func TestBackupRestoreOnyx(t *testing.T) {
	images := bkRequireEngine(t, e2etest.HTTPStub, e2etest.Postgres, e2etest.Redis, e2etest.Nginx, e2etest.OpenSearch)
	t.Parallel()
	app := onyxBuildApp(t)
	s := newBkSite(t, "bkonyx")
	port := bkFreePort(t)
	s.must("new", "onyx", s.dir, "--yes", "--set", "bind_address=127.0.0.1", "--set", fmt.Sprintf("http_port=%d", port),
		"--set", "file_store=s3-minio", "--set", "port_3000=false", "--set", "opensearch_ulimits=false",
		"--image", "backend="+app, "--image", "web_server="+app, "--image", "model_server="+app,
		"--image", "minio="+app, "--image", "opensearch="+images[4],
		"--image", "relational_db="+images[1], "--image", "cache="+images[2], "--image", "nginx="+images[3])
	t.Cleanup(func() {
		if t.Failed() {
			r := s.stackgen("logs", s.dir, "--tail", "30")
			t.Logf("stackgen logs:\n%s%s", r.stdout, r.stderr)
		}
		s.stackgen("down", s.dir, "--volumes", "--yes-delete-data")
	})
	s.must("up", s.dir, "--progress", "plain", "--timeout", "10m")

	s.compose(nil, "exec", "-T", "relational_db", "sh", "-c", `psql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d "$POSTGRES_DB" -c "
CREATE TABLE e2e_docs (id int PRIMARY KEY, title text, body bytea);
INSERT INTO e2e_docs VALUES (1, 'Ünïcode ✓ doc', '\x00ff0d0a1b'), (2, 'second', decode(repeat('ab', 5000), 'hex'));"`)
	doc := make([]byte, 1<<20)
	rand.Read(doc)
	s.compose(doc, "exec", "-T", "minio", "sh", "-c", `mkdir -p /data/onyx-file-store-bucket/files && cat > "/data/onyx-file-store-bucket/files/report 2026.pdf"`)
	s.compose([]byte(`{"version":"1","format":"xl"}`), "exec", "-T", "minio", "sh", "-c", `mkdir -p /data/.minio.sys && cat > /data/.minio.sys/format.json`)
	s.compose([]byte("craft output\n"), "exec", "-T", "-u", "root", "api_server", "sh", "-c", `mkdir -p /app/file-system/outputs && cat > /app/file-system/outputs/result.txt`)
	want := s.onyxState()
	if !strings.Contains(want, "1|Ünïcode ✓ doc|00ff0d0a1b") || !strings.Contains(want, "report 2026.pdf") || !strings.Contains(want, "outputs/result.txt") {
		t.Fatalf("the test data is not all there:\n%s", want)
	}

	bk := filepath.Join(t.TempDir(), "backups")
	start := time.Now()
	r := s.must("backup", s.dir, "-o", bk)
	t.Logf("backup in %s:\n%s", time.Since(start), r.stderr)
	bdir := strings.TrimSpace(r.stdout)
	m, err := backup.Verify(bdir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range m.Files {
		names = append(names, f.Name)
	}
	if strings.Join(names, " ") != "relational_db.pgdump minio.minio_data.tar api_server.file-system.tar" {
		t.Errorf("backup files %v, want the Postgres dump, MinIO's data and the file-system volume only (Redis is ephemeral in Onyx, the index is rebuilt)", names)
	}

	s.must("down", s.dir, "--volumes", "--yes-delete-data")
	s.must("up", s.dir, "--progress", "plain", "--timeout", "10m")
	if empty := s.onyxState(); strings.Contains(empty, "Ünïcode") || strings.Contains(empty, "report 2026.pdf") || strings.Contains(empty, "result.txt") {
		t.Fatalf("down --volumes left data behind:\n%s", empty)
	}
	redis := func(args ...string) string {
		return strings.TrimSpace(s.compose(nil, append([]string{"exec", "-T", "cache", "sh", "-c", `REDISCLI_AUTH="$REDIS_PASSWORD" redis-cli "$@"`, "sh"}, args...)...))
	}
	redis("SET", "e2e:ephemeral", "a stale lock")

	// A damaged dump is refused with the stack untouched.
	before := s.containers()
	damaged := filepath.Join(t.TempDir(), "damaged")
	bkCopyDir(t, bdir, damaged)
	dump := filepath.Join(damaged, "relational_db.pgdump")
	b, _ := os.ReadFile(dump)
	os.WriteFile(dump, b[:len(b)-10], 0o600)
	if r := s.stackgen("restore", damaged, s.dir, "--yes"); r.code == 0 || !strings.Contains(r.stderr, "relational_db.pgdump: size is") {
		t.Errorf("a truncated dump was not refused: exit %d\n%s", r.code, r.stderr)
	}
	if after := s.containers(); after != before {
		t.Errorf("a refused restore touched the stack\nbefore:\n%s\nafter:\n%s", before, after)
	}

	start = time.Now()
	r = s.must("restore", bdir, s.dir, "--yes")
	t.Logf("restore in %s:\n%s", time.Since(start), r.stderr)
	if got := s.onyxState(); got != want {
		t.Errorf("restored data differs\n--- want\n%s\n--- got\n%s", want, got)
	}
	// Redis is not state in Onyx: the restore restarted it empty, so no
	// stale Celery lock outlives the data it was about.
	if got := redis("EXISTS", "e2e:ephemeral"); got != "0" {
		t.Errorf("after the restore Redis still holds e2e:ephemeral (EXISTS = %s)", got)
	}

	// The generated scripts share the format both ways.
	scriptBk := filepath.Join(t.TempDir(), "script-backup")
	bkRun(t, s.dir, nil, "bash", "scripts/backup.sh", scriptBk)
	sm, err := backup.Verify(scriptBk)
	if err != nil {
		t.Fatalf("scripts/backup.sh wrote a backup stackgen refuses: %v", err)
	}
	if _, err := backup.Match(sm, "onyx", statesOf(t, s.dir)); err != nil {
		t.Errorf("scripts/backup.sh's manifest does not match the stack: %v", err)
	}
	s.compose(nil, "exec", "-T", "relational_db", "sh", "-c", `psql -U "$POSTGRES_USER" -d "$POSTGRES_DB" -c "DELETE FROM e2e_docs"`)
	s.compose(nil, "exec", "-T", "minio", "sh", "-c", "rm -rf /data/onyx-file-store-bucket")
	s.compose(nil, "exec", "-T", "-u", "root", "api_server", "rm", "-rf", "/app/file-system/outputs")
	bkRun(t, s.dir, nil, "bash", "scripts/restore.sh", "--yes", bdir)
	if got := s.onyxState(); got != want {
		t.Errorf("scripts/restore.sh of stackgen's backup: data differs\n--- want\n%s\n--- got\n%s", want, got)
	}
}

// statesOf is the state the project's stack declares (any stack).
func statesOf(t *testing.T, dir string) []stack.State {
	t.Helper()
	p, err := backup.LoadSource(dir)
	if err != nil {
		t.Fatal(err)
	}
	return p.States
}
