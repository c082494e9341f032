package engine

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/volume"

	"github.com/stackgen/stackgen/internal/units"

	"github.com/stackgen/stackgen/internal/msg"
)

// The labels compose puts on what it creates.
const (
	LabelProject = "com.docker.compose.project"
	LabelService = "com.docker.compose.service"
	LabelOneoff  = "com.docker.compose.oneoff"
	LabelNumber  = "com.docker.compose.container-number"
)

func projectFilter(project string) filters.Args {
	return filters.NewArgs(filters.Arg("label", LabelProject+"="+project))
}

// Container is one container of a project as the engine reports it.
type Container struct {
	ID      string
	Name    string
	Service string
	Image   string
	// State is the engine's: created, running, paused, restarting,
	// removing, exited or dead.
	State string
	// Health is starting, healthy or unhealthy; "" without a health check.
	Health    string
	ExitCode  int
	OOMKilled bool
	// RestartCount is how often the engine restarted this container under
	// its restart policy.
	RestartCount int
	StartedAt    time.Time
	// FinishedAt is set once the container has stopped.
	FinishedAt time.Time
	Ports      []string
	// HealthLog is the engine's record of the last health checks.
	HealthLog []HealthResult
}

// HealthResult is one run of a health check.
type HealthResult struct {
	Start, End time.Time
	ExitCode   int
	Output     string
}

// ProjectContainers lists the project's service containers (not `run`
// one-offs), stopped ones included, sorted by service and name.
func (c *Client) ProjectContainers(ctx context.Context, project string) ([]Container, error) {
	list, err := c.API.ContainerList(ctx, container.ListOptions{All: true, Filters: projectFilter(project)})
	if err != nil {
		return nil, c.apiErr(ctx, msg.Sub{ID: "engine.api.list-containers"}, err)
	}
	var out []Container
	for _, s := range list {
		if strings.EqualFold(s.Labels[LabelOneoff], "true") {
			continue
		}
		ct, err := c.Inspect(ctx, s.ID)
		if err != nil {
			if isNotFound(err) {
				continue // removed meanwhile
			}
			return nil, err
		}
		out = append(out, ct)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Service != out[j].Service {
			return out[i].Service < out[j].Service
		}
		return out[i].Name < out[j].Name
	})
	return out, nil
}

// Inspect returns one container's state.
func (c *Client) Inspect(ctx context.Context, id string) (Container, error) {
	r, err := c.API.ContainerInspect(ctx, id)
	if err != nil {
		return Container{}, c.apiErr(ctx, msg.Sub{ID: "engine.api.inspect-container", Args: msg.Args{"Container": units.ShortID(id)}}, err)
	}
	return fromInspect(r), nil
}

func fromInspect(r container.InspectResponse) Container {
	ct := Container{ID: r.ID, Name: strings.TrimPrefix(r.Name, "/")}
	if r.ContainerJSONBase != nil {
		ct.RestartCount = r.RestartCount
	}
	if r.Config != nil {
		ct.Service = r.Config.Labels[LabelService]
		ct.Image = r.Config.Image
	}
	if st := r.State; st != nil {
		ct.State = string(st.Status)
		ct.ExitCode = st.ExitCode
		ct.OOMKilled = st.OOMKilled
		ct.StartedAt = parseTime(st.StartedAt)
		if st.Status != container.StateRunning && st.Status != container.StateCreated {
			ct.FinishedAt = parseTime(st.FinishedAt)
		}
		if st.Health != nil {
			ct.Health = string(st.Health.Status)
			for _, h := range st.Health.Log {
				if h == nil {
					continue
				}
				ct.HealthLog = append(ct.HealthLog, HealthResult{Start: h.Start, End: h.End, ExitCode: h.ExitCode, Output: h.Output})
			}
		}
	}
	if r.NetworkSettings != nil {
		for port, bindings := range r.NetworkSettings.Ports {
			for _, b := range bindings {
				ip := b.HostIP
				if ip == "" {
					ip = "0.0.0.0"
				}
				ct.Ports = append(ct.Ports, fmt.Sprintf("%s:%s->%s", ip, b.HostPort, port))
			}
		}
		sort.Strings(ct.Ports)
	}
	return ct
}

func parseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || t.Year() <= 1 {
		return time.Time{}
	}
	return t
}

// ServiceStatus is a service with its containers, for `stackgen status`.
type ServiceStatus struct {
	Service    string      `json:"service"`
	Containers []Container `json:"containers"`
}

// Status returns every service of p with its containers (none when it was
// never created), plus containers of services p no longer defines.
func (c *Client) Status(ctx context.Context, p *ComposeProject) ([]ServiceStatus, error) {
	cts, err := c.ProjectContainers(ctx, p.Name)
	if err != nil {
		return nil, err
	}
	by := map[string][]Container{}
	for _, ct := range cts {
		by[ct.Service] = append(by[ct.Service], ct)
	}
	var out []ServiceStatus
	seen := map[string]bool{}
	for _, s := range p.Services {
		out = append(out, ServiceStatus{Service: s.Name, Containers: by[s.Name]})
		seen[s.Name] = true
	}
	for _, ct := range cts {
		if !seen[ct.Service] {
			out = append(out, ServiceStatus{Service: ct.Service, Containers: by[ct.Service]})
			seen[ct.Service] = true
		}
	}
	return out, nil
}

// ServiceContainer returns a running container of service.
func (c *Client) ServiceContainer(ctx context.Context, project, service string) (Container, error) {
	cts, err := c.ProjectContainers(ctx, project)
	if err != nil {
		return Container{}, err
	}
	var found *Container
	for i := range cts {
		if cts[i].Service != service {
			continue
		}
		if cts[i].State == string(container.StateRunning) {
			return cts[i], nil
		}
		found = &cts[i]
	}
	if found != nil {
		return Container{}, msg.Err("engine.err.not-running", msg.Args{"Service": service, "Container": found.Name, "State": found.State})
	}
	return Container{}, msg.Err("engine.err.no-container", msg.Args{"Service": service, "Project": project})
}

// ProjectVolumes returns the names of the volumes compose created for the
// project (labelled with its name).
func (c *Client) ProjectVolumes(ctx context.Context, project string) ([]string, error) {
	r, err := c.API.VolumeList(ctx, volume.ListOptions{Filters: projectFilter(project)})
	if err != nil {
		return nil, c.apiErr(ctx, msg.Sub{ID: "engine.api.list-volumes"}, err)
	}
	var out []string
	for _, v := range r.Volumes {
		if v != nil {
			out = append(out, v.Name)
		}
	}
	sort.Strings(out)
	return out, nil
}

// Pause freezes a container's processes (its writes stop; connections
// stay open), for a copy of its files that is one point in time.
func (c *Client) Pause(ctx context.Context, id string) error {
	return c.apiErr(ctx, msg.Sub{ID: "engine.api.pause", Args: msg.Args{"Container": units.ShortID(id)}}, c.API.ContainerPause(ctx, id))
}

// Unpause lets a paused container go on.
func (c *Client) Unpause(ctx context.Context, id string) error {
	return c.apiErr(ctx, msg.Sub{ID: "engine.api.unpause", Args: msg.Args{"Container": units.ShortID(id)}}, c.API.ContainerUnpause(ctx, id))
}
