package e2e

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docker/docker/client"

	"github.com/stackgen/stackgen/e2e/e2etest"
	"github.com/stackgen/stackgen/engine"
)

// These tests hold engine.WaitHealthy and engine.FollowLogs to what a real
// engine does: the events it replays, its restart policies and back-off,
// a broken event stream, a container compose recreates. Each runs a tiny
// project on the redis stand-in (only its shell is used).

// wtService is one service of a wait test: a shell script as its process,
// a health check that passes once the script touches /tmp/ready.
const wtCompose = `name: %[1]s
services:
  svc:
    image: %[2]s
    entrypoint: ["sh", "-c"]
    command: [%[3]q]
    restart: %[4]q
    stop_signal: SIGKILL
    healthcheck:
      test: ["CMD-SHELL", "test -f /tmp/ready"]
      interval: 1s
      timeout: 3s
      retries: 60
`

type wtProject struct {
	t   *testing.T
	eng *engine.Client
	p   *engine.ComposeProject
}

func newWtProject(t *testing.T, prefix, script, restart string) *wtProject {
	t.Helper()
	img := bkRequireEngine(t, e2etest.Redis)[0]
	dir := t.TempDir()
	name := bkProjectName(prefix)
	bkWrite(t, filepath.Join(dir, "compose.yaml"), []byte(fmt.Sprintf(wtCompose, name, img, script, restart)))
	eng, err := engine.New()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	p, err := eng.LoadProject(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		eng.Down(context.Background(), p, true, io.Discard, io.Discard)
		eng.Close()
	})
	return &wtProject{t: t, eng: eng, p: p}
}

// upAndWait runs compose up beside the wait, as `stackgen up` does, with the
// events replayed from since.
func (w *wtProject) upAndWait(eng *engine.Client, since time.Time, timeout time.Duration) (*engine.Result, error, []engine.ServiceState) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	upDone := make(chan error, 1)
	go func() { upDone <- eng.Up(ctx, w.p, "plain", io.Discard, io.Discard) }()
	var mu sync.Mutex
	var changes []engine.ServiceState
	res, err := eng.WaitHealthy(ctx, engine.WaitOptions{Project: w.p.Name, Services: w.p.Services, UpDone: upDone, Since: since,
		OnChange: func(s engine.ServiceState) { mu.Lock(); changes = append(changes, s); mu.Unlock() }})
	mu.Lock()
	defer mu.Unlock()
	return res, err, changes
}

func (w *wtProject) compose(args ...string) string {
	return bkCompose(w.t, w.p.Dir, w.p.Name, args...)
}

// waitExited polls until the service's container has exited (bounded).
func (w *wtProject) waitExited() {
	w.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if strings.TrimSpace(w.compose("ps", "-a", "--status", "exited", "-q", "svc")) != "" {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	w.t.Fatal("svc did not exit")
}

// TestWaitIgnoresTheExitOfAnEarlierInstance reproduces the restore race
// deterministically: the container exits (by itself, so the engine sends
// 'die' with no 'kill' before it — as when a stop's 'kill' falls just
// before the replay window), then the wait starts with that exit inside
// its replay window while compose starts the service again. The wait
// must follow the new start, not fail on the old exit; the same after a
// plain `compose stop`.
func TestWaitIgnoresTheExitOfAnEarlierInstance(t *testing.T) {
	t.Parallel()
	w := newWtProject(t, "wtrace", `rm -f /tmp/ready /tmp/quit; touch /tmp/ready; while [ ! -f /tmp/quit ]; do sleep 0.1; done; exit 0`, "no")
	if _, err, _ := w.upAndWait(w.eng, time.Now().Add(-time.Second), 2*time.Minute); err != nil {
		t.Fatalf("first up: %v", err)
	}
	for round := 1; round <= 3; round++ {
		exitAt := time.Now()
		w.compose("exec", "-T", "svc", "touch", "/tmp/quit")
		w.waitExited()
		res, err, changes := w.upAndWait(w.eng, exitAt.Add(-200*time.Millisecond), 2*time.Minute)
		if err != nil {
			t.Fatalf("round %d: the wait took the earlier instance's exit for a failure: %v\nchanges: %+v", round, err, changes)
		}
		if s := res.Services[0]; s.Detail != "healthy" {
			t.Errorf("round %d: svc %q, want healthy", round, s.Detail)
		}
	}
	stopAt := time.Now()
	w.compose("stop", "svc")
	if _, err, changes := w.upAndWait(w.eng, stopAt.Add(-200*time.Millisecond), 2*time.Minute); err != nil {
		t.Fatalf("after compose stop: %v\nchanges: %+v", err, changes)
	}
}

// TestWaitFollowsARestartPolicy: a service that crashes once and is
// brought back by `restart: unless-stopped` is ready, and the wait says it
// restarted; one that crashes every time fails as a crash loop, with its
// restart count.
func TestWaitFollowsARestartPolicy(t *testing.T) {
	t.Parallel()
	t.Run("crashes once", func(t *testing.T) {
		t.Parallel()
		w := newWtProject(t, "wtonce", `if [ ! -f /tmp/crashed ]; then touch /tmp/crashed; sleep 1; exit 3; fi; touch /tmp/ready; exec sleep 3600`, "unless-stopped")
		res, err, changes := w.upAndWait(w.eng, time.Now().Add(-time.Second), 2*time.Minute)
		if err != nil {
			t.Fatalf("a service its restart policy brought back was failed: %v\nchanges: %+v", err, changes)
		}
		s := res.Services[0]
		if s.Restarts != 1 || !strings.Contains(s.Detail, "restarted once") {
			t.Errorf("svc: restarts %d, detail %q; want 1 and the detail saying so", s.Restarts, s.Detail)
		}
	})
	t.Run("crash loop", func(t *testing.T) {
		t.Parallel()
		w := newWtProject(t, "wtloop", `echo "cannot start: no config"; exit 2`, "always")
		_, err, _ := w.upAndWait(w.eng, time.Now().Add(-time.Second), 2*time.Minute)
		if !errors.Is(err, engine.ErrCrashLoop) {
			t.Fatalf("error %v, want a crash loop", err)
		}
		var we *engine.WaitError
		if !errors.As(err, &we) || len(we.Failed) != 1 || we.Failed[0].Restarts < engine.DefaultMaxRestarts {
			t.Fatalf("failed %+v, want svc with at least %d restarts", we, engine.DefaultMaxRestarts)
		}
		if msg := err.Error(); !strings.Contains(msg, `"svc"`) || !strings.Contains(msg, "keeps restarting") || !strings.Contains(msg, "exit code 2") {
			t.Errorf("message %q does not name the service, the restarts and the exit code", msg)
		}
	})
}

// TestWaitSurvivesABrokenEventStream puts a socket proxy between the wait
// and the engine and cuts every connection through it while the service is
// still starting: the wait subscribes again and sees the service healthy.
func TestWaitSurvivesABrokenEventStream(t *testing.T) {
	t.Parallel()
	w := newWtProject(t, "wtcut", `sleep 4; touch /tmp/ready; exec sleep 3600`, "no")
	px := newSocketProxy(t)
	api, err := client.NewClientWithOpts(client.WithHost("unix://"+px.path), client.WithAPIVersionNegotiation())
	if err != nil {
		t.Fatal(err)
	}
	defer api.Close()
	eng := &engine.Client{API: api, Compose: &engine.DockerCompose{}, Now: time.Now}
	go func() {
		time.Sleep(1500 * time.Millisecond)
		px.cut()
	}()
	res, err, changes := w.upAndWait(eng, time.Now().Add(-time.Second), 2*time.Minute)
	if err != nil {
		t.Fatalf("the wait did not survive the cut: %v\nchanges: %+v", err, changes)
	}
	if res.Services[0].Detail != "healthy" {
		t.Errorf("svc %q, want healthy", res.Services[0].Detail)
	}
	if n := px.eventRequests(); n < 2 {
		t.Errorf("%d event subscriptions through the proxy, want at least 2 (the cut was not felt?)", n)
	}
	if px.cuts() == 0 {
		t.Error("the proxy cut nothing")
	}
}

// TestFollowLogsAcrossARecreate follows a project's logs, has compose
// recreate the container, and expects the new container's lines too.
func TestFollowLogsAcrossARecreate(t *testing.T) {
	t.Parallel()
	w := newWtProject(t, "wtlogs", `echo "hello from $(hostname)"; touch /tmp/ready; exec sleep 3600`, "no")
	if _, err, _ := w.upAndWait(w.eng, time.Now().Add(-time.Second), 2*time.Minute); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var out bytes.Buffer
	lw := writerFunc(func(b []byte) (int, error) { mu.Lock(); defer mu.Unlock(); return out.Write(b) })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- w.eng.FollowLogs(ctx, w.p.Name, nil, engine.LogOptions{}, func(engine.Container) (io.Writer, io.Writer) { return lw, lw })
	}()
	hellos := func() int {
		mu.Lock()
		defer mu.Unlock()
		return strings.Count(out.String(), "hello from ")
	}
	waitFor := func(n int) {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for hellos() < n && time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond)
		}
		if hellos() < n {
			mu.Lock()
			defer mu.Unlock()
			t.Fatalf("%d lines from new containers, want %d; followed:\n%s", strings.Count(out.String(), "hello from "), n, out.String())
		}
	}
	waitFor(1)
	w.compose("up", "-d", "--force-recreate", "--no-build", "svc")
	waitFor(2)
	cancel()
	if err := <-done; err != nil {
		t.Errorf("FollowLogs: %v", err)
	}
	mu.Lock()
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	mu.Unlock()
	if len(lines) != 2 || lines[0] == lines[1] {
		t.Errorf("followed lines %q, want one from each container", lines)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }

// socketProxy forwards a unix socket to the engine's and can cut every
// connection through it, as a proxy's idle timeout or a flaky link does.
type socketProxy struct {
	path   string
	mu     sync.Mutex
	conns  []net.Conn
	events int
	ncuts  int
}

func newSocketProxy(t *testing.T) *socketProxy {
	t.Helper()
	target := "/var/run/docker.sock"
	if h := os.Getenv("DOCKER_HOST"); strings.HasPrefix(h, "unix://") {
		target = strings.TrimPrefix(h, "unix://")
	} else if h != "" {
		t.Skipf("the socket proxy needs a unix DOCKER_HOST, not %q", h)
	}
	// Short path: unix socket paths are limited to about 100 bytes.
	dir, err := os.MkdirTemp("", "wt")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	px := &socketProxy{path: filepath.Join(dir, "d.sock")}
	l, err := net.Listen("unix", px.path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close(); px.cut() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			u, err := net.Dial("unix", target)
			if err != nil {
				c.Close()
				continue
			}
			px.mu.Lock()
			px.conns = append(px.conns, c, u)
			px.mu.Unlock()
			go func() { io.Copy(c, u); c.Close() }()
			go func() { px.countEvents(io.TeeReader(c, u)); u.Close() }()
		}
	}()
	return px
}

// countEvents reads a client's requests and counts the event
// subscriptions among them.
func (px *socketProxy) countEvents(r io.Reader) {
	br := bufio.NewReader(r)
	for {
		line, err := br.ReadString('\n')
		if strings.HasPrefix(line, "GET ") && strings.Contains(line, "/events") {
			px.mu.Lock()
			px.events++
			px.mu.Unlock()
		}
		if err != nil {
			return
		}
	}
}

func (px *socketProxy) cut() {
	px.mu.Lock()
	defer px.mu.Unlock()
	for _, c := range px.conns {
		c.Close()
	}
	if len(px.conns) > 0 {
		px.ncuts++
	}
	px.conns = nil
}

func (px *socketProxy) eventRequests() int {
	px.mu.Lock()
	defer px.mu.Unlock()
	return px.events
}

func (px *socketProxy) cuts() int {
	px.mu.Lock()
	defer px.mu.Unlock()
	return px.ncuts
}
