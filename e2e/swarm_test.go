package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestSwarmDjango deploys django-uwsgi (MariaDB, on the stand-ins) to a
// single-node Docker Swarm with `stackgen up --swarm`, then proves what the
// stack file promises: it answers through nginx on 127.0.0.1; no secret
// value is in `docker service inspect` or the logs; only nginx publishes a
// port; a rolling update of the web image under a bounded request loop
// fails no request; a broken web image (its health check fails) rolls back
// by itself while the old version keeps serving; the database keeps its
// rows throughout; `stackgen down --swarm --volumes` leaves nothing.
//
// The engine is shared: the test creates a swarm only when the engine is in
// none, and leaves it only if it created it. It needs a Docker CLI 23 or
// newer on PATH for `docker stack deploy` of the migrate job (testing.md).
func TestSwarmDjango(t *testing.T) {
	djRequireEngine(t)
	s := newDjStack(t, "swarm")
	s.render()
	stackName := s.project
	// The CI machine's kernel has no IPVS (no /proc/net/ip_vs), so Swarm's
	// routing mesh cannot publish a port there: the proxy is published in
	// host mode, a user-facing answer (--publish-mode host); nothing in the
	// stack uses a virtual IP either way (DNS round-robin, nginx resolves).
	up := func(extra ...string) []string {
		return append([]string{"up", "--swarm", s.dir, "--timeout", "10m", "--progress", "plain", "--publish-mode", "host"}, extra...)
	}

	state := strings.TrimSpace(s.must(time.Minute, "docker", "info", "--format", "{{.Swarm.LocalNodeState}}").stdout)
	initFlag := []string{}
	if state != "active" {
		// stackgen creates the swarm (--init) and this test leaves it.
		initFlag = []string{"--init"}
		t.Cleanup(func() {
			if out, err := s.run(2*time.Minute, "docker", "swarm", "leave", "--force"); err != nil {
				t.Errorf("docker swarm leave --force: %v\n%s", err, out.all())
			}
			// swarm init made the bridge its tasks reach the host through.
			_, _ = s.run(time.Minute, "docker", "network", "rm", "docker_gwbridge")
		})
	} else {
		t.Log("the engine is already in a swarm: using it, and leaving it as it is")
	}
	t.Cleanup(func() {
		if t.Failed() {
			out, _ := s.run(time.Minute, s.bin, "status", "--swarm", s.dir)
			t.Logf("stackgen status --swarm:\n%s", out.all())
			out, _ = s.run(time.Minute, "docker", "service", "ps", "--no-trunc", stackName+"_web")
			t.Logf("docker service ps web:\n%s", out.all())
		}
		if out, err := s.run(5*time.Minute, s.bin, "down", "--swarm", s.dir, "--volumes", "--yes-delete-data"); err != nil {
			t.Errorf("stackgen down --swarm: %v\n%s", err, out.all())
		}
		for _, kind := range []string{"service", "secret", "config", "network", "volume"} {
			out, _ := s.run(time.Minute, "docker", kind, "ls", "--quiet", "--filter", "label=com.docker.stack.namespace="+stackName)
			if strings.TrimSpace(out.stdout) != "" {
				t.Errorf("after down --swarm, %ss of the stack remain: %s", kind, strings.Fields(out.stdout))
			}
		}
	})

	// 1. Deploy: every service running and healthy, the job complete.
	started := time.Now()
	out := s.must(15*time.Minute, s.bin, up(initFlag...)...)
	t.Logf("TIMING stackgen up --swarm (build included): %.1fs", time.Since(started).Seconds())
	if !strings.Contains(out.stderr, "is up on the swarm") {
		t.Fatalf("up --swarm did not report the stack up:\n%s", djTail(out.stderr))
	}
	resp, body := djGet(t, s.url("/"))
	if resp.StatusCode != 200 || !strings.Contains(body, "Django is running behind uWSGI and nginx") {
		t.Fatalf("GET / = %d:\n%s", resp.StatusCode, djTail(body))
	}
	if _, err := os.Stat(filepath.Join(s.dir, "swarm", "stack.yaml")); err != nil {
		t.Errorf("up --swarm wrote no swarm/stack.yaml: %v", err)
	}

	// 2. Rows the updates must keep, written through the database's task.
	swarmSQL(t, s, stackName, "CREATE TABLE e2e_keep (v VARCHAR(20)); INSERT INTO e2e_keep VALUES ('kept-row');")

	// 3. No secret value in the services' definitions or their logs.
	secrets := swarmSecretValues(t, s)
	inspect := s.must(time.Minute, "docker", append([]string{"service", "inspect"}, swarmServices(t, s, stackName)...)...).stdout
	logs := s.must(2*time.Minute, s.bin, "logs", "--swarm", s.dir).stdout
	for k, v := range secrets {
		if strings.Contains(inspect, v) {
			t.Errorf("docker service inspect shows the value of %s", k)
		}
		if strings.Contains(logs, v) {
			t.Errorf("the services' logs show the value of %s", k)
		}
	}
	if !strings.Contains(inspect, "DB_PASSWORD_FILE=/run/secrets/mysql_password") {
		t.Errorf("web does not read its password from a secret file")
	}

	// 4. Only nginx is published, on the port asked for.
	var svcs []struct {
		Spec struct {
			Name         string
			EndpointSpec struct {
				Ports []struct{ PublishedPort int }
			}
		}
	}
	if err := json.Unmarshal([]byte(inspect), &svcs); err != nil {
		t.Fatal(err)
	}
	for _, sv := range svcs {
		want := 0
		if sv.Spec.Name == stackName+"_nginx" {
			want = 1
		}
		ports := sv.Spec.EndpointSpec.Ports
		if len(ports) != want {
			t.Errorf("service %s publishes %d ports, want %d", sv.Spec.Name, len(ports), want)
		}
		if want == 1 && len(ports) == 1 && ports[0].PublishedPort != s.port {
			t.Errorf("nginx is published on %d, want %d", ports[0].PublishedPort, s.port)
		}
	}

	// 5. A rolling update of the web image (new code, same tag: stackgen
	// labels the task with the image ID) under a bounded request loop.
	swarmEdit(t, filepath.Join(s.dir, "mysite", "mysite", "urls.py"), "Django is running behind", "Django v2 is running behind")
	loop := startRequestLoop(s.url("/"), "Django v2", nil, 500*time.Millisecond, 400)
	upStart := time.Now()
	out, err := s.run(15*time.Minute, s.bin, up()...)
	upTook := time.Since(upStart)
	r := loop.stop()
	if err != nil {
		t.Fatalf("up --swarm (rolling update): %v\n%s", err, djTail(out.all()))
	}
	t.Logf("ROLLING UPDATE: %d requests in %.0fs, %d failed, first v2 answer %.1fs after up started; up (build + update + monitor) took %.1fs",
		r.total, r.took.Seconds(), r.failed, r.firstNew(upStart).Seconds(), upTook.Seconds())
	if r.failed != 0 {
		t.Errorf("%d of %d requests failed during the rolling update: %v", r.failed, r.total, r.errors)
	}
	if _, body := djGet(t, s.url("/")); !strings.Contains(body, "Django v2 is running") {
		t.Errorf("after the update GET / does not serve v2:\n%s", djTail(body))
	}

	// 6. A broken image: the health check fails, Swarm rolls back by itself,
	// up --swarm says so and fails; v2 keeps serving.
	swarmEdit(t, filepath.Join(s.dir, "mysite", "healthcheck.py"), "def main():\n", "def main():\n    return 1  # e2e: a broken release\n")
	loop = startRequestLoop(s.url("/"), "Django v2", nil, 500*time.Millisecond, 400)
	upStart = time.Now()
	out, err = s.run(15*time.Minute, s.bin, up()...)
	r = loop.stop()
	t.Logf("ROLLBACK: up --swarm failed after %.1fs; %d requests meanwhile, %d failed", time.Since(upStart).Seconds(), r.total, r.failed)
	if err == nil {
		t.Fatalf("up --swarm with a broken web image succeeded:\n%s", djTail(out.all()))
	}
	if !strings.Contains(out.stderr, "service web failed") || !strings.Contains(out.stderr, "rollback_completed") {
		t.Errorf("the failure report does not name web and its rollback:\n%s", djTail(out.stderr))
	}
	if r.failed != 0 {
		t.Errorf("%d of %d requests failed while the broken release rolled back: %v", r.failed, r.total, r.errors)
	}
	if _, body := djGet(t, s.url("/")); !strings.Contains(body, "Django v2 is running") {
		t.Errorf("after the rollback GET / does not serve v2:\n%s", djTail(body))
	}

	// 7. The rows survived both updates.
	if got := swarmSQL(t, s, stackName, "SELECT v FROM e2e_keep;"); !strings.Contains(got, "kept-row") {
		t.Errorf("the database lost its row: %q", got)
	}
}

// swarmServices lists the stack's service names.
func swarmServices(t *testing.T, s *djStack, stackName string) []string {
	t.Helper()
	out := s.must(time.Minute, "docker", "service", "ls", "--format", "{{.Name}}", "--filter", "label=com.docker.stack.namespace="+stackName).stdout
	return strings.Fields(out)
}

// swarmSQL runs SQL as root in the db task's container, with the password
// read from the secret file there (it is in no environment).
func swarmSQL(t *testing.T, s *djStack, stackName, sql string) string {
	t.Helper()
	id := strings.Fields(s.must(time.Minute, "docker", "ps", "--quiet", "--filter", "label=com.docker.swarm.service.name="+stackName+"_db").stdout)
	if len(id) != 1 {
		t.Fatalf("want one db container, found %v", id)
	}
	return s.must(2*time.Minute, "docker", "exec", id[0], "sh", "-c",
		`mariadb -uroot -p"$(cat /run/secrets/mysql_root_password)" -N -e "$1" mysite`, "sh", sql).stdout
}

// swarmSecretValues reads the generated secrets from .env.
func swarmSecretValues(t *testing.T, s *djStack) map[string]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(s.dir, ".env"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, "=")
		if ok && (strings.Contains(k, "PASSWORD") || strings.Contains(k, "SECRET")) {
			out[k] = strings.Trim(v, "'")
		}
	}
	if len(out) < 4 {
		t.Fatalf("found %d secrets in .env, want 4", len(out))
	}
	return out
}

func swarmEdit(t *testing.T, path, old, new string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), old) {
		t.Fatalf("%s has no %q", path, old)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(string(b), old, new, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}

// requestLoop GETs one URL on 127.0.0.1 at a fixed pace until stopped or
// after max requests, whichever comes first: bounded by construction.
type requestLoop struct {
	cancel context.CancelFunc
	done   chan struct{}
	res    loopResult
}

type loopResult struct {
	total, failed int
	errors        []string
	took          time.Duration
	// firstMarker is when an answer first held the loop's marker.
	firstMarker time.Time
}

func (r loopResult) firstNew(since time.Time) time.Duration {
	if r.firstMarker.IsZero() {
		return -1
	}
	return r.firstMarker.Sub(since)
}

func startRequestLoop(url, marker string, client *http.Client, every time.Duration, max int) *requestLoop {
	ctx, cancel := context.WithCancel(context.Background())
	l := &requestLoop{cancel: cancel, done: make(chan struct{})}
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	go func() {
		defer close(l.done)
		start := time.Now()
		tick := time.NewTicker(every)
		defer tick.Stop()
		for i := 0; i < max; i++ {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
			resp, err := client.Do(req)
			if ctx.Err() != nil {
				break
			}
			l.res.total++
			switch {
			case err != nil:
				l.res.failed++
				l.res.errors = append(l.res.errors, err.Error())
			default:
				buf, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
				resp.Body.Close()
				if resp.StatusCode != 200 {
					l.res.failed++
					l.res.errors = append(l.res.errors, "status "+strconv.Itoa(resp.StatusCode))
				} else if marker != "" && l.res.firstMarker.IsZero() && strings.Contains(string(buf), marker) {
					l.res.firstMarker = time.Now()
				}
			}
			select {
			case <-ctx.Done():
			case <-tick.C:
			}
			if ctx.Err() != nil {
				break
			}
		}
		l.res.took = time.Since(start)
	}()
	return l
}

func (l *requestLoop) stop() loopResult {
	l.cancel()
	<-l.done
	if len(l.res.errors) > 10 {
		l.res.errors = append(l.res.errors[:10], fmt.Sprintf("... %d more", len(l.res.errors)-10))
	}
	return l.res
}
