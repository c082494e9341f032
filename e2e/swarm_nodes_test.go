package e2e

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/stackgen/stackgen/e2e/e2etest"
)

// TestSwarmThreeNodes runs django-uwsgi on a swarm of three engines: three
// dockerd, each in its own network namespace with its own data-root, joined
// by a bridge in a fourth namespace (10.231.7.0/24, a test range; no
// traffic leaves these namespaces: the requests are made from inside the
// bridge's namespace), and Debian's docker-registry in the bridge's
// namespace. One manager, two workers. The images are loaded on the
// manager only; `up --swarm --registry` pushes the built ones and deploys
// them by digest, so the workers pull them (the stand-ins of the database
// and Redis stay on the manager, where their data label pins them). web
// runs 3 replicas that must spread over the nodes; then one worker's
// engine is stopped and its replica must be rescheduled on the others
// while requests keep succeeding. Everything is torn down at the end.
//
// It needs root, ip, nsenter, dockerd (Debian's docker.io) and
// docker-registry; it is skipped without them (failed under CI=true) and
// with -short.
func TestSwarmThreeNodes(t *testing.T) {
	djRequireEngine(t)
	for _, tool := range []string{"ip", "nsenter", "dockerd", "docker-registry"} {
		if _, err := exec.LookPath(tool); err != nil {
			swarmSkipOrFail(t, tool+" is not installed: the three-node test needs ip, nsenter, dockerd and docker-registry (apt-get install iproute2 docker.io docker-registry)")
		}
	}
	if os.Geteuid() != 0 {
		swarmSkipOrFail(t, "the three-node test needs root (network namespaces, dockerd)")
	}
	s := newDjStack(t, "nodes")
	s.render()
	stackName := s.project

	// The images, built on the CI engine, then carried to every node.
	s.must(15*time.Minute, "docker", "compose", "build")
	images := []string{e2etest.Image(e2etest.MariaDB), e2etest.Image(e2etest.Redis), s.project + "-web:" + s.project, s.project + "-nginx:" + s.project}
	tarball := filepath.Join(t.TempDir(), "images.tar")
	s.must(10*time.Minute, "docker", append([]string{"save", "-o", tarball}, images...)...)

	cl := newCluster(t, 3)
	mgr := cl.nodes[0]
	started := time.Now()
	s.must(10*time.Minute, "docker", "-H", mgr.host(), "load", "-i", tarball)
	t.Logf("TIMING images loaded into the manager in %.1fs", time.Since(started).Seconds())
	s.must(time.Minute, "docker", "-H", mgr.host(), "swarm", "init", "--advertise-addr", mgr.addr, "--listen-addr", mgr.addr+":2377")
	token := strings.TrimSpace(s.must(time.Minute, "docker", "-H", mgr.host(), "swarm", "join-token", "-q", "worker").stdout)
	for _, n := range cl.nodes[1:] {
		s.must(2*time.Minute, "docker", "-H", n.host(), "swarm", "join", "--token", token, "--advertise-addr", n.addr, mgr.addr+":2377")
	}

	// stackgen drives the manager.
	onMgr := func(timeout time.Duration, args ...string) (djOutput, error) {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		cmd := exec.CommandContext(ctx, s.bin, args...)
		cmd.Env = append(os.Environ(), "COMPOSE_PROJECT_NAME="+s.project, "NO_COLOR=1", "DOCKER_HOST="+mgr.host())
		var out, errOut strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &errOut
		err := cmd.Run()
		return djOutput{out.String(), errOut.String()}, err
	}
	started = time.Now()
	out, err := onMgr(15*time.Minute, "up", "--swarm", s.dir, "--no-build", "--replicas", "3", "--publish-mode", "host",
		"--registry", cl.registry, "--timeout", "10m", "--progress", "plain")
	if err != nil {
		t.Fatalf("up --swarm on the three nodes: %v\n%s", err, djTail(out.all()))
	}
	t.Logf("TIMING up --swarm --registry on three nodes (push included): %.1fs", time.Since(started).Seconds())
	stackFile, err := os.ReadFile(filepath.Join(s.dir, "swarm", "stack.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, img := range []string{s.project + "-web", s.project + "-nginx"} {
		if !strings.Contains(string(stackFile), "image: "+cl.registry+"/"+img+"@sha256:") {
			t.Errorf("the stack file does not deploy %s by its digest in %s", img, cl.registry)
		}
	}

	nodesOf := func(service string) map[string]int {
		ids := strings.Fields(s.must(time.Minute, "docker", "-H", mgr.host(), "service", "ps", "-q", "--filter", "desired-state=running", stackName+"_"+service).stdout)
		got := map[string]int{}
		for _, id := range ids {
			st := strings.Fields(s.must(time.Minute, "docker", "-H", mgr.host(), "inspect", "--format", "{{.NodeID}} {{.Status.State}}", id).stdout)
			if len(st) == 2 && st[1] == "running" {
				got[st[0]]++
			}
		}
		return got
	}
	web := nodesOf("web")
	t.Logf("web replicas per node: %v", web)
	if len(web) < 3 {
		t.Errorf("3 web replicas run on %d nodes, want 3: %v", len(web), web)
	}
	nginxNode := ""
	for id := range nodesOf("nginx") {
		nginxNode = id
	}
	dbNode := ""
	for id := range nodesOf("db") {
		dbNode = id
	}
	nodeAddr := func(id string) string {
		return strings.TrimSpace(s.must(time.Minute, "docker", "-H", mgr.host(), "node", "inspect", "--format", "{{.Status.Addr}}", id).stdout)
	}
	// nginx answers on the node it runs on (host-mode publishing).
	target := fmt.Sprintf("%s:%d", nodeAddr(nginxNode), s.port)
	url := fmt.Sprintf("http://localhost:%d/", s.port)
	if r := cl.get(t, url, target); r != 200 {
		t.Fatalf("GET %s via %s from the bridge namespace: %d", url, target, r)
	}

	// Stop a worker that runs neither nginx nor the database.
	var victim *node
	for _, n := range cl.nodes[1:] {
		id := strings.TrimSpace(s.must(time.Minute, "docker", "-H", n.host(), "info", "--format", "{{.Swarm.NodeID}}").stdout)
		if id != nginxNode && id != dbNode && web[id] > 0 {
			victim = n
			victim.id = id
			break
		}
	}
	if victim == nil {
		t.Fatalf("no worker runs only web replicas (web %v, nginx on %s, db on %s)", web, nginxNode, dbNode)
	}
	loop := startRequestLoop(url, "", cl.client(15*time.Second, target), 500*time.Millisecond, 300)
	stopped := time.Now()
	victim.stop(t)
	rescheduled := time.Duration(0)
	for time.Since(stopped) < 3*time.Minute {
		now := nodesOf("web")
		total := 0
		for id, c := range now {
			if id != victim.id {
				total += c
			}
		}
		if total >= 3 && now[victim.id] == 0 {
			rescheduled = time.Since(stopped)
			t.Logf("web replicas per node after node %d stopped: %v", victim.i, now)
			break
		}
		time.Sleep(2 * time.Second)
	}
	time.Sleep(10 * time.Second) // a few more requests against the rescheduled tasks
	r := loop.stop()
	t.Logf("NODE LOSS: 3 web replicas running on the other nodes %.1fs after node %d's engine stopped; %d requests meanwhile, %d failed %v",
		rescheduled.Seconds(), victim.i, r.total, r.failed, r.errors)
	if rescheduled == 0 {
		t.Errorf("the web replicas of the stopped node were not rescheduled within 3 minutes")
	}
	if r.failed != 0 {
		t.Errorf("%d of %d requests failed while a node was lost: %v", r.failed, r.total, r.errors)
	}
}

func swarmSkipOrFail(t *testing.T, msg string) {
	t.Helper()
	if e2etest.Strict() {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// cluster is a few dockerd, each in its own network namespace, on one
// bridge that lives in a namespace of its own.
type cluster struct {
	id       string
	registry string // HOST:PORT of the registry in the bridge's namespace
	reg      *exec.Cmd
	bridge   string // the bridge namespace's name
	dir      string
	nodes    []*node
}

type node struct {
	i      int
	id     string // swarm node ID, once known
	ns     string
	addr   string
	dir    string
	daemon *exec.Cmd
	done   chan struct{}
}

func (n *node) host() string { return "unix://" + filepath.Join(n.dir, "docker.sock") }

func sh(t *testing.T, args ...string) {
	t.Helper()
	if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func newCluster(t *testing.T, n int) *cluster {
	id := strconv.Itoa(os.Getpid() % 100000)
	// Under /var/lib: overlay2 needs the same kind of file system the CI
	// engine uses; unix socket paths stay short.
	cl := &cluster{id: id, bridge: "sgb" + id, dir: "/var/lib/stackgen-e2e-" + id, registry: "10.231.7.254:5000"}
	t.Cleanup(func() { cl.teardown(t) })
	sh(t, "ip", "netns", "add", cl.bridge)
	sh(t, "ip", "-n", cl.bridge, "link", "add", "br0", "type", "bridge")
	sh(t, "ip", "-n", cl.bridge, "addr", "add", "10.231.7.254/24", "dev", "br0")
	sh(t, "ip", "-n", cl.bridge, "link", "set", "br0", "up")
	sh(t, "ip", "-n", cl.bridge, "link", "set", "lo", "up")
	cl.startRegistry(t)
	for i := 1; i <= n; i++ {
		nd := &node{i: i, ns: fmt.Sprintf("sgn%s-%d", id, i), addr: fmt.Sprintf("10.231.7.%d", i), dir: filepath.Join(cl.dir, strconv.Itoa(i)), done: make(chan struct{})}
		cl.nodes = append(cl.nodes, nd)
		hostEnd, nodeEnd := fmt.Sprintf("sg%sh%d", id, i), fmt.Sprintf("sg%sn%d", id, i)
		sh(t, "ip", "netns", "add", nd.ns)
		sh(t, "ip", "link", "add", hostEnd, "type", "veth", "peer", "name", nodeEnd)
		sh(t, "ip", "link", "set", hostEnd, "netns", cl.bridge)
		sh(t, "ip", "link", "set", nodeEnd, "netns", nd.ns)
		sh(t, "ip", "-n", cl.bridge, "link", "set", hostEnd, "master", "br0", "up")
		sh(t, "ip", "-n", nd.ns, "addr", "add", nd.addr+"/24", "dev", nodeEnd)
		sh(t, "ip", "-n", nd.ns, "link", "set", nodeEnd, "up")
		sh(t, "ip", "-n", nd.ns, "link", "set", "lo", "up")
		for _, d := range []string{"data", "exec"} {
			if err := os.MkdirAll(filepath.Join(nd.dir, d), 0o700); err != nil {
				t.Fatal(err)
			}
		}
		logf, err := os.Create(filepath.Join(nd.dir, "dockerd.log"))
		if err != nil {
			t.Fatal(err)
		}
		// nsenter, not `ip netns exec`, which remounts /sys (testing.md).
		nd.daemon = exec.Command("nsenter", "--net=/run/netns/"+nd.ns, "dockerd",
			"--data-root", filepath.Join(nd.dir, "data"), "--exec-root", filepath.Join(nd.dir, "exec"),
			"--pidfile", filepath.Join(nd.dir, "docker.pid"), "-H", nd.host(), "--insecure-registry", cl.registry)
		nd.daemon.Stdout, nd.daemon.Stderr = logf, logf
		if err := nd.daemon.Start(); err != nil {
			t.Fatal(err)
		}
		go func(nd *node) { _ = nd.daemon.Wait(); close(nd.done) }(nd)
	}
	for _, nd := range cl.nodes {
		deadline := time.Now().Add(90 * time.Second)
		for {
			if err := exec.Command("docker", "-H", nd.host(), "info").Run(); err == nil {
				break
			}
			if time.Now().After(deadline) {
				log, _ := os.ReadFile(filepath.Join(nd.dir, "dockerd.log"))
				t.Fatalf("node %d's dockerd did not answer within 90s:\n%s", nd.i, djTail(string(log)))
			}
			time.Sleep(time.Second)
		}
	}
	return cl
}

// startRegistry runs Debian's docker-registry (the CNCF distribution
// registry) in the bridge's namespace, storing under the cluster's dir.
func (cl *cluster) startRegistry(t *testing.T) {
	if err := os.MkdirAll(filepath.Join(cl.dir, "registry"), 0o700); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(cl.dir, "registry.yml")
	body := fmt.Sprintf("version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: %s\n", filepath.Join(cl.dir, "registry"), cl.registry)
	if err := os.WriteFile(conf, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	logf, err := os.Create(filepath.Join(cl.dir, "registry.log"))
	if err != nil {
		t.Fatal(err)
	}
	cl.reg = exec.Command("nsenter", "--net=/run/netns/"+cl.bridge, "docker-registry", "serve", conf)
	cl.reg.Stdout, cl.reg.Stderr = logf, logf
	if err := cl.reg.Start(); err != nil {
		t.Fatal(err)
	}
}

// stop ends the node's dockerd (SIGTERM, then SIGKILL after 30 s).
func (n *node) stop(t *testing.T) {
	if n.daemon == nil || n.daemon.Process == nil {
		return
	}
	select {
	case <-n.done:
		return
	default:
	}
	_ = n.daemon.Process.Signal(unix.SIGTERM)
	select {
	case <-n.done:
	case <-time.After(30 * time.Second):
		_ = n.daemon.Process.Kill()
		<-n.done
	}
}

func (cl *cluster) teardown(t *testing.T) {
	for _, n := range cl.nodes {
		n.stop(t)
	}
	if cl.reg != nil && cl.reg.Process != nil {
		_ = cl.reg.Process.Kill()
		_ = cl.reg.Wait()
	}
	for _, n := range cl.nodes {
		_ = exec.Command("ip", "netns", "del", n.ns).Run()
	}
	_ = exec.Command("ip", "netns", "del", cl.bridge).Run()
	// dockerd leaves its sandboxes' namespace files mounted under the
	// exec-root: unmount whatever is still mounted under the cluster's dir.
	if b, err := os.ReadFile("/proc/self/mounts"); err == nil {
		var mounts []string
		for _, line := range strings.Split(string(b), "\n") {
			if f := strings.Fields(line); len(f) > 1 && strings.HasPrefix(f[1], cl.dir+"/") {
				mounts = append(mounts, f[1])
			}
		}
		for i := len(mounts) - 1; i >= 0; i-- {
			_ = unix.Unmount(mounts[i], unix.MNT_DETACH)
		}
	}
	if err := os.RemoveAll(cl.dir); err != nil {
		t.Logf("removing %s: %v", cl.dir, err)
	}
}

// dial connects from inside the bridge's network namespace: the socket is
// made on a thread that entered it (and dies with its goroutine, never
// returning to the host's namespace), so the test's own requests never
// leave the test's namespaces. A socket stays in the namespace it was
// made in, whichever thread uses it later.
func (cl *cluster) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	type result struct {
		c   net.Conn
		err error
	}
	ch := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		fd, err := unix.Open("/run/netns/"+cl.bridge, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			ch <- result{nil, err}
			return
		}
		defer unix.Close(fd)
		if err := unix.Setns(fd, unix.CLONE_NEWNET); err != nil {
			ch <- result{nil, err}
			return
		}
		var d net.Dialer
		c, err := d.DialContext(ctx, network, addr)
		ch <- result{c, err}
	}()
	r := <-ch
	return r.c, r.err
}

// client is an HTTP client whose connections go to target (host:port)
// from inside the bridge's namespace, whatever the URL's host (Django
// allows Host: localhost); no keep-alive, so every request dials anew.
func (cl *cluster) client(timeout time.Duration, target string) *http.Client {
	dial := func(ctx context.Context, network, _ string) (net.Conn, error) { return cl.dial(ctx, network, target) }
	return &http.Client{Timeout: timeout, Transport: &http.Transport{DialContext: dial, DisableKeepAlives: true}}
}

func (cl *cluster) get(t *testing.T, url, target string) int {
	t.Helper()
	resp, err := cl.client(30*time.Second, target).Get(url)
	if err != nil {
		t.Logf("GET %s: %v", url, err)
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}
