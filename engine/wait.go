package engine

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/events"
	"github.com/docker/docker/api/types/filters"

	"github.com/stackgen/stackgen/internal/units"

	"github.com/stackgen/stackgen/internal/msg"
)

// Phase is where a service is on its way to ready.
type Phase string

const (
	// PhaseWaiting: no current container yet (compose has not created it,
	// or it is being recreated, or it is left from an earlier run).
	PhaseWaiting Phase = "waiting"
	// PhaseCreated: created, not started.
	PhaseCreated Phase = "created"
	// PhaseStarting: running, its health check not passing yet (or a
	// one-shot job still running).
	PhaseStarting Phase = "starting"
	// PhaseReady: healthy, running without a health check, or a one-shot
	// job that exited 0.
	PhaseReady Phase = "ready"
	// PhaseFailed: see the Failure kind.
	PhaseFailed Phase = "failed"
)

// Failure says how a service failed.
type Failure string

const (
	FailExited      Failure = "exited"
	FailUnhealthy   Failure = "unhealthy"
	FailOOM         Failure = "oom"
	FailNotStarted  Failure = "not-started"
	FailNoContainer Failure = "no-container"
	// FailCrashLoop: the restart policy keeps restarting it.
	FailCrashLoop Failure = "crash-loop"
)

// Errors a failed wait matches with errors.Is, one per kind of failure.
var (
	ErrExited      = errors.New("a service exited")
	ErrUnhealthy   = errors.New("a service is unhealthy")
	ErrNotStarted  = errors.New("a service was not started")
	ErrNoContainer = errors.New("a service has no container")
	ErrCrashLoop   = errors.New("a service keeps restarting")
	ErrTimeout     = errors.New("timed out waiting for the services")
	// ErrEngineLost: the Docker engine stopped answering (or restarted)
	// during the wait; what it did to the containers is not a service's
	// failure.
	ErrEngineLost = errors.New("the Docker engine stopped answering during the wait")
	ErrUpFailed   = errors.New("docker compose up failed")
)

// ServiceState is one service's progress.
type ServiceState struct {
	Service string `json:"service"`
	Phase   Phase  `json:"phase"`
	// Detail says it in words: "health: starting", "healthy",
	// "running (no health check)", "completed", "exited with code 1".
	Detail string `json:"detail"`
	// Say is Detail as a catalogue message, to print in the reader's
	// language (Detail stays English: the phase logic and --json read it).
	Say         msg.Sub `json:"-"`
	Failure     Failure `json:"failure,omitempty"`
	OneShot     bool    `json:"one_shot,omitempty"`
	Container   string  `json:"container,omitempty"`
	ContainerID string  `json:"container_id,omitempty"`
	ExitCode    int     `json:"exit_code,omitempty"`
	// Restarts is how often the engine restarted the container under its
	// restart policy during the wait.
	Restarts int `json:"restarts,omitempty"`
	// EngineAt is when the engine reported the state (the event's
	// timestamp: the health check that passed, the exit, the start).
	EngineAt time.Time `json:"engine_at,omitempty"`
	// SeenAt is when stackgen learned it.
	SeenAt time.Time `json:"seen_at,omitempty"`
}

// Result is a successful wait.
type Result struct {
	Services []ServiceState
	// ReadyAt is when stackgen saw every service ready.
	ReadyAt time.Time
	// LastEngineReady is the engine's timestamp of the last service to
	// become ready (LastService); ReadyAt minus it is stackgen's delay.
	LastEngineReady time.Time
	LastService     string
}

// WaitError is a failed wait: the failed services, the ones not ready, and
// why the wait stopped.
type WaitError struct {
	Failed  []ServiceState
	Pending []ServiceState
	Timeout bool
	// UpErr is the error of `docker compose up`, when it failed.
	UpErr error
	// Cause is what else stopped the wait (cancellation, a lost event
	// stream).
	Cause error
}

func (e *WaitError) Error() string { return e.message().Error() }

// As hands the catalogue message to a wrapper or root (see asMsg).
func (e *WaitError) As(target any) bool { return asMsg(e.message(), target) }

// message is the failed wait in words. A service's Detail stays as the
// wait wrote it (it is also the --json progress field).
func (e *WaitError) message() error {
	switch {
	case len(e.Failed) > 0:
		var parts []msg.Sub
		for _, s := range e.Failed {
			parts = append(parts, failureText(s))
		}
		return msg.Err("engine.err.wait-failed", msg.Args{"Services": list("engine.list.semicolon", parts)})
	case e.Timeout:
		return msg.Err("engine.err.wait-timeout", msg.Args{"Pending": pendingText(e.Pending)})
	case e.UpErr != nil:
		return msg.Err("engine.err.up-failed", msg.Args{"Err": e.UpErr})
	case e.Cause != nil:
		if len(e.Pending) > 0 {
			return msg.Err("engine.err.wait-stopped-pending", msg.Args{"Err": e.Cause, "Pending": pendingText(e.Pending)})
		}
		return msg.Err("engine.err.wait-stopped", msg.Args{"Err": e.Cause})
	}
	return msg.Err("engine.err.wait")
}

func failureText(s ServiceState) msg.Sub {
	a := msg.Args{"Service": s.Service, "Detail": s.Detail, "Code": s.ExitCode}
	switch s.Failure {
	case FailUnhealthy:
		return msg.Sub{ID: "engine.fail.unhealthy", Args: a}
	case FailExited:
		return msg.Sub{ID: "engine.fail.exited", Args: a}
	case FailOOM:
		return msg.Sub{ID: "engine.fail.oom", Args: a}
	case FailNotStarted:
		return msg.Sub{ID: "engine.fail.not-started", Args: a}
	case FailNoContainer:
		return msg.Sub{ID: "engine.fail.no-container", Args: a}
	}
	return msg.Sub{ID: "engine.fail.detail", Args: a}
}

func pendingText(states []ServiceState) any {
	var parts []msg.Sub
	for _, s := range states {
		parts = append(parts, msg.Sub{ID: "engine.wait.pending", Args: msg.Args{"Service": s.Service, "Detail": s.Detail}})
	}
	if len(parts) == 0 {
		return msg.Sub{ID: "engine.wait.the-services"}
	}
	return list("engine.list.comma", parts)
}

// list joins parts with the separator message id ("{{.First}}, {{.Then}}"),
// in the language of the message it is put in.
func list(id string, parts []msg.Sub) any {
	if len(parts) == 1 {
		return parts[0]
	}
	return msg.Sub{ID: id, Args: msg.Args{"First": parts[0], "Then": list(id, parts[1:])}}
}

// Unwrap lets errors.Is match the failure kinds.
func (e *WaitError) Unwrap() []error {
	var out []error
	for _, s := range e.Failed {
		switch s.Failure {
		case FailUnhealthy:
			out = append(out, ErrUnhealthy)
		case FailExited, FailOOM:
			out = append(out, ErrExited)
		case FailNotStarted:
			out = append(out, ErrNotStarted)
		case FailNoContainer:
			out = append(out, ErrNoContainer)
		case FailCrashLoop:
			out = append(out, ErrCrashLoop)
		}
	}
	if e.Timeout {
		out = append(out, ErrTimeout)
	}
	if e.UpErr != nil {
		out = append(out, ErrUpFailed, e.UpErr)
	}
	if e.Cause != nil {
		out = append(out, e.Cause)
	}
	return out
}

// WaitOptions say what to wait for.
type WaitOptions struct {
	Project  string
	Services []Service
	// UpDone delivers the outcome of the `docker compose up` that runs
	// meanwhile. Until it arrives, a container that was not running when
	// the wait began and has not been started since is taken as left from
	// an earlier run: compose is about to start or replace it. Nil means
	// compose has already finished.
	UpDone <-chan error
	// Since is when to replay events from, so that none is lost between
	// subscribing and listing (default: one second ago). Replayed events
	// only make the wait look at a container again: what it judges is the
	// container's state as the engine reports it now.
	Since time.Time
	// MaxRestarts is how many restarts by the engine's restart policy the
	// wait tolerates before it calls the service crash-looping (default
	// DefaultMaxRestarts).
	MaxRestarts int
	// OnChange is called on every change of a service's state.
	OnChange func(ServiceState)

	// handled, in tests, is told each time the wait has taken in the
	// initial state or one event.
	handled chan<- struct{}
	// retry, in tests, replaces the pause between attempts to reach the
	// engine again.
	retry time.Duration
}

// DefaultMaxRestarts: a service that crashes once or twice and then comes
// up is slow, not broken; one restarted this often in one wait is a crash
// loop (the engine's back-off makes that a few seconds).
const DefaultMaxRestarts = 5

// WaitHealthy waits until every service is ready: healthy when it has a
// health check, running when it has none, exited 0 when it is a one-shot
// job. It subscribes to the project's container events first, then reads
// the containers' current state, then follows the events; it never polls.
//
// It judges a container only on what happened to it after the wait began:
// an instance that had stopped before (a service `restore` stopped, a job of
// an earlier run) waits for compose; a long-running service that exits
// fails only when its restart policy does not bring it back, or brings it
// back too often (ErrCrashLoop). A dropped event stream is subscribed to
// again, with the state re-read; an engine that stops answering ends the
// wait with ErrEngineLost, not with a service's failure. Otherwise it fails
// as soon as a service fails (exits, turns unhealthy, is killed for
// memory), when compose up fails, and when ctx ends (ErrTimeout for a
// deadline). Nothing is stopped or removed.
func (c *Client) WaitHealthy(ctx context.Context, opts WaitOptions) (*Result, error) {
	w := &waiter{c: c, opts: opts, specs: map[string]Service{}, ctrs: map[string]*tracked{},
		last: map[string]ServiceState{}, seen: map[string]time.Time{}}
	if w.opts.MaxRestarts <= 0 {
		w.opts.MaxRestarts = DefaultMaxRestarts
	}
	for _, s := range opts.Services {
		if s.Replicas < 1 {
			s.Replicas = 1
		}
		w.specs[s.Name] = s
		w.order = append(w.order, s.Name)
	}
	since := opts.Since
	if since.IsZero() {
		since = c.now().Add(-time.Second)
	}
	msgs, errs := w.subscribe(ctx, since)
	defer w.unsubscribe()
	upDone := opts.UpDone
	w.upDone = upDone == nil
	if err := w.snapshot(ctx); err != nil {
		return nil, w.stopped(ctx, err)
	}
	for {
		w.signal()
		if res, err, done := w.check(); done {
			return res, err
		}
		select {
		case m := <-msgs:
			if m.TimeNano != 0 {
				w.lastEvent = time.Unix(0, m.TimeNano)
			}
			if err := w.handle(ctx, m); err != nil {
				return nil, w.stopped(ctx, err)
			}
		case err := <-errs:
			if ctx.Err() != nil {
				return nil, w.stopped(ctx, ctx.Err())
			}
			// The stream broke (a proxy's idle timeout, the daemon going
			// away): subscribe again from the last event seen, then read
			// every container again so that nothing in the gap is missed.
			w.unsubscribe()
			resumeAt := w.lastEvent
			if resumeAt.IsZero() {
				resumeAt = since
			}
			if rerr := w.reconnect(ctx, err); rerr != nil {
				return nil, w.stopped(ctx, rerr)
			}
			msgs, errs = w.subscribe(ctx, resumeAt)
			if err := w.reread(ctx); err != nil {
				return nil, w.stopped(ctx, err)
			}
		case err := <-upDone:
			upDone = nil
			w.upDone, w.upErr = true, err
			if err := w.reread(ctx); err != nil {
				return nil, w.stopped(ctx, err)
			}
		case <-ctx.Done():
			return nil, w.stopped(ctx, ctx.Err())
		}
	}
}

// subscribe follows the project's container events from since, on a
// context of its own so that a broken stream can be let go.
func (w *waiter) subscribe(ctx context.Context, since time.Time) (<-chan events.Message, <-chan error) {
	w.unsubscribe()
	sctx, cancel := context.WithCancel(ctx)
	w.cancelSub = cancel
	w.subscriptions++
	return w.c.API.Events(sctx, events.ListOptions{
		Since: fmt.Sprintf("%d.%09d", since.Unix(), since.Nanosecond()),
		Filters: filters.NewArgs(
			filters.Arg("type", string(events.ContainerEventType)),
			filters.Arg("label", LabelProject+"="+w.opts.Project),
		),
	})
}

func (w *waiter) unsubscribe() {
	if w.cancelSub != nil {
		w.cancelSub()
		w.cancelSub = nil
	}
}

// reconnect waits until the engine answers again after the event stream
// broke. An engine that answers at once only dropped the stream; one that
// did not answer for a while went away (restarted, or the connection to a
// remote one broke), and what it did to the containers meanwhile says
// nothing about the services: the wait ends with ErrEngineLost.
func (w *waiter) reconnect(ctx context.Context, cause error) error {
	pause := w.opts.retry
	if pause <= 0 {
		pause = 200 * time.Millisecond
	}
	for attempt := 0; ; attempt++ {
		if _, err := w.c.API.Ping(ctx); err == nil {
			if attempt == 0 {
				return nil
			}
			return msg.Err("engine.err.engine-back", msg.Args{"Kind": ErrEngineLost})
		} else if ctx.Err() != nil {
			return msg.Err("engine.err.engine-lost", msg.Args{"Cause": cause.Error(), "Kind": ErrEngineLost})
		}
		select {
		case <-ctx.Done():
			return msg.Err("engine.err.engine-lost", msg.Args{"Cause": cause.Error(), "Kind": ErrEngineLost})
		case <-time.After(pause):
		}
		if pause < 2*time.Second {
			pause *= 2
		}
	}
}

// tracked is one container the wait follows.
type tracked struct {
	id, name, service string
	// pre: the container existed when the wait began; preRunning and
	// preStarted are what it was then. One that was not running and has
	// not been started since is an earlier run's.
	pre, preRunning bool
	preStarted      time.Time
	preRestarts     int
	started         time.Time
	// stopping: someone (compose recreating it, restore, down) stopped it;
	// its exit is not a failure.
	stopping bool
	running  bool
	// restarts during the wait, and when the first was seen.
	restarts     int
	firstRestart time.Time
	phase        Phase
	detail       string
	say          msg.Sub
	failure      Failure
	exitCode     int
	engineAt     time.Time
}

// earlier says the container is an instance left from before the wait: not
// running when the wait began, and not started since.
func (t *tracked) earlier() bool {
	return t.pre && !t.preRunning && !t.running && t.started.Equal(t.preStarted)
}

type waiter struct {
	c             *Client
	opts          WaitOptions
	specs         map[string]Service
	order         []string
	ctrs          map[string]*tracked
	upDone        bool
	upErr         error
	last          map[string]ServiceState
	seen          map[string]time.Time
	lastEvent     time.Time
	subscriptions int
	cancelSub     context.CancelFunc
}

func (w *waiter) signal() {
	if w.opts.handled != nil {
		w.opts.handled <- struct{}{}
	}
}

// stale says a container is an earlier run's while compose is still at
// work: it is compose's to start or replace, not the wait's to judge.
func (w *waiter) stale(t *tracked) bool { return !w.upDone && t.earlier() }

// snapshot reads the containers that exist when the wait begins.
func (w *waiter) snapshot(ctx context.Context) error {
	ids, err := w.list(ctx)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if _, err := w.track(ctx, id, true); err != nil {
			return err
		}
	}
	return nil
}

// reread inspects every container again: after compose up has finished
// (from then on, what is there is what compose left) and after the event
// stream was lost.
func (w *waiter) reread(ctx context.Context) error {
	ids, err := w.list(ctx)
	if err != nil {
		return err
	}
	present := map[string]bool{}
	for _, id := range ids {
		present[id] = true
		if _, err := w.track(ctx, id, false); err != nil {
			return err
		}
	}
	for id := range w.ctrs {
		if !present[id] {
			delete(w.ctrs, id)
		}
	}
	return nil
}

// list returns the IDs of the project's containers of the services waited
// for.
func (w *waiter) list(ctx context.Context) ([]string, error) {
	list, err := w.c.API.ContainerList(ctx, container.ListOptions{All: true, Filters: projectFilter(w.opts.Project)})
	if err != nil {
		return nil, w.c.apiErr(ctx, msg.Sub{ID: "engine.api.list-containers"}, err)
	}
	var ids []string
	for _, s := range list {
		if strings.EqualFold(s.Labels[LabelOneoff], "true") {
			continue
		}
		if _, ok := w.specs[s.Labels[LabelService]]; !ok {
			continue
		}
		ids = append(ids, s.ID)
	}
	return ids, nil
}

// track inspects a container and records its state; a container removed
// meanwhile is forgotten (nil, nil). initial marks the containers found
// when the wait began.
func (w *waiter) track(ctx context.Context, id string, initial bool) (*tracked, error) {
	r, err := w.c.API.ContainerInspect(ctx, id)
	if err != nil {
		if isNotFound(err) {
			delete(w.ctrs, id)
			return nil, nil
		}
		return nil, w.c.apiErr(ctx, msg.Sub{ID: "engine.api.inspect-container", Args: msg.Args{"Container": units.ShortID(id)}}, err)
	}
	ct := fromInspect(r)
	t := w.ctrs[id]
	if t == nil {
		t = &tracked{id: id}
		if initial {
			t.pre = true
			t.preRunning = ct.State == string(container.StateRunning) || ct.State == string(container.StateRestarting)
			t.preStarted = ct.StartedAt
		}
		t.preRestarts = ct.RestartCount
		w.ctrs[id] = t
	}
	t.name, t.service = ct.Name, ct.Service
	w.apply(t, ct)
	return t, nil
}

// apply sets a container's phase from its state as the engine reports it.
func (w *waiter) apply(t *tracked, ct Container) {
	oneShot := w.specs[t.service].OneShot
	t.failure, t.exitCode, t.started = "", ct.ExitCode, ct.StartedAt
	t.running = ct.State == string(container.StateRunning)
	if n := ct.RestartCount - t.preRestarts; n > t.restarts {
		if t.restarts == 0 {
			t.firstRestart = w.c.now()
		}
		t.restarts = n
	}
	switch container.ContainerState(ct.State) {
	case container.StateCreated:
		t.phase = PhaseCreated
		t.state("engine.state.created", nil)
	case container.StateRunning:
		t.stopping = false
		switch {
		case oneShot:
			t.phase = PhaseStarting
			t.state("engine.state.running", nil)
		case ct.Health == "":
			t.phase, t.engineAt = PhaseReady, ct.StartedAt
			t.state("engine.state.running-no-check", nil)
		case ct.Health == string(container.Healthy):
			t.phase, t.engineAt = PhaseReady, lastPassed(ct)
			t.state("engine.state.healthy", nil)
		case ct.Health == string(container.Unhealthy):
			t.phase, t.failure = PhaseFailed, FailUnhealthy
			t.state("engine.state.unhealthy", nil)
		default:
			t.phase = PhaseStarting
			t.state("engine.state.health-starting", nil)
		}
	case container.StateRestarting:
		// The engine's restart policy is bringing it back: not a failure,
		// unless it keeps doing so.
		t.phase = PhaseStarting
		t.state("engine.state.restarting", msg.Args{"Code": ct.ExitCode})
	case container.StateExited, container.StateDead:
		switch {
		case t.stopping:
			t.phase = PhaseWaiting
			t.state("engine.state.stopped", nil)
		case ct.OOMKilled:
			t.phase, t.failure, t.engineAt = PhaseFailed, FailOOM, ct.FinishedAt
			t.state("engine.state.oom", nil)
		case oneShot && ct.ExitCode == 0:
			t.phase, t.engineAt = PhaseReady, ct.FinishedAt
			t.state("engine.state.completed", nil)
		default:
			t.phase, t.failure, t.engineAt = PhaseFailed, FailExited, ct.FinishedAt
			t.state("engine.state.exited", msg.Args{"Code": ct.ExitCode})
		}
	case container.StateRemoving:
		t.stopping = true
		t.phase = PhaseWaiting
		t.state("engine.state.removing", nil)
	default: // paused
		t.phase = PhaseStarting
		t.state("engine.state.other", msg.Args{"State": ct.State})
	}
	if t.restarts > 0 && t.phase != PhaseFailed {
		if t.restarts >= w.opts.MaxRestarts && !(t.phase == PhaseReady && !oneShot && ct.Health != "") {
			// A healthy service that restarted this often still counts
			// as ready only when its health check says so.
			t.phase, t.failure = PhaseFailed, FailCrashLoop
			t.state("engine.state.crash-loop", msg.Args{"Times": t.restarts, "Took": w.c.now().Sub(t.firstRestart).Round(100 * time.Millisecond).String(), "Code": ct.ExitCode})
			return
		}
		t.state("engine.state.restarted", msg.Args{"State": t.say, "Times": t.restarts})
	}
}

// state sets the container's state in words: Say for people, Detail its
// English (which the phase logic and --json read).
func (t *tracked) state(id string, args msg.Args) {
	t.say = msg.Sub{ID: id, Args: args}
	t.detail = msg.English().T(id, args)
}

func (s *ServiceState) state(id string, args msg.Args) {
	s.Say = msg.Sub{ID: id, Args: args}
	s.Detail = msg.English().T(id, args)
}

// lastPassed is when the last passing health check ended.
func lastPassed(ct Container) time.Time {
	for i := len(ct.HealthLog) - 1; i >= 0; i-- {
		if ct.HealthLog[i].ExitCode == 0 {
			return ct.HealthLog[i].End
		}
	}
	return ct.StartedAt
}

// handle takes in one engine event. Every event makes the wait inspect the
// container again and judge what the engine reports now, so an event
// replayed from before the wait (the exit of an instance a restore
// stopped) can never fail a service.
func (w *waiter) handle(ctx context.Context, m events.Message) error {
	action := string(m.Action)
	if strings.HasPrefix(action, "exec_") || strings.EqualFold(m.Actor.Attributes[LabelOneoff], "true") {
		return nil
	}
	if _, ok := w.specs[m.Actor.Attributes[LabelService]]; !ok {
		return nil
	}
	id := m.Actor.ID
	at := time.Unix(0, m.TimeNano)
	if m.TimeNano == 0 {
		at = time.Unix(m.Time, 0)
	}
	if action == string(events.ActionDestroy) {
		delete(w.ctrs, id)
		return nil
	}
	stops := action == string(events.ActionStop) || (action == string(events.ActionKill) && !reloadSignal(m.Actor.Attributes["signal"]))
	if t := w.ctrs[id]; t != nil && stops {
		// Someone stops it (compose recreating it, a restore): its exit
		// that follows is not a failure. Set before inspecting, which
		// may already show it exited.
		t.stopping = true
	}
	t, err := w.track(ctx, id, false)
	if err != nil || t == nil {
		return err
	}
	if stops {
		t.stopping = true
		if !t.running && t.phase == PhaseFailed && t.failure == FailExited {
			t.phase, t.failure = PhaseWaiting, ""
			t.state("engine.state.stopped", nil)
		}
	}
	if strings.HasPrefix(action, string(events.ActionHealthStatus)) && t.phase == PhaseReady && strings.HasPrefix(t.detail, "healthy") {
		t.engineAt = at // the event's moment is the engine's own
	}
	return nil
}

// reloadSignal says a kill event only asked the process to reload or
// reopen its logs (nginx -s reload, logrotate), not to stop.
func reloadSignal(sig string) bool {
	switch strings.TrimPrefix(strings.ToUpper(sig), "SIG") {
	case "1", "HUP", "10", "USR1", "12", "USR2", "28", "WINCH":
		return true
	}
	return false
}

// service sums up one service from its containers.
func (w *waiter) service(name string) ServiceState {
	spec := w.specs[name]
	s := ServiceState{Service: name, OneShot: spec.OneShot, Phase: PhaseWaiting}
	s.state("engine.state.not-created", nil)
	var live, stale []*tracked
	stopping := 0
	for _, t := range w.ctrs {
		if t.service != name {
			continue
		}
		if t.stopping && !t.running {
			stopping++
			continue
		}
		if w.stale(t) {
			stale = append(stale, t)
		} else {
			live = append(live, t)
		}
	}
	sort.Slice(live, func(i, j int) bool { return live[i].name < live[j].name })
	sort.Slice(stale, func(i, j int) bool { return stale[i].name < stale[j].name })
	fill := func(t *tracked) {
		s.Phase, s.Detail, s.Say, s.Failure = t.phase, t.detail, t.say, t.failure
		s.Container, s.ContainerID, s.ExitCode, s.EngineAt = t.name, t.id, t.exitCode, t.engineAt
		s.Restarts = t.restarts
	}
	for _, t := range live {
		if t.phase == PhaseFailed {
			fill(t)
			return s
		}
	}
	var ready []*tracked
	for _, t := range live {
		if t.phase == PhaseReady {
			ready = append(ready, t)
		}
	}
	if len(ready) >= spec.Replicas {
		fill(ready[0])
		for _, t := range ready {
			if t.engineAt.After(s.EngineAt) {
				s.EngineAt = t.engineAt
			}
			s.Restarts = max(s.Restarts, t.restarts)
		}
		return s
	}
	rank := map[Phase]int{PhaseStarting: 3, PhaseReady: 2, PhaseCreated: 1}
	var best *tracked
	for _, t := range live {
		if best == nil || rank[t.phase] > rank[best.phase] {
			best = t
		}
	}
	switch {
	case best != nil && best.phase != PhaseWaiting:
		fill(best)
		if best.phase == PhaseReady { // some replicas ready, not all
			s.Phase = PhaseStarting
			s.state("engine.state.some-ready", msg.Args{"Ready": len(ready), "Replicas": spec.Replicas})
		}
	case len(stale) > 0:
		s.state("engine.state.stale", msg.Args{"State": stale[0].say})
		s.Container, s.ContainerID = stale[0].name, stale[0].id
	case best != nil || stopping > 0:
		s.state("engine.state.recreated", nil)
	case w.upDone && w.upErr == nil:
		s.Phase, s.Failure = PhaseFailed, FailNoContainer
		s.state("engine.state.no-container", nil)
	}
	return s
}

// check reports changes and decides whether the wait is over.
func (w *waiter) check() (*Result, error, bool) {
	now := w.c.now()
	var states, failed, pending []ServiceState
	for _, name := range w.order {
		s := w.service(name)
		if s.Phase == PhaseReady {
			if _, ok := w.seen[name]; !ok {
				w.seen[name] = now
			}
			s.SeenAt = w.seen[name]
		} else {
			delete(w.seen, name)
		}
		if prev, ok := w.last[name]; !ok || prev.Phase != s.Phase || prev.Detail != s.Detail {
			w.last[name] = s
			if w.opts.OnChange != nil {
				w.opts.OnChange(s)
			}
		}
		states = append(states, s)
		switch s.Phase {
		case PhaseFailed:
			failed = append(failed, s)
		case PhaseReady:
		default:
			pending = append(pending, s)
		}
	}
	if len(failed) > 0 {
		return nil, &WaitError{Failed: failed, Pending: pending, UpErr: w.upErr}, true
	}
	if w.upErr != nil {
		// compose gave up; what it created but could not start is what
		// failed (a port in use, a missing device, a dependency).
		var rest []ServiceState
		for _, s := range pending {
			if s.Phase == PhaseCreated {
				s.Phase, s.Failure, s.Detail = PhaseFailed, FailNotStarted, "created but not started"
				failed = append(failed, s)
			} else {
				rest = append(rest, s)
			}
		}
		return nil, &WaitError{Failed: failed, Pending: rest, UpErr: w.upErr}, true
	}
	if !w.upDone || len(pending) > 0 {
		return nil, nil, false
	}
	res := &Result{Services: states, ReadyAt: now}
	for _, s := range states {
		if !s.EngineAt.Before(res.LastEngineReady) {
			res.LastEngineReady, res.LastService = s.EngineAt, s.Service
		}
	}
	return res, nil, true
}

// stopped turns an interrupted wait into a WaitError with the services'
// last known states.
func (w *waiter) stopped(ctx context.Context, cause error) error {
	e := &WaitError{UpErr: w.upErr}
	for _, name := range w.order {
		s := w.last[name]
		if s.Service == "" {
			s = w.service(name)
		}
		if s.Phase != PhaseReady {
			e.Pending = append(e.Pending, s)
		}
	}
	if errors.Is(cause, context.DeadlineExceeded) && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		e.Timeout = true
	} else {
		e.Cause = cause
	}
	return e
}
