package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/stackgen/stackgen/internal/composefile"

	"github.com/stackgen/stackgen/internal/msg"
)

// Runner runs the docker CLI. The production runner execs the user's
// `docker`; tests script the answers.
type Runner interface {
	// Run runs `docker ARGS` in dir with stdout and stderr streamed to the
	// writers, and returns a *CommandError when it exits non-zero.
	Run(ctx context.Context, dir string, args []string, stdout, stderr io.Writer) error
}

// DockerCompose runs the docker CLI found on PATH (or Binary).
type DockerCompose struct {
	Binary string
	// Env is added to the process's environment.
	Env []string
}

// ErrComposeMissing matches the error returned when `docker compose` (v2)
// is not installed.
var ErrComposeMissing = errors.New("docker compose v2 is not installed")

// ComposeMissingError says the docker CLI or its compose plugin is missing.
type ComposeMissingError struct {
	NoDocker bool
	Detail   string
}

func (e *ComposeMissingError) message() error {
	help := msg.Sub{ID: "engine.fix.compose"}
	switch {
	case e.NoDocker:
		return msg.Err("engine.err.no-docker", msg.Args{"Fix": help})
	case e.Detail != "":
		return msg.Err("engine.err.no-compose-plugin-detail", msg.Args{"Detail": e.Detail, "Fix": help})
	}
	return msg.Err("engine.err.no-compose-plugin", msg.Args{"Fix": help})
}

func (e *ComposeMissingError) Error() string { return e.message().Error() }

// As hands the catalogue message to a wrapper or root (see asMsg).
func (e *ComposeMissingError) As(target any) bool { return asMsg(e.message(), target) }

func (e *ComposeMissingError) Is(target error) bool { return target == ErrComposeMissing }

// Fix says what to do, as a catalogue message the reader's language says.
func (e *ComposeMissingError) Fix() msg.Sub {
	if e.NoDocker {
		return msg.Sub{ID: "engine.fix.docker-cli", Args: msg.Args{"Fix": msg.Sub{ID: "engine.fix.compose"}}}
	}
	return msg.Sub{ID: "engine.fix.compose"}
}

// CommandError is a docker CLI run that exited non-zero.
type CommandError struct {
	Args     []string
	ExitCode int
	// Stderr holds the end of what the command wrote to stderr.
	Stderr string
}

func (e *CommandError) message() error {
	a := msg.Args{"Args": strings.Join(e.Args, " "), "Code": e.ExitCode}
	if line := lastLine(e.Stderr); line != "" {
		a["Line"] = line
		return msg.Err("engine.err.exit-line", a)
	}
	return msg.Err("engine.err.exit", a)
}

func (e *CommandError) Error() string { return e.message().Error() }

// As hands the catalogue message to a wrapper or root (see asMsg).
func (e *CommandError) As(target any) bool { return asMsg(e.message(), target) }

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// Run implements Runner.
func (d *DockerCompose) Run(ctx context.Context, dir string, args []string, stdout, stderr io.Writer) error {
	bin := d.Binary
	if bin == "" {
		p, err := exec.LookPath("docker")
		if err != nil {
			return &ComposeMissingError{NoDocker: true}
		}
		bin = p
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), d.Env...)
	// Interrupt rather than kill, so compose can stop what it started
	// cleanly; give it time before the kill.
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 20 * time.Second
	tail := &tailBuffer{max: 64 << 10}
	if stdout != nil {
		cmd.Stdout = stdout
	}
	switch f := stderr.(type) {
	case nil:
		cmd.Stderr = tail
	case *os.File:
		// A terminal stays a terminal, so compose shows its live view.
		cmd.Stderr = f
	default:
		cmd.Stderr = io.MultiWriter(stderr, tail)
	}
	err := cmd.Run()
	if err == nil {
		return nil
	}
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return &CommandError{Args: args, ExitCode: exitErr.ExitCode(), Stderr: tail.String()}
	}
	return msg.Err("engine.err.run-docker", msg.Args{"Args": strings.Join(args, " "), "Err": err})
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	max int
	buf []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.buf = append(t.buf, p...)
	if len(t.buf) > t.max {
		t.buf = append([]byte(nil), t.buf[len(t.buf)-t.max:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string { return string(t.buf) }

// ComposeVersion returns the version of the compose v2 plugin, or a
// ComposeMissingError that says how to install it.
func (c *Client) ComposeVersion(ctx context.Context) (string, error) {
	var out, errOut bytes.Buffer
	err := c.Compose.Run(ctx, "", []string{"compose", "version", "--short"}, &out, &errOut)
	if err != nil {
		var missing *ComposeMissingError
		if errors.As(err, &missing) || ctx.Err() != nil {
			return "", err
		}
		return "", &ComposeMissingError{Detail: lastLine(errOut.String())}
	}
	v := strings.TrimPrefix(strings.TrimSpace(out.String()), "v")
	if v == "" || strings.HasPrefix(v, "1.") {
		return "", &ComposeMissingError{Detail: "found compose " + v + ", need v2"}
	}
	return v, nil
}

// BuildxVersion returns the version of the buildx plugin (BuildKit builds;
// without it `docker compose build` falls back to the legacy builder, which
// rejects RUN --mount).
func (c *Client) BuildxVersion(ctx context.Context) (string, error) {
	var out, errOut bytes.Buffer
	if err := c.Compose.Run(ctx, "", []string{"buildx", "version"}, &out, &errOut); err != nil {
		return "", msg.Err("engine.err.no-buildx", msg.Args{"Detail": lastLine(errOut.String())})
	}
	f := strings.Fields(out.String())
	if len(f) >= 2 {
		return strings.TrimPrefix(f[1], "v"), nil
	}
	return strings.TrimSpace(out.String()), nil
}

// ComposeProject is a compose project as `docker compose config` resolves it.
type ComposeProject struct {
	Dir      string
	Name     string
	Services []Service
	// Volumes are the engine names of the project's named volumes.
	Volumes []string
}

// NeedsBuild reports whether compose builds any of the project's images.
func (p *ComposeProject) NeedsBuild() bool {
	for _, s := range p.Services {
		if s.Build {
			return true
		}
	}
	return false
}

// Service is what the wait and the reports need to know of a service.
type Service struct {
	Name  string
	Image string
	Build bool
	// Healthcheck is true when the compose file defines an enabled one (the
	// image may still define its own; the wait asks the container).
	Healthcheck bool
	// OneShot services must run to completion and exit 0: others depend
	// on them with service_completed_successfully, or they say
	// restart: "no" and have no health check.
	OneShot   bool
	Replicas  int
	Ports     []Port
	DependsOn map[string]string
}

// Port is a published port.
type Port struct {
	HostIP    string
	Published int
	Target    int
	Protocol  string
}

func (p Port) String() string {
	ip := p.HostIP
	if ip == "" {
		ip = "0.0.0.0"
	}
	return fmt.Sprintf("%s:%d->%d/%s", ip, p.Published, p.Target, p.Protocol)
}

// Service returns the named service.
func (p *ComposeProject) Service(name string) (Service, bool) {
	for _, s := range p.Services {
		if s.Name == name {
			return s, true
		}
	}
	return Service{}, false
}

// ServiceNames returns the services' names in order.
func (p *ComposeProject) ServiceNames() []string {
	var out []string
	for _, s := range p.Services {
		out = append(out, s.Name)
	}
	return out
}

// ConfigError is a compose file or .env that compose refuses to load.
type ConfigError struct {
	Dir string
	Err error
}

func (e *ConfigError) message() error {
	why := e.Err.Error()
	var ce *CommandError
	if errors.As(e.Err, &ce) {
		why = lastLine(ce.Stderr)
	}
	return msg.Err("engine.err.config", msg.Args{"Dir": e.Dir, "Why": why})
}

func (e *ConfigError) Error() string { return e.message().Error() }

// As hands the catalogue message to a wrapper or root (see asMsg).
func (e *ConfigError) As(target any) bool { return asMsg(e.message(), target) }

func (e *ConfigError) Unwrap() error { return e.Err }

// FindComposeFile returns the compose file compose would use in dir.
func FindComposeFile(dir string) (string, bool) {
	for _, n := range composefile.Names {
		if st, err := os.Stat(filepath.Join(dir, n)); err == nil && !st.IsDir() {
			return n, true
		}
	}
	return "", false
}

// LoadProject resolves dir's compose project with `docker compose config`:
// the project name (the directory's default, `name:`, or
// COMPOSE_PROJECT_NAME from the environment or .env), the services and
// their health checks, dependencies and ports. The resolved configuration
// holds secrets from .env; it is parsed here and never printed.
func (c *Client) LoadProject(ctx context.Context, dir string) (*ComposeProject, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if _, ok := FindComposeFile(abs); !ok {
		return nil, msg.Err("engine.err.no-compose", msg.Args{"Dir": abs})
	}
	var out, errOut bytes.Buffer
	if err := c.Compose.Run(ctx, abs, []string{"compose", "--project-directory", abs, "config", "--format", "json"}, &out, &errOut); err != nil {
		var missing *ComposeMissingError
		if errors.As(err, &missing) || ctx.Err() != nil {
			return nil, err
		}
		var ce *CommandError
		if errors.As(err, &ce) && strings.Contains(ce.Stderr, "is not a docker command") {
			return nil, &ComposeMissingError{Detail: lastLine(ce.Stderr)}
		}
		return nil, &ConfigError{Dir: abs, Err: err}
	}
	p, err := parseConfig(out.Bytes())
	if err != nil {
		return nil, &ConfigError{Dir: abs, Err: err}
	}
	p.Dir = abs
	return p, nil
}

type configJSON struct {
	Name     string `json:"name"`
	Services map[string]struct {
		Image       string          `json:"image"`
		Build       json.RawMessage `json:"build"`
		Restart     *string         `json:"restart"`
		Scale       *int            `json:"scale"`
		Healthcheck *struct {
			Test    []string `json:"test"`
			Disable bool     `json:"disable"`
		} `json:"healthcheck"`
		Deploy *struct {
			Replicas *int `json:"replicas"`
		} `json:"deploy"`
		DependsOn map[string]struct {
			Condition string `json:"condition"`
		} `json:"depends_on"`
		Ports []struct {
			HostIP    string `json:"host_ip"`
			Target    int    `json:"target"`
			Published string `json:"published"`
			Protocol  string `json:"protocol"`
		} `json:"ports"`
	} `json:"services"`
	Volumes map[string]struct {
		Name     string `json:"name"`
		External bool   `json:"external"`
	} `json:"volumes"`
}

// parseConfig reads the JSON of `docker compose config --format json`.
func parseConfig(b []byte) (*ComposeProject, error) {
	var cfg configJSON
	if err := json.Unmarshal(b, &cfg); err != nil {
		return nil, msg.Err("engine.err.config-output", msg.Args{"Err": err})
	}
	if cfg.Name == "" {
		return nil, msg.Err("engine.err.config-no-name")
	}
	completed := map[string]bool{}
	for _, s := range cfg.Services {
		for dep, d := range s.DependsOn {
			if d.Condition == "service_completed_successfully" {
				completed[dep] = true
			}
		}
	}
	p := &ComposeProject{Name: cfg.Name}
	for name, s := range cfg.Services {
		svc := Service{Name: name, Image: s.Image, Build: len(s.Build) > 0 && string(s.Build) != "null", Replicas: 1}
		svc.Healthcheck = s.Healthcheck != nil && !s.Healthcheck.Disable &&
			len(s.Healthcheck.Test) > 0 && s.Healthcheck.Test[0] != "NONE"
		restartNo := s.Restart != nil && (*s.Restart == "no" || *s.Restart == "")
		svc.OneShot = completed[name] || (restartNo && !svc.Healthcheck)
		if s.Scale != nil {
			svc.Replicas = *s.Scale
		}
		if s.Deploy != nil && s.Deploy.Replicas != nil {
			svc.Replicas = *s.Deploy.Replicas
		}
		for dep, d := range s.DependsOn {
			if svc.DependsOn == nil {
				svc.DependsOn = map[string]string{}
			}
			svc.DependsOn[dep] = d.Condition
		}
		for _, pt := range s.Ports {
			if pt.Published == "" {
				continue
			}
			// A range ("8000-8002") keeps its first port.
			first, _, _ := strings.Cut(pt.Published, "-")
			n, err := strconv.Atoi(first)
			if err != nil {
				continue
			}
			proto := pt.Protocol
			if proto == "" {
				proto = "tcp"
			}
			svc.Ports = append(svc.Ports, Port{HostIP: pt.HostIP, Published: n, Target: pt.Target, Protocol: proto})
		}
		p.Services = append(p.Services, svc)
	}
	sort.Slice(p.Services, func(i, j int) bool { return p.Services[i].Name < p.Services[j].Name })
	for key, v := range cfg.Volumes {
		if v.External {
			continue
		}
		name := v.Name
		if name == "" {
			name = cfg.Name + "_" + key
		}
		p.Volumes = append(p.Volumes, name)
	}
	sort.Strings(p.Volumes)
	return p, nil
}

// composeArgs starts a compose command line for p.
func composeArgs(p *ComposeProject, progress string, args ...string) []string {
	out := []string{"compose", "--project-directory", p.Dir, "--project-name", p.Name}
	if progress != "" {
		out = append(out, "--progress", progress)
	}
	return append(out, args...)
}

// Build runs `docker compose build` for p, streaming its output. progress
// is compose's own --progress value ("" leaves compose to choose).
func (c *Client) Build(ctx context.Context, p *ComposeProject, progress string, stdout, stderr io.Writer) error {
	return c.Compose.Run(ctx, p.Dir, composeArgs(p, progress, "build"), stdout, stderr)
}

// Up runs `docker compose up --detach` for p: it creates and starts the
// containers and returns; WaitHealthy follows them to readiness.
func (c *Client) Up(ctx context.Context, p *ComposeProject, progress string, stdout, stderr io.Writer) error {
	return c.Compose.Run(ctx, p.Dir, composeArgs(p, progress, "up", "--detach", "--no-build"), stdout, stderr)
}

// Down runs `docker compose down` for p. Volumes are removed only when
// removeVolumes is set (the caller has the user's explicit consent).
func (c *Client) Down(ctx context.Context, p *ComposeProject, removeVolumes bool, stdout, stderr io.Writer) error {
	args := []string{"down"}
	if removeVolumes {
		args = append(args, "--volumes")
	}
	return c.Compose.Run(ctx, p.Dir, composeArgs(p, "", args...), stdout, stderr)
}
