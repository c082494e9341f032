package engine

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// The output of `docker compose config --format json` (compose 2.26) for a
// database with a health check, a one-shot migration job and a web
// service that waits for it.
func TestParseConfig(t *testing.T) {
	b, err := os.ReadFile("testdata/config.json")
	if err != nil {
		t.Fatal(err)
	}
	p, err := parseConfig(b)
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "cfgprobe" {
		t.Errorf("name %q", p.Name)
	}
	want := []Service{
		{Name: "db", Image: "x:1", Healthcheck: true, Replicas: 1},
		{Name: "migrate", Image: "x:1", OneShot: true, Replicas: 1, DependsOn: map[string]string{"db": "service_healthy"}},
		{Name: "web", Image: "x:1", Replicas: 1, DependsOn: map[string]string{"migrate": "service_completed_successfully"},
			Ports: []Port{{HostIP: "127.0.0.1", Published: 8080, Target: 80, Protocol: "tcp"}}},
	}
	if !reflect.DeepEqual(p.Services, want) {
		t.Errorf("services\n%+v\nwant\n%+v", p.Services, want)
	}
	if !reflect.DeepEqual(p.Volumes, []string{"cfgprobe_dbv"}) {
		t.Errorf("volumes %v", p.Volumes)
	}
}

// scriptedRunner answers docker CLI calls from a table.
type scriptedRunner struct {
	calls  [][]string
	answer func(args []string, stdout, stderr io.Writer) error
}

func (s *scriptedRunner) Run(ctx context.Context, dir string, args []string, stdout, stderr io.Writer) error {
	s.calls = append(s.calls, args)
	return s.answer(args, stdout, stderr)
}

func TestComposeVersionSaysHowToInstall(t *testing.T) {
	r := &scriptedRunner{answer: func(args []string, stdout, stderr io.Writer) error {
		io.WriteString(stderr, "docker: 'compose' is not a docker command.\n")
		return &CommandError{Args: args, ExitCode: 1}
	}}
	c := &Client{Compose: r}
	_, err := c.ComposeVersion(context.Background())
	if !errors.Is(err, ErrComposeMissing) || !strings.Contains(err.Error(), "docker-compose-plugin") {
		t.Errorf("error %v", err)
	}
	r.answer = func(args []string, stdout, stderr io.Writer) error { io.WriteString(stdout, "2.26.1-4\n"); return nil }
	if v, err := c.ComposeVersion(context.Background()); err != nil || v != "2.26.1-4" {
		t.Errorf("version %q, %v", v, err)
	}
}

func TestLoadProjectReportsConfigErrors(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "compose.yaml"), []byte("services: {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := &scriptedRunner{answer: func(args []string, stdout, stderr io.Writer) error {
		return &CommandError{Args: args, ExitCode: 15, Stderr: "error while interpolating services.web.environment.A: required variable NEEDED is missing a value: set NEEDED in .env"}
	}}
	c := &Client{Compose: r}
	_, err := c.LoadProject(context.Background(), dir)
	var ce *ConfigError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "required variable NEEDED") {
		t.Fatalf("error %v", err)
	}
	if got := r.calls[0]; strings.Join(got, " ") != "compose --project-directory "+dir+" config --format json" {
		t.Errorf("ran %v", got)
	}
	if _, err := c.LoadProject(context.Background(), t.TempDir()); err == nil || !strings.Contains(err.Error(), "has no compose.yaml") {
		t.Errorf("empty dir: %v", err)
	}
}

func TestComposeCommandsNameTheProject(t *testing.T) {
	var got []string
	r := &scriptedRunner{answer: func(args []string, stdout, stderr io.Writer) error {
		got = append(got, strings.Join(args, " "))
		return nil
	}}
	c := &Client{Compose: r}
	p := &ComposeProject{Dir: "/srv/site", Name: "site"}
	var buf bytes.Buffer
	_ = c.Build(context.Background(), p, "plain", &buf, &buf)
	_ = c.Up(context.Background(), p, "", &buf, &buf)
	_ = c.Down(context.Background(), p, false, &buf, &buf)
	_ = c.Down(context.Background(), p, true, &buf, &buf)
	want := []string{
		"compose --project-directory /srv/site --project-name site --progress plain build",
		"compose --project-directory /srv/site --project-name site up --detach --no-build",
		"compose --project-directory /srv/site --project-name site down",
		"compose --project-directory /srv/site --project-name site down --volumes",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("commands\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestGuessProject(t *testing.T) {
	t.Setenv("COMPOSE_PROJECT_NAME", "")
	dir := filepath.Join(t.TempDir(), "My_Site.v2")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("compose.yaml", "services: {}\n")
	if got := GuessProject(dir).Name; got != "my_sitev2" {
		t.Errorf("from the directory: %q", got)
	}
	write("compose.yaml", "name: shop\nservices: {}\n")
	if got := GuessProject(dir).Name; got != "shop" {
		t.Errorf("from name: %q", got)
	}
	write(".env", "A=1\nCOMPOSE_PROJECT_NAME=\"fromenvfile\"\n")
	if got := GuessProject(dir).Name; got != "fromenvfile" {
		t.Errorf("from .env: %q", got)
	}
	t.Setenv("COMPOSE_PROJECT_NAME", "Fromenv")
	if got := GuessProject(dir).Name; got != "fromenv" {
		t.Errorf("from the environment: %q", got)
	}
}
