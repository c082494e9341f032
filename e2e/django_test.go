package e2e

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stackgen/stackgen/e2e/e2etest"
)

// These tests drive the stackgen binary the way a user does: `stackgen new
// django-uwsgi` (MariaDB), `stackgen up`, then the site through nginx on
// 127.0.0.1, `status`, `logs`, `down` and `up` again; and a broken variant
// whose `up` must fail, name the service, show its logs and delete nothing.
//
// No registry is reachable here, so the stack is rendered with stackgen's
// own --image answers pointing at the stand-in images of e2e/standins
// (python with an offline wheelhouse, nginx, mariadb, redis). Everything
// else — compose.yaml, the Dockerfiles, nginx.conf, uwsgi.ini, settings.py,
// .env — is what a user gets. e2etest chooses the images (STANDIN_PREFIX,
// STACKGEN_E2E_OFFICIAL=1); run it with `bash .ci/run`, or
// `go test ./e2e -run Django -v` once an engine answers and the stand-ins
// are built (bash e2e/standins/build.sh).

// djImages are the image answers that point the stack at the stand-ins
// (or, with STACKGEN_E2E_OFFICIAL=1, at the official images).
func djImages() []string {
	return []string{
		"--image", "python=" + e2etest.Image(e2etest.Python),
		"--image", "db=" + e2etest.Image(e2etest.MariaDB),
		"--image", "redis=" + e2etest.Image(e2etest.Redis),
		"--image", "nginx=" + e2etest.Image(e2etest.Nginx),
	}
}

// djRequireEngine skips without an engine, compose or the stand-ins,
// saying how to run the test; under CI=true their absence fails it.
func djRequireEngine(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end test (-short)")
	}
	e2etest.RequireCompose(t)
	e2etest.RequireImages(t, e2etest.Python, e2etest.Nginx, e2etest.MariaDB, e2etest.Redis)
}

// djStack is one rendered project under test with its own compose
// project name, so tests never collide.
type djStack struct {
	t       *testing.T
	bin     string
	dir     string
	project string
	port    int
}

func newDjStack(t *testing.T, name string) *djStack {
	t.Helper()
	s := &djStack{t: t, dir: filepath.Join(t.TempDir(), "site"),
		project: fmt.Sprintf("e2e%s%d", name, time.Now().UnixNano()%1_000_000), port: djFreePort(t)}
	s.bin = filepath.Join(t.TempDir(), "stackgen")
	if out, err := exec.Command("go", "build", "-o", s.bin, "../cmd/stackgen").CombinedOutput(); err != nil {
		t.Fatalf("go build stackgen: %v\n%s", err, out)
	}
	t.Cleanup(func() {
		if _, err := os.Stat(s.dir); err != nil {
			return
		}
		if t.Failed() {
			out, _ := s.run(time.Minute, s.bin, "status", s.dir)
			t.Logf("stackgen status:\n%s", out.all())
			out, _ = s.run(time.Minute, s.bin, "logs", s.dir, "--tail", "40")
			t.Logf("stackgen logs:\n%s", out.all())
		}
		if out, err := s.run(5*time.Minute, s.bin, "down", s.dir, "--volumes", "--yes-delete-data"); err != nil {
			t.Logf("cleanup: stackgen down --volumes: %v\n%s", err, out.all())
		}
		_, _ = s.run(time.Minute, "docker", "image", "rm", s.project+"-web:"+s.project, s.project+"-nginx:"+s.project)
	})
	return s
}

type djOutput struct{ stdout, stderr string }

func (o djOutput) all() string { return o.stdout + o.stderr }

// run runs a command with the stack's compose project name.
func (s *djStack) run(timeout time.Duration, name string, args ...string) (djOutput, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = filepath.Dir(s.dir)
	if _, err := os.Stat(s.dir); err == nil {
		cmd.Dir = s.dir
	}
	cmd.Env = append(os.Environ(), "COMPOSE_PROJECT_NAME="+s.project, "NO_COLOR=1")
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	return djOutput{out.String(), errOut.String()}, err
}

func (s *djStack) must(timeout time.Duration, name string, args ...string) djOutput {
	s.t.Helper()
	out, err := s.run(timeout, name, args...)
	if err != nil {
		s.t.Fatalf("%s %s: %v\nstdout:\n%s\nstderr:\n%s", filepath.Base(name), strings.Join(args, " "), err, djTail(out.stdout), djTail(out.stderr))
	}
	return out
}

// sh runs a shell command in a service's container (no TTY).
func (s *djStack) exec(service string, args ...string) string {
	s.t.Helper()
	return s.must(3*time.Minute, "docker", append([]string{"compose", "exec", "-T", service}, args...)...).stdout
}

// render writes the project. The images it builds are tagged with the
// test's own project name (app_version), so no other test or user's
// mysite-web:1.0 is replaced; the cleanup removes them.
func (s *djStack) render(extra ...string) {
	s.t.Helper()
	// The Django project keeps the name the tests read (mysite/...), and
	// the compose project is the test's own, so the built images are
	// <project>-web:<project> and no other test's are replaced.
	args := append([]string{"new", "django-uwsgi", s.dir, "--yes", "--set", "db=mariadb", "--set", "project=mysite",
		"--set", "compose_project=" + s.project,
		"--set", fmt.Sprintf("http_port=%d", s.port), "--set", "app_version=" + s.project}, djImages()...)
	args = append(args, e2etest.DjangoPythonPins(s.t)...)
	s.must(2*time.Minute, s.bin, append(args, extra...)...)
}

// upResult is the last JSON line of `stackgen up --progress json`.
type upResult struct {
	Status       string  `json:"status"`
	URL          string  `json:"url"`
	Project      string  `json:"project"`
	ReadyAfter   float64 `json:"ready_after_s"`
	Wait         float64 `json:"wait_s"`
	LastService  string  `json:"last_service"`
	ReadyDelayMS float64 `json:"ready_delay_ms"`
	Migrations   string  `json:"migrations"`
	Error        string  `json:"error"`
}

func (s *djStack) up(timeout string) (upResult, []map[string]any, djOutput, error) {
	s.t.Helper()
	out, err := s.run(15*time.Minute, s.bin, "up", s.dir, "--timeout", timeout, "--progress", "json")
	var res upResult
	var events []map[string]any
	sc := bufio.NewScanner(strings.NewReader(out.stdout))
	for sc.Scan() {
		line := sc.Bytes()
		var m map[string]any
		if json.Unmarshal(line, &m) != nil {
			continue
		}
		if _, ok := m["status"].(string); ok && m["id"] == nil {
			_ = json.Unmarshal(line, &res)
			continue
		}
		events = append(events, m)
	}
	return res, events, out, err
}

func (s *djStack) url(path string) string { return fmt.Sprintf("http://127.0.0.1:%d%s", s.port, path) }

func djGet(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	c := &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return resp, string(b)
}

func djFreePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func djTail(s string) string {
	if len(s) > 6000 {
		return "…" + s[len(s)-6000:]
	}
	return s
}

func (s *djStack) volumes() []string {
	s.t.Helper()
	out := s.must(time.Minute, "docker", "volume", "ls", "--quiet", "--filter", "label=com.docker.compose.project="+s.project).stdout
	return strings.Fields(out)
}

// djManageShell runs Python in Django's shell and returns the last line it
// printed (Django 5.2's shell may print a line about auto-imports first).
func djManageShell(s *djStack, code string) string {
	s.t.Helper()
	lines := strings.Split(s.exec("web", "python", "manage.py", "shell", "-v", "0", "-c", code), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if l := strings.TrimSpace(lines[i]); l != "" {
			return l
		}
	}
	return ""
}

// TestDjangoUWSGIUpStatusLogsDown is the user story: render, up, use the
// site, status, logs, down, up again with the data still there.
func TestDjangoUWSGIUpStatusLogsDown(t *testing.T) {
	djRequireEngine(t)
	s := newDjStack(t, "dj")
	s.render()

	// 1. up returns 0, after every service became ready, with migrations.
	started := time.Now()
	res, events, out, err := s.up("5m")
	if err != nil {
		t.Fatalf("stackgen up: %v\nstdout:\n%s\nstderr:\n%s", err, djTail(out.stdout), djTail(out.stderr))
	}
	if res.Status != "ready" {
		t.Fatalf("up's last JSON line %+v, want status ready\n%s", res, djTail(out.stdout))
	}
	t.Logf("TIMING stackgen up: every service ready %.1fs after up started (wall clock %.1fs, build included); the wait itself took %.1fs", res.ReadyAfter, time.Since(started).Seconds(), res.Wait)
	t.Logf("TIMING the engine marked the last service (%s) ready; stackgen reported ready %.2fms later", res.LastService, res.ReadyDelayMS)
	if res.ReadyDelayMS < 0 || res.ReadyDelayMS > 5000 {
		t.Errorf("delay between the engine's last health event and stackgen's report: %.1fms", res.ReadyDelayMS)
	}
	wantURL := fmt.Sprintf("http://localhost:%d/", s.port)
	if res.URL != wantURL {
		t.Errorf("up printed URL %q, want %q", res.URL, wantURL)
	}
	if !strings.Contains(res.Migrations, "Django migrations") {
		t.Errorf("up did not report the migrations: %+v", res)
	}
	seen := map[string]bool{}
	for _, e := range events {
		if e["status"] == "done" {
			seen[fmt.Sprint(e["id"])] = true
		}
	}
	for _, svc := range []string{"db", "redis", "web", "nginx", "migrations"} {
		if !seen[svc] {
			t.Errorf("no progress event said %s was done; events: %v", svc, events)
		}
	}

	// 2. The site through nginx on 127.0.0.1.
	resp, body := djGet(t, s.url("/"))
	if resp.StatusCode != 200 || !strings.Contains(body, "Django is running behind uWSGI and nginx") {
		t.Fatalf("GET / = %d:\n%s", resp.StatusCode, djTail(body))
	}
	if resp.Header.Get("X-Frame-Options") == "" {
		t.Errorf("GET / lacks Django's X-Frame-Options: did it reach Django? headers %v", resp.Header)
	}
	index := body
	resp, body = djGet(t, s.url("/healthz"))
	if resp.StatusCode != 200 || strings.TrimSpace(body) != "ok" {
		t.Errorf("GET /healthz = %d %q", resp.StatusCode, body)
	}
	// The stylesheet the page links to is served by nginx from the static
	// volume: nginx's `expires 30d`, and none of Django's headers.
	m := regexp.MustCompile(`href="(/static/[^"]+)"`).FindStringSubmatch(index)
	if m == nil {
		t.Fatal("the index page links no /static/ file")
	}
	resp, css := djGet(t, s.url(m[1]))
	if resp.StatusCode != 200 || len(css) == 0 {
		t.Fatalf("GET %s = %d (%d bytes)", m[1], resp.StatusCode, len(css))
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "max-age=2592000" || resp.Header.Get("Expires") == "" {
		t.Errorf("GET %s: Cache-Control %q, Expires %q: not nginx's static location", m[1], cc, resp.Header.Get("Expires"))
	}
	if resp.Header.Get("X-Frame-Options") != "" {
		t.Errorf("GET %s carries Django's X-Frame-Options: uWSGI served it, not nginx", m[1])
	}

	// 3. The database has Django's migrations applied.
	plan := s.exec("web", "python", "manage.py", "showmigrations", "--plan")
	if !strings.Contains(plan, "[X]  contenttypes.0001_initial") || strings.Contains(plan, "[ ]") {
		t.Errorf("migrations not all applied:\n%s", plan)
	}
	tables := s.exec("db", "sh", "-c", `mariadb -u"$MYSQL_USER" -p"$MYSQL_PASSWORD" "$MYSQL_DATABASE" -N -e "SELECT COUNT(*) FROM django_migrations"`)
	if n := strings.TrimSpace(tables); n == "" || n == "0" {
		t.Errorf("django_migrations has %q rows", n)
	}

	// 3b. The project is production-ready by Django's own measure, with the
	// environment compose gives the running container: every deploy check
	// passes or is silenced in settings.py with its reason.
	if out, err := s.run(3*time.Minute, "docker", "compose", "exec", "-T", "web", "python", "manage.py", "check", "--deploy", "--fail-level", "WARNING"); err != nil {
		t.Errorf("manage.py check --deploy failed in the web container: %v\n%s", err, out.all())
	}

	// 4. A value set in Django's cache is read back from Redis itself.
	token := fmt.Sprintf("e2e-%d", time.Now().UnixNano())
	got := djManageShell(s, fmt.Sprintf(`from django.core.cache import cache; cache.set("e2e-key", %q, None); print(cache.get("e2e-key"))`, token))
	if got != token {
		t.Fatalf("cache.get after cache.set = %q, want %q", got, token)
	}
	// Django names the Redis key and database; redis-cli reads it there.
	where := strings.Fields(djManageShell(s, `from django.core.cache import cache; print(cache.make_key("e2e-key"), cache.client.get_client().connection_pool.connection_kwargs["db"])`))
	if len(where) != 2 {
		t.Fatalf("Django did not name the cache key and Redis database: %q", where)
	}
	redisGet := func() string { return s.exec("redis", "redis-cli", "-n", where[1], "GET", where[0]) }
	if raw := redisGet(); !strings.Contains(raw, token) {
		t.Errorf("redis-cli -n %s GET %s = %q, want it to hold %q", where[1], where[0], raw, token)
	}
	// and a row in the database
	user := "e2e_" + token[4:]
	djManageShell(s, fmt.Sprintf(`from django.contrib.auth.models import User; User.objects.create_user(%q)`, user))

	// 5. status and logs.
	st := s.must(time.Minute, s.bin, "status", s.dir, "--json").stdout
	var status struct {
		Project  string `json:"project"`
		Services []struct {
			Service, State, Health string
			Ports                  []string
		} `json:"services"`
	}
	if err := json.Unmarshal([]byte(st), &status); err != nil {
		t.Fatalf("status --json: %v\n%s", err, st)
	}
	if status.Project != s.project || len(status.Services) != 4 {
		t.Errorf("status: %+v", status)
	}
	for _, svc := range status.Services {
		if svc.State != "running" || svc.Health != "healthy" {
			t.Errorf("status: %s is %s/%s", svc.Service, svc.State, svc.Health)
		}
	}
	table := s.must(time.Minute, s.bin, "status", s.dir).stdout
	t.Logf("stackgen status:\n%s", table)
	if logs := s.must(time.Minute, s.bin, "logs", s.dir, "nginx", "--tail", "20").stdout; !strings.Contains(logs, "GET /healthz") && !strings.Contains(logs, "GET / ") {
		t.Errorf("nginx's logs show none of the requests:\n%s", logs)
	}

	// 6. down keeps the volumes; up again brings the same data back.
	before := s.volumes()
	down := s.must(5*time.Minute, s.bin, "down", s.dir)
	if !strings.Contains(down.stderr, "Volumes kept") {
		t.Errorf("down did not say the volumes are kept:\n%s", down.stderr)
	}
	if after := s.volumes(); strings.Join(after, ",") != strings.Join(before, ",") || len(after) < 4 {
		t.Errorf("volumes before down %v, after %v", before, after)
	}
	if ps := s.must(time.Minute, "docker", "ps", "-aq", "--filter", "label=com.docker.compose.project="+s.project).stdout; strings.TrimSpace(ps) != "" {
		t.Errorf("containers left after down: %s", ps)
	}
	res, _, out, err = s.up("5m")
	if err != nil || res.Status != "ready" {
		t.Fatalf("second stackgen up: %v %+v\n%s", err, res, djTail(out.all()))
	}
	t.Logf("TIMING second up (images built, data present): ready %.1fs after start; delay %.2fms", res.ReadyAfter, res.ReadyDelayMS)
	if got := djManageShell(s, fmt.Sprintf(`from django.contrib.auth.models import User; print(User.objects.filter(username=%q).exists())`, user)); got != "True" {
		t.Errorf("the user created before down is gone after up: %q", got)
	}
	if raw := redisGet(); !strings.Contains(raw, token) {
		t.Errorf("the Redis key set before down is gone after up: %q", raw)
	}
	if resp, _ := djGet(t, s.url("/")); resp.StatusCode != 200 {
		t.Errorf("GET / after the second up = %d", resp.StatusCode)
	}
}

// TestDjangoUWSGIUpFailsOnUnhealthyService breaks the redis health check so
// that it can never pass: up must fail within its timeout, name redis, show
// its logs and health-check log, and leave containers, volumes and .env.
func TestDjangoUWSGIUpFailsOnUnhealthyService(t *testing.T) {
	djRequireEngine(t)
	s := newDjStack(t, "djbroken")
	s.render()
	composeFile := filepath.Join(s.dir, "compose.yaml")
	b, err := os.ReadFile(composeFile)
	if err != nil {
		t.Fatal(err)
	}
	broken, n := djBreakHealthcheck(string(b), "redis", `["CMD-SHELL", "echo e2e-broken-healthcheck; exit 1"]`)
	if n != 1 {
		t.Fatalf("could not find the redis health check in compose.yaml")
	}
	if err := os.WriteFile(composeFile, []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	envBefore := djHash(t, filepath.Join(s.dir, ".env"))
	// Build first (cached after the other test), so the time measured
	// below is up's own.
	s.must(15*time.Minute, "docker", "compose", "build")

	const timeout = 90 * time.Second
	started := time.Now()
	out, err := s.run(15*time.Minute, s.bin, "up", s.dir, "--timeout", timeout.String(), "--progress", "plain", "--no-build")
	if err == nil {
		t.Fatalf("stackgen up succeeded with a health check that can never pass:\n%s", djTail(out.all()))
	}
	exitErr, ok := err.(*exec.ExitError)
	if !ok || exitErr.ExitCode() != 1 {
		t.Errorf("up failed with %v, want exit code 1", err)
	}
	elapsed := time.Since(started)
	t.Logf("broken up failed after %.1fs:\n%s", elapsed.Seconds(), djTail(out.stderr))
	if elapsed > timeout+20*time.Second {
		t.Errorf("up took %s to fail, past its --timeout %s", elapsed, timeout)
	}
	for _, want := range []string{
		`stackgen up failed: service "redis"`,
		"redis: ",                        // the service's section
		"log lines:",                     // its logs
		"Ready to accept connections",    // a line from redis's own log
		"health check log:",              // the health-check log
		"exit 1: e2e-broken-healthcheck", // with the check's output
		"Nothing was removed",
	} {
		if !strings.Contains(out.stderr, want) {
			t.Errorf("up's report lacks %q", want)
		}
	}
	// Nothing deleted: the redis container is still there, unhealthy; the
	// volumes and .env are untouched.
	ps := s.must(time.Minute, "docker", "ps", "-a", "--filter", "label=com.docker.compose.project="+s.project,
		"--filter", "label=com.docker.compose.service=redis", "--format", "{{.Status}}").stdout
	if !strings.Contains(ps, "unhealthy") {
		t.Errorf("the redis container is gone or not unhealthy: %q", ps)
	}
	vols := s.volumes()
	found := false
	for _, v := range vols {
		if v == s.project+"_redis_vol" {
			found = true
		}
	}
	if !found {
		t.Errorf("volume %s_redis_vol is gone; volumes: %v", s.project, vols)
	}
	if djHash(t, filepath.Join(s.dir, ".env")) != envBefore {
		t.Error(".env changed")
	}
}

// djBreakHealthcheck replaces the test of service's health check.
func djBreakHealthcheck(compose, service, test string) (string, int) {
	lines := strings.Split(compose, "\n")
	in, n := false, 0
	for i, l := range lines {
		if strings.HasPrefix(l, "  ") && !strings.HasPrefix(l, "    ") && strings.HasSuffix(strings.TrimSpace(l), ":") {
			in = strings.TrimSpace(l) == service+":"
		}
		if in && strings.HasPrefix(strings.TrimSpace(l), "test:") {
			indent := l[:len(l)-len(strings.TrimLeft(l, " "))]
			lines[i] = indent + "test: " + test
			n++
		}
		if in && strings.HasPrefix(strings.TrimSpace(l), "interval:") {
			indent := l[:len(l)-len(strings.TrimLeft(l, " "))]
			lines[i] = indent + "interval: 3s"
		}
	}
	return strings.Join(lines, "\n"), n
}

func djHash(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%x", sha256.Sum256(b))
}
