package e2etest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The stand-ins honour the contracts the stacks rely on in the official
// images (e2e/standins/README.md). Each check starts the image the way a
// compose file would and asks it through the same binaries a health check
// or a backup script uses.

// contractSetup gates a contract test: an engine (skip locally, fail in CI)
// and the stand-in image.
func contractSetup(t *testing.T, role string) string {
	t.Helper()
	if testing.Short() {
		t.Skip("starts containers (-short)")
	}
	if Official() {
		t.Skip("checks the stand-ins, not the official images")
	}
	return RequireImages(t, role)[0]
}

// run starts a detached container and removes it when the test ends.
func runContainer(t *testing.T, args ...string) string {
	t.Helper()
	name := fmt.Sprintf("stackgen-e2etest-%s-%d", strings.ToLower(strings.NewReplacer("/", "-").Replace(t.Name())), time.Now().UnixNano()%1e6)
	t.Cleanup(func() { _, _ = docker(time.Minute, "rm", "-f", "-v", name) })
	out, err := docker(2*time.Minute, append([]string{"run", "-d", "--name", name}, args...)...)
	if err != nil {
		t.Fatalf("docker run %v: %v: %s", args, err, out)
	}
	return name
}

func dexec(t *testing.T, name string, cmd ...string) string {
	t.Helper()
	out, err := docker(2*time.Minute, append([]string{"exec", name}, cmd...)...)
	if err != nil {
		logs, _ := docker(time.Minute, "logs", "--tail", "30", name)
		t.Fatalf("docker exec %s %v: %v\n%s\nlogs:\n%s", name, cmd, err, out, logs)
	}
	return out
}

// waitFor retries cmd in the container until it succeeds (bounded: a hang
// guard, not a timing assertion).
func waitFor(t *testing.T, name string, limit time.Duration, cmd ...string) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		out, err := docker(time.Minute, append([]string{"exec", name}, cmd...)...)
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			logs, _ := docker(time.Minute, "logs", "--tail", "40", name)
			t.Fatalf("%v never succeeded within %v: %v %s\nlogs:\n%s", cmd, limit, err, out, logs)
		}
		time.Sleep(time.Second)
	}
}

// shareDir writes files into a directory the container's service user can
// read (bind-mounted read-only).
func shareDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestStandinMariaDB(t *testing.T) {
	t.Parallel()
	img := contractSetup(t, MariaDB)
	initdb := shareDir(t, map[string]string{"01-data.sql": "CREATE TABLE t1 (id INT PRIMARY KEY); INSERT INTO t1 VALUES (42);\n"})
	conf := shareDir(t, map[string]string{"my.cnf": "[mysqld]\nmax_connections=77\n"})
	name := runContainer(t,
		"-e", "MARIADB_ROOT_PASSWORD=root-pw", "-e", "MYSQL_DATABASE=appdb",
		"-e", "MARIADB_USER=app", "-e", "MYSQL_PASSWORD=app'pw",
		"-v", initdb+":/docker-entrypoint-initdb.d:ro", "-v", conf+":/etc/mysql/conf.d:ro", img)
	waitFor(t, name, 3*time.Minute, "healthcheck.sh", "--connect", "--innodb_initialized")
	got := dexec(t, name, "mariadb", "-uapp", "-papp'pw", "-h127.0.0.1", "--skip-ssl", "-N", "-B", "appdb",
		"-e", "SELECT id FROM t1; SELECT @@max_connections; SELECT CURRENT_USER()")
	if want := "42\n77\napp@%"; got != want {
		t.Errorf("as the MARIADB_USER: %q, want %q", got, want)
	}
	if out := dexec(t, name, "mariadb-admin", "-uroot", "-proot-pw", "ping"); !strings.Contains(out, "alive") {
		t.Errorf("mariadb-admin ping: %q", out)
	}
	if out := dexec(t, name, "sh", "-c", "mariadb-dump -uroot -proot-pw appdb | grep -c 'INSERT INTO'"); out != "1" {
		t.Errorf("mariadb-dump: %q", out)
	}
	if uid := dexec(t, name, "sh", "-c", "awk '/^Uid:/ {print $2}' /proc/1/status; id -u mysql"); len(strings.Fields(uid)) != 2 || strings.Fields(uid)[0] != strings.Fields(uid)[1] {
		t.Errorf("server not running as mysql (uid of pid 1, of mysql): %q", uid)
	}
}

func TestStandinPostgres(t *testing.T) {
	t.Parallel()
	img := contractSetup(t, Postgres)
	initdb := shareDir(t, map[string]string{"01-data.sql": "CREATE TABLE t1 (id int); INSERT INTO t1 VALUES (7);\n"})
	name := runContainer(t, "-e", "POSTGRES_USER=onyx", "-e", "POSTGRES_PASSWORD=pg-pw", "-e", "POSTGRES_DB=onyxdb",
		"-v", initdb+":/docker-entrypoint-initdb.d:ro", img)
	waitFor(t, name, 3*time.Minute, "pg_isready", "-U", "onyx", "-d", "onyxdb", "-h", "127.0.0.1")
	// Remote hosts need the password (scram-sha-256): ask over the
	// container's own non-loopback address.
	addr := dexec(t, name, "sh", "-c", "hostname -i | cut -d' ' -f1")
	if out := dexec(t, name, "env", "PGPASSWORD=pg-pw", "psql", "-h", addr, "-U", "onyx", "-d", "onyxdb", "-Atc", "SELECT id FROM t1"); out != "7" {
		t.Errorf("psql as POSTGRES_USER: %q", out)
	}
	if out, err := docker(time.Minute, "exec", "-e", "PGPASSWORD=wrong", name, "psql", "-h", addr, "-U", "onyx", "-d", "onyxdb", "-c", "SELECT 1"); err == nil {
		t.Errorf("a wrong password was accepted from a remote address: %s", out)
	}
	if out := dexec(t, name, "sh", "-c", "pg_dump -U onyx -Fc onyxdb > /tmp/d && pg_restore -l /tmp/d | grep -c 'TABLE DATA'"); out != "1" {
		t.Errorf("pg_dump/pg_restore: %q", out)
	}
	if out := dexec(t, name, "sh", "-c", "echo $PGDATA; awk '/^Uid:/ {print $2}' /proc/1/status; id -u postgres"); !strings.HasPrefix(out, "/var/lib/postgresql/data\n") {
		t.Errorf("PGDATA/user: %q", out)
	}
}

// TestStandinPostgresConfigFile: like the official image, the command's
// options (the django stack's -c config_file=...) reach the temporary
// server of the first start as well as the final one.
func TestStandinPostgresConfigFile(t *testing.T) {
	t.Parallel()
	img := contractSetup(t, Postgres)
	conf := shareDir(t, map[string]string{"postgresql.conf": "listen_addresses = '*'\nmax_connections = 42\n"})
	initdb := shareDir(t, map[string]string{"01-conns.sh": "#!/bin/sh\npsql -U app -d appdb -Atc 'SHOW max_connections' > /tmp/init-max-connections\n"})
	name := runContainer(t, "-e", "POSTGRES_USER=app", "-e", "POSTGRES_PASSWORD=pg-pw", "-e", "POSTGRES_DB=appdb",
		"-v", filepath.Join(conf, "postgresql.conf")+":/etc/postgresql/postgresql.conf:ro", "-v", initdb+":/docker-entrypoint-initdb.d:ro",
		img, "postgres", "-c", "config_file=/etc/postgresql/postgresql.conf")
	waitFor(t, name, 3*time.Minute, "pg_isready", "-U", "app", "-d", "appdb", "-h", "127.0.0.1")
	if out := dexec(t, name, "psql", "-U", "app", "-d", "appdb", "-Atc", "SHOW config_file; SHOW max_connections"); out != "/etc/postgresql/postgresql.conf\n42" {
		t.Errorf("server settings: %q, want the mounted config_file's", out)
	}
	if out := dexec(t, name, "cat", "/tmp/init-max-connections"); out != "42" {
		t.Errorf("the first start's temporary server ran with max_connections %q, want the config_file's 42", out)
	}
}

func TestStandinRedis(t *testing.T) {
	t.Parallel()
	img := contractSetup(t, Redis)
	name := runContainer(t, img, "redis-server", "--requirepass", "r-pw")
	waitFor(t, name, time.Minute, "redis-cli", "-a", "r-pw", "--no-auth-warning", "ping")
	if out := dexec(t, name, "redis-cli", "ping"); !strings.Contains(out, "NOAUTH") {
		t.Errorf("requirepass not applied: %q", out)
	}
	if out := dexec(t, name, "sh", "-c", "pwd; awk '/^Uid:/ {print $2}' /proc/1/status; id -u redis"); !strings.HasPrefix(out, "/data\n") || strings.Fields(out)[1] != strings.Fields(out)[2] {
		t.Errorf("workdir/user: %q", out)
	}
}

// TestStandinValkey: the real valkey-server (not redis-server renamed),
// valkey-cli reading the password from REDISCLI_AUTH as the stacks pass it,
// /data and the valkey user, and no redis-* names.
func TestStandinValkey(t *testing.T) {
	t.Parallel()
	img := contractSetup(t, Valkey)
	name := runContainer(t, "-e", "REDISCLI_AUTH=v-pw", img, "valkey-server", "--requirepass", "v-pw")
	waitFor(t, name, time.Minute, "valkey-cli", "ping")
	if out := dexec(t, name, "valkey-cli", "INFO", "server"); !strings.Contains(out, "valkey_version:8.1.") || !strings.Contains(out, "server_name:valkey") {
		t.Errorf("INFO server is not Valkey 8.1's:\n%s", out)
	}
	if out, err := docker(time.Minute, "exec", "-e", "REDISCLI_AUTH=", name, "valkey-cli", "ping"); err == nil && !strings.Contains(out, "NOAUTH") {
		t.Errorf("requirepass not applied: %q", out)
	}
	if out := dexec(t, name, "sh", "-c", "pwd; awk '/^Uid:/ {print $2}' /proc/1/status; id -u valkey; command -v redis-cli redis-server || true"); !strings.HasPrefix(out, "/data\n") ||
		len(strings.Fields(out)) != 3 || strings.Fields(out)[1] != strings.Fields(out)[2] {
		t.Errorf("workdir/user/no redis-* names: %q", out)
	}
}

func TestStandinNginx(t *testing.T) {
	t.Parallel()
	img := contractSetup(t, Nginx)
	tpl := shareDir(t, map[string]string{"app.conf.template": "server { listen 8081; location / { return 200 \"hello ${GREETING}\\n\"; } }\n"})
	name := runContainer(t, "-e", "GREETING=stand-in", "-v", tpl+":/etc/nginx/templates:ro", img)
	waitFor(t, name, time.Minute, "curl", "-sf", "-o", "/dev/null", "http://127.0.0.1/")
	if out := dexec(t, name, "curl", "-sf", "http://127.0.0.1:8081/"); out != "hello stand-in" {
		t.Errorf("template not rendered: %q", out)
	}
	if out := dexec(t, name, "sh", "-c", "nginx -t 2>&1 && readlink /var/log/nginx/access.log /var/log/nginx/error.log && id -u nginx"); !strings.Contains(out, "/dev/stdout\n/dev/stderr") {
		t.Errorf("nginx -t / logs: %q", out)
	}
}

func TestStandinHTTPStub(t *testing.T) {
	t.Parallel()
	img := contractSetup(t, HTTPStub)
	name := runContainer(t, "-e", "STANDIN_NAME=api_server", "-e", "STANDIN_PORTS=8080,9000", img)
	waitFor(t, name, time.Minute, "standin-health")
	waitFor(t, name, time.Minute, "standin-health", "9000", "/minio/health/live")
	out := dexec(t, name, "python", "-c", "import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:9000/api/chat?x=1').read().decode())")
	var body struct {
		Standin, Method, Path string
		Port                  int
	}
	if err := json.Unmarshal([]byte(out), &body); err != nil {
		t.Fatalf("body %q: %v", out, err)
	}
	if body.Standin != "api_server" || body.Path != "/api/chat?x=1" || body.Port != 9000 || body.Method != "GET" {
		t.Errorf("body = %+v", body)
	}
	if logs, _ := docker(time.Minute, "logs", name); !strings.Contains(logs, `"GET /api/chat?x=1 HTTP/1.1" 200`) {
		t.Errorf("request not logged:\n%s", logs)
	}
}

func TestStandinPython(t *testing.T) {
	t.Parallel()
	img := contractSetup(t, Python)
	script := `set -e
test "$(readlink -f /usr/local/bin/python)" = "$(readlink -f /usr/bin/python3)"
command -v pip >/dev/null
python -c 'import sys; assert sys.version_info[:2] == (3, 13)'
test "$PIP_NO_INDEX" = 1 && test "$PIP_FIND_LINKS" = /wheels
python -m venv /tmp/venv
/tmp/venv/bin/pip install -q django mysqlclient uwsgi django-redis
/tmp/venv/bin/pip install -q -r /wheels/VERSIONS.txt
/tmp/venv/bin/python -c 'import django, django_redis, redis, web, numpy, PIL; print(django.get_version())'
/tmp/venv/bin/uwsgi --version >/dev/null
/tmp/venv/bin/gunicorn --version >/dev/null
`
	out, err := docker(5*time.Minute, "run", "--rm", img, "bash", "-c", script)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	versions, err := os.ReadFile(filepath.Join("..", "standins", "python", "VERSIONS.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "Django==" + lastLine(out); !strings.Contains(string(versions), want+"\n") {
		t.Errorf("installed Django %q, VERSIONS.txt lacks %q", lastLine(out), want)
	}
}

// The OpenSearch stand-in: what Onyx's client (opensearch-py, use_ssl,
// verify_certs=False, basic auth as admin) and the onyx stack's health
// check do, in that order, over HTTPS with curl as the health check does.
func TestStandinOpenSearch(t *testing.T) {
	t.Parallel()
	img := contractSetup(t, OpenSearch)
	// OpenSearch refuses to start without a strong admin password.
	for _, pw := range []string{"", "weakpassword"} {
		out, err := docker(2*time.Minute, "run", "--rm", "-e", "OPENSEARCH_INITIAL_ADMIN_PASSWORD="+pw, img)
		if err == nil || !strings.Contains(strings.ToLower(out), "password") {
			t.Errorf("started with admin password %q: %v %s", pw, err, out)
		}
	}
	const pw = "Stand-in_Passw0rd"
	name := runContainer(t, "-e", "discovery.type=single-node", "-e", "OPENSEARCH_INITIAL_ADMIN_PASSWORD="+pw, img)
	curl := func(args ...string) string {
		t.Helper()
		return dexec(t, name, append([]string{"curl", "-fsSk", "-u", "admin:" + pw}, args...)...)
	}
	waitFor(t, name, time.Minute, "sh", "-c", `curl -fsSk -o /dev/null -u "admin:$OPENSEARCH_INITIAL_ADMIN_PASSWORD" 'https://127.0.0.1:9200/_cluster/health?wait_for_status=yellow&timeout=5s'`)
	if out := dexec(t, name, "sh", "-c", "curl -sk -o /dev/null -w '%{http_code}' https://127.0.0.1:9200/; curl -sk -o /dev/null -w ' %{http_code}' -u admin:wrong https://127.0.0.1:9200/; curl -s -o /dev/null -w ' %{http_code}' http://127.0.0.1:9200/ || true"); !strings.HasPrefix(out, "401 401 000") {
		t.Errorf("without, with a wrong password, and over plain HTTP: %q, want 401 401 000", out)
	}
	if out := curl("https://127.0.0.1:9200/"); !strings.Contains(out, `"distribution": "opensearch"`) || !strings.Contains(out, `"number": "3.6.0"`) {
		t.Errorf("GET /: %s", out)
	}
	// Index lifecycle as Onyx drives it at start: exists? create, pipeline.
	if out := dexec(t, name, "curl", "-sk", "-o", "/dev/null", "-w", "%{http_code}", "-I", "-u", "admin:"+pw, "https://127.0.0.1:9200/danswer_chunk"); out != "404" {
		t.Errorf("HEAD of a missing index: %s", out)
	}
	if out := curl("-X", "PUT", "-H", "Content-Type: application/json", "-d", `{"mappings":{"properties":{"title":{"type":"text"}}},"settings":{"number_of_replicas":0}}`, "https://127.0.0.1:9200/danswer_chunk"); !strings.Contains(out, `"acknowledged": true`) || !strings.Contains(out, `"index": "danswer_chunk"`) {
		t.Errorf("create index: %s", out)
	}
	if out := curl("-X", "PUT", "-H", "Content-Type: application/json", "-d", `{"phase_results_processors":[]}`, "https://127.0.0.1:9200/_search/pipeline/hybrid"); !strings.Contains(out, `"acknowledged": true`) {
		t.Errorf("search pipeline: %s", out)
	}
	if out := curl("-X", "PUT", "-H", "Content-Type: application/json", "-d", `{"title":"hello"}`, "https://127.0.0.1:9200/danswer_chunk/_doc/doc1__0"); !strings.Contains(out, `"result": "created"`) || !strings.Contains(out, `"_id": "doc1__0"`) {
		t.Errorf("index a document: %s", out)
	}
	bulk := `{"index":{"_index":"danswer_chunk","_id":"doc2__0"}}` + "\n" + `{"title":"bulk"}` + "\n"
	if out := curl("-X", "POST", "-H", "Content-Type: application/x-ndjson", "--data-binary", bulk, "https://127.0.0.1:9200/_bulk"); !strings.Contains(out, `"errors": false`) {
		t.Errorf("bulk: %s", out)
	}
	out := curl("-X", "POST", "-H", "Content-Type: application/json", "-d", `{"query":{"match_all":{}},"size":10}`, "https://127.0.0.1:9200/danswer_chunk/_search?search_pipeline=hybrid")
	var res struct {
		TimedOut bool `json:"timed_out"`
		Hits     struct {
			Hits []struct {
				ID string `json:"_id"`
			} `json:"hits"`
		} `json:"hits"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || res.TimedOut || len(res.Hits.Hits) != 2 {
		t.Errorf("search: %v %s", err, out)
	}
	// The index survives a restart (it lives in the data volume), as a
	// restored --with-index backup relies on.
	if _, err := docker(time.Minute, "restart", "-t", "5", name); err != nil {
		t.Fatal(err)
	}
	waitFor(t, name, time.Minute, "curl", "-fsSk", "-o", "/dev/null", "-u", "admin:"+pw, "https://127.0.0.1:9200/_cluster/health")
	if out := curl("https://127.0.0.1:9200/danswer_chunk/_count"); !strings.Contains(out, `"count": 2`) {
		t.Errorf("after a restart: %s", out)
	}
	if out := dexec(t, name, "sh", "-c", "awk '/^Uid:/ {print $2}' /proc/1/status"); out != "1000" {
		t.Errorf("runs as uid %s, want 1000 (opensearch)", out)
	}
}
