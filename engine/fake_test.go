package engine

import (
	"context"
	"errors"
	"io"
	"sync"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/events"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/system"
	"github.com/docker/docker/api/types/volume"
	"github.com/docker/docker/client"
)

// fakeAPI implements API with a function field per method, as docker/cli's
// tests do; a nil field fails the call.
type fakeAPI struct {
	pingFn          func(context.Context) (types.Ping, error)
	serverVersionFn func(context.Context) (types.Version, error)
	infoFn          func(context.Context) (system.Info, error)
	listFn          func(context.Context, container.ListOptions) ([]container.Summary, error)
	inspectFn       func(context.Context, string) (container.InspectResponse, error)
	logsFn          func(context.Context, string, container.LogsOptions) (io.ReadCloser, error)
	execCreateFn    func(context.Context, string, container.ExecOptions) (container.ExecCreateResponse, error)
	execAttachFn    func(context.Context, string, container.ExecAttachOptions) (types.HijackedResponse, error)
	execInspectFn   func(context.Context, string) (container.ExecInspect, error)
	eventsFn        func(context.Context, events.ListOptions) (<-chan events.Message, <-chan error)
	volumeListFn    func(context.Context, volume.ListOptions) (volume.ListResponse, error)
}

var errNotFaked = errors.New("not faked")

func (f *fakeAPI) DaemonHost() string { return "unix:///var/run/docker.sock" }
func (f *fakeAPI) Close() error       { return nil }
func (f *fakeAPI) Ping(ctx context.Context) (types.Ping, error) {
	if f.pingFn == nil {
		return types.Ping{}, errNotFaked
	}
	return f.pingFn(ctx)
}
func (f *fakeAPI) ServerVersion(ctx context.Context) (types.Version, error) {
	if f.serverVersionFn == nil {
		return types.Version{}, errNotFaked
	}
	return f.serverVersionFn(ctx)
}
func (f *fakeAPI) Info(ctx context.Context) (system.Info, error) {
	if f.infoFn == nil {
		return system.Info{}, errNotFaked
	}
	return f.infoFn(ctx)
}
func (f *fakeAPI) ContainerList(ctx context.Context, o container.ListOptions) ([]container.Summary, error) {
	if f.listFn == nil {
		return nil, errNotFaked
	}
	return f.listFn(ctx, o)
}
func (f *fakeAPI) ContainerInspect(ctx context.Context, id string) (container.InspectResponse, error) {
	if f.inspectFn == nil {
		return container.InspectResponse{}, errNotFaked
	}
	return f.inspectFn(ctx, id)
}
func (f *fakeAPI) ContainerLogs(ctx context.Context, id string, o container.LogsOptions) (io.ReadCloser, error) {
	if f.logsFn == nil {
		return nil, errNotFaked
	}
	return f.logsFn(ctx, id, o)
}
func (f *fakeAPI) ContainerExecCreate(ctx context.Context, id string, o container.ExecOptions) (container.ExecCreateResponse, error) {
	if f.execCreateFn == nil {
		return container.ExecCreateResponse{}, errNotFaked
	}
	return f.execCreateFn(ctx, id, o)
}
func (f *fakeAPI) ContainerExecAttach(ctx context.Context, id string, o container.ExecAttachOptions) (types.HijackedResponse, error) {
	if f.execAttachFn == nil {
		return types.HijackedResponse{}, errNotFaked
	}
	return f.execAttachFn(ctx, id, o)
}
func (f *fakeAPI) ContainerExecInspect(ctx context.Context, id string) (container.ExecInspect, error) {
	if f.execInspectFn == nil {
		return container.ExecInspect{}, errNotFaked
	}
	return f.execInspectFn(ctx, id)
}
func (f *fakeAPI) Events(ctx context.Context, o events.ListOptions) (<-chan events.Message, <-chan error) {
	if f.eventsFn == nil {
		errs := make(chan error, 1)
		errs <- errNotFaked
		return nil, errs
	}
	return f.eventsFn(ctx, o)
}
func (f *fakeAPI) ImageSave(context.Context, []string, ...client.ImageSaveOption) (io.ReadCloser, error) {
	return nil, errNotFaked
}
func (f *fakeAPI) ImageLoad(context.Context, io.Reader, ...client.ImageLoadOption) (image.LoadResponse, error) {
	return image.LoadResponse{}, errNotFaked
}
func (f *fakeAPI) ImageInspect(context.Context, string, ...client.ImageInspectOption) (image.InspectResponse, error) {
	return image.InspectResponse{}, errNotFaked
}
func (f *fakeAPI) VolumeList(ctx context.Context, o volume.ListOptions) (volume.ListResponse, error) {
	if f.volumeListFn == nil {
		return volume.ListResponse{}, errNotFaked
	}
	return f.volumeListFn(ctx, o)
}

// fakeEngine is a tiny simulated engine: containers with a state, and an
// event stream the test drives.
type fakeEngine struct {
	mu      sync.Mutex
	project string
	ctrs    map[string]*fakeCtr
	order   []string
	events  chan events.Message
	since   string
}

type fakeCtr struct {
	id, service string
	status      container.ContainerState
	health      container.HealthStatus // "" without a health check
	exitCode    int
	oom         bool
	started     time.Time
	finished    time.Time
	healthLog   []*container.HealthcheckResult
}

func newFakeEngine(project string) *fakeEngine {
	return &fakeEngine{project: project, ctrs: map[string]*fakeCtr{}, events: make(chan events.Message)}
}

func (e *fakeEngine) set(c fakeCtr) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, ok := e.ctrs[c.id]; !ok {
		e.order = append(e.order, c.id)
	}
	cc := c
	e.ctrs[c.id] = &cc
}

func (e *fakeEngine) remove(id string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.ctrs, id)
}

func (e *fakeEngine) api() *fakeAPI {
	return &fakeAPI{
		eventsFn: func(ctx context.Context, o events.ListOptions) (<-chan events.Message, <-chan error) {
			e.mu.Lock()
			e.since = o.Since
			e.mu.Unlock()
			errs := make(chan error, 1)
			go func() {
				<-ctx.Done()
				errs <- ctx.Err()
			}()
			return e.events, errs
		},
		listFn: func(ctx context.Context, o container.ListOptions) ([]container.Summary, error) {
			e.mu.Lock()
			defer e.mu.Unlock()
			var out []container.Summary
			for _, id := range e.order {
				c, ok := e.ctrs[id]
				if !ok {
					continue
				}
				out = append(out, container.Summary{ID: id, Labels: map[string]string{
					LabelProject: e.project, LabelService: c.service, LabelOneoff: "False"}})
			}
			return out, nil
		},
		inspectFn: func(ctx context.Context, id string) (container.InspectResponse, error) {
			e.mu.Lock()
			defer e.mu.Unlock()
			c, ok := e.ctrs[id]
			if !ok {
				return container.InspectResponse{}, cerrdefs.ErrNotFound.WithMessage("no such container: " + id)
			}
			st := &container.State{Status: c.status, Running: c.status == container.StateRunning,
				ExitCode: c.exitCode, OOMKilled: c.oom,
				StartedAt: c.started.Format(time.RFC3339Nano), FinishedAt: c.finished.Format(time.RFC3339Nano)}
			if c.health != "" {
				st.Health = &container.Health{Status: c.health, Log: c.healthLog}
			}
			return container.InspectResponse{
				ContainerJSONBase: &container.ContainerJSONBase{ID: id, Name: "/" + e.project + "-" + id, State: st},
				Config:            &container.Config{Labels: map[string]string{LabelProject: e.project, LabelService: c.service}},
			}, nil
		},
	}
}

// event builds a container event of the project.
func (e *fakeEngine) event(id, service string, action events.Action, at time.Time, attrs ...string) events.Message {
	a := map[string]string{LabelProject: e.project, LabelService: service, LabelOneoff: "False"}
	for i := 0; i+1 < len(attrs); i += 2 {
		a[attrs[i]] = attrs[i+1]
	}
	return events.Message{Type: events.ContainerEventType, Action: action,
		Actor: events.Actor{ID: id, Attributes: a}, Time: at.Unix(), TimeNano: at.UnixNano()}
}
