package lifecycle

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types"
	"github.com/docker/docker/api/types/container"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/registry"

	"github.com/stackgen/stackgen/engine"
	"github.com/stackgen/stackgen/engine/enginetest"
	"github.com/stackgen/stackgen/internal/msg"
	"github.com/stackgen/stackgen/progress"
	"github.com/stackgen/stackgen/project"
	"github.com/stackgen/stackgen/stack"
)

const configJSON = `{"name":"site","services":{
 "redis":{"image":"redis:8.0","restart":"unless-stopped","healthcheck":{"test":["CMD","redis-cli","ping"]}},
 "web":{"image":"site-web:1","build":{"context":"./site"},"restart":"unless-stopped",
   "healthcheck":{"test":["CMD","python","/app/healthcheck.py"]},
   "depends_on":{"redis":{"condition":"service_healthy"}},
   "ports":[{"host_ip":"127.0.0.1","target":80,"published":"8080","protocol":"tcp"}]}},
 "volumes":{"redis_vol":{"name":"site_redis_vol"}}}`

func newEngine(api *enginetest.API, runner *enginetest.Runner) func() (*engine.Client, error) {
	return func() (*engine.Client, error) { return &engine.Client{API: api, Compose: runner}, nil }
}

func projectDir(t *testing.T) string {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "compose.yaml"), []byte("services: {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestUpFailureNamesTheServiceShowsLogsAndDeletesNothing(t *testing.T) {
	api := &enginetest.API{}
	api.Up()
	api.SetContainers(
		enginetest.Ctr{ID: "r1", Project: "site", Service: "redis", State: "running", Health: "unhealthy",
			HealthLog: []*container.HealthcheckResult{{End: time.Now(), ExitCode: 1, Output: "Could not connect to Redis at 127.0.0.1:6379: Connection refused\n"}}},
		enginetest.Ctr{ID: "w1", Project: "site", Service: "web", State: "created"},
	)
	api.Logs("redis starting\nBind for 127.0.0.1:6379 failed: port is already allocated\n")
	runner := &enginetest.Runner{Answer: enginetest.Compose(configJSON, nil)}
	var out, errOut bytes.Buffer
	sink := progress.Sink{Out: &out, ErrOut: &errOut}
	dir := projectDir(t)
	err := Up(context.Background(), Options{Sink: sink, Engine: newEngine(api, runner), Dir: dir, Timeout: time.Minute, Progress: "plain"})
	if !errors.Is(err, ErrReported) {
		t.Fatalf("error %v, want ErrReported", err)
	}
	text := errOut.String()
	for _, want := range []string{
		`stackgen up failed: service "redis" is unhealthy`,
		"redis: unhealthy (container site-redis-1)",
		"    | redis starting",
		"health check log:",
		"exit 1: Could not connect to Redis",
		"hint: host port 6379 on 127.0.0.1 is already in use",
		"Nothing was removed",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("stderr lacks %q:\n%s", want, text)
		}
	}
	if out.Len() != 0 {
		t.Errorf("stdout on failure: %q", out.String())
	}
	if !runner.Ran("compose", "build") || !runner.Ran("compose", "up", "--detach") {
		t.Errorf("calls %v: want build then up", runner.Calls)
	}
	for _, verb := range []string{"down", "rm", "stop", "kill"} {
		if runner.Ran("compose", verb) {
			t.Errorf("a failed up ran compose %s", verb)
		}
	}
}

func TestUpWaitsMigratesAndPrintsTheURL(t *testing.T) {
	api := &enginetest.API{}
	api.Up()
	api.SetContainers(
		enginetest.Ctr{ID: "r1", Project: "site", Service: "redis", State: "running", Health: "healthy"},
		enginetest.Ctr{ID: "w1", Project: "site", Service: "web", State: "running", Health: "healthy"},
	)
	var execCmd []string
	var execIn string
	api.ExecCreateFn = func(ctx context.Context, id string, o container.ExecOptions) (container.ExecCreateResponse, error) {
		execIn, execCmd = id, o.Cmd
		if o.Tty {
			t.Error("migrations run with a TTY")
		}
		return container.ExecCreateResponse{ID: "e1"}, nil
	}
	api.ExecAttachFn = func(ctx context.Context, id string, o container.ExecAttachOptions) (types.HijackedResponse, error) {
		c1, c2 := net.Pipe()
		t.Cleanup(func() { c2.Close() })
		out := enginetest.Multiplexed("Operations to perform:\nRunning migrations:\n  Applying contenttypes.0001_initial... OK\n  Applying auth.0001_initial... OK\n")
		return types.HijackedResponse{Conn: c1, Reader: bufio.NewReader(bytes.NewReader(out))}, nil
	}
	api.ExecInspectFn = func(ctx context.Context, id string) (container.ExecInspect, error) {
		return container.ExecInspect{ExecID: id, ExitCode: 0}, nil
	}
	runner := &enginetest.Runner{Answer: enginetest.Compose(configJSON, nil)}
	dir := projectDir(t)
	m := &project.Manifest{Stack: "demo", Version: "test", Answers: map[string]string{"http_port": "8080"}}
	b, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, project.ManifestName), b, 0o644); err != nil {
		t.Fatal(err)
	}
	reg := stack.NewRegistry(&stack.Definition{
		Name:    "demo",
		Migrate: &stack.Exec{Service: "web", Command: []string{"python", "manage.py", "migrate", "--noinput"}, What: "Django migrations"},
		URL:     func(a stack.Answers) string { return "http://localhost:" + a["http_port"] + "/" },
	})
	var out, errOut bytes.Buffer
	sink := progress.Sink{Out: &out, ErrOut: &errOut}
	err = Up(context.Background(), Options{Sink: sink, Engine: newEngine(api, runner), Registry: reg, Dir: dir, Progress: "plain", Verbose: true})
	if err != nil {
		t.Fatalf("up: %v\n%s", err, errOut.String())
	}
	if got := out.String(); got != "http://localhost:8080/\n" {
		t.Errorf("stdout %q, want the URL", got)
	}
	if execIn != "w1" || strings.Join(execCmd, " ") != "python manage.py migrate --noinput" {
		t.Errorf("exec %v in %s", execCmd, execIn)
	}
	for _, want := range []string{"redis: healthy", "web: healthy", "migrations: applied 2 migrations", "Stack site is up", "Timing: the engine reported the last service"} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut.String())
		}
	}
}

func TestUpSaysWhenTheEngineIsUnreachable(t *testing.T) {
	api := &enginetest.API{}
	api.PingFn = func(context.Context) (types.Ping, error) {
		return types.Ping{}, errors.New("dial unix /var/run/docker.sock: connect: no such file or directory")
	}
	sink := progress.Sink{Out: io.Discard, ErrOut: io.Discard}
	err := Up(context.Background(), Options{Sink: sink, Engine: newEngine(api, &enginetest.Runner{}), Dir: projectDir(t)})
	if !errors.Is(err, engine.ErrUnreachable) || !strings.Contains(err.Error(), "is the daemon running (sudo systemctl start docker), are you in the docker group, or set DOCKER_HOST") {
		t.Errorf("error %v", err)
	}
}

func TestUpSaysWhenComposeIsMissing(t *testing.T) {
	api := &enginetest.API{}
	api.Up()
	runner := &enginetest.Runner{Answer: func(args []string, stdout, stderr io.Writer) error {
		io.WriteString(stderr, "docker: 'compose' is not a docker command.\n")
		return &engine.CommandError{Args: args, ExitCode: 1}
	}}
	sink := progress.Sink{Out: io.Discard, ErrOut: io.Discard}
	err := Up(context.Background(), Options{Sink: sink, Engine: newEngine(api, runner), Dir: projectDir(t)})
	if !errors.Is(err, engine.ErrComposeMissing) || !strings.Contains(err.Error(), "install the Compose v2 plugin") {
		t.Errorf("error %v", err)
	}
}

func TestMigrationSummary(t *testing.T) {
	for out, want := range map[string]string{
		"Operations to perform:\n  Apply all migrations: admin\nRunning migrations:\n  No migrations to apply.\n": "already up to date",
		"  Applying admin.0001_initial... OK\n": "applied 1 migration",
		"INFO  [alembic.runtime.migration] Running upgrade  -> 1a2b, init\nINFO  [alembic.runtime.migration] Running upgrade 1a2b -> 3c4d, users\n": "applied 2 revisions",
	} {
		s := migrationSummary(out)
		if got := msg.English().T(s.ID, s.Args); got != want {
			t.Errorf("summary of %q = %q, want %q", out, got, want)
		}
	}
}

// An offline engine: BuildKit's FROM fails with a bare "no such host". up
// names the image the engine can neither find nor pull (probed through the
// engine), says the ways out, and its error names the image.
func TestUpBuildPullFailureNamesImageAndWaysOut(t *testing.T) {
	api := &enginetest.API{
		ImageInspectFn: func(context.Context, string) (image.InspectResponse, error) {
			return image.InspectResponse{}, cerrdefs.ErrNotFound
		},
		DistributionFn: func(_ context.Context, ref string) (registry.DistributionInspect, error) {
			return registry.DistributionInspect{}, errors.New(`Get "https://hub.example/v2/": dial tcp: lookup hub.example: no such host`)
		},
	}
	api.Up()
	buildErr := &engine.CommandError{Args: []string{"compose", "build"}, ExitCode: 1,
		Stderr: `failed to solve: python:3.13-slim: failed to do request: Head "https://hub.example/v2/library/python/manifests/3.13-slim": dial tcp: lookup hub.example: no such host`}
	runner := &enginetest.Runner{Answer: enginetest.Compose(configJSON, map[string]error{"build": buildErr})}
	var errOut bytes.Buffer
	sink := progress.Sink{Out: io.Discard, ErrOut: &errOut}
	err := Up(context.Background(), Options{Sink: sink, Engine: newEngine(api, runner), Dir: projectDir(t), Timeout: time.Minute, Progress: "plain"})
	if err == nil || !strings.Contains(err.Error(), "cannot pull redis:8.0") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("err = %v, want one line naming redis:8.0", err)
	}
	text := errOut.String()
	for _, want := range []string{"hint: the engine does not have image redis:8.0", "--registry-mirror", "--image KEY=REF", "--pip-index-url", "deploy --bundle"} {
		if !strings.Contains(text, want) {
			t.Errorf("stderr lacks %q:\n%s", want, text)
		}
	}
	if runner.Ran("compose", "up") {
		t.Error("up ran after the build failed")
	}
}

// One source of truth for how long a stack may take to start: up, restore
// and deploy --bundle all take the stack's own.
func TestStartTimeoutIsTheStacks(t *testing.T) {
	for _, c := range []struct {
		stack string
		want  time.Duration
	}{{"onyx", 30 * time.Minute}, {"keras-webpy", 10 * time.Minute}, {"django-uwsgi", DefaultTimeout}, {"", DefaultTimeout}} {
		dir := t.TempDir()
		if c.stack != "" {
			b, _ := (&project.Manifest{Stack: c.stack, Answers: stack.Answers{}}).Marshal()
			os.WriteFile(filepath.Join(dir, project.ManifestName), b, 0o644)
		}
		if got := StartTimeoutOf(dir); got != c.want {
			t.Errorf("%q: %v, want %v", c.stack, got, c.want)
		}
	}
}
