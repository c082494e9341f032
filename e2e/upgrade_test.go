package e2e

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stackgen/stackgen/project"
)

// TestDjangoUpgradeRunningProject is issue 19's end to end: a running
// django project, made by an "older stackgen" whose nginx.conf lacked
// `server_tokens off;` (simulated: the file, its base copy and its
// manifest hash are that older render), with a user's edit in that file,
// is upgraded to a new port and this stackgen's templates; `up` brings it
// back healthy on the new port, with the template change served, the
// user's edit kept, and the database's data still there.
func TestDjangoUpgradeRunningProject(t *testing.T) {
	djRequireEngine(t)
	s := newDjStack(t, "upg")
	s.render()
	if res, _, out, err := s.up("5m"); err != nil || res.Status != "ready" {
		t.Fatalf("stackgen up: %v %+v\n%s", err, res, djTail(out.all()))
	}
	djManageShell(s, `from django.contrib.auth.models import User; User.objects.create_user("upgrader"); print("ok")`)

	// The older render: this nginx.conf without server_tokens off.
	const conf = "compose/nginx/nginx.conf"
	full := filepath.Join(s.dir, filepath.FromSlash(conf))
	cur, err := os.ReadFile(full)
	if err != nil {
		t.Fatal(err)
	}
	older := bytes.ReplaceAll(cur, []byte("    server_tokens off;\n"), nil)
	if bytes.Equal(older, cur) {
		t.Fatalf("%s has no server_tokens line to take out", conf)
	}
	setOlderRender(t, s.dir, conf, older)
	// The user's edit, on lines the template change does not touch.
	edited := append([]byte("# e2e: an edit of mine, kept by the upgrade\n"), older...)
	if err := os.WriteFile(full, edited, 0o644); err != nil {
		t.Fatal(err)
	}
	s.must(2*time.Minute, "docker", "compose", "restart", "nginx")
	if srv := djWaitServer(t, s); !strings.HasPrefix(srv, "nginx/") {
		t.Fatalf("with the older nginx.conf, Server = %q, want nginx's version in it (the simulation is not what runs)", srv)
	}

	oldPort := s.port
	newPort := djFreePort(t)
	out := s.must(2*time.Minute, s.bin, "upgrade", s.dir, "--set", fmt.Sprintf("http_port=%d", newPort), "--yes")
	if !strings.Contains(out.stdout, conf) || !strings.Contains(out.stdout, "merged") {
		t.Errorf("upgrade's summary does not show %s merged:\n%s", conf, out.stdout)
	}
	merged, err := os.ReadFile(full)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(merged, []byte("# e2e: an edit of mine")) || !bytes.Contains(merged, []byte("server_tokens off;")) || bytes.Contains(merged, []byte("<<<<<<<")) {
		t.Fatalf("%s after the upgrade is not both changes:\n%s", conf, djTail(string(merged)))
	}
	s.must(time.Minute, s.bin, "upgrade", s.dir, "--check")

	s.port = newPort
	res, _, upOut, err := s.up("5m")
	if err != nil || res.Status != "ready" {
		t.Fatalf("stackgen up after the upgrade: %v %+v\n%s", err, res, djTail(upOut.all()))
	}
	if want := fmt.Sprintf("http://localhost:%d/", newPort); res.URL != want {
		t.Errorf("up printed %q, want %q", res.URL, want)
	}
	resp, body := djGet(t, s.url("/"))
	if resp.StatusCode != 200 || !strings.Contains(body, "Django is running") {
		t.Fatalf("GET / on the new port = %d\n%s", resp.StatusCode, djTail(body))
	}
	if srv := resp.Header.Get("Server"); srv != "nginx" {
		t.Errorf("Server = %q after the upgrade, want \"nginx\" (server_tokens off, the template change)", srv)
	}
	if n := djManageShell(s, `from django.contrib.auth.models import User; print(User.objects.filter(username="upgrader").count())`); n != "1" {
		t.Errorf("the user made before the upgrade: count %q, want 1 (data lost?)", n)
	}
	if resp, err := djHTTPClient().Get(fmt.Sprintf("http://127.0.0.1:%d/", oldPort)); err == nil {
		resp.Body.Close()
		t.Errorf("the old port %d still answers", oldPort)
	}
}

// setOlderRender makes content the render stackgen recorded for rel: the
// file, its base copy and its hash in the manifest, as an older stackgen
// would have left them.
func setOlderRender(t *testing.T, dir, rel string, content []byte) {
	t.Helper()
	m, err := project.LoadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	sum := project.Hash(content)
	m.Files[rel] = sum
	var z bytes.Buffer
	w := gzip.NewWriter(&z)
	w.Write(content)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(project.BasePath(sum))), z.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	b, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, project.ManifestName), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// djWaitServer waits for nginx to answer after a restart and returns its
// Server header.
func djWaitServer(t *testing.T, s *djStack) string {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		resp, err := djHTTPClient().Get(s.url("/healthz"))
		if err == nil {
			resp.Body.Close()
			return resp.Header.Get("Server")
		}
		if time.Now().After(deadline) {
			t.Fatalf("nginx did not answer after a restart: %v", err)
		}
		time.Sleep(time.Second)
	}
}

func djHTTPClient() *http.Client {
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
}
