package engine

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/swarm"
	"github.com/docker/docker/api/types/system"
	"github.com/docker/docker/api/types/volume"
)

func replicated(n uint64) swarm.ServiceMode {
	return swarm.ServiceMode{Replicated: &swarm.ReplicatedService{Replicas: &n}}
}

func spec(image string) swarm.TaskSpec {
	return swarm.TaskSpec{ContainerSpec: &swarm.ContainerSpec{Image: image}}
}

func task(svc string, sp swarm.TaskSpec, state swarm.TaskState, at time.Time, errText string) swarm.Task {
	return swarm.Task{ServiceID: svc, Spec: sp, DesiredState: swarm.TaskStateRunning,
		Status: swarm.TaskStatus{State: state, Timestamp: at, Err: errText}}
}

func TestSwarmPhase(t *testing.T) {
	since := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	before, after := since.Add(-time.Hour), since.Add(time.Minute)
	newSpec, oldSpec := spec("web:v2"), spec("web:v1")
	web := func(update *swarm.UpdateStatus) swarm.Service {
		return swarm.Service{ID: "w", Spec: swarm.ServiceSpec{Annotations: swarm.Annotations{Name: "st_web"}, Mode: replicated(2), TaskTemplate: newSpec}, UpdateStatus: update}
	}
	job := swarm.Service{ID: "j", Spec: swarm.ServiceSpec{Annotations: swarm.Annotations{Name: "st_migrate"}, Mode: swarm.ServiceMode{ReplicatedJob: &swarm.ReplicatedJob{}}},
		JobStatus: &swarm.JobStatus{JobIteration: swarm.Version{Index: 7}}}
	iter := func(tk swarm.Task, i uint64) swarm.Task { tk.JobIteration = &swarm.Version{Index: i}; return tk }
	cases := []struct {
		name  string
		svc   swarm.Service
		tasks []swarm.Task
		want  int
	}{
		{"old tasks still running right after the deploy", web(nil), []swarm.Task{
			task("w", oldSpec, swarm.TaskStateRunning, before, ""), task("w", oldSpec, swarm.TaskStateRunning, before, "")}, phasePending},
		{"new tasks running (healthy)", web(&swarm.UpdateStatus{State: swarm.UpdateStateCompleted, StartedAt: &after}), []swarm.Task{
			task("w", newSpec, swarm.TaskStateRunning, after, ""), task("w", newSpec, swarm.TaskStateRunning, after, "")}, phaseReady},
		{"one new task still starting (health check pending)", web(&swarm.UpdateStatus{State: swarm.UpdateStateUpdating, StartedAt: &after}), []swarm.Task{
			task("w", newSpec, swarm.TaskStateRunning, after, ""), task("w", newSpec, swarm.TaskStateStarting, after, "")}, phasePending},
		{"update rolled back after the deploy", web(&swarm.UpdateStatus{State: swarm.UpdateStateRollbackCompleted, StartedAt: &after, Message: "rollback completed"}), []swarm.Task{
			task("w", newSpec, swarm.TaskStateRunning, after, ""), task("w", newSpec, swarm.TaskStateRunning, after, ""),
			task("w", spec("web:v3"), swarm.TaskStateFailed, after, "container is unhealthy")}, phaseFailed},
		{"a rollback before the wait began is history", web(&swarm.UpdateStatus{State: swarm.UpdateStateRollbackCompleted, StartedAt: &before}), []swarm.Task{
			task("w", newSpec, swarm.TaskStateRunning, before, ""), task("w", newSpec, swarm.TaskStateRunning, before, "")}, phaseReady},
		{"job complete in its current iteration", job, []swarm.Task{iter(task("j", spec("web:v2"), swarm.TaskStateComplete, after, ""), 7)}, phaseReady},
		{"job complete only in an earlier iteration", job, []swarm.Task{iter(task("j", spec("web:v2"), swarm.TaskStateComplete, before, ""), 6)}, phasePending},
		{"job out of retries", job, func() []swarm.Task {
			var ts []swarm.Task
			for i := 0; i < jobAttempts; i++ {
				ts = append(ts, iter(task("j", spec("web:v2"), swarm.TaskStateFailed, after, "task: non-zero exit (1)"), 7))
			}
			return ts
		}(), phaseFailed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := summarize("st", c.svc, c.tasks, since)
			if got := swarmPhase(s, true); got != c.want {
				t.Errorf("phase %d, want %d (%+v)", got, c.want, s)
			}
			if c.want == phaseFailed && (len(s.TaskErrors) == 0 || !strings.Contains(swarmDetail(s), s.TaskErrors[0])) {
				t.Errorf("the failure names no task error: %q", swarmDetail(s))
			}
		})
	}
}

// fakeSwarm answers ServiceList and TaskList from a script of states.
type fakeSwarm struct {
	SwarmAPI
	states [][]swarm.Task
	svcs   []swarm.Service
	calls  int
}

func (f *fakeSwarm) ServiceList(context.Context, swarm.ServiceListOptions) ([]swarm.Service, error) {
	return f.svcs, nil
}

func (f *fakeSwarm) TaskList(context.Context, swarm.TaskListOptions) ([]swarm.Task, error) {
	i := f.calls
	if i >= len(f.states) {
		i = len(f.states) - 1
	}
	f.calls++
	return f.states[i], nil
}

func TestWaitSwarm(t *testing.T) {
	since := time.Now()
	sp := spec("web:v2")
	svc := swarm.Service{ID: "w", Spec: swarm.ServiceSpec{Annotations: swarm.Annotations{Name: "st_web"}, Mode: replicated(1), TaskTemplate: sp}}
	f := &fakeSwarm{svcs: []swarm.Service{svc}, states: [][]swarm.Task{
		{task("w", sp, swarm.TaskStateStarting, since, "")},
		{task("w", sp, swarm.TaskStateStarting, since, "")},
		{task("w", sp, swarm.TaskStateRunning, since, "")},
	}}
	c := &Client{Swarm: f}
	var changes []string
	states, err := c.WaitSwarm(context.Background(), SwarmWaitOptions{Stack: "st", Services: []string{"web"}, Since: since, Interval: time.Millisecond,
		OnChange: func(s SwarmService) { changes = append(changes, swarmDetail(s)) }})
	if err != nil {
		t.Fatal(err)
	}
	if f.calls != 3 || states[0].Running != 1 {
		t.Errorf("ready after %d polls with %+v, want after the third", f.calls, states)
	}
	if len(changes) != 2 {
		t.Errorf("OnChange called for %v, want once per new state", changes)
	}

	// A timeout is a SwarmWaitError naming the pending service.
	f = &fakeSwarm{svcs: []swarm.Service{svc}, states: [][]swarm.Task{{task("w", sp, swarm.TaskStateStarting, since, "")}}}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err = (&Client{Swarm: f}).WaitSwarm(ctx, SwarmWaitOptions{Stack: "st", Services: []string{"web"}, Since: since, Interval: time.Millisecond})
	var we *SwarmWaitError
	if !errors.As(err, &we) || !we.Timeout || len(we.Pending) != 1 || !strings.Contains(err.Error(), "web: 0/1 running") {
		t.Errorf("timeout error %v", err)
	}
}

type infoSwarm struct {
	SwarmAPI
	info system.Info
}

func (f infoSwarm) Info(context.Context) (system.Info, error) { return f.info, nil }

func TestSwarmState(t *testing.T) {
	cases := []struct {
		name  string
		state swarm.LocalNodeState
		ctl   bool
		want  string
	}{
		{"no swarm", swarm.LocalNodeStateInactive, false, "run 'stackgen up --swarm --init' for a single-node swarm, or join one"},
		{"worker", swarm.LocalNodeStateActive, false, "deploy from a manager node"},
		{"manager", swarm.LocalNodeStateActive, true, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c0 := &Client{Swarm: infoSwarm{info: system.Info{Swarm: swarm.Info{LocalNodeState: c.state, ControlAvailable: c.ctl, NodeID: "n1", Nodes: 1}}}}
			n, err := c0.SwarmState(context.Background())
			if c.want == "" {
				if err != nil || n.NodeID != "n1" {
					t.Errorf("%+v, %v", n, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %v, want one line with %q", err, c.want)
			}
		})
	}
}

// removeFake is a stack of one service whose job left an exited container.
type removeFake struct {
	netRemoved bool
	netLingers int
	SwarmAPI
	running int // ContainerList calls that still show a running container
	calls   []string
}

func (f *removeFake) ServiceList(context.Context, swarm.ServiceListOptions) ([]swarm.Service, error) {
	return []swarm.Service{{ID: "s1", Spec: swarm.ServiceSpec{Annotations: swarm.Annotations{Name: "st_web"}}}}, nil
}
func (f *removeFake) ServiceRemove(_ context.Context, id string) error {
	f.calls = append(f.calls, "rm service "+id)
	return nil
}
func (f *removeFake) ContainerList(_ context.Context, o container.ListOptions) ([]container.Summary, error) {
	if !o.All {
		if f.running > 0 {
			f.running--
			return []container.Summary{{ID: "c-run"}}, nil
		}
		return nil, nil
	}
	return []container.Summary{{ID: "c-exited", Names: []string{"/st_migrate.1"}}}, nil
}
func (f *removeFake) ContainerRemove(_ context.Context, id string, _ container.RemoveOptions) error {
	f.calls = append(f.calls, "rm container "+id)
	return nil
}

// NetworkList lists the network until two lists after its removal: swarm
// managers drop a removed overlay network asynchronously.
func (f *removeFake) NetworkList(context.Context, network.ListOptions) ([]network.Summary, error) {
	if f.netRemoved {
		if f.netLingers == 0 {
			return nil, nil
		}
		f.netLingers--
	}
	return []network.Summary{{ID: "n1", Name: "st_default"}}, nil
}
func (f *removeFake) NetworkRemove(_ context.Context, id string) error {
	f.calls = append(f.calls, "rm network "+id)
	f.netRemoved, f.netLingers = true, 2
	return nil
}
func (f *removeFake) SecretList(context.Context, swarm.SecretListOptions) ([]swarm.Secret, error) {
	return []swarm.Secret{{ID: "sec1", Spec: swarm.SecretSpec{Annotations: swarm.Annotations{Name: "st_pw_abc"}}}}, nil
}
func (f *removeFake) SecretRemove(_ context.Context, id string) error {
	f.calls = append(f.calls, "rm secret "+id)
	return nil
}
func (f *removeFake) ConfigList(context.Context, swarm.ConfigListOptions) ([]swarm.Config, error) {
	return nil, nil
}
func (f *removeFake) VolumeList(context.Context, volume.ListOptions) (volume.ListResponse, error) {
	return volume.ListResponse{Volumes: []*volume.Volume{{Name: "st_db"}}}, nil
}
func (f *removeFake) VolumeRemove(_ context.Context, id string, _ bool) error {
	f.calls = append(f.calls, "rm volume "+id)
	return nil
}

func TestRemoveStack(t *testing.T) {
	for _, volumes := range []bool{false, true} {
		f := &removeFake{running: 2}
		if _, err := (&Client{Swarm: f}).RemoveStack(context.Background(), "st", volumes); err != nil {
			t.Fatal(err)
		}
		want := "rm service s1, rm container c-exited, rm network n1, rm secret sec1"
		if volumes {
			want += ", rm volume st_db"
		}
		if f.netLingers != 0 {
			t.Errorf("volumes=%v: RemoveStack returned while the removed network was still listed", volumes)
		}
		if got := strings.Join(f.calls, ", "); got != want || f.running != 0 {
			t.Errorf("volumes=%v: %s (running polls left %d)\nwant %s", volumes, got, f.running, want)
		}
	}
}

type nodeFake struct {
	SwarmAPI
	nodes   []swarm.Node
	updated []string
}

func (f *nodeFake) NodeList(context.Context, swarm.NodeListOptions) ([]swarm.Node, error) {
	return f.nodes, nil
}
func (f *nodeFake) NodeInspectWithRaw(_ context.Context, id string) (swarm.Node, []byte, error) {
	for _, n := range f.nodes {
		if n.ID == id {
			return n, nil, nil
		}
	}
	return swarm.Node{}, nil, errors.New("no node")
}
func (f *nodeFake) NodeUpdate(_ context.Context, id string, _ swarm.Version, spec swarm.NodeSpec) error {
	f.updated = append(f.updated, id+":"+spec.Labels["data"])
	return nil
}

func TestEnsureNodeLabel(t *testing.T) {
	node := func(id, host string, labelled bool) swarm.Node {
		n := swarm.Node{ID: id, Description: swarm.NodeDescription{Hostname: host}}
		if labelled {
			n.Spec.Labels = map[string]string{"data": "true"}
		}
		return n
	}
	cases := []struct {
		name      string
		nodes     []swarm.Node
		ask       string
		host, upd string
		err       string
	}{
		{"first deploy: this node", []swarm.Node{node("n1", "a", false), node("n2", "b", false)}, "", "a", "n1:true", ""},
		{"first deploy: the node named", []swarm.Node{node("n1", "a", false), node("n2", "b", false)}, "b", "b", "n2:true", ""},
		{"already labelled", []swarm.Node{node("n1", "a", false), node("n2", "b", true)}, "", "b", "", ""},
		{"the labelled node named", []swarm.Node{node("n1", "a", false), node("n2", "b", true)}, "n2", "b", "", ""},
		{"another node named", []swarm.Node{node("n1", "a", false), node("n2", "b", true)}, "a", "", "", "moving it means moving its volumes"},
		{"no such node", []swarm.Node{node("n1", "a", false)}, "zz", "", "", "no such node"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := &nodeFake{nodes: c.nodes}
			host, err := (&Client{Swarm: f}).EnsureNodeLabel(context.Background(), "data", c.ask, "n1")
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) || len(f.updated) > 0 {
					t.Errorf("error %v, updates %v; want %q and none", err, f.updated, c.err)
				}
				return
			}
			if err != nil || host != c.host || strings.Join(f.updated, ",") != c.upd {
				t.Errorf("host %q updates %v err %v; want %q %q", host, f.updated, err, c.host, c.upd)
			}
		})
	}
}

func TestEnsureObjectsCreatesOnlyMissing(t *testing.T) {
	conflict := cerrdefs.ErrConflict.WithMessage("name exists")
	tests := []struct {
		name      string
		have      []string
		createErr map[string]error
		want      []string
		wantErr   string
	}{
		{name: "all new", want: []string{"a", "b"}},
		{name: "one exists", have: []string{"a"}, want: []string{"b"}},
		{name: "created meanwhile is no failure", createErr: map[string]error{"a": conflict}, want: []string{"a", "b"}},
		{name: "other errors stop", createErr: map[string]error{"b": errors.New("boom")}, want: []string{"a"}, wantErr: "creating secret b: boom"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var labels []map[string]string
			got, err := ensureObjects("st", []SwarmObject{{Name: "a"}, {Name: "b", Labels: map[string]string{"k": "v"}}}, "secret",
				func(f filters.Args) ([]string, error) {
					if !f.ExactMatch("label", StackLabel+"=st") {
						t.Errorf("list filter %v does not select the stack", f)
					}
					return tt.have, nil
				},
				func(a swarm.Annotations, _ []byte) error {
					labels = append(labels, a.Labels)
					return tt.createErr[a.Name]
				})
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("created %v, want %v", got, tt.want)
			}
			if (err == nil) != (tt.wantErr == "") || (err != nil && err.Error() != tt.wantErr) {
				t.Errorf("error %v, want %q", err, tt.wantErr)
			}
			for _, l := range labels {
				if l[StackLabel] != "st" {
					t.Errorf("labels %v lack the stack label", l)
				}
			}
		})
	}
}
