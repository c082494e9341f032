package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/swarm"
	"github.com/docker/docker/api/types/system"
	"github.com/docker/docker/api/types/volume"
	"github.com/docker/docker/client"
	"github.com/docker/docker/pkg/stdcopy"

	"github.com/stackgen/stackgen/internal/msg"
)

// SwarmAPI is the part of the Engine API client that Swarm deploys use.
// It is apart from API so the compose paths' fakes need not grow.
type SwarmAPI interface {
	Info(ctx context.Context) (system.Info, error)
	SwarmInit(ctx context.Context, req swarm.InitRequest) (string, error)
	SwarmLeave(ctx context.Context, force bool) error
	SecretList(ctx context.Context, options swarm.SecretListOptions) ([]swarm.Secret, error)
	SecretCreate(ctx context.Context, secret swarm.SecretSpec) (swarm.SecretCreateResponse, error)
	SecretRemove(ctx context.Context, id string) error
	ConfigList(ctx context.Context, options swarm.ConfigListOptions) ([]swarm.Config, error)
	ConfigCreate(ctx context.Context, config swarm.ConfigSpec) (swarm.ConfigCreateResponse, error)
	ConfigRemove(ctx context.Context, id string) error
	ServiceList(ctx context.Context, options swarm.ServiceListOptions) ([]swarm.Service, error)
	ServiceRemove(ctx context.Context, serviceID string) error
	ServiceLogs(ctx context.Context, serviceID string, options container.LogsOptions) (io.ReadCloser, error)
	TaskList(ctx context.Context, options swarm.TaskListOptions) ([]swarm.Task, error)
	NodeList(ctx context.Context, options swarm.NodeListOptions) ([]swarm.Node, error)
	NodeInspectWithRaw(ctx context.Context, nodeID string) (swarm.Node, []byte, error)
	NodeUpdate(ctx context.Context, nodeID string, version swarm.Version, node swarm.NodeSpec) error
	NetworkList(ctx context.Context, options network.ListOptions) ([]network.Summary, error)
	NetworkRemove(ctx context.Context, networkID string) error
	ContainerList(ctx context.Context, options container.ListOptions) ([]container.Summary, error)
	ContainerRemove(ctx context.Context, containerID string, options container.RemoveOptions) error
	VolumeList(ctx context.Context, options volume.ListOptions) (volume.ListResponse, error)
	VolumeRemove(ctx context.Context, volumeID string, force bool) error
}

var _ SwarmAPI = (*client.Client)(nil)

// StackLabel is the label docker stack deploy puts on everything of a
// stack; stackgen's own secrets and configs carry it too, so
// `docker stack rm` removes them as well.
const StackLabel = "com.docker.stack.namespace"

// ImageLabel is the container label with the ID of a locally built
// image: a rebuilt image under the same tag changes it, so Swarm rolls the
// service out (it would not, seeing the same tag with --resolve-image never).
const ImageLabel = "dev.stackgen.image-id"

// ErrNoSwarm matches the error of an engine that is not in a swarm.
var ErrNoSwarm = errors.New("this Docker engine is not part of a swarm")

// SwarmNode is where the client stands in its swarm.
type SwarmNode struct {
	NodeID  string
	Manager bool
	Nodes   int
}

func (c *Client) swarmAPI() (SwarmAPI, error) {
	if c.Swarm == nil {
		return nil, msg.Err("engine.err.no-swarm-api")
	}
	return c.Swarm, nil
}

// SwarmState says whether the engine is an active swarm manager.
func (c *Client) SwarmState(ctx context.Context) (SwarmNode, error) {
	api, err := c.swarmAPI()
	if err != nil {
		return SwarmNode{}, err
	}
	info, err := api.Info(ctx)
	if err != nil {
		return SwarmNode{}, err
	}
	if info.Swarm.LocalNodeState != swarm.LocalNodeStateActive {
		return SwarmNode{}, msg.Err("engine.err.no-swarm", msg.Args{"State": string(info.Swarm.LocalNodeState), "Kind": ErrNoSwarm})
	}
	n := SwarmNode{NodeID: info.Swarm.NodeID, Manager: info.Swarm.ControlAvailable, Nodes: info.Swarm.Nodes}
	if !n.Manager {
		return n, msg.Err("engine.err.swarm-worker")
	}
	return n, nil
}

// SwarmInit makes this engine a single-node swarm that listens on the
// loopback interface only; other nodes cannot join it (re-create it with
// `docker swarm init --advertise-addr ADDR` for that).
func (c *Client) SwarmInit(ctx context.Context) error {
	api, err := c.swarmAPI()
	if err != nil {
		return err
	}
	_, err = api.SwarmInit(ctx, swarm.InitRequest{ListenAddr: "127.0.0.1:2377", AdvertiseAddr: "127.0.0.1"})
	return err
}

// SwarmLeave makes the engine leave its swarm (force: even a last manager).
func (c *Client) SwarmLeave(ctx context.Context) error {
	api, err := c.swarmAPI()
	if err != nil {
		return err
	}
	return api.SwarmLeave(ctx, true)
}

// SwarmObject is a secret or config to create.
type SwarmObject struct {
	Name string
	Data []byte
	// Labels beyond the stack's.
	Labels map[string]string
}

// EnsureSecrets creates the secrets that do not exist yet. Their names
// carry a hash of the content, so an existing name has the same data.
func (c *Client) EnsureSecrets(ctx context.Context, stack string, objs []SwarmObject) (created []string, err error) {
	api, err := c.swarmAPI()
	if err != nil {
		return nil, err
	}
	return ensureObjects(stack, objs, "secret",
		func(f filters.Args) ([]string, error) {
			have, err := api.SecretList(ctx, swarm.SecretListOptions{Filters: f})
			names := make([]string, 0, len(have))
			for _, s := range have {
				names = append(names, s.Spec.Name)
			}
			return names, err
		},
		func(a swarm.Annotations, data []byte) error {
			_, err := api.SecretCreate(ctx, swarm.SecretSpec{Annotations: a, Data: data})
			return err
		})
}

// EnsureConfigs is EnsureSecrets for configs.
func (c *Client) EnsureConfigs(ctx context.Context, stack string, objs []SwarmObject) (created []string, err error) {
	api, err := c.swarmAPI()
	if err != nil {
		return nil, err
	}
	return ensureObjects(stack, objs, "config",
		func(f filters.Args) ([]string, error) {
			have, err := api.ConfigList(ctx, swarm.ConfigListOptions{Filters: f})
			names := make([]string, 0, len(have))
			for _, s := range have {
				names = append(names, s.Spec.Name)
			}
			return names, err
		},
		func(a swarm.Annotations, data []byte) error {
			_, err := api.ConfigCreate(ctx, swarm.ConfigSpec{Annotations: a, Data: data})
			return err
		})
}

// ensureObjects is the one create-if-missing walk for secrets and
// configs, whose API calls differ only in their types.
func ensureObjects(stack string, objs []SwarmObject, kind string,
	list func(filters.Args) ([]string, error), create func(swarm.Annotations, []byte) error) (created []string, err error) {
	have, err := list(filters.NewArgs(filters.Arg("label", StackLabel+"="+stack)))
	if err != nil {
		return nil, err
	}
	exists := map[string]bool{}
	for _, name := range have {
		exists[name] = true
	}
	for _, o := range objs {
		if exists[o.Name] {
			continue
		}
		err := create(swarm.Annotations{Name: o.Name, Labels: objLabels(stack, o)}, o.Data)
		if err != nil && !errdefs.IsConflict(err) {
			id := "engine.err.create-config"
			if kind == "secret" {
				id = "engine.err.create-secret"
			}
			return created, msg.Err(id, msg.Args{"Name": o.Name, "Err": err})
		}
		created = append(created, o.Name)
	}
	return created, nil
}

func objLabels(stack string, o SwarmObject) map[string]string {
	l := map[string]string{StackLabel: stack}
	for k, v := range o.Labels {
		l[k] = v
	}
	return l
}

// PruneObjects removes the stack's secrets and configs whose names are not
// in keep: the ones an update replaced. One still in use (a task not yet
// replaced) is left for the next run.
func (c *Client) PruneObjects(ctx context.Context, stack string, keep map[string]bool) (removed []string, err error) {
	api, err := c.swarmAPI()
	if err != nil {
		return nil, err
	}
	f := swarm.SecretListOptions{Filters: filters.NewArgs(filters.Arg("label", StackLabel+"="+stack))}
	secrets, err := api.SecretList(ctx, f)
	if err != nil {
		return nil, err
	}
	for _, s := range secrets {
		if !keep[s.Spec.Name] && api.SecretRemove(ctx, s.ID) == nil {
			removed = append(removed, s.Spec.Name)
		}
	}
	configs, err := api.ConfigList(ctx, swarm.ConfigListOptions{Filters: f.Filters})
	if err != nil {
		return removed, err
	}
	for _, s := range configs {
		if !keep[s.Spec.Name] && api.ConfigRemove(ctx, s.ID) == nil {
			removed = append(removed, s.Spec.Name)
		}
	}
	return removed, nil
}

// EnsureNodeLabel makes sure one node carries label=true and returns its
// host name: the node already labelled; else the node named (by ID or host
// name); else this one (self). Naming another node than the labelled one
// is refused: the data lives in that node's volumes.
func (c *Client) EnsureNodeLabel(ctx context.Context, label, node, self string) (string, error) {
	api, err := c.swarmAPI()
	if err != nil {
		return "", err
	}
	nodes, err := api.NodeList(ctx, swarm.NodeListOptions{})
	if err != nil {
		return "", err
	}
	target := self
	found := node == ""
	var labelled *swarm.Node
	for i, n := range nodes {
		if node != "" && (n.ID == node || n.Description.Hostname == node) {
			target, found = n.ID, true
		}
		if n.Spec.Labels[label] == "true" && labelled == nil {
			labelled = &nodes[i]
		}
	}
	if !found {
		return "", msg.Err("engine.err.data-node-unknown", msg.Args{"Node": node})
	}
	if labelled != nil {
		if node != "" && labelled.ID != target {
			return "", msg.Err("engine.err.data-node-moved", msg.Args{"Node": node, "Has": labelled.Description.Hostname, "Label": label})
		}
		return labelled.Description.Hostname, nil
	}
	n, _, err := api.NodeInspectWithRaw(ctx, target)
	if err != nil {
		return "", err
	}
	spec := n.Spec
	if spec.Labels == nil {
		spec.Labels = map[string]string{}
	}
	spec.Labels[label] = "true"
	if err := api.NodeUpdate(ctx, n.ID, n.Version, spec); err != nil {
		return "", msg.Err("engine.err.label-node", msg.Args{"Node": n.Description.Hostname, "Err": err})
	}
	return n.Description.Hostname, nil
}

// StackDeploy runs `docker stack deploy` with the stack file. Images are
// not resolved against a registry (they may exist only locally); --prune
// removes services the file no longer has.
func (c *Client) StackDeploy(ctx context.Context, file, stack string, stdout, stderr io.Writer) error {
	major, err := c.cliMajor(ctx)
	if err != nil {
		return err
	}
	if major < 23 {
		return msg.Err("engine.err.old-cli", msg.Args{"Major": major})
	}
	args := []string{"stack", "deploy", "--compose-file", file, "--prune", "--resolve-image", "never", "--with-registry-auth"}
	if major >= 26 {
		args = append(args, "--detach=true")
	}
	return c.Compose.Run(ctx, filepath.Dir(file), append(args, stack), stdout, stderr)
}

func (c *Client) cliMajor(ctx context.Context) (int, error) {
	var out bytes.Buffer
	if err := c.Compose.Run(ctx, "", []string{"version", "--format", "{{.Client.Version}}"}, &out, io.Discard); err != nil {
		// `docker version` exits non-zero when the engine is down, after
		// printing the client part.
		if out.Len() == 0 {
			return 0, err
		}
	}
	v := strings.TrimSpace(out.String())
	major, err := strconv.Atoi(strings.SplitN(v, ".", 2)[0])
	if err != nil {
		return 0, msg.Err("engine.err.cli-version", msg.Args{"Version": v})
	}
	return major, nil
}

// SwarmService is one service of a deployed stack, as status shows it.
type SwarmService struct {
	Name    string // without the stack prefix
	ID      string
	Image   string
	Job     bool
	Desired int
	Running int
	// Update is the rolling update's state ("" when none ran).
	Update, UpdateMessage string
	// TaskErrors are the latest task failures, newest first.
	TaskErrors []string
	Published  []string
	// failedTasks counts the failed tasks (of the job's current iteration).
	failedTasks int
}

// StackServices lists the stack's services with their task counts.
func (c *Client) StackServices(ctx context.Context, stack string) ([]SwarmService, error) {
	return c.stackServices(ctx, stack, time.Time{})
}

// stackServices judges updates and task failures since the given time only.
func (c *Client) stackServices(ctx context.Context, stack string, since time.Time) ([]SwarmService, error) {
	api, err := c.swarmAPI()
	if err != nil {
		return nil, err
	}
	f := filters.NewArgs(filters.Arg("label", StackLabel+"="+stack))
	svcs, err := api.ServiceList(ctx, swarm.ServiceListOptions{Filters: f})
	if err != nil {
		return nil, err
	}
	tasks, err := api.TaskList(ctx, swarm.TaskListOptions{Filters: f})
	if err != nil {
		return nil, err
	}
	var out []SwarmService
	for _, s := range svcs {
		out = append(out, summarize(stack, s, tasks, since))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func summarize(stack string, s swarm.Service, tasks []swarm.Task, since time.Time) SwarmService {
	r := SwarmService{Name: strings.TrimPrefix(s.Spec.Name, stack+"_"), ID: s.ID}
	if cs := s.Spec.TaskTemplate.ContainerSpec; cs != nil {
		r.Image = cs.Image
	}
	switch m := s.Spec.Mode; {
	case m.Replicated != nil && m.Replicated.Replicas != nil:
		r.Desired = int(*m.Replicated.Replicas)
	case m.ReplicatedJob != nil:
		r.Job, r.Desired = true, 1
	}
	if s.UpdateStatus != nil && (s.UpdateStatus.StartedAt == nil || !s.UpdateStatus.StartedAt.Before(since)) {
		r.Update, r.UpdateMessage = string(s.UpdateStatus.State), s.UpdateStatus.Message
	}
	for _, p := range s.Endpoint.Ports {
		r.Published = append(r.Published, fmt.Sprintf("%d->%d/%s", p.PublishedPort, p.TargetPort, p.Protocol))
	}
	var failed []swarm.Task
	for _, t := range tasks {
		if t.ServiceID != s.ID {
			continue
		}
		if r.Job && s.JobStatus != nil && t.JobIteration != nil && t.JobIteration.Index != s.JobStatus.JobIteration.Index {
			continue
		}
		switch {
		case r.Job && t.Status.State == swarm.TaskStateComplete:
			r.Running++
		case !r.Job && t.DesiredState == swarm.TaskStateRunning && t.Status.State == swarm.TaskStateRunning && sameSpec(t.Spec, s.Spec.TaskTemplate):
			r.Running++
		}
		if (t.Status.State == swarm.TaskStateFailed || t.Status.State == swarm.TaskStateRejected) && !t.Status.Timestamp.Before(since) {
			r.failedTasks++
			failed = append(failed, t)
		}
	}
	sort.Slice(failed, func(i, j int) bool { return failed[i].Status.Timestamp.After(failed[j].Status.Timestamp) })
	for i, t := range failed {
		if i == 3 {
			break
		}
		r.TaskErrors = append(r.TaskErrors, fmt.Sprintf("%s %s: %s", t.Status.Timestamp.Local().Format("15:04:05"), t.Status.State, t.Status.Err))
	}
	return r
}

// sameSpec tells whether a task runs the service's current spec in what a
// deploy changes (image, command, environment, secrets, configs, a forced
// update): right after a deploy, the old tasks still run and must not
// count as the new version being ready.
func sameSpec(t, s swarm.TaskSpec) bool {
	a, b := t.ContainerSpec, s.ContainerSpec
	if a == nil || b == nil {
		return a == b
	}
	if a.Image != b.Image || a.Labels[ImageLabel] != b.Labels[ImageLabel] || t.ForceUpdate != s.ForceUpdate || strings.Join(a.Env, "\x00") != strings.Join(b.Env, "\x00") ||
		strings.Join(a.Args, "\x00") != strings.Join(b.Args, "\x00") || strings.Join(a.Command, "\x00") != strings.Join(b.Command, "\x00") {
		return false
	}
	var sa, sb, ca, cb []string
	for _, x := range a.Secrets {
		sa = append(sa, x.SecretName)
	}
	for _, x := range b.Secrets {
		sb = append(sb, x.SecretName)
	}
	for _, x := range a.Configs {
		ca = append(ca, x.ConfigName)
	}
	for _, x := range b.Configs {
		cb = append(cb, x.ConfigName)
	}
	return strings.Join(sa, ",") == strings.Join(sb, ",") && strings.Join(ca, ",") == strings.Join(cb, ",")
}

// SwarmWaitOptions say what to wait for.
type SwarmWaitOptions struct {
	Stack string
	// Services to wait for, in the order to report them; Job services must
	// complete, the others run their replicas, healthy.
	Services []string
	// Since is when the deploy began: a task failure before it is history.
	Since time.Time
	// Interval between polls (0: one second).
	Interval time.Duration
	// OnChange is called when a service's state line changes.
	OnChange func(SwarmService)
}

// SwarmWaitError says which services did not get ready, and why.
type SwarmWaitError struct {
	Failed  []SwarmService
	Pending []SwarmService
	Timeout bool
}

func (e *SwarmWaitError) Error() string { return e.message().Error() }

// As hands the catalogue message to a wrapper or root (see asMsg).
func (e *SwarmWaitError) As(target any) bool { return asMsg(e.message(), target) }

// message is the failed wait in words; a service's detail stays as the
// progress lines show it.
func (e *SwarmWaitError) message() error {
	var parts []msg.Sub
	for _, s := range e.Failed {
		parts = append(parts, msg.Sub{ID: "engine.swarm.failed", Args: msg.Args{"Service": s.Name, "Detail": swarmDetail(s)}})
	}
	if len(parts) > 0 {
		return msg.Err("engine.err.wait-failed", msg.Args{"Services": list("engine.list.semicolon", parts)})
	}
	for _, s := range e.Pending {
		parts = append(parts, msg.Sub{ID: "engine.swarm.pending", Args: msg.Args{"Service": s.Name, "Detail": swarmDetail(s)}})
	}
	if len(parts) == 0 {
		return msg.Err("engine.err.swarm-not-ready", msg.Args{"Services": msg.Sub{ID: "engine.wait.the-services"}})
	}
	return msg.Err("engine.err.swarm-not-ready", msg.Args{"Services": list("engine.list.semicolon", parts)})
}

func swarmDetail(s SwarmService) string {
	say := s.Say()
	return msg.English().T(say.ID, say.Args)
}

// Say is the service's state in words, to say in the reader's language:
// "1/2 running, update updating (...); last task error: ...".
func (s SwarmService) Say() msg.Sub {
	var update, taskErr any = "", ""
	switch {
	case s.Update == swarmNotCreated:
		update = msg.Sub{ID: "engine.swarm.update-not-created"}
	case s.Update != "":
		update = msg.Sub{ID: "engine.swarm.update", Args: msg.Args{"State": s.Update, "Message": s.UpdateMessage}}
	}
	if len(s.TaskErrors) > 0 {
		taskErr = msg.Sub{ID: "engine.swarm.task-error", Args: msg.Args{"Err": s.TaskErrors[0]}}
	}
	return msg.Sub{ID: "engine.swarm.state", Args: msg.Args{"Running": s.Running, "Desired": s.Desired, "Job": s.Job, "Update": update, "TaskError": taskErr}}
}

// swarmNotCreated is the update state of a service the engine does not
// have yet.
const swarmNotCreated = "not created yet"

// WaitSwarm waits until every service runs its replicas (a task of a
// service with a health check counts as running only once healthy: the
// engine holds it in "starting" until then) with its rolling update
// completed, and every job's current iteration completed. It polls the
// tasks: Engine 20.10's event stream has service create/update/remove
// events but no task state changes (and container health events only
// for the local node), so polling the manager's task list is the one
// source that covers every node; the interval bounds the delay.
//
// A failure counts only when it happened after Since: a rolled-back
// update, a paused one, or a job whose retries ran out.
func (c *Client) WaitSwarm(ctx context.Context, opts SwarmWaitOptions) ([]SwarmService, error) {
	interval := opts.Interval
	if interval <= 0 {
		interval = time.Second
	}
	last := map[string]string{}
	for {
		all, err := c.stackServices(ctx, opts.Stack, opts.Since)
		if err != nil {
			if ctx.Err() != nil {
				return nil, &SwarmWaitError{Timeout: true}
			}
			return nil, err
		}
		byName := map[string]SwarmService{}
		for _, s := range all {
			byName[s.Name] = s
		}
		var failed, pending, states []SwarmService
		for _, n := range opts.Services {
			s, ok := byName[n]
			if !ok {
				s = SwarmService{Name: n, Update: swarmNotCreated}
			}
			states = append(states, s)
			if line := swarmDetail(s); last[n] != line {
				last[n] = line
				if opts.OnChange != nil {
					opts.OnChange(s)
				}
			}
			switch swarmPhase(s, ok) {
			case phaseFailed:
				failed = append(failed, s)
			case phasePending:
				pending = append(pending, s)
			}
		}
		if len(failed) > 0 {
			return states, &SwarmWaitError{Failed: failed, Pending: pending}
		}
		if len(pending) == 0 {
			return states, nil
		}
		select {
		case <-ctx.Done():
			return states, &SwarmWaitError{Pending: pending, Timeout: true}
		case <-time.After(interval):
		}
	}
}

const (
	phaseReady = iota
	phasePending
	phaseFailed
)

// jobAttempts is the migrate job's max_attempts (swarm/convert.go): a job
// with that many failed tasks in its iteration has given up.
const jobAttempts = 12

func swarmPhase(s SwarmService, exists bool) int {
	switch {
	case !exists:
		return phasePending
	case s.Update == string(swarm.UpdateStateRollbackCompleted), s.Update == string(swarm.UpdateStatePaused),
		s.Update == string(swarm.UpdateStateRollbackPaused):
		return phaseFailed
	case s.Job && s.Running >= s.Desired:
		return phaseReady
	case s.Job && len(s.TaskErrors) > 0 && s.failedTasks >= jobAttempts:
		return phaseFailed
	case s.Update == string(swarm.UpdateStateUpdating), s.Update == string(swarm.UpdateStateRollbackStarted):
		return phasePending
	case s.Running >= s.Desired:
		return phaseReady
	}
	return phasePending
}

// ServiceLogs streams a stack service's logs (stdout and stderr
// multiplexed as the engine sends them, with task names when details).
func (c *Client) ServiceLogs(ctx context.Context, stack, service string, follow bool, tail string, w io.Writer) error {
	api, err := c.swarmAPI()
	if err != nil {
		return err
	}
	rc, err := api.ServiceLogs(ctx, stack+"_"+service, container.LogsOptions{ShowStdout: true, ShowStderr: true, Follow: follow, Tail: tail, Timestamps: false})
	if err != nil {
		if errdefs.IsNotFound(err) {
			return msg.Err("engine.err.no-service", msg.Args{"Stack": stack, "Service": service})
		}
		return err
	}
	defer rc.Close()
	_, err = stdcopy.StdCopy(w, w, rc)
	return err
}

// RemoveStack removes the stack's services, waits for their containers to
// go, then its networks, secrets and configs; with volumes, this node's
// volumes of the stack too (other nodes keep theirs).
func (c *Client) RemoveStack(ctx context.Context, stack string, volumes bool) (removed []string, err error) {
	api, err := c.swarmAPI()
	if err != nil {
		return nil, err
	}
	f := filters.NewArgs(filters.Arg("label", StackLabel+"="+stack))
	svcs, err := api.ServiceList(ctx, swarm.ServiceListOptions{Filters: f})
	if err != nil {
		return nil, err
	}
	for _, s := range svcs {
		if err := api.ServiceRemove(ctx, s.ID); err != nil && !errdefs.IsNotFound(err) {
			return removed, msg.Err("engine.err.remove-service", msg.Args{"Name": s.Spec.Name, "Err": err})
		}
		removed = append(removed, "service "+s.Spec.Name)
	}
	// Networks and volumes are in use until the tasks' containers are gone:
	// wait for the running ones to stop (bounded), then remove what stays
	// (a job's exited task containers are not reaped with their service).
	wctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	for {
		cts, err := api.ContainerList(wctx, container.ListOptions{Filters: f})
		if err != nil {
			return removed, err
		}
		if len(cts) == 0 {
			break
		}
		select {
		case <-wctx.Done():
			return removed, msg.Err("engine.err.containers-linger", msg.Args{"Count": len(cts), "Label": StackLabel, "Stack": stack})
		case <-time.After(500 * time.Millisecond):
		}
	}
	left, err := api.ContainerList(ctx, container.ListOptions{All: true, Filters: f})
	if err != nil {
		return removed, err
	}
	for _, ct := range left {
		if err := api.ContainerRemove(ctx, ct.ID, container.RemoveOptions{Force: true}); err != nil && !errdefs.IsNotFound(err) {
			return removed, msg.Err("engine.err.remove-container", msg.Args{"Name": strings.TrimPrefix(firstName(ct.Names), "/"), "Err": err})
		}
	}
	nets, err := api.NetworkList(ctx, network.ListOptions{Filters: f})
	if err != nil {
		return removed, err
	}
	for _, n := range nets {
		if err := removeRetry(ctx, func() error { return api.NetworkRemove(ctx, n.ID) }); err != nil {
			return removed, msg.Err("engine.err.remove-network", msg.Args{"Name": n.Name, "Err": err})
		}
		removed = append(removed, "network "+n.Name)
	}
	// In swarm mode a removed overlay network goes asynchronously (the
	// managers drop it after the call returns): wait until it is no longer
	// listed, so down means gone and a deploy right after cannot meet it.
	if len(nets) > 0 {
		if err := waitGone(ctx, 60*time.Second, func() (int, error) {
			left, err := api.NetworkList(ctx, network.ListOptions{Filters: f})
			return len(left), err
		}); err != nil {
			return removed, msg.Err("engine.err.networks-linger", msg.Args{"Err": err, "Label": StackLabel, "Stack": stack})
		}
	}
	pruned, err := c.PruneObjects(ctx, stack, nil)
	for _, p := range pruned {
		removed = append(removed, "secret/config "+p)
	}
	if err != nil || !volumes {
		return removed, err
	}
	vols, err := api.VolumeList(ctx, volume.ListOptions{Filters: f})
	if err != nil {
		return removed, err
	}
	for _, v := range vols.Volumes {
		if err := removeRetry(ctx, func() error { return api.VolumeRemove(ctx, v.Name, false) }); err != nil {
			return removed, msg.Err("engine.err.remove-volume", msg.Args{"Name": v.Name, "Err": err})
		}
		removed = append(removed, "volume "+v.Name)
	}
	return removed, nil
}

// waitGone polls count until it reports none left, for at most limit.
func waitGone(ctx context.Context, limit time.Duration, count func() (int, error)) error {
	deadline := time.Now().Add(limit)
	for {
		n, err := count()
		if err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return msg.Err("engine.err.still-listed", msg.Args{"Count": n, "Took": limit.String()})
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// removeRetry retries a removal the engine refuses while a just-stopped
// task still holds the object (networks linger for a moment).
func removeRetry(ctx context.Context, f func() error) error {
	var err error
	for i := 0; i < 20; i++ {
		if err = f(); err == nil || errdefs.IsNotFound(err) {
			return nil
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(500 * time.Millisecond):
		}
	}
	return err
}

// ImageID returns the local image's ID ("sha256:..."), which changes with
// every build that changes the image even when its tag does not.
func (c *Client) ImageID(ctx context.Context, ref string) (string, error) {
	img, err := c.API.ImageInspect(ctx, ref)
	if err != nil {
		return "", c.apiErr(ctx, msg.Sub{ID: "engine.api.inspect-image", Args: msg.Args{"Image": ref}}, err)
	}
	return img.ID, nil
}

func firstName(names []string) string {
	if len(names) == 0 {
		return ""
	}
	return names[0]
}

// PushImage tags a local image as registry/NAME:TAG (NAME is the last part
// of its repository), pushes it with the docker CLI (so the user's
// registry logins apply) and returns the reference by digest that every
// node can pull: registry/NAME@sha256:....
func (c *Client) PushImage(ctx context.Context, ref, registry string, out io.Writer) (string, error) {
	name := ref
	if i := strings.LastIndex(name, "/"); i >= 0 {
		name = name[i+1:]
	}
	repo, tag, ok := strings.Cut(name, ":")
	if !ok {
		tag = "latest"
	}
	target := registry + "/" + repo + ":" + tag
	if out == nil {
		out = io.Discard
	}
	if err := c.Compose.Run(ctx, "", []string{"tag", ref, target}, out, out); err != nil {
		return "", msg.Err("engine.err.tag", msg.Args{"Image": ref, "Target": target, "Err": err})
	}
	if err := c.Compose.Run(ctx, "", []string{"push", target}, out, out); err != nil {
		return "", msg.Err("engine.err.push", msg.Args{"Target": target, "Err": err})
	}
	img, err := c.API.ImageInspect(ctx, target)
	if err != nil {
		return "", c.apiErr(ctx, msg.Sub{ID: "engine.api.inspect-image", Args: msg.Args{"Image": target}}, err)
	}
	for _, d := range img.RepoDigests {
		if strings.HasPrefix(d, registry+"/"+repo+"@") {
			return d, nil
		}
	}
	return "", msg.Err("engine.err.push-no-digest", msg.Args{"Target": target})
}
