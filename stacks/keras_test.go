package stacks

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
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/moby/buildkit/frontend/dockerfile/parser"

	"github.com/stackgen/stackgen/fileset"
	"github.com/stackgen/stackgen/internal/toolcheck"
	"github.com/stackgen/stackgen/render"
	"github.com/stackgen/stackgen/stack"
	"github.com/stackgen/stackgen/validate"
)

// kerasRand is the golden tests' fixed secret stream.
type kerasRand struct{}

func (kerasRand) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 7
	}
	return len(p), nil
}

func renderKeras(t *testing.T, given stack.Answers) (fileset.Set, stack.Answers) {
	t.Helper()
	set, answers, err := render.Project(Keras(), given, render.Options{Rand: kerasRand{}, Version: "test"})
	if err != nil {
		t.Fatalf("render %v: %v", given, err)
	}
	return set, answers
}

func kerasFile(t *testing.T, set fileset.Set, path string) string {
	t.Helper()
	f, ok := set.Get(path)
	if !ok {
		t.Fatalf("%s not rendered; have %v", path, kerasPaths(set))
	}
	return string(f.Content)
}

func kerasPaths(set fileset.Set) []string {
	var out []string
	for _, f := range set {
		out = append(out, f.Path)
	}
	return out
}

// kerasWrite writes a render to a temporary directory, with modes.
func kerasWrite(t *testing.T, set fileset.Set) string {
	t.Helper()
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
	return dir
}

// kerasLoadCompose loads compose.yaml with the Compose spec's own loader, the
// way `docker compose` does, with .env's values for interpolation.
func kerasLoadCompose(t *testing.T, set fileset.Set, dir string) *types.Project {
	t.Helper()
	env := map[string]string{}
	if f, ok := set.Get(".env"); ok {
		for _, line := range strings.Split(string(f.Content), "\n") {
			if k, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(k, "#") {
				env[k] = strings.Trim(v, "'")
			}
		}
	}
	details := types.ConfigDetails{
		WorkingDir:  dir,
		ConfigFiles: []types.ConfigFile{{Filename: filepath.Join(dir, "compose.yaml"), Content: []byte(kerasFile(t, set, "compose.yaml"))}},
		Environment: env,
	}
	p, err := loader.LoadWithContext(context.Background(), details, func(o *loader.Options) {
		o.SetProjectName("kerastest", true)
	})
	if err != nil {
		t.Fatalf("compose.yaml does not load: %v\n%s", err, kerasFile(t, set, "compose.yaml"))
	}
	return p
}

// kerasParseDockerfile parses the Dockerfile with BuildKit's parser and returns
// its instructions, lower-case, in order.
func kerasParseDockerfile(t *testing.T, text string) []string {
	t.Helper()
	res, err := parser.Parse(strings.NewReader(text))
	if err != nil {
		t.Fatalf("Dockerfile does not parse: %v", err)
	}
	for _, w := range res.Warnings {
		t.Errorf("Dockerfile: BuildKit warns: %s", w.Short)
	}
	known := map[string]bool{"arg": true, "from": true, "env": true, "run": true, "copy": true, "label": true, "workdir": true, "user": true, "expose": true, "healthcheck": true, "cmd": true}
	var out []string
	for _, n := range res.AST.Children {
		ins := strings.ToLower(n.Value)
		if !known[ins] {
			t.Errorf("Dockerfile line %d: unexpected instruction %s", n.StartLine, n.Value)
		}
		out = append(out, ins)
	}
	return out
}

var (
	kerasShImage = regexp.MustCompile(`(?m)^IMAGE=(.*)$`)
	kerasPSImage = regexp.MustCompile(`(?m)^\$Image = '(.*)'\r?$`)
)

func TestKerasRender(t *testing.T) {
	cases := []struct {
		name    string
		answers stack.Answers
		image   string
		check   func(t *testing.T, set fileset.Set, p *types.Project)
	}{
		{
			name:    "defaults",
			answers: stack.Answers{},
			image:   "keras-docker:1.0",
			check: func(t *testing.T, set fileset.Set, p *types.Project) {
				svc := p.Services["model"]
				if len(svc.Ports) != 1 || svc.Ports[0].HostIP != "127.0.0.1" || svc.Ports[0].Published != "8080" || svc.Ports[0].Target != 8080 {
					t.Errorf("ports = %+v, want 127.0.0.1:8080:8080", svc.Ports)
				}
				if len(svc.Volumes) != 1 || !svc.Volumes[0].ReadOnly || svc.Volumes[0].Target != "/app/models" {
					t.Errorf("volumes = %+v, want models/ read-only at /app/models", svc.Volumes)
				}
				if svc.Deploy != nil && svc.Deploy.Resources.Reservations != nil {
					t.Errorf("GPU reservation without gpu=true: %+v", svc.Deploy.Resources.Reservations)
				}
				if _, ok := set.Get(".env"); ok {
					t.Error(".env written though no secret is in use (api_token is off on 127.0.0.1)")
				}
				req := kerasFile(t, set, "requirements.txt")
				for _, want := range []string{"tensorflow-cpu==2.21.0", "keras==3.11.3", "numpy==2.1.3", "pillow==11.3.0", "web.py==0.76"} {
					if !strings.Contains(req, want+"\n") {
						t.Errorf("requirements.txt lacks %s:\n%s", want, req)
					}
				}
				df := kerasFile(t, set, "Dockerfile")
				if !strings.HasPrefix(strings.SplitN(df, "\nARG PYTHON_IMAGE=", 2)[1], "python:3.13-slim\n") {
					t.Errorf("Dockerfile base is not ARG PYTHON_IMAGE=python:3.13-slim")
				}
				if strings.Contains(df, "COPY models/") {
					t.Error("Dockerfile copies models/ though bake_model=false")
				}
				if svc.Environment["MODEL_PATH"] == nil || *svc.Environment["MODEL_PATH"] != "/app/models/model.keras" {
					t.Errorf("MODEL_PATH = %v", svc.Environment["MODEL_PATH"])
				}
			},
		},
		{
			name:    "gpu",
			answers: stack.Answers{"gpu": "true", "model_name": "iris", "app_version": "2.1"},
			image:   "iris:2.1",
			check: func(t *testing.T, set fileset.Set, p *types.Project) {
				svc := p.Services["model"]
				if svc.Deploy == nil || svc.Deploy.Resources.Reservations == nil || len(svc.Deploy.Resources.Reservations.Devices) != 1 {
					t.Fatalf("no GPU reservation: %+v", svc.Deploy)
				}
				d := svc.Deploy.Resources.Reservations.Devices[0]
				if d.Driver != "nvidia" || d.Count != -1 || len(d.Capabilities) != 1 || d.Capabilities[0] != "gpu" {
					t.Errorf("device = %+v, want nvidia, count all, [gpu]", d)
				}
				req := kerasFile(t, set, "requirements.txt")
				if !strings.Contains(req, "tensorflow[and-cuda]==2.21.0\n") || strings.Contains(req, "tensorflow-cpu") {
					t.Errorf("gpu requirements:\n%s", req)
				}
			},
		},
		{
			name:    "gpu count and jax",
			answers: stack.Answers{"gpu": "yes", "gpu_count": "2", "backend": "jax"},
			image:   "keras-docker:1.0",
			check: func(t *testing.T, set fileset.Set, p *types.Project) {
				d := p.Services["model"].Deploy.Resources.Reservations.Devices[0]
				if d.Count != 2 {
					t.Errorf("count = %d, want 2", d.Count)
				}
				req := kerasFile(t, set, "requirements.txt")
				if !strings.Contains(req, "jax[cuda12]==0.7.1\n") || strings.Contains(req, "tensorflow") {
					t.Errorf("jax gpu requirements:\n%s", req)
				}
				if v := p.Services["model"].Environment["KERAS_BACKEND"]; v == nil || *v != "jax" {
					t.Errorf("KERAS_BACKEND = %v", v)
				}
			},
		},
		{
			name:    "baked model",
			answers: stack.Answers{"bake_model": "true", "model_file": "classifier.h5"},
			image:   "keras-docker:1.0",
			check: func(t *testing.T, set fileset.Set, p *types.Project) {
				if v := p.Services["model"].Volumes; len(v) != 0 {
					t.Errorf("baked model still mounts %+v", v)
				}
				df := kerasFile(t, set, "Dockerfile")
				if !strings.Contains(df, "\nCOPY models/ /app/models/\n") {
					t.Errorf("Dockerfile does not bake models/classifier.h5:\n%s", df)
				}
				if di := kerasFile(t, set, ".dockerignore"); !strings.Contains(di, "\n!models/classifier.h5\n") {
					t.Errorf(".dockerignore keeps the model out of the build context:\n%s", di)
				}
			},
		},
		{
			name:    "public with token and mirrors",
			answers: stack.Answers{"bind_address": "0.0.0.0", "http_port": "9000", "pip_index_url": "https://pypi.example.org/simple", "registry_mirror": "mirror.example.com", "threads": "8"},
			image:   "keras-docker:1.0",
			check: func(t *testing.T, set fileset.Set, p *types.Project) {
				svc := p.Services["model"]
				if svc.Ports[0].HostIP != "0.0.0.0" || svc.Ports[0].Published != "9000" {
					t.Errorf("ports = %+v", svc.Ports)
				}
				env, ok := set.Get(".env")
				if !ok || env.Mode != 0o600 {
					t.Fatalf(".env missing or not 0600 with api_token on by default off-loopback")
				}
				token := strings.Trim(strings.TrimPrefix(regexp.MustCompile(`(?m)^API_TOKEN=.*$`).FindString(string(env.Content)), "API_TOKEN="), "'")
				if len(token) < 32 {
					t.Errorf("token %q shorter than 32 characters", token)
				}
				if v := svc.Environment["API_TOKEN"]; v == nil || *v != token {
					t.Errorf("compose API_TOKEN does not come from .env")
				}
				for _, f := range set {
					if f.Path != ".env" && bytes.Contains(f.Content, []byte(token)) {
						t.Errorf("%s contains the API token", f.Path)
					}
				}
				if ex := kerasFile(t, set, ".env.example"); !strings.Contains(ex, "API_TOKEN=") {
					t.Errorf(".env.example lacks API_TOKEN")
				}
				// A fresh clone has only .env.example: compose must load with it too.
				toolcheck.Check(t, set, toolcheck.WithEnvFile(".env.example"))
				df := kerasFile(t, set, "Dockerfile")
				if !strings.Contains(df, "ARG PYTHON_IMAGE=mirror.example.com/library/python:3.13-slim\n") {
					t.Errorf("registry mirror not applied to the base image")
				}
				if !strings.Contains(df, "ARG PIP_INDEX_URL=https://pypi.example.org/simple\n") {
					t.Errorf("pip index not in the build stage")
				}
				if v := svc.Environment["THREADS"]; v == nil || *v != "8" {
					t.Errorf("THREADS = %v", v)
				}
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			set, answers := renderKeras(t, tc.answers)
			dir := kerasWrite(t, set)
			p := kerasLoadCompose(t, set, dir)
			if len(p.Services) != 1 {
				t.Fatalf("services = %v, want only model", p.ServiceNames())
			}
			svc, ok := p.Services["model"]
			if !ok {
				t.Fatalf("no service named model")
			}
			checkKerasCommon(t, set, svc, tc.image)
			if got := Keras().URL(answers); !strings.HasPrefix(got, "http://127.0.0.1:") {
				t.Errorf("URL = %s", got)
			}
			tc.check(t, set, p)
			toolcheck.Check(t, set)
			for _, f := range validate.Files(set) {
				t.Errorf("stackgen validate: %s", f)
			}
		})
	}
}

// checkKerasCommon holds what every render must do (stacks.md conventions
// and section 3's seed mistakes).
func checkKerasCommon(t *testing.T, set fileset.Set, svc types.ServiceConfig, image string) {
	t.Helper()
	if svc.Image != image {
		t.Errorf("compose image = %q, want %q", svc.Image, image)
	}
	if svc.Build == nil {
		t.Error("model is not built from the Dockerfile")
	}
	if svc.Restart != "unless-stopped" {
		t.Errorf("restart = %q", svc.Restart)
	}
	if svc.HealthCheck == nil || len(svc.HealthCheck.Test) < 2 || svc.HealthCheck.Test[1] != "python" || svc.HealthCheck.StartPeriod == nil || time.Duration(*svc.HealthCheck.StartPeriod) < 60*time.Second {
		t.Errorf("health check must run python (no curl in slim) with a long start_period: %+v", svc.HealthCheck)
	}
	if !svc.ReadOnly || len(svc.CapDrop) != 1 || svc.CapDrop[0] != "ALL" {
		t.Errorf("hardening missing: read_only=%v cap_drop=%v", svc.ReadOnly, svc.CapDrop)
	}
	if svc.Logging == nil || svc.Logging.Options["max-size"] == "" {
		t.Errorf("logs not capped: %+v", svc.Logging)
	}
	if len(svc.Networks) != 1 {
		t.Errorf("networks = %v, want one named network", svc.Networks)
	}
	compose := kerasFile(t, set, "compose.yaml")
	if regexp.MustCompile(`(?m)^version:`).MatchString(compose) || strings.Contains(compose, "links:") || strings.Contains(compose, "container_name") {
		t.Error("compose.yaml has version:, links or container_name")
	}

	// Seed mistake 3: the save and load scripts name exactly compose's image.
	for _, p := range []string{"scripts/save-image.sh", "scripts/load-image.sh"} {
		m := kerasShImage.FindStringSubmatch(kerasFile(t, set, p))
		if m == nil || strings.Trim(m[1], "'") != svc.Image {
			t.Errorf("%s: IMAGE=%v, compose image %s", p, m, svc.Image)
		}
	}
	for _, p := range []string{"scripts/save-image.ps1", "scripts/load-image.ps1"} {
		m := kerasPSImage.FindStringSubmatch(kerasFile(t, set, p))
		if m == nil || m[1] != svc.Image {
			t.Errorf("%s: $Image=%v, compose image %s", p, m, svc.Image)
		}
	}
	if !strings.Contains(kerasFile(t, set, "scripts/save-image.sh"), `docker save "$IMAGE" | gzip`) {
		t.Error("save-image.sh does not gzip docker save of $IMAGE")
	}

	// Seed mistakes 1, 2, 4, 5 in the Dockerfile.
	df := kerasFile(t, set, "Dockerfile")
	froms := 0
	for _, ins := range kerasParseDockerfile(t, df) {
		switch ins {
		case "from":
			froms++
		case "add", "maintainer":
			t.Errorf("Dockerfile uses %s (COPY / LABEL instead)", strings.ToUpper(ins))
		}
	}
	if froms != 2 {
		t.Errorf("Dockerfile has %d stages, want build + runtime", froms)
	}
	if regexp.MustCompile(`(?mi)^#\s*syntax\s*=`).MatchString(df) {
		t.Error("Dockerfile has a syntax directive: BuildKit would pull a frontend image")
	}
	for _, bad := range []string{"anaconda", "conda install", "echo -e", ":latest", "ubuntu"} {
		if strings.Contains(strings.ToLower(df), bad) {
			t.Errorf("Dockerfile contains %q", bad)
		}
	}
	for _, want := range []string{"\nUSER 10001:10001\n", "\nCMD [\"python\", \"app.py\"]\n", "pip install --no-cache-dir -r /tmp/requirements.txt", "\nFROM ${PYTHON_IMAGE} AS build\n"} {
		if !strings.Contains(df, want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
	for _, line := range strings.Split(kerasFile(t, set, "requirements.txt"), "\n") {
		if line != "" && !strings.HasPrefix(line, "#") && !strings.Contains(line, "==") {
			t.Errorf("requirements.txt line %q is not pinned", line)
		}
	}

	for _, f := range set {
		switch {
		case strings.HasSuffix(f.Path, ".sh"):
			if f.Mode != 0o755 || !bytes.HasPrefix(f.Content, []byte("#!/usr/bin/env bash\n")) || !bytes.Contains(f.Content, []byte("\nset -euo pipefail\n")) {
				t.Errorf("%s: mode %o or header wrong", f.Path, f.Mode)
			}
		case f.Path == ".env":
			if f.Mode != 0o600 {
				t.Errorf(".env mode %o", f.Mode)
			}
		}
		if bytes.Contains(f.Content, []byte("\r\n")) && !strings.HasSuffix(f.Path, ".ps1") {
			t.Errorf("%s has CRLF line endings", f.Path)
		}
	}
	for _, want := range []string{".gitignore", ".gitattributes", ".dockerignore", "README.md", "models/README.md", "models/.gitkeep", "app.py", "model_loader.py", "scripts/deploy.sh", "scripts/deploy.ps1"} {
		if _, ok := set.Get(want); !ok {
			t.Errorf("%s not rendered", want)
		}
	}
	if gi := kerasFile(t, set, ".gitignore"); !strings.Contains(gi, "\n.env\n") {
		t.Error(".gitignore does not ignore .env")
	}
	if ga := kerasFile(t, set, ".gitattributes"); !strings.Contains(ga, "*.sh text eol=lf") {
		t.Error(".gitattributes does not pin *.sh to LF")
	}
	if _, ok := set.Get(".env"); ok {
		if _, ok := set.Get(".env.example"); !ok {
			t.Error(".env without .env.example")
		}
	}
}

func TestKerasBadAnswers(t *testing.T) {
	cases := []struct {
		answers stack.Answers
		want    string
	}{
		{stack.Answers{"model_name": "Keras_Docker"}, "model_name: \"Keras_Docker\" is not a lower-case slug"},
		{stack.Answers{"model_name": "-x"}, "lower-case slug"},
		{stack.Answers{"model_file": "../secret.keras"}, "not a plain file name"},
		{stack.Answers{"model_file": "saved_model.pb"}, "keras.models.load_model can read"},
		{stack.Answers{"backend": "torch"}, "backend: \"torch\" is not supported; choose one of: tensorflow, jax"},
		{stack.Answers{"http_port": "70000"}, "http_port: \"70000\" is not a port"},
		{stack.Answers{"bind_address": "localhost"}, "not an IPv4 address"},
		{stack.Answers{"app_version": "latest"}, "latest is not a version"},
		{stack.Answers{"app_version": "1.0 beta"}, "not an image tag"},
		{stack.Answers{"gpu": "maybe"}, "gpu: \"maybe\" is not true or false"},
		{stack.Answers{"gpu": "true", "gpu_count": "0"}, "not a GPU count"},
		{stack.Answers{"threads": "0"}, "threads: \"0\" is out of range"},
		{stack.Answers{"model_loader": "fake-loader"}, "not a Python module path"},
		{stack.Answers{"pip_index_url": "ftp://x"}, "not an http(s) URL"},
		{stack.Answers{"image.python": "python"}, "not pinned"},
		{stack.Answers{"workers": "4"}, "unknown answer \"workers\""},
	}
	for _, tc := range cases {
		_, _, err := render.Project(Keras(), tc.answers, render.Options{Rand: kerasRand{}})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want it to contain %q", tc.answers, err, tc.want)
		}
	}
}

func TestKerasRegistered(t *testing.T) {
	for _, name := range []string{"keras-webpy", "keras", "model", "KERAS"} {
		d, err := Registry().Lookup(name)
		if err != nil || d.Name != "keras-webpy" {
			t.Errorf("Lookup(%q) = %v, %v", name, d, err)
		}
	}
}

// kerasPythonWithWebPy finds an interpreter that can import web.py:
// $STACKGEN_TEST_PYTHON, python3 on PATH, or the system python3 (Debian's
// python3-webpy installs there).
func kerasPythonWithWebPy() (string, []string) {
	var tried []string
	candidates := []string{os.Getenv("STACKGEN_TEST_PYTHON"), "python3", "/usr/bin/python3"}
	for _, c := range candidates {
		if c == "" {
			continue
		}
		p, err := exec.LookPath(c)
		if err != nil {
			continue
		}
		tried = append(tried, p)
		if exec.Command(p, "-c", "import web, cheroot").Run() == nil {
			return p, tried
		}
	}
	return "", tried
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

// TestKerasAppServes runs the generated app.py for real (web.py and its
// cheroot server) with only the model-loading module swapped for the
// pure-Python fake in testdata, exactly as the e2e test does in Docker.
func TestKerasAppServes(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Python server")
	}
	py, tried := kerasPythonWithWebPy()
	if py == "" {
		t.Skipf("web.py is not importable by any of %v: install it (Debian: apt-get install python3-webpy; pip: pip install web.py) or set STACKGEN_TEST_PYTHON", tried)
	}
	set, _ := renderKeras(t, stack.Answers{})
	dir := kerasWrite(t, set)
	fake, err := os.ReadFile(filepath.Join("testdata", "keras", "fake_loader.py"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "fake_loader.py"), fake, 0o644); err != nil {
		t.Fatal(err)
	}
	modelPath := filepath.Join(dir, "models", "model.keras")
	if err := os.WriteFile(modelPath, []byte(`{"weights": [1, 2, 3, 4], "bias": 0.5}`), 0o644); err != nil {
		t.Fatal(err)
	}

	const token = "test-token-0123456789-abcdefghijklmnop"
	port := kerasFreePort(t)
	var logs bytes.Buffer
	cmd := exec.Command(py, "app.py")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"HOST=127.0.0.1", fmt.Sprintf("PORT=%d", port), "THREADS=2",
		"MODEL_LOADER=fake_loader", "MODEL_PATH="+modelPath, "MODEL_NAME=iris",
		"API_TOKEN="+token, "FAKE_LOAD_DELAY=1", "PYTHONDONTWRITEBYTECODE=1")
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("app.py output:\n%s", logs.String())
		}
	}()

	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	client := &http.Client{Timeout: 5 * time.Second}
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
			return 0, nil, err.Error()
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		var m map[string]any
		_ = json.Unmarshal(raw, &m)
		return resp.StatusCode, m, string(raw)
	}

	// While the fake loader sleeps, /healthz must answer 503 "loading".
	sawLoading := false
	deadline := time.Now().Add(30 * time.Second)
	for {
		code, m, _ := call("GET", "/healthz", "")
		if code == 503 && m["status"] == "loading" {
			sawLoading = true
		}
		if code == 200 {
			if m["status"] != "ok" {
				t.Fatalf("/healthz 200 body %v", m)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/healthz never answered 200 (last %d)", code)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !sawLoading {
		t.Error("/healthz never answered 503 while the model was loading")
	}

	auth := []string{"Content-Type", "application/json", "Authorization", "Bearer " + token}
	code, m, raw := call("POST", "/predict", `{"instances": [[1, 1, 1, 1], [0, 0, 0, 2]]}`, auth...)
	if code != 200 {
		t.Fatalf("/predict = %d %s", code, raw)
	}
	if got := fmt.Sprint(m["predictions"]); got != "[[10.5] [8.5]]" {
		t.Errorf("predictions = %s, want [[10.5] [8.5]]", got)
	}
	if m["model"] != "iris" {
		t.Errorf("model = %v", m["model"])
	}

	bad := []struct {
		name, body string
		headers    []string
		code       int
		msg        string
	}{
		{"no token", `{"instances": [[1, 1, 1, 1]]}`, []string{"Content-Type", "application/json"}, 401, "Authorization: Bearer"},
		{"wrong token", `{"instances": [[1, 1, 1, 1]]}`, []string{"Authorization", "Bearer nope"}, 401, "API_TOKEN"},
		{"not JSON", `{"instances": [`, auth, 400, "not valid JSON"},
		{"empty body", ``, auth, 400, "body is empty"},
		{"no instances", `{"inputs": [[1, 2, 3, 4]]}`, auth, 400, `"instances" list`},
		{"instances not a list", `{"instances": 5}`, auth, 400, "non-empty list"},
		{"wrong shape", `{"instances": [[1, 2, 3]]}`, auth, 400, "list of 4 numbers"},
	}
	for _, b := range bad {
		code, m, raw := call("POST", "/predict", b.body, b.headers...)
		msg, _ := m["error"].(string)
		if code != b.code || !strings.Contains(msg, b.msg) {
			t.Errorf("%s: %d %s, want %d with %q", b.name, code, raw, b.code, b.msg)
		}
	}

	code, _, raw = call("GET", "/", "")
	if code != 200 || !strings.Contains(raw, "<h1>iris</h1>") || !strings.Contains(raw, "ready") || !strings.Contains(raw, `id="token"`) {
		t.Errorf("GET / = %d %s", code, raw)
	}
	if code, _, _ := call("GET", "/predict", ""); code != 405 {
		t.Errorf("GET /predict = %d, want 405", code)
	}
}
