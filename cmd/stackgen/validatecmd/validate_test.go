package validatecmd

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stackgen/stackgen/cmd/stackgen/cmdutil"
	"github.com/stackgen/stackgen/project"
	"github.com/stackgen/stackgen/render"
	"github.com/stackgen/stackgen/stacks"
	"github.com/stackgen/stackgen/validate"
)

// writeProject writes files (path -> content) into a temp dir with the
// given modes, since modes are part of what validate judges.
func writeProject(t *testing.T, files map[string]string, modes map[string]os.FileMode) string {
	t.Helper()
	dir := t.TempDir()
	for p, content := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		mode := os.FileMode(0o644)
		if m, ok := modes[p]; ok {
			mode = m
		}
		if err := os.WriteFile(full, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(full, mode); err != nil { // WriteFile's mode is filtered by umask
			t.Fatal(err)
		}
	}
	return dir
}

const cleanCompose = `services:
  web:
    image: nginx:1.27
    ports: ["127.0.0.1:8080:80"]
    healthcheck:
      test: ["CMD", "curl", "-fsS", "http://127.0.0.1/"]
    restart: unless-stopped
`

const badCompose = `services:
  db:
    image: mysql:8.4
    ports: ["3306:3306"]
    healthcheck:
      test: ["CMD", "mysqladmin", "ping"]
`

func run(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	ios, _, out, errOut := cmdutil.Test()
	f := &cmdutil.Factory{IO: ios}
	cmd := NewCmdValidate(f, nil)
	cmd.SetArgs(args)
	cmd.SetOut(out)
	cmd.SetErr(errOut)
	cmd.SilenceUsage = true
	cmd.SilenceErrors = true
	err = cmd.Execute()
	return out.String(), errOut.String(), err
}

func TestValidateClean(t *testing.T) {
	dir := writeProject(t, map[string]string{"compose.yaml": cleanCompose}, nil)
	out, _, err := run(t, dir)
	if err != nil {
		t.Fatalf("err = %v, want nil; output:\n%s", err, out)
	}
	if !strings.Contains(out, "no problems found") {
		t.Errorf("want a clean summary, got:\n%s", out)
	}
}

func TestValidateErrorsExitOne(t *testing.T) {
	dir := writeProject(t, map[string]string{"compose.yaml": badCompose}, nil)
	out, _, err := run(t, dir)
	var exitErr *cmdutil.ExitError
	if !errors.As(err, &exitErr) || exitErr.Code != 1 || !errors.Is(err, cmdutil.ErrSilent) {
		t.Fatalf("err = %v, want ExitError{Code: 1, Err: ErrSilent}", err)
	}
	wantLine := filepath.ToSlash(filepath.Join(dir, "compose.yaml")) + ":4: error compose-db-port-public: service \"db\""
	if !strings.Contains(out, wantLine) {
		t.Errorf("output lacks %q:\n%s", wantLine, out)
	}
	if !strings.Contains(out, "; fix: remove the ports entry") {
		t.Errorf("output lacks the fix:\n%s", out)
	}
	if !strings.Contains(out, "1 error(s), 0 warning(s)") {
		t.Errorf("output lacks the summary:\n%s", out)
	}
}

func TestValidateWarningsOnlyExitZero(t *testing.T) {
	dir := writeProject(t, map[string]string{"compose.yaml": "version: '3'\n" + cleanCompose}, nil)
	out, _, err := run(t, dir)
	if err != nil {
		t.Fatalf("warnings must not fail: err = %v\n%s", err, out)
	}
	if !strings.Contains(out, "compose-version-obsolete") || !strings.Contains(out, "0 error(s), 1 warning(s)") {
		t.Errorf("unexpected output:\n%s", out)
	}
}

func TestValidateJSON(t *testing.T) {
	dir := writeProject(t, map[string]string{"compose.yaml": badCompose}, nil)
	out, _, err := run(t, dir, "--json")
	if err == nil {
		t.Fatal("want exit 1 with --json too")
	}
	var got []validate.Finding
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("output is not a JSON array of findings: %v\n%s", err, out)
	}
	if len(got) != 1 || got[0].Rule != "compose-db-port-public" || got[0].File != "compose.yaml" || got[0].Line != 4 || got[0].Severity != validate.Error {
		t.Errorf("got %+v", got)
	}
	if !strings.Contains(out, `"severity": "error"`) {
		t.Errorf("severity should be a word in JSON:\n%s", out)
	}

	clean := writeProject(t, map[string]string{"compose.yaml": cleanCompose}, nil)
	out, _, err = run(t, clean, "--json")
	if err != nil || strings.TrimSpace(out) != "[]" {
		t.Errorf("clean --json = %q, %v; want [] and no error", out, err)
	}
}

func TestValidateNoComposeFile(t *testing.T) {
	dir := writeProject(t, map[string]string{"README.md": "hi\n"}, nil)
	_, _, err := run(t, dir)
	if err == nil || !strings.Contains(err.Error(), "has no compose file") {
		t.Fatalf("err = %v, want a clear no-compose-file error", err)
	}
	_, _, err = run(t, filepath.Join(dir, "missing"))
	if err == nil || !strings.Contains(err.Error(), "cannot read") {
		t.Fatalf("err = %v, want a clear missing-directory error", err)
	}
}

func TestValidateDefaultsToCurrentDir(t *testing.T) {
	var got *Options
	ios, _, _, _ := cmdutil.Test()
	cmd := NewCmdValidate(&cmdutil.Factory{IO: ios}, func(_ context.Context, o *Options) error { got = o; return nil })
	cmd.SetArgs([]string{"--json"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.Dir != "." || !got.JSON {
		t.Errorf("opts = %+v, want Dir . and JSON", got)
	}
	cmd = NewCmdValidate(&cmdutil.Factory{IO: ios}, func(context.Context, *Options) error { return nil })
	cmd.SetArgs([]string{"a", "b"})
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	if err := cmd.Execute(); err == nil {
		t.Error("two directories should be refused")
	}
}

// TestValidateSeedCorpus runs the command over the seed corpus as a user
// would, from a copy on disk.
func TestValidateSeedCorpus(t *testing.T) {
	out, _, err := run(t, filepath.Join("..", "..", "..", "validate", "testdata", "seedmistakes", "django"))
	if err == nil {
		t.Fatal("the seed corpus must fail validation")
	}
	for _, id := range []string{"compose-db-port-public", "mycnf-invalid-option", "uwsgi-unknown-option", "dockerfile-apt-trap", "redis-bind-loopback", "start-daemonize"} {
		if !strings.Contains(out, id) {
			t.Errorf("output lacks %s", id)
		}
	}
}

// A keras project whose model is not in models/ renders clean, but its
// first start would fail: validate says so, and is quiet once it is there.
func TestValidateReportsTheMissingModel(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "model")
	d := stacks.Keras()
	set, answers, err := render.Project(d, nil, render.Options{Rand: rand.Reader, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := project.Write(dir, set, false, &project.Manifest{Stack: d.Name, Answers: answers}); err != nil {
		t.Fatal(err)
	}
	out, _, err := run(t, dir)
	if err == nil || !strings.Contains(out, "models/model.keras: error "+UserFileRule+": missing: your trained model") {
		t.Errorf("err %v, output:\n%s", err, out)
	}
	os.WriteFile(filepath.Join(dir, "models", "model.keras"), []byte("PK"), 0o644)
	if out, _, err := run(t, dir); err != nil || strings.Contains(out, UserFileRule) {
		t.Errorf("with the model in place: err %v\n%s", err, out)
	}
}

// A folder of manifests in the shape a compose converter writes: the
// database on an emptyDir, its password in a ConfigMap, a liveness probe
// with no startup probe, an untagged image.
const convertedManifests = `apiVersion: v1
kind: ConfigMap
metadata:
  name: db-env
data:
  MYSQL_DATABASE: app
  MYSQL_ROOT_PASSWORD: rootpassword123
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: db
spec:
  selector:
    matchLabels: {io.kompose.service: db}
  template:
    metadata:
      labels: {io.kompose.service: db}
    spec:
      containers:
      - name: db
        image: mysql
        envFrom:
        - configMapRef: {name: db-env}
        livenessProbe:
          exec:
            command: [mysqladmin, ping]
          periodSeconds: 10
          failureThreshold: 5
        volumeMounts:
        - name: db-data
          mountPath: /var/lib/mysql
      volumes:
      - name: db-data
        emptyDir: {}
`

func TestValidateFolderOfManifests(t *testing.T) {
	dir := writeProject(t, map[string]string{"db-deployment.yaml": convertedManifests}, nil)
	out, _, err := run(t, dir)
	var exitErr *cmdutil.ExitError
	if !errors.As(err, &exitErr) || exitErr.Code != 1 {
		t.Fatalf("err = %v, want exit 1; output:\n%s", err, out)
	}
	for _, rule := range []string{"k8s-db-without-claim", "k8s-secret-in-configmap", "k8s-liveness-kills-start", "k8s-image-latest"} {
		if !strings.Contains(out, "error "+rule+":") {
			t.Errorf("output lacks %s:\n%s", rule, out)
		}
	}
	if strings.Contains(out, "k8s-schema") {
		t.Errorf("valid objects reported as schema errors:\n%s", out)
	}
}
