package e2e

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stackgen/stackgen/cmd/stackgen/cmdutil"
	"github.com/stackgen/stackgen/cmd/stackgen/exportcmd"
	"github.com/stackgen/stackgen/e2e/e2etest"
	"github.com/stackgen/stackgen/engine"
	"github.com/stackgen/stackgen/project"
	"github.com/stackgen/stackgen/render"
	"github.com/stackgen/stackgen/stack"
	"github.com/stackgen/stackgen/stacks"
)

// TestKubernetesRegistryPushesByDigest runs `export kubernetes --registry`
// against the real engine and Debian's docker-registry on 127.0.0.1 (the
// engine pushes to loopback registries over plain HTTP): the manifests
// must name the image by the digest the registry itself serves it under.
// The keras-webpy project's model image stands in as a local tag of a
// stand-in image: what is proven is the tag, push and digest, not a build.
func TestKubernetesRegistryPushesByDigest(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test (-short)")
	}
	src := e2etest.RequireImages(t, e2etest.Redis)[0]
	if _, err := exec.LookPath("docker-registry"); err != nil {
		swarmSkipOrFail(t, "docker-registry is not installed (apt-get install docker-registry)")
	}
	reg := startLoopbackRegistry(t)

	d, err := stacks.Registry().Lookup("keras-webpy")
	if err != nil {
		t.Fatal(err)
	}
	// A name of its own: the cleanup removes it, and other tests and
	// users on this engine may have the default one.
	unique := fmt.Sprintf("stackgen-e2e-k8sreg-%d", time.Now().UnixNano()%1_000_000)
	set, answers, err := render.Project(d, stack.Answers{stack.ImagePrefix + "model": unique + ":1.0"}, render.Options{Rand: rand.Reader, Version: "e2e"})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), unique)
	if _, err := project.Write(dir, set, false, &project.Manifest{Stack: d.Name, Version: "e2e", Answers: answers}); err != nil {
		t.Fatal(err)
	}
	local := d.ResolveImages(answers)["model"]
	if local != unique+":1.0" {
		t.Fatalf("model image %q, want the test's own %s:1.0", local, unique)
	}
	name := local[strings.LastIndex(local, "/")+1:]
	repo, tag, _ := strings.Cut(name, ":")
	pushed := reg + "/" + repo + ":" + tag
	if out, err := exec.Command("docker", "tag", src, local).CombinedOutput(); err != nil {
		t.Fatalf("docker tag %s %s: %v\n%s", src, local, err, out)
	}
	t.Cleanup(func() { _ = exec.Command("docker", "rmi", local, pushed).Run() })

	ios, _, _, errOut := cmdutil.Test()
	out := filepath.Join(dir, "kubernetes")
	started := time.Now()
	err = exportcmd.RunKubernetes(&exportcmd.KubernetesOptions{IO: ios, Dir: dir, Out: out, Registry: reg, Engine: sync.OnceValues(engine.New)})
	if err != nil {
		t.Fatalf("export --registry: %v\n%s", err, errOut)
	}
	t.Logf("TIMING export kubernetes --registry (one push): %.1fs", time.Since(started).Seconds())

	served := registryDigest(t, reg, repo, tag)
	want := pushed + "@" + served
	found := false
	entries, _ := os.ReadDir(out)
	line := regexp.MustCompile(`(?m)^\s*image: "?([^"\s]+)"?$`)
	for _, e := range entries {
		b, _ := os.ReadFile(filepath.Join(out, e.Name()))
		for _, m := range line.FindAllStringSubmatch(string(b), -1) {
			if m[1] == local {
				t.Errorf("%s still names the local image %s", e.Name(), local)
			}
			found = found || m[1] == want
		}
	}
	if !found {
		t.Errorf("no manifest names %s (the digest the registry serves)", want)
	}
}

// startLoopbackRegistry runs docker-registry on a free 127.0.0.1 port
// with storage in a temp dir and returns HOST:PORT once it answers.
func startLoopbackRegistry(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	addr := fmt.Sprintf("127.0.0.1:%d", kerasFreePort(t))
	conf := filepath.Join(dir, "registry.yml")
	body := fmt.Sprintf("version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: %s\n", filepath.Join(dir, "data"), addr)
	if err := os.WriteFile(conf, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	var logs strings.Builder
	cmd := exec.Command("docker-registry", "serve", conf)
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/v2/")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return addr
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("docker-registry did not answer on %s: %v\n%s", addr, err, logs.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// registryDigest asks the registry which digest repo:tag has, accepting
// every manifest type an engine pushes (an index with the containerd
// store, a single manifest with the classic one).
func registryDigest(t *testing.T, reg, repo, tag string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, "http://"+reg+"/v2/"+repo+"/manifests/"+tag, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", strings.Join([]string{
		"application/vnd.oci.image.index.v1+json",
		"application/vnd.docker.distribution.manifest.list.v2+json",
		"application/vnd.oci.image.manifest.v1+json",
		"application/vnd.docker.distribution.manifest.v2+json",
	}, ", "))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	d := resp.Header.Get("Docker-Content-Digest")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(d, "sha256:") {
		t.Fatalf("registry: %s/%s:%s answered %s, digest %q", reg, repo, tag, resp.Status, d)
	}
	return d
}
