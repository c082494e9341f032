package e2e

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stackgen/stackgen/bundle"
	"github.com/stackgen/stackgen/e2e/e2etest"
)

// TestBundleCrossesImageStores carries bundles between today's Docker and
// Engine 20.10: a second engine (Debian trixie's Engine 26.1 with the
// containerd image store of Docker 29 and Docker Desktop, on its own
// sockets, data root and bridge) runs beside the 20.10 one. The project is
// not stackgen's: a compose project in the common pattern of a built
// backend behind an nginx proxy with a mounted config.
//
//  1. Packed on 20.10 (overlay2), installed on the containerd store: nginx
//     answers with the backend's page.
//  2. After a code-only change, an update bundle (--since) is at most 5 %
//     of the full one, and installs on the containerd-store engine that
//     has the first delivery: the new page answers.
//  3. Built and packed on the containerd store, installed on 20.10: nginx
//     answers.
func TestBundleCrossesImageStores(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test (-short)")
	}
	e2etest.RequireCompose(t)
	standins := e2etest.RequireImages(t, e2etest.Python, e2etest.Nginx)
	ctrd := startContainerdStore(t)

	id := fmt.Sprintf("%d", time.Now().UnixNano()%1_000_000_000)
	proj := "cs" + id
	work := t.TempDir()
	bd := &bdEnv{t: t, work: work}
	bd.bin = filepath.Join(work, "stackgen")
	build := exec.Command("go", "build", "-o", bd.bin, "../cmd/stackgen")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build stackgen: %v\n%s", err, out)
	}
	onCtrd := []string{"DOCKER_HOST=" + ctrd}

	// Copies of the stand-ins under this test's names, on both engines.
	pyRef, nginxRef := proj+"-standin/python:e2e", proj+"-standin/nginx:e2e"
	bd.must(time.Minute, "", "docker", "tag", standins[0], pyRef)
	bd.must(time.Minute, "", "docker", "tag", standins[1], nginxRef)
	var dirs20, dirsCtrd []string
	t.Cleanup(func() {
		for _, d := range dirs20 {
			bd.run(5*time.Minute, d, "docker", "compose", "down", "--volumes", "--remove-orphans")
		}
		for _, d := range dirsCtrd {
			bd.runEnv(5*time.Minute, d, onCtrd, "docker", "compose", "down", "--volumes", "--remove-orphans")
		}
		refs := []string{pyRef, nginxRef}
		for _, p := range []string{proj + "a", proj + "b"} {
			refs = append(refs, p+"-backend:latest")
		}
		args := append([]string{"image", "rm", "--force"}, refs...)
		bd.run(2*time.Minute, "", "docker", args...)
	})

	// 1. 20.10 -> containerd store.
	portA := bdFreePort(t)
	srcA := csProject(t, filepath.Join(work, "build", proj+"a"), proj+"a", pyRef, nginxRef, portA, "first delivery")
	dirs20 = append(dirs20, srcA)
	full := filepath.Join(work, "full.zip")
	bd.must(15*time.Minute, srcA, bd.bin, "deploy", "--package", "-o", full, "--progress", "plain")
	instA := filepath.Join(work, "ctrd", proj+"a")
	dirsCtrd = append(dirsCtrd, instA)
	out, err := bd.runEnv(15*time.Minute, work, onCtrd, bd.bin, "deploy", "--bundle", full, "--dir", instA, "--yes", "--progress", "plain", "--timeout", "5m")
	if err != nil {
		t.Fatalf("deploy --bundle on the containerd store: %v\n%s", err, bdLastLines(out, 40))
	}
	csWantPage(t, portA, "first delivery")

	// 2. The second delivery: a code-only change.
	csMust(t, os.WriteFile(filepath.Join(srcA, "backend", "index.html"), []byte("<h1>second delivery</h1>\n"), 0o644))
	update := filepath.Join(work, "update.zip")
	out = bd.must(15*time.Minute, srcA, bd.bin, "deploy", "--package", "-o", update, "--since", full, "--progress", "plain")
	t.Logf("update bundle:\n%s", bdLastLines(out, 4))
	fullM, upM := csManifest(t, full), csManifest(t, update)
	fullSize, upSize := csImageArchive(fullM), csImageArchive(upM)
	ratio := float64(upSize) / float64(fullSize)
	t.Logf("MEASURE update bundle images %d bytes, full %d bytes: %.2f%%", upSize, fullSize, 100*ratio)
	if upM.Update == nil || ratio > 0.05 {
		t.Errorf("update bundle's images are %.1f%% of the full one's (want <= 5%%); update: %+v", 100*ratio, upM.Update)
	}
	fullFile, upFile := csFileSize(t, full), csFileSize(t, update)
	fileRatio := float64(upFile) / float64(fullFile)
	t.Logf("MEASURE update bundle %d bytes, full bundle %d bytes: %.2f%%", upFile, fullFile, 100*fileRatio)
	if fileRatio > 0.05 {
		t.Errorf("the update bundle is %.1f%% of the full one (want <= 5%%)", 100*fileRatio)
	}
	instA2 := filepath.Join(work, "ctrd", "v2", proj+"a")
	dirsCtrd = append(dirsCtrd, instA2)
	out, err = bd.runEnv(15*time.Minute, work, onCtrd, bd.bin, "deploy", "--bundle", update, "--dir", instA2, "--yes", "--progress", "plain", "--timeout", "5m")
	if err != nil {
		t.Fatalf("deploy --bundle of the update on the containerd store: %v\n%s", err, bdLastLines(out, 40))
	}
	csWantPage(t, portA, "second delivery")

	// 3. containerd store -> 20.10: the base images reach the second
	// engine as a user's would (docker load), the project builds there.
	save := exec.Command("bash", "-c", "docker save \"$1\" \"$2\" | DOCKER_HOST=\"$3\" docker load", "save", pyRef, nginxRef, ctrd)
	if b, err := save.CombinedOutput(); err != nil {
		t.Fatalf("copying the stand-ins to the containerd store: %v\n%s", err, b)
	}
	portB := bdFreePort(t)
	srcB := csProject(t, filepath.Join(work, "build", proj+"b"), proj+"b", pyRef, nginxRef, portB, "made on the containerd store")
	dirsCtrd = append(dirsCtrd, srcB)
	fromCtrd := filepath.Join(work, "from-ctrd.zip")
	out, err = bd.runEnv(15*time.Minute, srcB, onCtrd, bd.bin, "deploy", "--package", "-o", fromCtrd, "--progress", "plain")
	if err != nil {
		t.Fatalf("deploy --package on the containerd store: %v\n%s", err, bdLastLines(out, 40))
	}
	m := csManifest(t, fromCtrd)
	for _, im := range m.Images {
		if im.ConfigDigest == "" || len(im.Layers) == 0 {
			t.Errorf("image %s has no config digest or layers: %+v", im.Name, im)
		}
	}
	instB := filepath.Join(work, "20", proj+"b")
	dirs20 = append(dirs20, instB)
	bd.must(15*time.Minute, work, bd.bin, "deploy", "--bundle", fromCtrd, "--dir", instB, "--yes", "--progress", "plain", "--timeout", "5m")
	csWantPage(t, portB, "made on the containerd store")
}

// csProject writes the fixture compose project: a backend built from the
// python stand-in serving index.html, behind the nginx stand-in with its
// config mounted read-only, published on 127.0.0.1:port.
func csProject(t *testing.T, dir, name, pyRef, nginxRef string, port int, page string) string {
	t.Helper()
	files := map[string]string{
		"compose.yaml": fmt.Sprintf(`name: %s
services:
  backend:
    build:
      context: backend
      args:
        BASE: %s
    healthcheck:
      test: ["CMD", "python3", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/')"]
      interval: 2s
      retries: 30
  proxy:
    image: %s
    volumes:
      - ./nginx/default.conf:/etc/nginx/conf.d/default.conf:ro
    ports:
      - "127.0.0.1:%d:80"
    depends_on:
      backend:
        condition: service_healthy
`, name, pyRef, nginxRef, port),
		"backend/Dockerfile": `ARG BASE
FROM ${BASE}
WORKDIR /srv
COPY index.html /srv/index.html
USER 1000
EXPOSE 8000
CMD ["python3", "-m", "http.server", "8000", "--bind", "0.0.0.0", "--directory", "/srv"]
`,
		"backend/index.html": "<h1>" + page + "</h1>\n",
		"nginx/default.conf": `server {
    listen 80;
    location / {
        proxy_pass http://backend:8000;
    }
}
`,
	}
	for rel, content := range files {
		p := filepath.Join(dir, rel)
		csMust(t, os.MkdirAll(filepath.Dir(p), 0o755))
		csMust(t, os.WriteFile(p, []byte(content), 0o644))
	}
	return dir
}

func csMust(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func csWantPage(t *testing.T, port int, page string) {
	t.Helper()
	url := fmt.Sprintf("http://127.0.0.1:%d/", port)
	deadline := time.Now().Add(2 * time.Minute)
	var last string
	for time.Now().Before(deadline) {
		resp, err := http.Get(url)
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 200 && strings.Contains(string(b), page) {
				return
			}
			last = fmt.Sprintf("%d %q", resp.StatusCode, b)
		} else {
			last = err.Error()
		}
		time.Sleep(time.Second)
	}
	t.Fatalf("%s through nginx: want %q, last answer %s", url, page, last)
}

func csManifest(t *testing.T, path string) *bundle.Manifest {
	t.Helper()
	m, err := bundle.ReadManifest(path)
	if err != nil && !strings.Contains(err.Error(), "update bundle") {
		t.Fatal(err)
	}
	if m == nil {
		v, err := bundle.Verify(path, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer v.Close()
		return v.Manifest
	}
	return m
}

func csFileSize(t *testing.T, p string) int64 {
	t.Helper()
	st, err := os.Stat(p)
	csMust(t, err)
	return st.Size()
}

func csImageArchive(m *bundle.Manifest) int64 {
	f, _ := m.File(m.ImageArchive)
	return f.Size
}

// startContainerdStore starts Debian trixie's containerd and dockerd
// (extracted by .ci/fetch-trixie-docker.sh; fetched here when missing) with
// the containerd snapshotter, on their own sockets, state, data root and
// bridge, without touching the host's iptables (published ports go through
// the userland proxy), and returns the engine's DOCKER_HOST. Both stop, and
// everything they made goes, when the test ends.
func startContainerdStore(t *testing.T) string {
	t.Helper()
	cache := os.Getenv("STACKGEN_E2E_CACHE")
	if cache == "" {
		cache = "/var/cache/stackgen-e2e"
	}
	root := filepath.Join(cache, "trixie-docker", "root")
	if _, err := os.Stat(filepath.Join(root, "usr", "sbin", "dockerd")); err != nil {
		if out, err := exec.Command("bash", "../.ci/fetch-trixie-docker.sh").CombinedOutput(); err != nil {
			t.Fatalf(".ci/fetch-trixie-docker.sh: %v\n%s", err, out)
		}
	}
	suffix := make([]byte, 3)
	rand.Read(suffix)
	tag := hex.EncodeToString(suffix)
	run := "/run/sg18-" + tag // short: unix socket paths are limited
	data := "/var/lib/sg18-" + tag
	br := "sg18br" + tag
	csMust(t, os.MkdirAll(run, 0o700))
	csMust(t, os.MkdirAll(data, 0o700))
	// Its own bridge: a second dockerd must not manage docker0, the
	// running engine's.
	subnet := fmt.Sprintf("10.218.%d", int(suffix[0])%250+1)
	for _, args := range [][]string{
		{"link", "add", br, "type", "bridge"},
		{"addr", "add", subnet + ".1/24", "dev", br},
		{"link", "set", br, "up"},
	} {
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			t.Fatalf("ip %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	t.Cleanup(func() { exec.Command("ip", "link", "del", br).Run() })
	// Without its own iptables rules (it must not rewrite the running
	// engine's chains), bridged traffic between its containers meets the
	// FORWARD chain's DROP policy (br_netfilter): DOCKER-USER, the chain
	// meant for rules of one's own, lets its address pool through.
	pool := fmt.Sprintf("10.219.%d.0/24", int(suffix[1])%250+1)
	rule := []string{"DOCKER-USER", "-s", pool, "-d", pool, "-j", "ACCEPT"}
	if out, err := exec.Command("iptables", append([]string{"-I"}, rule...)...).CombinedOutput(); err != nil {
		t.Fatalf("iptables -I %s: %v\n%s", strings.Join(rule, " "), err, out)
	}
	t.Cleanup(func() { exec.Command("iptables", append([]string{"-D"}, rule...)...).Run() })

	ctrdSock := run + "/containerd.sock"
	cfg := fmt.Sprintf(`version = 2
root = %q
state = %q
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = %q
[ttrpc]
  address = %q
[debug]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = %q
`, data+"/containerd", run+"/containerd", ctrdSock, ctrdSock+".ttrpc", data+"/opt")
	csMust(t, os.WriteFile(run+"/containerd.toml", []byte(cfg), 0o600))
	csMust(t, os.WriteFile(run+"/daemon.json", []byte(`{"features": {"containerd-snapshotter": true}}`), 0o600))
	// trixie's runc needs a newer glibc: bookworm's (in /usr/sbin) runs.
	path := "/usr/sbin:" + filepath.Join(root, "usr/bin") + ":" + filepath.Join(root, "usr/sbin") + ":/usr/bin:/sbin:/bin"
	env := append(os.Environ(), "PATH="+path)
	logf, err := os.Create(filepath.Join(t.TempDir(), "engine.log"))
	csMust(t, err)
	start := func(name string, args ...string) *exec.Cmd {
		cmd := exec.Command(name, args...)
		cmd.Env, cmd.Stdout, cmd.Stderr = env, logf, logf
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := cmd.Start(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return cmd
	}
	stop := func(cmd *exec.Cmd) {
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(60 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	}
	containerd := start(filepath.Join(root, "usr/bin/containerd"), "--config", run+"/containerd.toml")
	t.Cleanup(func() {
		stop(containerd)
		// Whatever a killed shim left mounted, then the state.
		exec.Command("bash", "-c", `grep -o " $1[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount -l`, "x", data).Run()
		exec.Command("bash", "-c", `grep -o " $1[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount -l`, "x", run).Run()
		os.RemoveAll(data)
		os.RemoveAll(run)
	})
	waitFile(t, ctrdSock, 30*time.Second, logf)
	host := "unix://" + run + "/docker.sock"
	dockerd := start(filepath.Join(root, "usr/sbin/dockerd"),
		"--containerd", ctrdSock,
		"--data-root", data+"/docker",
		"--exec-root", run+"/exec",
		"--pidfile", run+"/docker.pid",
		"-H", host,
		"--config-file", run+"/daemon.json",
		"--bridge", br,
		"--iptables=false", "--ip-forward=false", "--ip-masq=false",
		"--default-address-pool", "base="+pool+",size=26",
		"--userland-proxy-path", filepath.Join(root, "usr/sbin/docker-proxy"),
	)
	t.Cleanup(func() { stop(dockerd) })
	deadline := time.Now().Add(60 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		out, err := exec.CommandContext(ctx, "docker", "-H", host, "info", "--format", "{{.ServerVersion}} {{.Driver}} {{json .DriverStatus}}").CombinedOutput()
		cancel()
		if err == nil {
			s := string(out)
			if !strings.Contains(s, "io.containerd.snapshotter.v1") {
				t.Fatalf("the second engine does not use the containerd image store: %s", s)
			}
			t.Logf("containerd-store engine: %s", strings.TrimSpace(s))
			return host
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(logf.Name())
			t.Fatalf("the containerd-store engine did not answer: %v\n%s\n%s", err, out, bdLastLines(string(b), 40))
		}
		time.Sleep(time.Second)
	}
}

func waitFile(t *testing.T, p string, limit time.Duration, logf *os.File) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		if _, err := os.Stat(p); err == nil {
			return
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(logf.Name())
			t.Fatalf("%s did not appear:\n%s", p, bdLastLines(string(b), 40))
		}
		time.Sleep(200 * time.Millisecond)
	}
}
