// Package enginetest fakes the Docker Engine API and the docker CLI for
// tests of the engine package and of the commands that use it.
package enginetest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"sync"

	cerrdefs "github.com/containerd/errdefs"

	"github.com/docker/docker/api/types"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/events"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/registry"
	"github.com/docker/docker/api/types/system"
	"github.com/docker/docker/api/types/volume"
	"github.com/docker/docker/client"
	"github.com/docker/docker/pkg/stdcopy"
	"github.com/docker/go-connections/nat"
)

// API implements engine.API with a function field per method, as
// docker/cli's tests do; a nil field fails the call with ErrNotFaked.
type API struct {
	PingFn func(context.Context) (types.Ping, error)
	// PauseFn pauses (true) or unpauses (false) a container.
	PauseFn         func(ctx context.Context, id string, pause bool) error
	ServerVersionFn func(context.Context) (types.Version, error)
	InfoFn          func(context.Context) (system.Info, error)
	ListFn          func(context.Context, container.ListOptions) ([]container.Summary, error)
	InspectFn       func(context.Context, string) (container.InspectResponse, error)
	LogsFn          func(context.Context, string, container.LogsOptions) (io.ReadCloser, error)
	ExecCreateFn    func(context.Context, string, container.ExecOptions) (container.ExecCreateResponse, error)
	ExecAttachFn    func(context.Context, string, container.ExecAttachOptions) (types.HijackedResponse, error)
	ExecInspectFn   func(context.Context, string) (container.ExecInspect, error)
	EventsFn        func(context.Context, events.ListOptions) (<-chan events.Message, <-chan error)
	VolumeListFn    func(context.Context, volume.ListOptions) (volume.ListResponse, error)
	// ImageInspectFn and DistributionFn answer for images (nil: the engine
	// has none, and no registry answers).
	ImageInspectFn func(context.Context, string) (image.InspectResponse, error)
	ImageListFn    func(context.Context, image.ListOptions) ([]image.Summary, error)
	DistributionFn func(context.Context, string) (registry.DistributionInspect, error)
}

// ErrNotFaked is returned by a method whose function is not set.
var ErrNotFaked = errors.New("not faked")

// Host is what DaemonHost returns unless DaemonHostFn says otherwise.
const Host = "unix:///var/run/docker.sock"

func (f *API) DaemonHost() string { return Host }
func (f *API) Close() error       { return nil }
func (f *API) Ping(ctx context.Context) (types.Ping, error) {
	if f.PingFn == nil {
		return types.Ping{}, ErrNotFaked
	}
	return f.PingFn(ctx)
}
func (f *API) ServerVersion(ctx context.Context) (types.Version, error) {
	if f.ServerVersionFn == nil {
		return types.Version{}, ErrNotFaked
	}
	return f.ServerVersionFn(ctx)
}
func (f *API) Info(ctx context.Context) (system.Info, error) {
	if f.InfoFn == nil {
		return system.Info{}, ErrNotFaked
	}
	return f.InfoFn(ctx)
}
func (f *API) ContainerList(ctx context.Context, o container.ListOptions) ([]container.Summary, error) {
	if f.ListFn == nil {
		return nil, ErrNotFaked
	}
	return f.ListFn(ctx, o)
}
func (f *API) ContainerInspect(ctx context.Context, id string) (container.InspectResponse, error) {
	if f.InspectFn == nil {
		return container.InspectResponse{}, ErrNotFaked
	}
	return f.InspectFn(ctx, id)
}
func (f *API) ContainerLogs(ctx context.Context, id string, o container.LogsOptions) (io.ReadCloser, error) {
	if f.LogsFn == nil {
		return nil, ErrNotFaked
	}
	return f.LogsFn(ctx, id, o)
}
func (f *API) ContainerExecCreate(ctx context.Context, id string, o container.ExecOptions) (container.ExecCreateResponse, error) {
	if f.ExecCreateFn == nil {
		return container.ExecCreateResponse{}, ErrNotFaked
	}
	return f.ExecCreateFn(ctx, id, o)
}
func (f *API) ContainerExecAttach(ctx context.Context, id string, o container.ExecAttachOptions) (types.HijackedResponse, error) {
	if f.ExecAttachFn == nil {
		return types.HijackedResponse{}, ErrNotFaked
	}
	return f.ExecAttachFn(ctx, id, o)
}
func (f *API) ContainerExecInspect(ctx context.Context, id string) (container.ExecInspect, error) {
	if f.ExecInspectFn == nil {
		return container.ExecInspect{}, ErrNotFaked
	}
	return f.ExecInspectFn(ctx, id)
}
func (f *API) Events(ctx context.Context, o events.ListOptions) (<-chan events.Message, <-chan error) {
	if f.EventsFn == nil {
		errs := make(chan error, 1)
		errs <- ErrNotFaked
		return nil, errs
	}
	return f.EventsFn(ctx, o)
}
func (f *API) ImageSave(context.Context, []string, ...client.ImageSaveOption) (io.ReadCloser, error) {
	return nil, ErrNotFaked
}
func (f *API) ImageLoad(context.Context, io.Reader, ...client.ImageLoadOption) (image.LoadResponse, error) {
	return image.LoadResponse{}, ErrNotFaked
}

// ImageList answers no images unless ImageListFn is set.
func (f *API) ImageList(ctx context.Context, o image.ListOptions) ([]image.Summary, error) {
	if f.ImageListFn == nil {
		return nil, nil
	}
	return f.ImageListFn(ctx, o)
}

func (f *API) ImageInspect(ctx context.Context, ref string, _ ...client.ImageInspectOption) (image.InspectResponse, error) {
	if f.ImageInspectFn == nil {
		return image.InspectResponse{}, ErrNotFaked
	}
	return f.ImageInspectFn(ctx, ref)
}
func (f *API) DistributionInspect(ctx context.Context, ref, _ string) (registry.DistributionInspect, error) {
	if f.DistributionFn == nil {
		return registry.DistributionInspect{}, ErrNotFaked
	}
	return f.DistributionFn(ctx, ref)
}
func (f *API) ContainerPause(ctx context.Context, id string) error {
	if f.PauseFn == nil {
		return ErrNotFaked
	}
	return f.PauseFn(ctx, id, true)
}
func (f *API) ContainerUnpause(ctx context.Context, id string) error {
	if f.PauseFn == nil {
		return ErrNotFaked
	}
	return f.PauseFn(ctx, id, false)
}
func (f *API) VolumeList(ctx context.Context, o volume.ListOptions) (volume.ListResponse, error) {
	if f.VolumeListFn == nil {
		return volume.ListResponse{}, ErrNotFaked
	}
	return f.VolumeListFn(ctx, o)
}

// Runner is a scripted docker CLI: Answer gets every call.
type Runner struct {
	mu     sync.Mutex
	Calls  [][]string
	Answer func(args []string, stdout, stderr io.Writer) error
}

// Run implements engine.Runner.
func (r *Runner) Run(ctx context.Context, dir string, args []string, stdout, stderr io.Writer) error {
	r.mu.Lock()
	r.Calls = append(r.Calls, append([]string(nil), args...))
	r.mu.Unlock()
	if stdout == nil {
		stdout = io.Discard
	}
	if stderr == nil {
		stderr = io.Discard
	}
	return r.Answer(args, stdout, stderr)
}

// Ran reports whether a call's arguments contained all of words, in order.
func (r *Runner) Ran(words ...string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range r.Calls {
		i := 0
		for _, a := range c {
			if i < len(words) && a == words[i] {
				i++
			}
		}
		if i == len(words) {
			return true
		}
	}
	return false
}

// Multiplexed frames text as the engine does for a container without a
// TTY (its logs, an exec's output): everything on stdout.
func Multiplexed(stdout string) []byte {
	var b bytes.Buffer
	w := stdcopy.NewStdWriter(&b, stdcopy.Stdout)
	_, _ = w.Write([]byte(stdout))
	return b.Bytes()
}

// Ctr describes a compose container for the fakes.
type Ctr struct {
	ID, Service, Project string
	// State is the engine's (running, exited, created...); Health is
	// starting, healthy, unhealthy or "" for none.
	State, Health string
	ExitCode      int
	HealthLog     []*container.HealthcheckResult
	// Ports are published ports as "HOSTIP:HOSTPORT->PORT/tcp".
	Ports []string
}

// Name is compose's container name.
func (c Ctr) Name() string { return c.Project + "-" + c.Service + "-1" }

func (c Ctr) labels() map[string]string {
	return map[string]string{
		"com.docker.compose.project": c.Project,
		"com.docker.compose.service": c.Service,
		"com.docker.compose.oneoff":  "False",
	}
}

// Inspect is the container as ContainerInspect returns it.
func (c Ctr) Inspect() container.InspectResponse {
	st := &container.State{Status: container.ContainerState(c.State), Running: c.State == "running",
		ExitCode: c.ExitCode, StartedAt: "2026-05-01T12:00:00Z", FinishedAt: "0001-01-01T00:00:00Z"}
	if c.Health != "" {
		st.Health = &container.Health{Status: container.HealthStatus(c.Health), Log: c.HealthLog}
	}
	r := container.InspectResponse{
		ContainerJSONBase: &container.ContainerJSONBase{ID: c.ID, Name: "/" + c.Name(), State: st},
		Config:            &container.Config{Labels: c.labels(), Image: c.Service + ":1"},
		NetworkSettings:   &container.NetworkSettings{},
	}
	for _, p := range c.Ports {
		host, port, _ := strings.Cut(p, "->")
		i := strings.LastIndex(host, ":")
		if r.NetworkSettings.Ports == nil {
			r.NetworkSettings.Ports = nat.PortMap{}
		}
		key := nat.Port(port)
		r.NetworkSettings.Ports[key] = append(r.NetworkSettings.Ports[key], nat.PortBinding{HostIP: host[:i], HostPort: host[i+1:]})
	}
	return r
}

// SetContainers makes ContainerList and ContainerInspect answer with cs.
func (f *API) SetContainers(cs ...Ctr) {
	f.ListFn = func(ctx context.Context, o container.ListOptions) ([]container.Summary, error) {
		var out []container.Summary
		for _, c := range cs {
			out = append(out, container.Summary{ID: c.ID, Names: []string{"/" + c.Name()}, Labels: c.labels(), State: container.ContainerState(c.State)})
		}
		return out, nil
	}
	f.InspectFn = func(ctx context.Context, id string) (container.InspectResponse, error) {
		for _, c := range cs {
			if c.ID == id {
				return c.Inspect(), nil
			}
		}
		return container.InspectResponse{}, cerrdefs.ErrNotFound.WithMessage("no such container: " + id)
	}
}

// Up makes Ping and ServerVersion answer as a 20.10 engine, and Events
// open a stream that stays quiet until its context ends.
func (f *API) Up() {
	f.PingFn = func(context.Context) (types.Ping, error) { return types.Ping{APIVersion: "1.41"}, nil }
	f.ServerVersionFn = func(context.Context) (types.Version, error) {
		return types.Version{Version: "20.10.24", APIVersion: "1.41", Os: "linux", Arch: "amd64"}, nil
	}
	f.EventsFn = func(ctx context.Context, o events.ListOptions) (<-chan events.Message, <-chan error) {
		errs := make(chan error, 1)
		go func() { <-ctx.Done(); errs <- ctx.Err() }()
		return make(chan events.Message), errs
	}
}

// Logs makes ContainerLogs answer with text for every container.
func (f *API) Logs(text string) {
	f.LogsFn = func(context.Context, string, container.LogsOptions) (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(Multiplexed(text))), nil
	}
}

// ComposeVerb returns the compose subcommand of a docker CLI call
// ("version", "config", "build", "up", "down"), or "" for other calls.
func ComposeVerb(args []string) string {
	if len(args) == 0 || args[0] != "compose" {
		return ""
	}
	for i := 1; i < len(args); i++ {
		switch a := args[i]; a {
		case "--project-directory", "--project-name", "-p", "--progress", "-f", "--file", "--ansi":
			i++
		default:
			if !strings.HasPrefix(a, "-") {
				return a
			}
		}
	}
	return ""
}

// Compose answers like compose 2.26 whose project is configJSON (the
// output of `docker compose config --format json`); fail gives the error a
// verb returns instead, with its stderr written first.
func Compose(configJSON string, fail map[string]error) func([]string, io.Writer, io.Writer) error {
	return func(args []string, stdout, stderr io.Writer) error {
		if len(args) > 0 && args[0] == "buildx" {
			_, _ = io.WriteString(stdout, "github.com/docker/buildx 0.13.1 deadbeef\n")
			return nil
		}
		verb := ComposeVerb(args)
		if err, ok := fail[verb]; ok {
			_, _ = io.WriteString(stderr, err.Error()+"\n")
			return err
		}
		switch verb {
		case "version":
			_, _ = io.WriteString(stdout, "2.26.1\n")
		case "config":
			_, _ = io.WriteString(stdout, configJSON)
		}
		return nil
	}
}
