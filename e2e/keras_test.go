package e2e

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
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
	"github.com/stackgen/stackgen/render"
	"github.com/stackgen/stackgen/stack"
	"github.com/stackgen/stackgen/stacks"
)

// TestKerasWebpy runs the keras-webpy stack for real against a Docker
// Engine. TensorFlow and Keras cannot be installed on stackgen's test
// machines (no PyPI, and Debian does not package them), so the test swaps
// exactly one thing: the model-loading module, through the stack's own
// model_loader answer, for a pure-Python fake that reads the mounted model
// file. requirements.txt is the generated one minus tensorflow/keras, with
// versions taken from the stand-in's wheelhouse. Everything else is what a
// user gets: the generated Dockerfile built by compose on the Python
// stand-in, app.py on web.py, the health check, the 127.0.0.1 port, the
// read-only model mount, the non-root user, scripts/deploy.sh,
// scripts/save-image.sh and scripts/load-image.sh.
func TestKerasWebpy(t *testing.T) {
	pythonImage := kerasRequireEngineAndPython(t)

	port := kerasFreePort(t)
	const version = "e2e"
	modelName := fmt.Sprintf("stackgen-e2e-keras-%d", time.Now().UnixNano()%1_000_000)
	image := modelName + ":" + version
	answers := stack.Answers{
		"model_name":   modelName,
		"app_version":  version,
		"http_port":    fmt.Sprint(port),
		"api_token":    "true",
		"model_loader": "fake_loader",
		"image.python": pythonImage,
	}
	set, _, err := render.Project(stacks.Keras(), answers, render.Options{Rand: kerasRand{}, Version: "e2e"})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, f := range set {
		p := filepath.Join(dir, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f.Content, f.Mode); err != nil {
			t.Fatal(err)
		}
	}

	kerasSwapForTest(t, dir, pythonImage)

	project := "stackgen-e2e-keras"
	env := append(os.Environ(), "COMPOSE_PROJECT_NAME="+project)
	run := func(timeout time.Duration, name string, args ...string) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		started := time.Now()
		cmd := exec.CommandContext(ctx, name, args...)
		cmd.Dir, cmd.Env = dir, env
		out, err := cmd.CombinedOutput()
		t.Logf("%s %s: %.1f s", name, strings.Join(args, " "), time.Since(started).Seconds())
		return string(out), err
	}
	t.Cleanup(func() {
		if t.Failed() {
			out, _ := run(time.Minute, "docker", "compose", "logs", "--no-color", "--tail", "80")
			t.Logf("compose logs:\n%s", out)
		}
		_, _ = run(2*time.Minute, "docker", "compose", "down", "--volumes", "--timeout", "5")
		_, _ = run(time.Minute, "docker", "image", "rm", "--force", image)
	})

	// 1. The generated deploy script: build, up --wait (health check), URL.
	out, err := run(15*time.Minute, "bash", "scripts/deploy.sh")
	if err != nil {
		t.Fatalf("scripts/deploy.sh: %v\n%s", err, out)
	}
	url := fmt.Sprintf("http://127.0.0.1:%d/", port)
	if !strings.Contains(out, "Model API is up: "+url) {
		t.Errorf("deploy.sh did not print the URL %s:\n%s", url, out)
	}

	token := kerasToken(t, filepath.Join(dir, ".env"))
	kerasCheckServing(t, url, token)

	// 2. What compose started: non-root, the model mounted read-only, the
	// port only on 127.0.0.1.
	if out, err := run(time.Minute, "docker", "compose", "exec", "-T", "model", "id", "-u"); err != nil || strings.TrimSpace(out) != "10001" {
		t.Errorf("container user: %q %v, want 10001", out, err)
	}
	if out, err := run(time.Minute, "docker", "compose", "exec", "-T", "model", "python", "-c", "open('/app/models/x', 'w')"); err == nil {
		t.Errorf("the model mount is writable:\n%s", out)
	}
	if out, err := run(time.Minute, "docker", "compose", "port", "model", "8080"); err != nil || strings.TrimSpace(out) != fmt.Sprintf("127.0.0.1:%d", port) {
		t.Errorf("published port: %q %v", out, err)
	}

	// 3. Save, remove, load back: the archive holds exactly compose's image.
	out, err = run(10*time.Minute, "bash", "scripts/save-image.sh")
	if err != nil {
		t.Fatalf("scripts/save-image.sh: %v\n%s", err, out)
	}
	archive := filepath.Join(dir, "dist", strings.ReplaceAll(image, ":", "_")+".tar.gz")
	if _, err := os.Stat(archive + ".sha256"); err != nil {
		t.Fatalf("save-image.sh wrote no checksum: %v\n%s", err, out)
	}
	if names := kerasArchiveImages(t, archive); len(names) != 1 || names[0] != image {
		t.Errorf("archive holds %v, want exactly [%s]", names, image)
	}
	if out, err := run(2*time.Minute, "docker", "compose", "down", "--timeout", "5"); err != nil {
		t.Fatalf("compose down: %v\n%s", err, out)
	}
	if out, err := run(time.Minute, "docker", "image", "rm", image); err != nil {
		t.Fatalf("docker image rm %s: %v\n%s", image, err, out)
	}
	out, err = run(10*time.Minute, "bash", "scripts/load-image.sh")
	if err != nil {
		t.Fatalf("scripts/load-image.sh: %v\n%s", err, out)
	}
	if !strings.Contains(out, "Loaded image: "+image) {
		t.Errorf("docker load did not report %s:\n%s", image, out)
	}

	// 4. The loaded image runs without a build (as on an offline host).
	out, err = run(10*time.Minute, "docker", "compose", "up", "-d", "--wait", "--no-build")
	if err != nil {
		t.Fatalf("compose up with the loaded image: %v\n%s", err, out)
	}
	kerasCheckServing(t, url, token)
}

// TestKerasWebpyStackgen takes the front door: `stackgen new keras` writes
// the project (and validates it), `stackgen up` builds, starts and waits,
// `stackgen down` stops it. Same single swap as TestKerasWebpy.
func TestKerasWebpyStackgen(t *testing.T) {
	pythonImage := kerasRequireEngineAndPython(t)
	bin := filepath.Join(t.TempDir(), "stackgen")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/stackgen").CombinedOutput(); err != nil {
		t.Fatalf("go build stackgen: %v\n%s", err, out)
	}
	port := kerasFreePort(t)
	modelName := fmt.Sprintf("stackgen-e2e-kerasnew-%d", time.Now().UnixNano()%1_000_000)
	image := modelName + ":e2e"
	dir := filepath.Join(t.TempDir(), "model")
	env := append(os.Environ(), "COMPOSE_PROJECT_NAME="+modelName, "NO_COLOR=1")
	run := func(timeout time.Duration, args ...string) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	t.Cleanup(func() {
		if out, err := run(3*time.Minute, "down", dir); err != nil {
			t.Logf("cleanup: stackgen down: %v\n%s", err, out)
		}
		_ = exec.Command("docker", "image", "rm", "--force", image).Run()
	})

	out, err := run(2*time.Minute, "new", "keras", dir, "--yes",
		"--set", "model_name="+modelName, "--set", "app_version=e2e",
		"--set", fmt.Sprintf("http_port=%d", port), "--set", "model_loader=fake_loader",
		"--image", "python="+pythonImage)
	if err != nil {
		t.Fatalf("stackgen new keras: %v\n%s", err, out)
	}
	kerasSwapForTest(t, dir, pythonImage)

	out, err = run(15*time.Minute, "up", dir)
	if err != nil {
		t.Fatalf("stackgen up: %v\n%s", err, out)
	}
	url := fmt.Sprintf("http://127.0.0.1:%d/", port)
	if !strings.Contains(out, url) {
		t.Errorf("stackgen up did not report %s:\n%s", url, out)
	}
	// api_token is off on 127.0.0.1 by default: no .env, no token needed.
	if _, err := os.Stat(filepath.Join(dir, ".env")); err == nil {
		t.Error(".env written though no secret is in use")
	}
	kerasCheckServing(t, url, "")
}

// TestKerasModelLoader runs the generated model_loader.py itself (the
// one module the other tests swap out) in the Python image with real numpy
// and Pillow, against a tiny fake keras package from testdata: the shape
// checks, the JSON conversion and the base64 image path are real; only
// keras.models.load_model and predict are stand-ins.
func TestKerasModelLoader(t *testing.T) {
	pythonImage := kerasRequireEngineAndPython(t)
	set, _, err := render.Project(stacks.Keras(), stack.Answers{}, render.Options{Rand: kerasRand{}})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	f, _ := set.Get("model_loader.py")
	kerasWrite(t, filepath.Join(dir, "model_loader.py"), f.Content, 0o644)
	for _, rel := range []string{"test_model_loader.py", "fakekeras/keras/__init__.py"} {
		b, err := os.ReadFile(filepath.Join("testdata", "keras", filepath.FromSlash(rel)))
		if err != nil {
			t.Fatal(err)
		}
		kerasWrite(t, filepath.Join(dir, filepath.FromSlash(rel)), b, 0o644)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	script := "python -m venv /tmp/v && /tmp/v/bin/pip install -q numpy pillow && /tmp/v/bin/python -m unittest -v test_model_loader"
	args := []string{"run", "--rm", "-v", dir + ":/t:ro", "-w", "/t",
		"-e", "PYTHONPATH=/t/fakekeras:/t", "-e", "PYTHONDONTWRITEBYTECODE=1"}
	if !e2etest.Official() {
		args = append(args, "--network", "none") // the stand-in's wheelhouse is local
	}
	out, err := exec.CommandContext(ctx, "docker", append(args, pythonImage, "sh", "-c", script)...).CombinedOutput()
	if err != nil {
		t.Fatalf("model_loader.py tests: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "OK") {
		t.Errorf("unittest did not report OK:\n%s", out)
	}
	t.Logf("%s", out)
}

// kerasRequireEngineAndPython returns the Python image the tests build
// on: the stand-in for python:3.13-slim, or python:3.13-slim itself with
// STACKGEN_E2E_OFFICIAL=1. Without an engine, compose or the image it
// skips locally and fails under CI=true (e2etest's gate).
func kerasRequireEngineAndPython(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end test (-short)")
	}
	e2etest.RequireCompose(t)
	return e2etest.RequireImages(t, e2etest.Python)[0]
}

// kerasSwapForTest makes the only changes the tests make to a written
// project: the fake loader module next to app.py (selected by the
// model_loader answer), a "model" file it reads through the mount, and
// requirements.txt without TensorFlow/Keras (kerasTestRequirements).
func kerasSwapForTest(t *testing.T, dir, pythonImage string) {
	t.Helper()
	fake, err := os.ReadFile(filepath.Join("..", "stacks", "testdata", "keras", "fake_loader.py"))
	if err != nil {
		t.Fatal(err)
	}
	kerasWrite(t, filepath.Join(dir, "fake_loader.py"), fake, 0o644)
	kerasWrite(t, filepath.Join(dir, "models", "model.keras"), []byte(`{"weights": [1, 2, 3, 4], "bias": 0.5}`), 0o644)
	req, err := os.ReadFile(filepath.Join(dir, "requirements.txt"))
	if err != nil {
		t.Fatal(err)
	}
	kerasWrite(t, filepath.Join(dir, "requirements.txt"), kerasTestRequirements(t, req, pythonImage), 0o644)
}

// kerasTestRequirements is the generated requirements.txt without the
// packages no machine here can install (TensorFlow, Keras, JAX), with each
// remaining pin moved to the version the stand-in's wheelhouse holds
// (/wheels/VERSIONS.txt), so the Dockerfile's ordinary pip install runs
// offline.
func kerasTestRequirements(t *testing.T, generated []byte, pythonImage string) []byte {
	t.Helper()
	var out []byte
	if !e2etest.Official() { // the official image installs the generated pins from PyPI
		var err error
		out, err = exec.Command("docker", "run", "--rm", "--entrypoint", "cat", pythonImage, "/wheels/VERSIONS.txt").Output()
		if err != nil {
			t.Fatalf("reading the stand-in's wheelhouse list: %v", err)
		}
	}
	have := map[string]string{}
	for _, line := range strings.Split(string(out), "\n") {
		if name, version, ok := strings.Cut(strings.TrimSpace(line), "=="); ok {
			have[kerasNormalize(name)] = version
		}
	}
	var b bytes.Buffer
	b.WriteString("# e2e: the generated requirements minus TensorFlow/Keras/JAX (pinned to the stand-in's wheelhouse)\n")
	var missing []string
	for _, line := range strings.Split(string(generated), "\n") {
		name, _, ok := strings.Cut(line, "==")
		if !ok || strings.HasPrefix(line, "#") {
			continue
		}
		base := kerasNormalize(regexp.MustCompile(`\[.*\]`).ReplaceAllString(name, ""))
		switch base {
		case "tensorflow", "tensorflow-cpu", "keras", "jax":
			continue
		}
		v, ok := have[base]
		if e2etest.Official() {
			v, ok = strings.TrimPrefix(line, name+"=="), true
		}
		if !ok {
			missing = append(missing, name)
			continue
		}
		fmt.Fprintf(&b, "%s==%s\n", name, v)
	}
	if len(missing) > 0 {
		t.Fatalf("the Python stand-in's wheelhouse lacks %v (see e2e/standins/python/wheels.txt and VERSIONS.txt)", missing)
	}
	return b.Bytes()
}

// kerasNormalize is PEP 503's name normalisation.
func kerasNormalize(name string) string {
	return strings.ToLower(regexp.MustCompile(`[-_.]+`).ReplaceAllString(strings.TrimSpace(name), "-"))
}

// kerasCheckServing calls the published API the way a client would.
func kerasCheckServing(t *testing.T, base, token string) {
	t.Helper()
	client := &http.Client{Timeout: 10 * time.Second}
	call := func(method, path, body string, headers ...string) (int, map[string]any, string) {
		t.Helper()
		req, err := http.NewRequest(method, base+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		var m map[string]any
		_ = json.Unmarshal(raw, &m)
		return resp.StatusCode, m, string(raw)
	}
	if code, m, raw := call("GET", "healthz", ""); code != 200 || m["status"] != "ok" {
		t.Errorf("/healthz = %d %s", code, raw)
	}
	auth := []string{"Content-Type", "application/json"}
	if token != "" {
		auth = append(auth, "Authorization", "Bearer "+token)
	}
	code, m, raw := call("POST", "predict", `{"instances": [[1, 1, 1, 1], [0, 0, 0, 2]]}`, auth...)
	if code != 200 || fmt.Sprint(m["predictions"]) != "[[10.5] [8.5]]" {
		t.Errorf("/predict = %d %s, want predictions [[10.5] [8.5]]", code, raw)
	}
	if code, _, raw := call("POST", "predict", `{"instances": [`, auth...); code != 400 || !strings.Contains(raw, "not valid JSON") {
		t.Errorf("/predict with bad JSON = %d %s, want 400", code, raw)
	}
	if code, _, raw := call("POST", "predict", `{"instances": [[1, 2]]}`, auth...); code != 400 || !strings.Contains(raw, "list of 4 numbers") {
		t.Errorf("/predict with a bad shape = %d %s, want 400", code, raw)
	}
	if token != "" {
		if code, _, raw := call("POST", "predict", `{"instances": [[1, 1, 1, 1]]}`, "Content-Type", "application/json"); code != 401 {
			t.Errorf("/predict without the token = %d %s, want 401", code, raw)
		}
	}
	if code, _, raw := call("GET", "", ""); code != 200 || !strings.Contains(raw, "ready") {
		t.Errorf("GET / = %d %s", code, raw)
	}
}

// kerasToken reads API_TOKEN from the generated .env.
func kerasToken(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "API_TOKEN="); ok {
			return strings.Trim(v, `'"`)
		}
	}
	t.Fatalf("%s has no API_TOKEN", path)
	return ""
}

// kerasArchiveImages lists the image names (RepoTags) in a gzip'd docker
// save archive.
func kerasArchiveImages(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("%s is not gzip: %v", path, err)
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if h.Name != "manifest.json" {
			continue
		}
		var manifest []struct{ RepoTags []string }
		if err := json.NewDecoder(tr).Decode(&manifest); err != nil {
			t.Fatalf("manifest.json: %v", err)
		}
		var names []string
		for _, m := range manifest {
			names = append(names, m.RepoTags...)
		}
		return names
	}
	t.Fatalf("%s has no manifest.json", path)
	return nil
}

// kerasRand is a fixed secret stream: the token only has to be valid.
type kerasRand struct{}

func (kerasRand) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(i*31 + 7)
	}
	return len(p), nil
}

func kerasWrite(t *testing.T, path string, b []byte, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

func kerasFreePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
