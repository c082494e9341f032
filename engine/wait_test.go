package engine

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/events"
)

// step is one moment of a scripted engine: the container states change,
// then an event (or compose's result) arrives.
type step struct {
	set    []fakeCtr
	remove string
	ev     *events.Message
	up     *error
}

var t0 = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

func at(sec float64) time.Time { return t0.Add(time.Duration(sec * float64(time.Second))) }

func upOK() *error               { var err error; return &err }
func upFailed(msg string) *error { err := errors.New(msg); return &err }

type waitCase struct {
	name     string
	services []Service
	initial  []fakeCtr
	// composeDone: compose up had already returned when the wait began.
	composeDone bool
	steps       func(e *fakeEngine) []step
	timeout     time.Duration

	wantErr    []error // each must match errors.Is; nil: success
	wantFailed string
	wantExit   int
	wantLast   string
	wantLastAt time.Time
	wantDetail map[string]string
}

func ev(e *fakeEngine, id, svc string, action events.Action, sec float64, attrs ...string) *events.Message {
	m := e.event(id, svc, action, at(sec), attrs...)
	return &m
}

var (
	db      = Service{Name: "db", Healthcheck: true, Replicas: 1}
	web     = Service{Name: "web", Replicas: 1}
	migrate = Service{Name: "migrate", OneShot: true, Replicas: 1}
	redis   = Service{Name: "redis", Healthcheck: true, Replicas: 1}
	nginx   = Service{Name: "nginx", Healthcheck: true, Replicas: 1}
)

func TestWaitHealthy(t *testing.T) {
	cases := []waitCase{
		{
			name:     "health check, no health check and one-shot job all become ready",
			services: []Service{db, migrate, web},
			steps: func(e *fakeEngine) []step {
				return []step{
					{set: []fakeCtr{{id: "db1", service: "db", status: container.StateCreated}}, ev: ev(e, "db1", "db", events.ActionCreate, 1)},
					{set: []fakeCtr{{id: "db1", service: "db", status: container.StateRunning, health: container.Starting, started: at(1)}}, ev: ev(e, "db1", "db", events.ActionStart, 1)},
					{set: []fakeCtr{{id: "m1", service: "migrate", status: container.StateRunning, started: at(2)}}, ev: ev(e, "m1", "migrate", events.ActionStart, 2)},
					{set: []fakeCtr{{id: "m1", service: "migrate", status: container.StateExited, started: at(2), finished: at(3)}}, ev: ev(e, "m1", "migrate", events.ActionDie, 3, "exitCode", "0")},
					{set: []fakeCtr{{id: "w1", service: "web", status: container.StateRunning, started: at(4)}}, ev: ev(e, "w1", "web", events.ActionStart, 4)},
					{up: upOK()},
					{set: []fakeCtr{{id: "db1", service: "db", status: container.StateRunning, health: container.Healthy, started: at(1)}}, ev: ev(e, "db1", "db", events.ActionHealthStatusHealthy, 9.5)},
				}
			},
			wantLast:   "db",
			wantLastAt: at(9.5),
			wantDetail: map[string]string{"db": "healthy", "migrate": "completed", "web": "running (no health check)"},
		},
		{
			name:     "a service whose health check fails is named as unhealthy",
			services: []Service{db, redis},
			steps: func(e *fakeEngine) []step {
				return []step{
					{set: []fakeCtr{{id: "r1", service: "redis", status: container.StateRunning, health: container.Starting}}, ev: ev(e, "r1", "redis", events.ActionStart, 1)},
					{set: []fakeCtr{{id: "r1", service: "redis", status: container.StateRunning, health: container.Unhealthy}}, ev: ev(e, "r1", "redis", events.ActionHealthStatusUnhealthy, 30)},
				}
			},
			wantErr:    []error{ErrUnhealthy},
			wantFailed: "redis",
		},
		{
			name:     "a long-running service that exits and is not restarted fails with its exit code",
			services: []Service{web},
			steps: func(e *fakeEngine) []step {
				return []step{
					{set: []fakeCtr{{id: "w1", service: "web", status: container.StateRunning, started: at(1)}}, ev: ev(e, "w1", "web", events.ActionStart, 1)},
					{set: []fakeCtr{{id: "w1", service: "web", status: container.StateExited, exitCode: 3, started: at(1)}}, ev: ev(e, "w1", "web", events.ActionDie, 2, "exitCode", "3")},
				}
			},
			wantErr:    []error{ErrExited},
			wantFailed: "web",
			wantExit:   3,
		},
		{
			name:     "a one-shot job that exits non-zero fails",
			services: []Service{db, migrate},
			steps: func(e *fakeEngine) []step {
				return []step{
					{set: []fakeCtr{{id: "m1", service: "migrate", status: container.StateRunning}}, ev: ev(e, "m1", "migrate", events.ActionStart, 1)},
					{set: []fakeCtr{{id: "m1", service: "migrate", status: container.StateExited, exitCode: 1}}, ev: ev(e, "m1", "migrate", events.ActionDie, 2, "exitCode", "1")},
				}
			},
			wantErr:    []error{ErrExited},
			wantFailed: "migrate",
			wantExit:   1,
		},
		{
			name:     "a health check that never passes ends in a timeout naming the service",
			services: []Service{db},
			steps: func(e *fakeEngine) []step {
				return []step{
					{set: []fakeCtr{{id: "db1", service: "db", status: container.StateRunning, health: container.Starting}}, ev: ev(e, "db1", "db", events.ActionStart, 1)},
					{up: upOK()},
				}
			},
			timeout:    150 * time.Millisecond,
			wantErr:    []error{ErrTimeout},
			wantDetail: map[string]string{"db": "health: starting"},
		},
		{
			name:     "a container stopped in an earlier run is not a failure while compose starts it",
			services: []Service{web},
			initial:  []fakeCtr{{id: "w1", service: "web", status: container.StateExited, exitCode: 137}},
			steps: func(e *fakeEngine) []step {
				return []step{
					{set: []fakeCtr{{id: "w1", service: "web", status: container.StateRunning}}, ev: ev(e, "w1", "web", events.ActionStart, 1)},
					{up: upOK()},
				}
			},
			wantDetail: map[string]string{"web": "running (no health check)"},
		},
		{
			name:     "a container compose recreates is followed to its replacement",
			services: []Service{db},
			initial:  []fakeCtr{{id: "db1", service: "db", status: container.StateRunning, health: container.Healthy}},
			steps: func(e *fakeEngine) []step {
				return []step{
					{ev: ev(e, "db1", "db", events.ActionKill, 1, "signal", "15")},
					{set: []fakeCtr{{id: "db1", service: "db", status: container.StateExited, exitCode: 0}}, ev: ev(e, "db1", "db", events.ActionDie, 1.5, "exitCode", "0")},
					{remove: "db1", ev: ev(e, "db1", "db", events.ActionDestroy, 2)},
					{set: []fakeCtr{{id: "db2", service: "db", status: container.StateCreated}}, ev: ev(e, "db2", "db", events.ActionCreate, 2)},
					{set: []fakeCtr{{id: "db2", service: "db", status: container.StateRunning, health: container.Starting}}, ev: ev(e, "db2", "db", events.ActionStart, 2.5)},
					{up: upOK()},
					{set: []fakeCtr{{id: "db2", service: "db", status: container.StateRunning, health: container.Healthy}}, ev: ev(e, "db2", "db", events.ActionHealthStatusHealthy, 8)},
				}
			},
			wantLast:   "db",
			wantLastAt: at(8),
		},
		{
			name:     "compose up failing leaves a created container, which is named",
			services: []Service{db, nginx},
			steps: func(e *fakeEngine) []step {
				return []step{
					{set: []fakeCtr{{id: "db1", service: "db", status: container.StateRunning, health: container.Healthy}}, ev: ev(e, "db1", "db", events.ActionStart, 1)},
					{set: []fakeCtr{{id: "n1", service: "nginx", status: container.StateCreated}}, ev: ev(e, "n1", "nginx", events.ActionCreate, 2)},
					{up: upFailed("Bind for 127.0.0.1:8080 failed: port is already allocated")},
				}
			},
			wantErr:    []error{ErrUpFailed, ErrNotStarted},
			wantFailed: "nginx",
		},
		{
			name:        "a stack already up and healthy is ready at once",
			services:    []Service{db, web},
			composeDone: true,
			initial: []fakeCtr{
				{id: "db1", service: "db", status: container.StateRunning, health: container.Healthy,
					healthLog: []*container.HealthcheckResult{{End: at(3), ExitCode: 0}}},
				{id: "w1", service: "web", status: container.StateRunning, started: at(4)},
			},
			wantLast:   "web",
			wantLastAt: at(4),
		},
		{
			name:        "once compose is done, a stopped container is a failure",
			services:    []Service{web},
			composeDone: true,
			initial:     []fakeCtr{{id: "w1", service: "web", status: container.StateExited, exitCode: 2}},
			wantErr:     []error{ErrExited},
			wantFailed:  "web",
			wantExit:    2,
		},
		{
			name:     "a service killed for memory fails",
			services: []Service{web},
			steps: func(e *fakeEngine) []step {
				return []step{
					{set: []fakeCtr{{id: "w1", service: "web", status: container.StateRunning}}, ev: ev(e, "w1", "web", events.ActionStart, 1)},
					{ev: ev(e, "w1", "web", events.ActionOOM, 2)},
					{set: []fakeCtr{{id: "w1", service: "web", status: container.StateExited, exitCode: 137, oom: true}}, ev: ev(e, "w1", "web", events.ActionDie, 2, "exitCode", "137")},
				}
			},
			wantErr:    []error{ErrExited},
			wantFailed: "web",
		},
		{
			name:     "an exit replayed from before the wait does not fail a service stopped earlier",
			services: []Service{db, redis},
			initial: []fakeCtr{
				{id: "db1", service: "db", status: container.StateRunning, health: container.Healthy, started: at(-60)},
				{id: "r1", service: "redis", status: container.StateExited, exitCode: 0, started: at(-60), finished: at(-0.5)},
			},
			steps: func(e *fakeEngine) []step {
				return []step{
					// the events of the restore's stop, replayed: the die
					// without the kill before it, which fell before Since
					{ev: ev(e, "r1", "redis", events.ActionDie, -0.5, "exitCode", "0")},
					{ev: ev(e, "r1", "redis", events.ActionStop, -0.5)},
					{set: []fakeCtr{{id: "r1", service: "redis", status: container.StateRunning, health: container.Starting, started: at(1)}}, ev: ev(e, "r1", "redis", events.ActionStart, 1)},
					{up: upOK()},
					{set: []fakeCtr{{id: "r1", service: "redis", status: container.StateRunning, health: container.Healthy, started: at(1)}}, ev: ev(e, "r1", "redis", events.ActionHealthStatusHealthy, 2)},
				}
			},
			wantLast:   "redis",
			wantLastAt: at(2),
		},
		{
			name:     "a service the restart policy brings back is ready, and the wait says it restarted",
			services: []Service{web, redis},
			steps: func(e *fakeEngine) []step {
				return []step{
					{set: []fakeCtr{{id: "w1", service: "web", status: container.StateRunning, started: at(0.5)}}, ev: ev(e, "w1", "web", events.ActionStart, 0.5)},
					{set: []fakeCtr{{id: "r1", service: "redis", status: container.StateRunning, health: container.Starting, started: at(1)}}, ev: ev(e, "r1", "redis", events.ActionStart, 1)},
					{up: upOK()},
					{set: []fakeCtr{{id: "r1", service: "redis", status: container.StateRestarting, exitCode: 1, started: at(1), restarts: 1}}, ev: ev(e, "r1", "redis", events.ActionDie, 2, "exitCode", "1")},
					{set: []fakeCtr{{id: "r1", service: "redis", status: container.StateRunning, health: container.Starting, started: at(2.1), restarts: 1}}, ev: ev(e, "r1", "redis", events.ActionStart, 2.1)},
					{set: []fakeCtr{{id: "r1", service: "redis", status: container.StateRunning, health: container.Healthy, started: at(2.1), restarts: 1}}, ev: ev(e, "r1", "redis", events.ActionHealthStatusHealthy, 3)},
				}
			},
			wantLast:   "redis",
			wantLastAt: at(3),
			wantDetail: map[string]string{"redis": "healthy, restarted once"},
		},
		{
			name:     "a service in a crash loop fails with its restart count",
			services: []Service{redis},
			steps: func(e *fakeEngine) []step {
				var steps []step
				for i := 1; i <= 5; i++ {
					sec := float64(i)
					steps = append(steps,
						step{set: []fakeCtr{{id: "r1", service: "redis", status: container.StateRunning, health: container.Starting, started: at(sec), restarts: i - 1}}, ev: ev(e, "r1", "redis", events.ActionStart, sec)},
						step{set: []fakeCtr{{id: "r1", service: "redis", status: container.StateRestarting, exitCode: 2, started: at(sec), restarts: i}}, ev: ev(e, "r1", "redis", events.ActionDie, sec+0.5, "exitCode", "2")},
					)
				}
				return steps
			},
			wantErr:    []error{ErrCrashLoop},
			wantFailed: "redis",
		},
		{
			name:     "a reload signal is not a stop: the exit after it is still a failure",
			services: []Service{nginx},
			steps: func(e *fakeEngine) []step {
				return []step{
					{set: []fakeCtr{{id: "n1", service: "nginx", status: container.StateRunning, health: container.Starting, started: at(1)}}, ev: ev(e, "n1", "nginx", events.ActionStart, 1)},
					{ev: ev(e, "n1", "nginx", events.ActionKill, 2, "signal", "1")},
					{set: []fakeCtr{{id: "n1", service: "nginx", status: container.StateExited, exitCode: 1, started: at(1)}}, ev: ev(e, "n1", "nginx", events.ActionDie, 3, "exitCode", "1")},
				}
			},
			wantErr:    []error{ErrExited},
			wantFailed: "nginx",
			wantExit:   1,
		},
		{
			name:     "health events of services not waited for are ignored",
			services: []Service{web},
			steps: func(e *fakeEngine) []step {
				return []step{
					{ev: ev(e, "x1", "other", events.ActionHealthStatusUnhealthy, 1)},
					{set: []fakeCtr{{id: "w1", service: "web", status: container.StateRunning}}, ev: ev(e, "w1", "web", events.ActionStart, 1)},
					{ev: ev(e, "w1", "web", events.Action("exec_die"), 1.2, "exitCode", "1")},
					{up: upOK()},
				}
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err, changes := runWait(t, tc)
			if len(tc.wantErr) == 0 {
				if err != nil {
					t.Fatalf("wait failed: %v", err)
				}
				if tc.wantLast != "" && (res.LastService != tc.wantLast || !res.LastEngineReady.Equal(tc.wantLastAt)) {
					t.Errorf("last ready = %s at %v, want %s at %v", res.LastService, res.LastEngineReady, tc.wantLast, tc.wantLastAt)
				}
				for _, s := range res.Services {
					if s.Phase != PhaseReady {
						t.Errorf("service %s: phase %s, want ready", s.Service, s.Phase)
					}
					if want, ok := tc.wantDetail[s.Service]; ok && s.Detail != want {
						t.Errorf("service %s: detail %q, want %q", s.Service, s.Detail, want)
					}
					if s.SeenAt.IsZero() {
						t.Errorf("service %s: SeenAt not recorded", s.Service)
					}
				}
				return
			}
			if err == nil {
				t.Fatalf("wait succeeded, want %v", tc.wantErr)
			}
			for _, want := range tc.wantErr {
				if !errors.Is(err, want) {
					t.Errorf("error %q does not match %q", err, want)
				}
			}
			var we *WaitError
			if !errors.As(err, &we) {
				t.Fatalf("error %T is not a *WaitError", err)
			}
			if tc.wantFailed != "" {
				if len(we.Failed) == 0 || we.Failed[0].Service != tc.wantFailed {
					t.Errorf("failed services %+v, want %s", we.Failed, tc.wantFailed)
				}
				if !strings.Contains(err.Error(), `"`+tc.wantFailed+`"`) {
					t.Errorf("error %q does not name %s", err, tc.wantFailed)
				}
				if tc.wantExit != 0 && we.Failed[0].ExitCode != tc.wantExit {
					t.Errorf("exit code %d, want %d", we.Failed[0].ExitCode, tc.wantExit)
				}
			}
			for svc, want := range tc.wantDetail {
				found := false
				for _, s := range we.Pending {
					if s.Service == svc {
						found = true
						if s.Detail != want {
							t.Errorf("pending %s: detail %q, want %q", svc, s.Detail, want)
						}
					}
				}
				if !found {
					t.Errorf("service %s not among the pending %+v", svc, we.Pending)
				}
			}
			if len(changes) == 0 {
				t.Error("no progress was reported")
			}
		})
	}
}

// runWait runs WaitHealthy against a scripted engine, feeding each step
// only after the wait has taken in the previous one.
func runWait(t *testing.T, tc waitCase) (*Result, error, []ServiceState) {
	t.Helper()
	e := newFakeEngine("proj")
	for _, c := range tc.initial {
		e.set(c)
	}
	c := &Client{API: e.api()}
	handled := make(chan struct{})
	upDone := make(chan error, 1)
	var changes []ServiceState
	opts := WaitOptions{Project: "proj", Services: tc.services, UpDone: upDone, handled: handled,
		OnChange: func(s ServiceState) { changes = append(changes, s) }}
	if tc.composeDone {
		opts.UpDone = nil
	}
	timeout := tc.timeout
	if timeout == 0 {
		timeout = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	type outcome struct {
		res *Result
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		res, err := c.WaitHealthy(ctx, opts)
		done <- outcome{res, err}
	}()
	guard := time.After(20 * time.Second)
	wait := func() (outcome, bool) {
		select {
		case <-handled:
			return outcome{}, false
		case o := <-done:
			return o, true
		case <-guard:
			t.Fatal("the wait hung")
		}
		return outcome{}, true
	}
	if o, ended := wait(); ended {
		return o.res, o.err, changes
	}
	var steps []step
	if tc.steps != nil {
		steps = tc.steps(e)
	}
	for _, s := range steps {
		for _, c := range s.set {
			e.set(c)
		}
		if s.remove != "" {
			e.remove(s.remove)
		}
		if s.up != nil {
			upDone <- *s.up
		}
		if s.ev != nil {
			select {
			case e.events <- *s.ev:
			case o := <-done:
				return o.res, o.err, changes
			}
		}
		if o, ended := wait(); ended {
			return o.res, o.err, changes
		}
	}
	for {
		if o, ended := wait(); ended {
			return o.res, o.err, changes
		}
	}
}

func TestWaitHealthySubscribesBeforeListing(t *testing.T) {
	e := newFakeEngine("proj")
	var order []string
	api := e.api()
	subscribe, list := api.EventsFn, api.ListFn
	api.EventsFn = func(ctx context.Context, o events.ListOptions) (<-chan events.Message, <-chan error) {
		order = append(order, "events")
		return subscribe(ctx, o)
	}
	api.ListFn = func(ctx context.Context, o container.ListOptions) ([]container.Summary, error) {
		order = append(order, "list")
		return list(ctx, o)
	}
	e.set(fakeCtr{id: "w1", service: "web", status: container.StateRunning})
	c := &Client{API: api, Now: func() time.Time { return t0 }}
	if _, err := c.WaitHealthy(context.Background(), WaitOptions{Project: "proj", Services: []Service{web}}); err != nil {
		t.Fatal(err)
	}
	if strings.Join(order, ",") != "events,list" {
		t.Errorf("calls in order %v, want events before list", order)
	}
	if e.since != "1777636799.000000000" {
		t.Errorf("events replayed since %q, want one second before now", e.since)
	}
}

// startWait runs WaitHealthy in the background against e, compose done,
// and returns a function that waits for the next handled step (false when
// the wait has ended) and the outcome channel.
func startWait(t *testing.T, e *fakeEngine, services []Service) (next func() bool, done <-chan error) {
	t.Helper()
	c := &Client{API: e.api()}
	handled := make(chan struct{})
	out := make(chan error, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	go func() {
		_, err := c.WaitHealthy(ctx, WaitOptions{Project: "proj", Services: services, handled: handled, retry: time.Millisecond})
		out <- err
	}()
	final := make(chan error, 1)
	ended := false
	next = func() bool {
		if ended {
			return false
		}
		select {
		case <-handled:
			return true
		case err := <-out:
			ended = true
			final <- err
			return false
		case <-time.After(15 * time.Second):
			t.Fatal("the wait hung")
		}
		return false
	}
	return next, final
}

func TestWaitHealthyResubscribesWhenTheStreamBreaks(t *testing.T) {
	e := newFakeEngine("proj")
	e.set(fakeCtr{id: "db1", service: "db", status: container.StateRunning, health: container.Starting, started: at(1)})
	next, done := startWait(t, e, []Service{db})
	if !next() {
		t.Fatal("the wait ended before the stream broke")
	}
	// The container turns healthy while no stream is there to say so: the
	// state read after subscribing again must catch it.
	e.set(fakeCtr{id: "db1", service: "db", status: container.StateRunning, health: container.Healthy, started: at(1)})
	e.cut(errors.New("unexpected EOF"))
	for next() {
	}
	if err := <-done; err != nil {
		t.Fatalf("wait failed after the stream broke: %v", err)
	}
	e.mu.Lock()
	subs := e.subscriptions
	e.mu.Unlock()
	if subs != 2 {
		t.Errorf("%d subscriptions, want 2 (the first and one after the break)", subs)
	}
}

func TestWaitHealthyEngineGoneIsNotAServiceFailure(t *testing.T) {
	e := newFakeEngine("proj")
	e.set(fakeCtr{id: "db1", service: "db", status: container.StateRunning, health: container.Starting, started: at(1)})
	next, done := startWait(t, e, []Service{db})
	if !next() {
		t.Fatal("the wait ended before the stream broke")
	}
	// The daemon restarts: the stream breaks, pings fail for a while, and
	// when it answers again it has stopped the container.
	e.mu.Lock()
	e.pingFails = 3
	e.mu.Unlock()
	e.set(fakeCtr{id: "db1", service: "db", status: container.StateExited, exitCode: 255, started: at(1)})
	e.cut(errors.New("unexpected EOF"))
	for next() {
	}
	err := <-done
	if !errors.Is(err, ErrEngineLost) {
		t.Fatalf("error %v, want ErrEngineLost", err)
	}
	if errors.Is(err, ErrExited) {
		t.Errorf("error %v blames the service for the engine's restart", err)
	}
}
