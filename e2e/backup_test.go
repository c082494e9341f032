package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stackgen/stackgen/backup"
	"github.com/stackgen/stackgen/engine"
	"github.com/stackgen/stackgen/stack"
)

// bkRequireEngine skips without an engine (fails in CI) and returns the
// stand-in images the backup tests use, failing when one is missing.
func bkRequireEngine(t *testing.T, images ...string) {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end test")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := exec.CommandContext(ctx, "docker", "info").Run(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI has no Docker Engine: %v", err)
		}
		t.Skipf("no Docker Engine: %v", err)
	}
	for _, img := range images {
		if err := exec.Command("docker", "image", "inspect", img).Run(); err != nil {
			t.Fatalf("the stand-in image %s is missing: build it with bash e2e/standins/build.sh", img)
		}
	}
}

func bkStandin(name string) string {
	tags := map[string]string{"python": "3.13", "nginx": "1.26", "mariadb": "11.8", "redis": "8.0", "postgres": "17", "httpstub": "1"}
	prefix := os.Getenv("STANDIN_PREFIX")
	if prefix == "" {
		prefix = "stackgen-standin"
	}
	return prefix + "/" + name + ":" + tags[name]
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
  db:
    image: %[1]s
    environment:
      MYSQL_ROOT_PASSWORD: "root pw with 'quotes' and $$dollar"
      MYSQL_DATABASE: app
    healthcheck:
      test: ["CMD", "healthcheck.sh", "--connect", "--innodb_initialized"]
      interval: 2s
      retries: 60
    volumes: [db_vol:/var/lib/mysql]
  pg:
    image: %[2]s
    environment:
      POSTGRES_USER: onyx
      POSTGRES_PASSWORD: pgpass
      POSTGRES_DB: onyxdb
    healthcheck:
      test: ["CMD-SHELL", "pg_isready -U onyx -d onyxdb"]
      interval: 2s
      retries: 60
    volumes: [pg_vol:/var/lib/postgresql/data]
  redis:
    image: %[3]s
    command: ["redis-server", "--requirepass", "redispw", "--appendonly", "no"]
    environment:
      REDISCLI_AUTH: redispw
    healthcheck:
      test: ["CMD-SHELL", "redis-cli ping | grep -q PONG"]
      interval: 2s
      retries: 30
    volumes: [redis_vol:/data]
  redis_aof:
    image: %[3]s
    command: ["redis-server", "--appendonly", "yes"]
    healthcheck:
      test: ["CMD-SHELL", "redis-cli ping | grep -q PONG"]
      interval: 2s
      retries: 30
    volumes: [redis_aof_vol:/data]
  files:
    image: %[3]s
    entrypoint: ["sh", "-c", "mkdir -p /srv/files && chown 1234:1234 /srv/files && exec sleep infinity"]
    volumes: [files_vol:/srv/files]
volumes:
  db_vol:
  pg_vol:
  redis_vol:
  redis_aof_vol:
  files_vol:
`

// TestBackupStrategiesRoundTrip proves each strategy against real servers
// (the stand-ins honour the official images' contracts), below the
// commands: MariaDB, Postgres, Redis (RDB only, and append-only, where a
// restored RDB alone would be ignored) and a files volume are filled,
// backed up, wiped with `down --volumes`, brought up empty and restored,
// byte for byte.
func TestBackupStrategiesRoundTrip(t *testing.T) {
	images := []string{bkStandin("mariadb"), bkStandin("postgres"), bkStandin("redis")}
	bkRequireEngine(t, images...)
	dir := t.TempDir()
	project := bkProjectName("sgbkstrat")
	bkWrite(t, filepath.Join(dir, "compose.yaml"), []byte(fmt.Sprintf(bkStrategiesCompose, images[0], images[1], images[2])))
	t.Cleanup(func() {
		exec.Command("docker", "compose", "--project-directory", dir, "-p", project, "down", "--volumes", "--timeout", "1").Run()
	})
	bkCompose(t, dir, project, "up", "-d", "--wait")

	// Known data, with the bytes a careless pipe would mangle: NUL, CR LF,
	// non-ASCII, 4-byte UTF-8, and a 3 MiB random file.
	sqlIn := "CREATE TABLE notes (id INT PRIMARY KEY, body VARCHAR(200) CHARACTER SET utf8mb4, raw BLOB) ENGINE=InnoDB;" +
		"INSERT INTO notes VALUES (1, 'héllo 🐳 wörld', UNHEX('00FF0D0A1B')), (2, 'line\\r\\nbreak', NULL);"
	bkCompose(t, dir, project, "exec", "-T", "db", "sh", "-c", `MYSQL_PWD="$MYSQL_ROOT_PASSWORD" mariadb -uroot app -e "$1"`, "sh", sqlIn)
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
		{Service: "db", Kind: stack.StateMariaDB, Volume: "db_vol"},
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
		cfg, err := backup.ProbeRedis(ctx, eng, targets[2+i].ContainerID)
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
	b.WriteString("mariadb:\n" + c("db", "sh", "-c", `MYSQL_PWD="$MYSQL_ROOT_PASSWORD" mariadb -uroot app -N -B -e 'SELECT id, body, HEX(raw) FROM notes ORDER BY id'`))
	b.WriteString("postgres:\n" + c("pg", "psql", "-U", "onyx", "-d", "onyxdb", "-At", "-c", "SELECT id, title, encode(blob, 'hex') FROM docs ORDER BY id"))
	b.WriteString("redis:\n" + c("redis", "sh", "-c", "redis-cli --no-raw GET cache:greeting; redis-cli --no-raw HGETALL session:42; redis-cli DBSIZE"))
	b.WriteString("redis_aof:\n" + c("redis_aof", "sh", "-c", "redis-cli GET aof:key; redis-cli DBSIZE"))
	b.WriteString("files:\n" + c("files", "sh", "-c", `cd /srv/files && find . -printf '%p %u:%g %m %s\n' | sort && find . -type f -print0 | sort -z | xargs -0 -r sha256sum`))
	return b.String()
}
