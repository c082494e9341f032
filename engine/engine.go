// Package engine is the only package that talks to Docker. It uses the
// Engine API client for everything the API can do (ping, version, listing a
// project's containers by their compose labels, inspecting health, following
// events, exec, logs, image save and load) and the user's own
// `docker compose` (v2 plugin) for config, build, up and down, so a generated
// project stays runnable by hand with the same commands.
package engine

import (
	"context"
	"errors"
	"io"
	"strings"
	"time"

	"github.com/docker/docker/api/types"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/events"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/registry"
	"github.com/docker/docker/api/types/system"
	"github.com/docker/docker/api/types/volume"
	"github.com/docker/docker/client"

	"github.com/stackgen/stackgen/internal/msg"
)

// API is the part of the Engine API client that stackgen uses. The real
// *client.Client satisfies it; unit tests fake it with a struct of function
// fields.
type API interface {
	DaemonHost() string
	Ping(ctx context.Context) (types.Ping, error)
	ServerVersion(ctx context.Context) (types.Version, error)
	Info(ctx context.Context) (system.Info, error)
	ContainerList(ctx context.Context, options container.ListOptions) ([]container.Summary, error)
	ContainerInspect(ctx context.Context, container string) (container.InspectResponse, error)
	ContainerLogs(ctx context.Context, container string, options container.LogsOptions) (io.ReadCloser, error)
	ContainerExecCreate(ctx context.Context, container string, options container.ExecOptions) (container.ExecCreateResponse, error)
	ContainerExecAttach(ctx context.Context, execID string, options container.ExecAttachOptions) (types.HijackedResponse, error)
	ContainerExecInspect(ctx context.Context, execID string) (container.ExecInspect, error)
	Events(ctx context.Context, options events.ListOptions) (<-chan events.Message, <-chan error)
	ImageSave(ctx context.Context, images []string, opts ...client.ImageSaveOption) (io.ReadCloser, error)
	ImageLoad(ctx context.Context, input io.Reader, opts ...client.ImageLoadOption) (image.LoadResponse, error)
	ImageInspect(ctx context.Context, image string, opts ...client.ImageInspectOption) (image.InspectResponse, error)
	ImageList(ctx context.Context, options image.ListOptions) ([]image.Summary, error)
	// DistributionInspect asks the image's registry, through the engine,
	// for its manifest: whether the engine could pull it, without pulling.
	DistributionInspect(ctx context.Context, image, encodedRegistryAuth string) (registry.DistributionInspect, error)
	VolumeList(ctx context.Context, options volume.ListOptions) (volume.ListResponse, error)
	ContainerPause(ctx context.Context, container string) error
	ContainerUnpause(ctx context.Context, container string) error
	Close() error
}

var _ API = (*client.Client)(nil)

// Client is stackgen's handle on Docker: the Engine API and the compose CLI.
type Client struct {
	API     API
	Compose Runner
	// Swarm is the same API client seen through its Swarm methods (nil in
	// fakes that do not need it).
	Swarm SwarmAPI
	// Now is the local clock (tests fix it).
	Now func() time.Time
}

// New returns a client configured from the environment (DOCKER_HOST,
// DOCKER_API_VERSION, DOCKER_CERT_PATH, DOCKER_TLS_VERIFY) that negotiates
// the API version, so a 20.10 engine (API 1.41) works. It does not dial.
func New() (*Client, error) {
	api, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		return nil, msg.Err("engine.err.client-config", msg.Args{"Err": err})
	}
	return &Client{API: api, Swarm: api, Compose: &DockerCompose{}, Now: time.Now}, nil
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// Close releases the API client's connections.
func (c *Client) Close() error {
	if c.API == nil {
		return nil
	}
	return c.API.Close()
}

// ErrUnreachable matches every "cannot reach the engine" error.
var ErrUnreachable = errors.New("cannot reach the Docker engine")

// UnreachableError says the engine did not answer, and what to do.
type UnreachableError struct {
	Host string
	Err  error
}

func (e *UnreachableError) message() error {
	if isPermission(e.Err) {
		return msg.Err("engine.err.unreachable-permission", msg.Args{"Host": e.Host, "Fix": e.Fix()})
	}
	return msg.Err("engine.err.unreachable", msg.Args{"Host": e.Host})
}

func (e *UnreachableError) Error() string { return e.message().Error() }

// As hands the catalogue message to a wrapper or root (see asMsg).
func (e *UnreachableError) As(target any) bool { return asMsg(e.message(), target) }

// Fix says what to do, as a catalogue message the reader's language says.
func (e *UnreachableError) Fix() msg.Sub {
	if isPermission(e.Err) {
		return msg.Sub{ID: "engine.fix.docker-group"}
	}
	return msg.Sub{ID: "engine.fix.start-daemon"}
}

func (e *UnreachableError) Unwrap() []error { return []error{ErrUnreachable, e.Err} }

func isPermission(err error) bool {
	return err != nil && strings.Contains(strings.ToLower(err.Error()), "permission denied")
}

// Version is what the engine says about itself.
type Version struct {
	Host       string
	Version    string
	APIVersion string
	OS, Arch   string
}

// Connect makes a client with newClient (New when nil: tests pass their
// own) and checks that the engine answers, the first step of every verb
// that talks to Docker.
func Connect(ctx context.Context, newClient func() (*Client, error)) (*Client, error) {
	if newClient == nil {
		newClient = New
	}
	c, err := newClient()
	if err != nil {
		return nil, err
	}
	if _, err := c.Check(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

// Check pings the engine (negotiating the API version) and returns its
// version, or an UnreachableError that says how to fix the connection.
func (c *Client) Check(ctx context.Context) (Version, error) {
	host := c.API.DaemonHost()
	pctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if _, err := c.API.Ping(pctx); err != nil {
		if ctx.Err() != nil {
			return Version{}, ctx.Err()
		}
		return Version{}, &UnreachableError{Host: host, Err: err}
	}
	v, err := c.API.ServerVersion(pctx)
	if err != nil {
		if ctx.Err() != nil {
			return Version{}, ctx.Err()
		}
		return Version{}, &UnreachableError{Host: host, Err: err}
	}
	return Version{Host: host, Version: v.Version, APIVersion: v.APIVersion, OS: v.Os, Arch: v.Arch}, nil
}

// Resources is what the engine has to run containers with.
type Resources struct {
	MemTotal int64
	NCPU     int
	RootDir  string
	OS       string
}

// Resources asks the engine for its memory, CPUs and data directory.
func (c *Client) Resources(ctx context.Context) (Resources, error) {
	info, err := c.API.Info(ctx)
	if err != nil {
		return Resources{}, err
	}
	return Resources{MemTotal: info.MemTotal, NCPU: info.NCPU, RootDir: info.DockerRootDir, OS: info.OperatingSystem}, nil
}

// IsLocal reports whether the engine runs on this host's file system (a unix
// socket that is not Docker Desktop's VM), so its data directory can be
// measured directly.
func (c *Client) IsLocal() bool {
	return strings.HasPrefix(c.API.DaemonHost(), "unix://")
}
