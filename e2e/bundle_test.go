package e2e

import (
	"bytes"
	"context"
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

	"github.com/klauspost/compress/zip"

	"github.com/stackgen/stackgen/bundle"
	"github.com/stackgen/stackgen/e2e/e2etest"
)

// TestDeployBundleDjango is the offline story of seed 002, done by
// stackgen: render the django-uwsgi stack (MariaDB, stand-in images), start
// it, package it with `stackgen deploy --package`, remove its containers
// and images from the engine, refuse a bundle with one flipped byte and a
// truncated one before loading anything, install the good bundle into a new
// directory with `stackgen deploy --bundle`, and reach the site through
// nginx again; then the same with the bundle's own load-and-start.sh (the
// host without stackgen), through the unpacker image.
//
// The stand-ins are used through copies tagged for this test (removing a
// copy leaves stackgen-standin/* for the other tests), and the images the
// stack builds carry the test's own names, so nothing of another test or
// user is touched.
func TestDeployBundleDjango(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test (-short)")
	}
	e2etest.RequireCompose(t)
	standins := e2etest.RequireImages(t, e2etest.Python, e2etest.MariaDB, e2etest.Redis, e2etest.Nginx)

	id := fmt.Sprintf("%d", time.Now().UnixNano()%1_000_000_000)
	proj := "bd" + id
	work := t.TempDir()
	bd := &bdEnv{t: t, work: work}

	// A static stackgen: the bundle then carries it as the zstd unpacker.
	bd.bin = filepath.Join(work, "stackgen")
	build := exec.Command("go", "build", "-o", bd.bin, "../cmd/stackgen")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build stackgen: %v\n%s", err, out)
	}

	// Copies of the stand-ins under this test's own names.
	copies := map[string]string{}
	for i, role := range []string{"python", "db", "redis", "nginx"} {
		ref := fmt.Sprintf("%s-standin/%s:e2e", proj, role)
		bd.must(time.Minute, "", "docker", "tag", standins[i], ref)
		copies[role] = ref
	}
	builtWeb, builtNginx := proj+"-web:"+proj, proj+"-nginx:"+proj // named after the compose project (the folder)
	installDir := filepath.Join(work, "offline", proj+"x")
	scriptDir := filepath.Join(work, "script")
	site := filepath.Join(work, "build", proj)
	t.Cleanup(func() {
		for _, d := range []string{site, installDir, filepath.Join(scriptDir, proj)} {
			if _, err := os.Stat(filepath.Join(d, "compose.yaml")); err == nil {
				if out, err := bd.run(5*time.Minute, d, "docker", "compose", "down", "--volumes", "--remove-orphans"); err != nil {
					t.Logf("cleanup: docker compose down in %s: %v\n%s", d, err, out)
				}
			}
		}
		refs := []string{builtWeb, builtNginx}
		for _, r := range copies {
			refs = append(refs, r)
		}
		for _, r := range bd.imageRefs() {
			if strings.HasPrefix(r, "stackgen-unpack:") {
				refs = append(refs, r)
			}
		}
		_, _ = bd.run(time.Minute, "", "docker", append([]string{"image", "rm"}, refs...)...)
	})

	// 1. Render and start the stack on the "build host".
	port := bdFreePort(t)
	bd.must(2*time.Minute, "", bd.bin, append([]string{"new", "django-uwsgi", site, "--yes",
		"--set", "db=mariadb", "--set", fmt.Sprintf("http_port=%d", port), "--set", "app_version=" + proj,
		"--image", "python=" + copies["python"], "--image", "db=" + copies["db"],
		"--image", "redis=" + copies["redis"], "--image", "nginx=" + copies["nginx"]},
		e2etest.DjangoPythonPins(t)...)...)
	started := time.Now()
	bd.must(15*time.Minute, site, bd.bin, "up", site, "--progress", "plain", "--timeout", "10m")
	t.Logf("TIMING build host: stackgen up %.1fs", time.Since(started).Seconds())
	bdWantSite(t, port)
	buildEnv, _ := os.ReadFile(filepath.Join(site, ".env"))

	// 2. Package it.
	bundlePath := filepath.Join(work, proj+".zip")
	started = time.Now()
	out := bd.must(10*time.Minute, work, bd.bin, "deploy", "--package", site, "-o", bundlePath, "--progress", "plain")
	t.Logf("TIMING stackgen deploy --package %.1fs:\n%s", time.Since(started).Seconds(), bdLastLines(out, 4))
	if !strings.Contains(out, "images compressed with zstd") {
		t.Errorf("a static stackgen should make a zstd bundle with the unpacker image:\n%s", out)
	}
	entries := bdZipEntries(t, bundlePath)
	for _, want := range []string{"compose.yaml", ".env.example", "compose/nginx/nginx.conf", "compose/mysql/conf/my.cnf",
		"scripts/deploy.sh", "load-and-start.sh", "load-and-start.ps1", "OFFLINE-README.md", "SHA256SUMS",
		"stackgen-bundle.json", "images/images.tar.zst", "images/unpacker.tar.gz"} {
		if _, ok := entries[proj+"/"+want]; !ok {
			t.Errorf("the bundle lacks %s", want)
		}
	}
	if _, ok := entries[proj+"/.env"]; ok {
		t.Error("the bundle carries .env (the secrets) without --include-env")
	}
	if e := entries[proj+"/images/images.tar.zst"]; e == nil || e.Method != zip.Store {
		t.Error("the image archive is not stored as is in the zip")
	}
	manifest := bdReadZip(t, bundlePath, proj+"/stackgen-bundle.json")
	for _, ref := range []string{builtWeb, builtNginx, copies["db"], copies["redis"]} {
		if !bytes.Contains(manifest, []byte(`"name": "`+ref+`"`)) {
			t.Errorf("the manifest does not list image %s:\n%s", ref, manifest)
		}
	}

	// 3. Remove the stack's containers, volumes and images.
	bd.must(5*time.Minute, site, "docker", "compose", "down", "--volumes")
	bd.must(time.Minute, "", "docker", "image", "rm", builtWeb, builtNginx, copies["db"], copies["redis"], copies["nginx"], copies["python"])
	// Other packages' tests may build images meanwhile: compare what this
	// bundle could load (its image names and IDs, the unpacker).
	var man bundle.Manifest
	if err := json.Unmarshal(manifest, &man); err != nil {
		t.Fatal(err)
	}
	relevant := func(refs []string) []string {
		var out []string
		for _, r := range refs {
			keep := strings.HasPrefix(r, "stackgen-unpack:")
			for _, im := range man.Images {
				keep = keep || strings.HasPrefix(r, im.Name+" ") || (strings.HasSuffix(r, " "+im.ID) && im.Name != copies["db"] && im.Name != copies["redis"])
			}
			if keep {
				out = append(out, r)
			}
		}
		return out
	}
	before := bd.imageRefs()
	for _, ref := range []string{builtWeb, builtNginx, copies["db"], copies["redis"]} {
		if bdContains(before, ref) {
			t.Fatalf("%s is still in the engine after docker image rm", ref)
		}
	}

	// 4. Damaged bundles are refused before any image is loaded.
	off, size := bdZipDataOffset(t, bundlePath, proj+"/images/images.tar.zst")
	flipped := bdCorrupt(t, bundlePath, filepath.Join(work, "flipped.zip"), func(b []byte) []byte { b[off+size/2] ^= 0x01; return b })
	truncated := bdCorrupt(t, bundlePath, filepath.Join(work, "truncated.zip"), func(b []byte) []byte { return b[:len(b)*3/4] })
	for _, tc := range []struct{ path, names string }{
		{flipped, "images/images.tar.zst"},
		{truncated, truncated},
	} {
		dir := filepath.Join(work, "refused", filepath.Base(tc.path))
		out, err := bd.run(5*time.Minute, work, bd.bin, "deploy", "--bundle", tc.path, "--dir", dir, "--progress", "plain")
		if err == nil {
			t.Fatalf("deploy --bundle %s succeeded:\n%s", tc.path, out)
		}
		if !strings.Contains(out, tc.names) || !strings.Contains(out, "nothing was loaded") {
			t.Errorf("deploy --bundle %s: the refusal does not name %s:\n%s", filepath.Base(tc.path), tc.names, out)
		}
		if after := relevant(bd.imageRefs()); strings.Join(after, "\n") != strings.Join(relevant(before), "\n") {
			t.Errorf("deploy --bundle %s changed the engine's images:\nbefore %v\nafter  %v", filepath.Base(tc.path), relevant(before), after)
		}
		if _, err := os.Stat(dir); err == nil {
			t.Errorf("deploy --bundle %s created %s", filepath.Base(tc.path), dir)
		}
	}

	// 5. Install the good bundle into a new directory on the "offline host".
	started = time.Now()
	out = bd.must(20*time.Minute, work, bd.bin, "deploy", "--bundle", bundlePath, "--dir", installDir, "--progress", "plain", "--timeout", "10m")
	t.Logf("TIMING stackgen deploy --bundle (verify, load, files, up) %.1fs:\n%s", time.Since(started).Seconds(), bdLastLines(out, 6))
	for _, ref := range []string{builtWeb, builtNginx, copies["db"], copies["redis"]} {
		if !bdContains(bd.imageRefs(), ref) {
			t.Errorf("%s was not loaded", ref)
		}
	}
	bdWantSite(t, port)
	st, err := os.Stat(filepath.Join(installDir, ".env"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf(".env on the offline host: %v, mode %v; want 0600", err, st)
	}
	env, _ := os.ReadFile(filepath.Join(installDir, ".env"))
	for _, line := range strings.Split(string(env), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok && (k == "MYSQL_PASSWORD" || k == "DJANGO_SECRET_KEY") {
			if len(v) < 32 || bytes.Contains(buildEnv, []byte(line)) {
				t.Errorf("%s on the offline host is not a fresh secret", k)
			}
		}
	}
	bd.must(5*time.Minute, installDir, "docker", "compose", "down", "--volumes")

	// 6. The host without stackgen: unzip and run load-and-start.sh, which
	// loads the zstd archive through the unpacker image (Docker only).
	t.Run("load-and-start.sh", func(t *testing.T) {
		bd.must(time.Minute, "", "docker", "image", "rm", builtWeb, builtNginx, copies["db"], copies["redis"])
		if err := os.MkdirAll(scriptDir, 0o755); err != nil {
			t.Fatal(err)
		}
		bdUnzip(t, bundlePath, scriptDir)
		cmd := []string{"bash", filepath.Join(scriptDir, proj, "load-and-start.sh")}
		started := time.Now()
		out, err := bd.runEnv(20*time.Minute, scriptDir, []string{"STACKGEN_UNPACK=container"}, cmd[0], cmd[1:]...)
		if err != nil {
			t.Fatalf("load-and-start.sh: %v\n%s", err, bdLastLines(out, 40))
		}
		t.Logf("TIMING load-and-start.sh %.1fs", time.Since(started).Seconds())
		if !strings.Contains(out, "is up") {
			t.Errorf("load-and-start.sh did not report the stack up:\n%s", bdLastLines(out, 20))
		}
		bdWantSite(t, port)
		for _, r := range bd.imageRefs() {
			if strings.HasPrefix(r, "stackgen-unpack:") {
				t.Errorf("the unpacker image %s was left in the engine", r)
			}
		}
	})
}

type bdEnv struct {
	t    *testing.T
	work string
	bin  string
}

// run runs a command without COMPOSE_PROJECT_NAME (the project is the
// directory's) and returns stdout and stderr together.
func (b *bdEnv) run(timeout time.Duration, dir, name string, args ...string) (string, error) {
	return b.runEnv(timeout, dir, nil, name, args...)
}

func (b *bdEnv) runEnv(timeout time.Duration, dir string, env []string, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "COMPOSE_PROJECT_NAME=") {
			cmd.Env = append(cmd.Env, e)
		}
	}
	cmd.Env = append(cmd.Env, "NO_COLOR=1")
	cmd.Env = append(cmd.Env, env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

func (b *bdEnv) must(timeout time.Duration, dir, name string, args ...string) string {
	b.t.Helper()
	out, err := b.run(timeout, dir, name, args...)
	if err != nil {
		b.t.Fatalf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, bdLastLines(out, 60))
	}
	return out
}

// imageRefs lists the engine's images as "repo:tag id", sorted.
func (b *bdEnv) imageRefs() []string {
	b.t.Helper()
	out := b.must(time.Minute, "", "docker", "image", "ls", "--no-trunc", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}")
	var refs []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			refs = append(refs, l)
		}
	}
	sort.Strings(refs)
	return refs
}

func bdContains(refs []string, ref string) bool {
	for _, r := range refs {
		if strings.HasPrefix(r, ref+" ") {
			return true
		}
	}
	return false
}

func bdFreePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// bdWantSite checks that Django answers through nginx on 127.0.0.1.
func bdWantSite(t *testing.T, port int) {
	t.Helper()
	c := &http.Client{Timeout: 30 * time.Second}
	url := fmt.Sprintf("http://127.0.0.1:%d/", port)
	var last string
	for i := 0; i < 10; i++ {
		resp, err := c.Get(url)
		if err == nil {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
			resp.Body.Close()
			if resp.StatusCode == 200 && strings.Contains(string(body), "Django") && resp.Header.Get("X-Frame-Options") != "" {
				return
			}
			last = fmt.Sprintf("%d %s", resp.StatusCode, bdLastLines(string(body), 5))
		} else {
			last = err.Error()
		}
		time.Sleep(2 * time.Second)
	}
	t.Fatalf("GET %s through nginx: %s", url, last)
}

func bdZipEntries(t *testing.T, path string) map[string]*zip.File {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { zr.Close() })
	m := map[string]*zip.File{}
	for _, f := range zr.File {
		m[f.Name] = f
	}
	return m
}

func bdReadZip(t *testing.T, path, name string) []byte {
	t.Helper()
	f := bdZipEntries(t, path)[name]
	if f == nil {
		t.Fatalf("%s has no %s", path, name)
	}
	rc, err := f.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func bdZipDataOffset(t *testing.T, path, name string) (int64, int64) {
	t.Helper()
	f := bdZipEntries(t, path)[name]
	if f == nil {
		t.Fatalf("%s has no %s", path, name)
	}
	off, err := f.DataOffset()
	if err != nil {
		t.Fatal(err)
	}
	return off, int64(f.CompressedSize64)
}

// bdUnzip extracts a zip as a person would (unzip, Expand-Archive), with
// the files' modes, without needing the unzip tool.
func bdUnzip(t *testing.T, path, dir string) {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		dst := filepath.Join(dir, filepath.FromSlash(f.Name))
		if !strings.HasPrefix(dst, filepath.Clean(dir)+string(filepath.Separator)) {
			t.Fatalf("zip entry %s leaves %s", f.Name, dir)
		}
		if strings.HasSuffix(f.Name, "/") {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, f.Mode().Perm())
		if err != nil {
			t.Fatal(err)
		}
		_, err = io.Copy(out, rc)
		rc.Close()
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

func bdCorrupt(t *testing.T, src, dst string, fn func([]byte) []byte) string {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, fn(b), 0o644); err != nil {
		t.Fatal(err)
	}
	return dst
}

func bdLastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
