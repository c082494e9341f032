package e2e

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// TestOnyx brings the whole default onyx topology (Onyx v4: OpenSearch,
// the PostgreSQL file store) up on the real engine and checks what the
// render promises: every service healthy, the API server ran `alembic
// upgrade head` before it served and reached OpenSearch over HTTPS with the
// generated admin password, nginx (the only published port) routes / to the
// web server and /api/... to the API server with /api stripped, and the
// generated backup and restore scripts round-trip the database, the
// file-system volume and (with --with-index) the OpenSearch index.
//
// Onyx's images and OpenSearch cannot be pulled here, so the test renders
// the stack with stackgen's own --image option pointing at stand-ins: the
// Postgres, Redis, nginx and OpenSearch stand-ins, and one test image built
// FROM the httpstub stand-in (testdata/onyx/app) whose shims carry the names
// the generated commands call (alembic, uvicorn, celery, node, ...). The
// compose file, nginx config, health checks, dependency order, .env and the
// scripts are exactly what a user gets.
func TestOnyx(t *testing.T) {
	o := onyxSetup(t)
	dir, port, run, must := o.dir, o.port, o.run, o.must

	// 1. stackgen new, with the stand-ins as image answers (port_3000 off:
	// the shared test host may have 3000 taken; opensearch_ulimits off: the
	// CI engine's own hard limits, 20000 files and 8 MiB locked, are below
	// upstream's nofile 65536 and memlock unlimited, so runc refuses them).
	must(time.Minute, o.bin, "new", "onyx", dir, "--yes",
		"--set", "bind_address=127.0.0.1", "--set", fmt.Sprintf("http_port=%d", port), "--set", "port_3000=false", "--set", "opensearch_ulimits=false",
		"--image", "backend="+o.app, "--image", "web_server="+o.app, "--image", "model_server="+o.app,
		"--image", "opensearch="+onyxStandin("opensearch"),
		"--image", "relational_db="+onyxStandin("postgres"), "--image", "cache="+onyxStandin("redis"),
		"--image", "nginx="+onyxStandin("nginx"))
	compose := must(time.Minute, "docker", "compose", "config", "--services")
	if got := strings.Join(strings.Fields(compose), " "); !onyxSameSet(got, "api_server background cache indexing_model_server inference_model_server nginx opensearch relational_db web_server") {
		t.Fatalf("services = %s, want Onyx v4's set with OpenSearch and no Vespa or MinIO", got)
	}

	// 2. stackgen up: start, wait for health, run the stack's Migrate.
	out := must(15*time.Minute, o.bin, "up", dir, "--timeout", "10m", "--progress", "plain")
	url := fmt.Sprintf("http://127.0.0.1:%d/", port)
	if !strings.Contains(out, url) {
		t.Errorf("stackgen up did not print %s:\n%s", url, out)
	}
	onyxAllHealthy(t, must, port)

	// 3. Migrations ran before the API served, and the API server reached
	// OpenSearch before it served too: the api_server's log shows alembic
	// finishing, then its index ready, before the first health probe
	// reached uvicorn; Postgres holds the rows (one from the start
	// command, one from stackgen up's Migrate, both from the api_server
	// container); OpenSearch holds the index, created with the password
	// from .env.
	logs := must(time.Minute, "docker", "compose", "logs", "--no-color", "--no-log-prefix", "api_server")
	migrated := strings.Index(logs, "alembic stand-in: upgrade head recorded")
	indexed := strings.Index(logs, "opensearch client stand-in: index danswer_chunk_e2e ready on https://opensearch:9200")
	served := strings.Index(logs, "GET /health")
	if migrated < 0 || indexed < 0 || served < 0 || migrated > indexed || indexed > served {
		t.Errorf("api_server did not migrate, then connect to OpenSearch, before serving (migration at %d, index at %d, first /health at %d):\n%s", migrated, indexed, served, logs)
	}
	rows := strings.TrimSpace(must(time.Minute, "docker", "compose", "exec", "-T", "relational_db",
		"psql", "-U", "onyx", "-d", "onyx", "-Atc", "SELECT count(*), count(DISTINCT host) FROM e2e_migrations"))
	if rows != "2|1" {
		t.Errorf("e2e_migrations = %q, want 2 runs from one container (start command + stackgen up's Migrate)", rows)
	}
	osCurl := func(path string) string {
		return must(time.Minute, "docker", "compose", "exec", "-T", "opensearch", "sh", "-c",
			`curl -fsSk -u "admin:$OPENSEARCH_INITIAL_ADMIN_PASSWORD" "https://127.0.0.1:9200$1"`, "sh", path)
	}
	if got := osCurl("/_cat/indices"); !strings.Contains(got, `"index": "danswer_chunk_e2e"`) {
		t.Errorf("OpenSearch has no index from the API server: %s", got)
	}
	env, _ := os.ReadFile(filepath.Join(dir, ".env"))
	if !strings.Contains(string(env), "OPENSEARCH_ADMIN_PASSWORD='") || strings.Contains(string(env), "StrongPassword123!") {
		t.Errorf(".env has no generated OpenSearch password")
	}
	// Every Onyx service reads .env (upstream's env_file): a setting only
	// .env has reaches the API server.
	if got := strings.TrimSpace(must(time.Minute, "docker", "compose", "exec", "-T", "api_server", "sh", "-c", "echo $COMPOSE_PATH_SEPARATOR")); got != ":" {
		t.Errorf("api_server does not read .env as an env_file (COMPOSE_PATH_SEPARATOR=%q)", got)
	}
	if got := must(time.Minute, "docker", "compose", "exec", "-T", "api_server", "getent", "hosts", "host.docker.internal"); !strings.Contains(got, "host.docker.internal") {
		t.Errorf("api_server cannot resolve host.docker.internal: %q", got)
	}

	// 4. Routing through nginx, same origin.
	onyxRoutes(t, url)
	if got := onyxGet(t, url+"scim/v2/Users"); got.Port != 8080 || got.Path != "/scim/v2/Users" {
		t.Errorf("GET /scim/v2/Users reached %+v, want the API server with the path kept", got)
	}
	if got := onyxGet(t, url+"auth/saml/callback"); got.Port != 8080 || got.Path != "/auth/saml/callback" {
		t.Errorf("GET /auth/saml/callback reached %+v, want the API server with the path kept", got)
	}

	// 5. The generated deploy script on the running stack: it checks .env,
	// waits on health and prints the URL.
	if out := must(10*time.Minute, "bash", "scripts/deploy.sh"); !strings.Contains(out, "Onyx is up at "+url) {
		t.Errorf("deploy.sh did not report the URL:\n%s", out)
	}

	// 6. Backup, change the data, restore, and the data is back.
	psql := func(sql string) string {
		return strings.TrimSpace(must(time.Minute, "docker", "compose", "exec", "-T", "relational_db", "psql", "-U", "onyx", "-d", "onyx", "-Atc", sql))
	}
	psql("CREATE TABLE e2e_marker (v text); INSERT INTO e2e_marker VALUES ('before backup')")
	object := "/app/file-system/e2e-object"
	must(time.Minute, "docker", "compose", "exec", "-T", "-u", "root", "api_server", "sh", "-c", "echo 'before backup' > "+object)
	out = must(10*time.Minute, "bash", "scripts/backup.sh", "--with-index", "backups/e2e")
	for _, f := range []string{"postgres.dump", "file-system.tar.gz", "opensearch-index.tar.gz", "MANIFEST.txt", "SHA256SUMS", "manifest.json"} {
		if st, err := os.Stat(filepath.Join(dir, "backups", "e2e", f)); err != nil || st.Size() == 0 {
			t.Errorf("backup lacks %s: %v\n%s", f, err, out)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "backups", "e2e", "MANIFEST.txt")); !strings.Contains(string(b), "redis:        not included") || !strings.Contains(string(b), "search index: OpenSearch, included") {
		t.Errorf("MANIFEST.txt does not say what is in the backup:\n%s", b)
	}
	psql("DELETE FROM e2e_marker; INSERT INTO e2e_marker VALUES ('after backup')")
	must(time.Minute, "docker", "compose", "exec", "-T", "-u", "root", "api_server", "sh", "-c", "echo 'after backup' > "+object)
	must(time.Minute, "docker", "compose", "exec", "-T", "opensearch", "sh", "-c",
		`curl -fsSk -X DELETE -u "admin:$OPENSEARCH_INITIAL_ADMIN_PASSWORD" https://127.0.0.1:9200/danswer_chunk_e2e`)

	out = must(15*time.Minute, "bash", "scripts/restore.sh", "--yes", "backups/e2e")
	if got := psql("SELECT string_agg(v, ',') FROM e2e_marker"); got != "before backup" {
		t.Errorf("after restore e2e_marker = %q, want %q\n%s", got, "before backup", out)
	}
	if got := strings.TrimSpace(must(time.Minute, "docker", "compose", "exec", "-T", "api_server", "cat", object)); got != "before backup" {
		t.Errorf("after restore the file-system volume holds %q, want %q", got, "before backup")
	}
	if got := osCurl("/_cat/indices"); !strings.Contains(got, `"index": "danswer_chunk_e2e"`) {
		t.Errorf("after restore OpenSearch lacks the index from the backup: %s", got)
	}
	if got := onyxGet(t, url+"api/health"); got.Path != "/health" {
		t.Errorf("after restore GET /api/health reached %+v", got)
	}

	// 7. The offline bundle: compose files, configs, scripts, .env.example
	// but no .env, checksums that verify, and one image archive holding
	// exactly the images `docker compose config --images` lists.
	out = must(15*time.Minute, "bash", "scripts/create-deployment-package.sh")
	bundles, _ := filepath.Glob(filepath.Join(dir, "dist", "onyx-deploy-*.tar.gz"))
	if len(bundles) != 1 {
		t.Fatalf("create-deployment-package.sh wrote %v:\n%s", bundles, out)
	}
	want := map[string]bool{}
	for _, img := range strings.Fields(must(time.Minute, "docker", "compose", "config", "--images")) {
		want[img] = true
	}
	onyxCheckBundle(t, bundles[0], want)

	// A damaged backup is refused before anything changes.
	f := filepath.Join(dir, "backups", "e2e", "postgres.dump")
	if err := os.WriteFile(f, []byte("damaged"), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := run(time.Minute, "bash", "scripts/restore.sh", "--yes", "backups/e2e"); err == nil || !strings.Contains(out, "checksum mismatch") {
		t.Errorf("restore of a damaged backup: %v\n%s", err, out)
	}
	if got := psql("SELECT string_agg(v, ',') FROM e2e_marker"); got != "before backup" {
		t.Errorf("a refused restore changed the database: %q", got)
	}
}

// TestOnyxLite brings Onyx Lite (profile=lite: upstream's onyx-lite
// overlay) up: only the API server, the web server, PostgreSQL and nginx
// run, all healthy, the API server is configured for no vector index and
// PostgreSQL for cache, sessions and files, and nginx routes as in the
// default mode.
func TestOnyxLite(t *testing.T) {
	o := onyxSetup(t)
	dir, port, must := o.dir, o.port, o.must
	must(time.Minute, o.bin, "new", "onyx", dir, "--yes", "--set", "profile=lite",
		"--set", "bind_address=127.0.0.1", "--set", fmt.Sprintf("http_port=%d", port), "--set", "port_3000=false", "--set", "opensearch_ulimits=false",
		"--image", "backend="+o.app, "--image", "web_server="+o.app,
		"--image", "relational_db="+onyxStandin("postgres"), "--image", "nginx="+onyxStandin("nginx"))
	if got := strings.Join(strings.Fields(must(time.Minute, "docker", "compose", "config", "--services")), " "); !onyxSameSet(got, "api_server nginx relational_db web_server") {
		t.Fatalf("Onyx Lite services = %s, want api_server nginx relational_db web_server", got)
	}
	out := must(10*time.Minute, o.bin, "up", dir, "--timeout", "8m", "--progress", "plain")
	url := fmt.Sprintf("http://127.0.0.1:%d/", port)
	if !strings.Contains(out, url) {
		t.Errorf("stackgen up did not print %s:\n%s", url, out)
	}
	onyxAllHealthy(t, must, port)
	for k, want := range map[string]string{"DISABLE_VECTOR_DB": "true", "CACHE_BACKEND": "postgres", "AUTH_BACKEND": "postgres", "FILE_STORE_BACKEND": "postgres", "DISABLE_MODEL_SERVER": "true"} {
		if got := strings.TrimSpace(must(time.Minute, "docker", "compose", "exec", "-T", "api_server", "printenv", k)); got != want {
			t.Errorf("api_server %s = %q, want %q", k, got, want)
		}
	}
	if logs := must(time.Minute, "docker", "compose", "logs", "--no-color", "api_server"); strings.Contains(logs, "opensearch client stand-in") {
		t.Errorf("the Onyx Lite API server looked for OpenSearch:\n%s", logs)
	}
	onyxRoutes(t, url)
	// Its backup is the database and the file-system volume.
	out = must(10*time.Minute, "bash", "scripts/backup.sh", "backups/lite")
	for _, f := range []string{"postgres.dump", "file-system.tar.gz", "SHA256SUMS"} {
		if st, err := os.Stat(filepath.Join(dir, "backups", "lite", f)); err != nil || st.Size() == 0 {
			t.Errorf("lite backup lacks %s: %v\n%s", f, err, out)
		}
	}
}

// onyxRun is one test's project: its folder, nginx's port, the stackgen
// binary and the app stand-in, and helpers running commands in the folder.
type onyxRun struct {
	dir, bin, app string
	port          int
	run           func(timeout time.Duration, name string, args ...string) (string, error)
	must          func(timeout time.Duration, name string, args ...string) string
}

// onyxSetup gates on the engine and the stand-ins, builds what the test
// drives, and tears the project down (volumes too) when the test ends,
// with its state and logs when it failed.
func onyxSetup(t *testing.T) onyxRun {
	t.Helper()
	onyxRequireEngine(t, onyxStandin("httpstub"), onyxStandin("postgres"), onyxStandin("redis"), onyxStandin("nginx"), onyxStandin("opensearch"))
	start := time.Now()
	o := onyxRun{app: onyxBuildApp(t), bin: onyxBuildStackgen(t), port: onyxFreePort(t)}
	t.Logf("stand-in image and stackgen built in %s", time.Since(start).Round(time.Second))
	o.dir = filepath.Join(t.TempDir(), fmt.Sprintf("onyx-e2e-%d", time.Now().UnixNano()%1_000_000))
	o.run = func(timeout time.Duration, name string, args ...string) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		cmd := exec.CommandContext(ctx, name, args...)
		cmd.Dir = o.dir
		if _, err := os.Stat(o.dir); err != nil {
			cmd.Dir = filepath.Dir(o.dir)
		}
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	o.must = func(timeout time.Duration, name string, args ...string) string {
		t.Helper()
		start := time.Now()
		out, err := o.run(timeout, name, args...)
		if err != nil {
			t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Logf("%s %s: %s", filepath.Base(name), strings.Join(args[:min(len(args), 2)], " "), d.Round(time.Second))
		}
		return out
	}
	t.Cleanup(func() {
		if _, err := os.Stat(o.dir); err != nil {
			return
		}
		if t.Failed() {
			out, _ := o.run(time.Minute, "docker", "compose", "ps", "-a")
			t.Logf("compose ps:\n%s", out)
			out, _ = o.run(time.Minute, "docker", "compose", "logs", "--no-color", "--tail", "40")
			t.Logf("compose logs:\n%s", out)
		}
		_, _ = o.run(3*time.Minute, "docker", "compose", "down", "--volumes", "--timeout", "5")
	})
	return o
}

// onyxAllHealthy: every service runs and is healthy; only nginx is
// published, on 127.0.0.1:port.
func onyxAllHealthy(t *testing.T, must func(time.Duration, string, ...string) string, port int) {
	t.Helper()
	for _, c := range onyxPS(t, must(time.Minute, "docker", "compose", "ps", "--format", "json")) {
		if c.State != "running" || c.Health != "healthy" {
			t.Errorf("%s: state %q health %q, want running and healthy", c.Service, c.State, c.Health)
		}
		for _, p := range c.Publishers {
			if p.PublishedPort == 0 {
				continue
			}
			if c.Service != "nginx" {
				t.Errorf("%s publishes port %d; only nginx may", c.Service, p.PublishedPort)
			} else if p.URL != "127.0.0.1" || p.PublishedPort != port {
				t.Errorf("nginx publishes %s:%d, want 127.0.0.1:%d", p.URL, p.PublishedPort, port)
			}
		}
	}
}

// onyxRoutes: / to the web server, /api/... to the API server with the
// prefix stripped, nginx's own health endpoint.
func onyxRoutes(t *testing.T, url string) {
	t.Helper()
	web := onyxGet(t, url)
	if web.Port != 3000 || web.Path != "/" {
		t.Errorf("GET / reached %+v, want the web server on :3000", web)
	}
	api := onyxGet(t, url+"api/chat/send-message?stream=1")
	if api.Port != 8080 || api.Standin != "onyx.main:app" || api.Path != "/chat/send-message?stream=1" {
		t.Errorf("GET /api/chat/send-message reached %+v, want the API server on :8080 at /chat/send-message (prefix stripped)", api)
	}
	if got := onyxGet(t, url+"api/health"); got.Path != "/health" || got.Port != 8080 {
		t.Errorf("GET /api/health reached %+v, want /health on the API server", got)
	}
	resp, err := http.Get(url + "nginx-health")
	if err != nil || resp.StatusCode != 200 {
		t.Errorf("GET /nginx-health: %v %v", resp, err)
	}
	if resp != nil {
		resp.Body.Close()
	}
}

// onyxSameSet reports whether two space-separated lists hold the same words.
func onyxSameSet(a, b string) bool {
	x, y := strings.Fields(a), strings.Fields(b)
	sort.Strings(x)
	sort.Strings(y)
	return strings.Join(x, " ") == strings.Join(y, " ")
}

// onyxStandin names a stand-in image (see e2e/standins/build.sh).
func onyxStandin(name string) string {
	tags := map[string]string{"nginx": "1.26", "redis": "8.0", "postgres": "17", "httpstub": "1", "opensearch": "3.6"}
	prefix := os.Getenv("STANDIN_PREFIX")
	if prefix == "" {
		prefix = "stackgen-standin"
	}
	return prefix + "/" + name + ":" + tags[name]
}

// onyxRequireEngine skips without an engine (fails in CI) or when a
// stand-in is missing (fails in CI, where build.sh runs first).
func onyxRequireEngine(t *testing.T, images ...string) {
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
	if err := exec.Command("docker", "compose", "version").Run(); err != nil {
		t.Fatalf("docker compose v2 is missing: %v", err)
	}
	for _, img := range images {
		if err := exec.Command("docker", "image", "inspect", img).Run(); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("the stand-in image %s is missing: build it with bash e2e/standins/build.sh", img)
			}
			t.Skipf("the stand-in image %s is missing: build it with bash e2e/standins/build.sh", img)
		}
	}
}

// onyxBuildApp builds the Onyx stand-in image (testdata/onyx/app) FROM the
// httpstub stand-in; the engine's build cache makes repeats quick.
func onyxBuildApp(t *testing.T) string {
	t.Helper()
	const image = "stackgen-e2e/onyx-app:1"
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "docker", "build", "-q",
		"--build-arg", "BASE="+onyxStandin("httpstub"),
		"--label", "org.stackgen.standin=onyx-app",
		"-t", image, filepath.Join("testdata", "onyx", "app"))
	cmd.Env = append(os.Environ(), "DOCKER_BUILDKIT=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the Onyx stand-in image: %v\n%s", err, out)
	}
	return image
}

// onyxBuildStackgen builds the stackgen binary the test drives.
func onyxBuildStackgen(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "stackgen")
	cmd := exec.Command("go", "build", "-o", bin, "../cmd/stackgen")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build stackgen: %v\n%s", err, out)
	}
	return bin
}

func onyxFreePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// onyxEcho is what the httpstub stand-in answers.
type onyxEcho struct {
	Standin string `json:"standin"`
	Method  string `json:"method"`
	Path    string `json:"path"`
	Port    int    `json:"port"`
	Host    string `json:"host"`
}

func onyxGet(t *testing.T, url string) onyxEcho {
	t.Helper()
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %s\n%s", url, resp.Status, b)
	}
	var e onyxEcho
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatalf("GET %s: not the stub's JSON: %v\n%s", url, err, b)
	}
	return e
}

// onyxContainer is one line of `docker compose ps --format json`.
type onyxContainer struct {
	Service    string
	State      string
	Health     string
	Publishers []struct {
		URL           string
		TargetPort    int
		PublishedPort int
	}
}

// onyxPS reads `docker compose ps --format json`: one object per line
// (compose 2.21+) or one array (older).
func onyxPS(t *testing.T, out string) []onyxContainer {
	t.Helper()
	var all []onyxContainer
	if strings.HasPrefix(strings.TrimSpace(out), "[") {
		if err := json.Unmarshal([]byte(out), &all); err != nil {
			t.Fatalf("docker compose ps: %v\n%s", err, out)
		}
		return all
	}
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(line, "{") {
			continue
		}
		var c onyxContainer
		if err := json.Unmarshal([]byte(line), &c); err != nil {
			t.Fatalf("docker compose ps: %v\n%s", err, line)
		}
		all = append(all, c)
	}
	if len(all) == 0 {
		t.Fatalf("docker compose ps listed nothing:\n%s", out)
	}
	return all
}

// onyxCheckBundle opens an offline bundle: every file in SHA256SUMS has
// that hash, .env is absent, .env.example and the scripts are present, and
// the image archive's manifest tags exactly the wanted images.
func onyxCheckBundle(t *testing.T, path string, want map[string]bool) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	sums := map[string]string{}   // path in the bundle -> hash computed
	listed := map[string]string{} // from SHA256SUMS
	var tags []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		_, rel, _ := strings.Cut(h.Name, "/") // drop the top folder
		hash := sha256.New()
		var body io.Reader = io.TeeReader(tr, hash)
		switch {
		case rel == "SHA256SUMS":
			b, _ := io.ReadAll(body)
			for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
				if sum, file, ok := strings.Cut(line, "  "); ok {
					listed[file] = sum
				}
			}
		case strings.HasPrefix(rel, "images/") && strings.HasSuffix(rel, ".tar.gz"):
			tags = onyxArchiveTags(t, body)
		}
		_, _ = io.Copy(io.Discard, body)
		sums[rel] = hex.EncodeToString(hash.Sum(nil))
	}
	for _, must := range []string{"compose.yaml", ".env.example", "README.md", "docker/nginx/conf.d/default.conf", "scripts/install-offline.sh", "scripts/install-offline.ps1", "scripts/deploy.sh"} {
		if _, ok := sums[must]; !ok {
			t.Errorf("the bundle lacks %s", must)
		}
	}
	if _, ok := sums[".env"]; ok {
		t.Errorf("the bundle holds .env: secrets must not travel")
	}
	if len(listed) == 0 {
		t.Errorf("the bundle has no SHA256SUMS")
	}
	for file, sum := range listed {
		if sums[file] != sum {
			t.Errorf("SHA256SUMS says %s is %s, the bundle has %s", file, sum, sums[file])
		}
	}
	got := map[string]bool{}
	for _, tag := range tags {
		got[tag] = true
	}
	for img := range want {
		if !got[img] && !got["docker.io/"+img] && !got["docker.io/library/"+img] {
			t.Errorf("the image archive lacks %s (has %v)", img, tags)
		}
	}
	if len(got) != len(want) {
		t.Errorf("the image archive holds %v, want exactly %v", tags, want)
	}
}

// onyxArchiveTags reads manifest.json of a gzip'd `docker save` archive.
func onyxArchiveTags(t *testing.T, r io.Reader) []string {
	t.Helper()
	gz, err := gzip.NewReader(r)
	if err != nil {
		t.Fatalf("the image archive is not gzip: %v", err)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			t.Fatalf("the image archive has no manifest.json")
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Name != "manifest.json" {
			continue
		}
		var m []struct{ RepoTags []string }
		if err := json.NewDecoder(tr).Decode(&m); err != nil {
			t.Fatal(err)
		}
		var tags []string
		for _, e := range m {
			tags = append(tags, e.RepoTags...)
		}
		_, _ = io.Copy(io.Discard, tr)
		return tags
	}
}
