package engine

import (
	"context"
	"errors"
	"sync"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/events"

	"github.com/stackgen/stackgen/engine/enginetest"
)

type fakeAPI = enginetest.API

// fakeEngine is a tiny simulated engine: containers with a state, and an
// event stream the test drives.
type fakeEngine struct {
	mu      sync.Mutex
	project string
	ctrs    map[string]*fakeCtr
	order   []string
	events  chan events.Message
	since   string
	// errs is the error channel of the newest subscription: a test cuts
	// the stream by sending on it.
	errs          chan error
	subscriptions int
	// pingFails is how many pings fail before the engine answers again.
	pingFails int
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
	restarts    int
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
		EventsFn: func(ctx context.Context, o events.ListOptions) (<-chan events.Message, <-chan error) {
			e.mu.Lock()
			e.since = o.Since
			e.subscriptions++
			errs := make(chan error, 2)
			e.errs = errs
			e.mu.Unlock()
			go func() {
				<-ctx.Done()
				errs <- ctx.Err()
			}()
			return e.events, errs
		},
		PingFn: func(ctx context.Context) (types.Ping, error) {
			e.mu.Lock()
			defer e.mu.Unlock()
			if e.pingFails > 0 {
				e.pingFails--
				return types.Ping{}, errors.New("Cannot connect to the Docker daemon")
			}
			return types.Ping{APIVersion: "1.41"}, nil
		},
		ListFn: func(ctx context.Context, o container.ListOptions) ([]container.Summary, error) {
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
		InspectFn: func(ctx context.Context, id string) (container.InspectResponse, error) {
			e.mu.Lock()
			defer e.mu.Unlock()
			c, ok := e.ctrs[id]
			if !ok {
				return container.InspectResponse{}, cerrdefs.ErrNotFound.WithMessage("no such container: " + id)
			}
			st := &container.State{Status: c.status, Running: c.status == container.StateRunning || c.status == container.StateRestarting,
				Restarting: c.status == container.StateRestarting,
				ExitCode:   c.exitCode, OOMKilled: c.oom,
				StartedAt: c.started.Format(time.RFC3339Nano), FinishedAt: c.finished.Format(time.RFC3339Nano)}
			if c.health != "" {
				st.Health = &container.Health{Status: c.health, Log: c.healthLog}
			}
			return container.InspectResponse{
				ContainerJSONBase: &container.ContainerJSONBase{ID: id, Name: "/" + e.project + "-" + id, State: st, RestartCount: c.restarts},
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

// cut breaks the newest event subscription, as a dropped connection does.
func (e *fakeEngine) cut(err error) {
	e.mu.Lock()
	errs := e.errs
	e.mu.Unlock()
	errs <- err
}
