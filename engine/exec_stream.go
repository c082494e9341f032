package engine

// What backup and restore need beyond exec and logs: exec with stdin,
// copying a directory out of and into a container as tar, short-lived
// helper containers that share a stopped service's volumes, and stopping
// some services of a project.

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/pkg/stdcopy"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/stackgen/stackgen/internal/units"

	"github.com/stackgen/stackgen/internal/msg"
)

// StreamAPI is the part of the Engine API client that these functions use
// on top of API. The real *client.Client has it; a fake API without it
// gets ErrNoStreamAPI.
type StreamAPI interface {
	CopyFromContainer(ctx context.Context, containerID, srcPath string) (io.ReadCloser, container.PathStat, error)
	CopyToContainer(ctx context.Context, containerID, dstPath string, content io.Reader, options container.CopyToContainerOptions) error
	ContainerCreate(ctx context.Context, config *container.Config, hostConfig *container.HostConfig, networkingConfig *network.NetworkingConfig, platform *ocispec.Platform, containerName string) (container.CreateResponse, error)
	ContainerStart(ctx context.Context, containerID string, options container.StartOptions) error
	ContainerWait(ctx context.Context, containerID string, condition container.WaitCondition) (<-chan container.WaitResponse, <-chan error)
	ContainerRemove(ctx context.Context, containerID string, options container.RemoveOptions) error
}

// ErrNoStreamAPI is returned when the client's API lacks StreamAPI.
var ErrNoStreamAPI = errors.New("this Docker client cannot copy files or run helper containers")

func (c *Client) streamAPI() (StreamAPI, error) {
	s, ok := c.API.(StreamAPI)
	if !ok {
		return nil, ErrNoStreamAPI
	}
	return s, nil
}

// ExecStdin runs cmd in a running container without a TTY, feeding stdin
// to it (closed at its end, so the command sees EOF; nil: no input) and
// streaming stdout and stderr apart. It returns the command's exit code.
func (c *Client) ExecStdin(ctx context.Context, containerID string, cmd []string, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	created, err := c.API.ContainerExecCreate(ctx, containerID, container.ExecOptions{
		Cmd: cmd, AttachStdin: stdin != nil, AttachStdout: true, AttachStderr: true,
	})
	if err != nil {
		return -1, c.apiErr(ctx, msg.Sub{ID: "engine.api.exec-create", Args: msg.Args{"Container": units.ShortID(containerID)}}, err)
	}
	resp, err := c.API.ContainerExecAttach(ctx, created.ID, container.ExecAttachOptions{})
	if err != nil {
		return -1, c.apiErr(ctx, msg.Sub{ID: "engine.api.exec-start", Args: msg.Args{"Container": units.ShortID(containerID)}}, err)
	}
	defer resp.Close()
	if stdout == nil {
		stdout = io.Discard
	}
	if stderr == nil {
		stderr = io.Discard
	}
	sent := make(chan error, 1)
	if stdin == nil {
		sent <- nil
	} else {
		go func() {
			_, err := io.Copy(resp.Conn, stdin)
			if cerr := resp.CloseWrite(); err == nil {
				err = cerr
			}
			sent <- err
		}()
	}
	copied := make(chan error, 1)
	go func() {
		_, err := stdcopy.StdCopy(stdout, stderr, resp.Reader)
		copied <- err
	}()
	var sendErr error
	select {
	case err := <-copied:
		if err != nil && !errors.Is(err, io.EOF) {
			return -1, msg.Err("engine.err.exec-output", msg.Args{"Err": err})
		}
	case <-ctx.Done():
		return -1, ctx.Err()
	}
	// The command has ended; a sender still blocked means the command quit
	// before reading all of its input.
	select {
	case sendErr = <-sent:
	case <-time.After(2 * time.Second):
		resp.Close()
		sendErr = msg.Err("engine.err.exec-input-left")
	}
	code, err := c.execExitCode(ctx, created.ID)
	if err != nil {
		return -1, err
	}
	if code == 0 && sendErr != nil {
		return -1, msg.Err("engine.err.exec-input", msg.Args{"Err": sendErr})
	}
	return code, nil
}

func (c *Client) execExitCode(ctx context.Context, execID string) (int, error) {
	for i := 0; ; i++ {
		ins, err := c.API.ContainerExecInspect(ctx, execID)
		if err != nil {
			return -1, c.apiErr(ctx, msg.Sub{ID: "engine.api.exec-inspect"}, err)
		}
		if !ins.Running {
			return ins.ExitCode, nil
		}
		if i >= 100 {
			return -1, msg.Err("engine.err.exec-still-running")
		}
		select {
		case <-ctx.Done():
			return -1, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// CopyOut returns a tar stream of path in a container (running or not),
// as `docker cp CONTAINER:PATH -` writes it: entries are named after the
// path's last element ("media", "media/a.jpg"), owners and modes kept.
func (c *Client) CopyOut(ctx context.Context, containerID, path string) (io.ReadCloser, error) {
	api, err := c.streamAPI()
	if err != nil {
		return nil, err
	}
	rc, _, err := api.CopyFromContainer(ctx, containerID, path)
	if err != nil {
		return nil, c.apiErr(ctx, msg.Sub{ID: "engine.api.copy-out", Args: msg.Args{"Path": path, "Container": units.ShortID(containerID)}}, err)
	}
	return rc, nil
}

// CopyIn extracts a tar stream into dir of a container (running or not;
// the engine mounts a stopped container's volumes for it). Entries keep
// the owners and modes of their headers.
func (c *Client) CopyIn(ctx context.Context, containerID, dir string, tarStream io.Reader) error {
	api, err := c.streamAPI()
	if err != nil {
		return err
	}
	if err := api.CopyToContainer(ctx, containerID, dir, tarStream, container.CopyToContainerOptions{}); err != nil {
		return c.apiErr(ctx, msg.Sub{ID: "engine.api.copy-in", Args: msg.Args{"Dir": dir, "Container": units.ShortID(containerID)}}, err)
	}
	return nil
}

// HelperLabel marks the short-lived containers stackgen creates, so a
// leftover one (after a crash) is easy to find and remove.
const HelperLabel = "org.stackgen.helper"

// HelperOptions describe a short-lived helper container.
type HelperOptions struct {
	Image string
	// VolumesFrom is the container whose volumes the helper mounts at the
	// same paths (typically a stopped service container).
	VolumesFrom string
	// Cmd runs with Entrypoint (both replace the image's).
	Entrypoint []string
	Cmd        []string
	// User defaults to root ("0"): helpers change files owned by anyone.
	User string
	// Purpose goes into the helper's label ("restore redis").
	Purpose string
}

// Helper is a helper container that has run to its end. It stays until
// Remove, so files can still be copied into its volumes.
type Helper struct {
	ID       string
	ExitCode int
	// Output is what it wrote on stdout and stderr (the last 64 KiB each).
	Stdout, Stderr string
}

// RunHelper creates and starts a helper container without network, waits
// for it to exit and returns it; the caller removes it with RemoveHelper.
func (c *Client) RunHelper(ctx context.Context, opts HelperOptions) (*Helper, error) {
	api, err := c.streamAPI()
	if err != nil {
		return nil, err
	}
	user := opts.User
	if user == "" {
		user = "0"
	}
	cfg := &container.Config{
		Image:      opts.Image,
		Entrypoint: opts.Entrypoint,
		Cmd:        opts.Cmd,
		User:       user,
		Labels:     map[string]string{HelperLabel: opts.Purpose},
	}
	host := &container.HostConfig{NetworkMode: "none"}
	if opts.VolumesFrom != "" {
		host.VolumesFrom = []string{opts.VolumesFrom}
	}
	created, err := api.ContainerCreate(ctx, cfg, host, nil, nil, "")
	if err != nil {
		return nil, c.apiErr(ctx, msg.Sub{ID: "engine.api.helper-create", Args: msg.Args{"Image": opts.Image}}, err)
	}
	h := &Helper{ID: created.ID}
	waitC, errC := api.ContainerWait(ctx, created.ID, container.WaitConditionNextExit)
	if err := api.ContainerStart(ctx, created.ID, container.StartOptions{}); err != nil {
		c.RemoveHelper(context.WithoutCancel(ctx), created.ID)
		return nil, c.apiErr(ctx, msg.Sub{ID: "engine.api.helper-start", Args: msg.Args{"Image": opts.Image}}, err)
	}
	select {
	case w := <-waitC:
		h.ExitCode = int(w.StatusCode)
		if w.Error != nil && w.Error.Message != "" {
			c.RemoveHelper(context.WithoutCancel(ctx), created.ID)
			return nil, msg.Err("engine.err.helper", msg.Args{"Detail": w.Error.Message})
		}
	case err := <-errC:
		c.RemoveHelper(context.WithoutCancel(ctx), created.ID)
		return nil, c.apiErr(ctx, msg.Sub{ID: "engine.api.helper-wait"}, err)
	}
	var out, errOut tailBuffer
	out.max, errOut.max = 64<<10, 64<<10
	rc, err := c.API.ContainerLogs(ctx, created.ID, container.LogsOptions{ShowStdout: true, ShowStderr: true})
	if err == nil {
		_, _ = stdcopy.StdCopy(&out, &errOut, rc)
		rc.Close()
	}
	h.Stdout, h.Stderr = out.String(), errOut.String()
	return h, nil
}

// RemoveHelper removes a helper container (and its anonymous volumes).
func (c *Client) RemoveHelper(ctx context.Context, id string) error {
	api, err := c.streamAPI()
	if err != nil {
		return err
	}
	if err := api.ContainerRemove(ctx, id, container.RemoveOptions{Force: true, RemoveVolumes: true}); err != nil && !isNotFound(err) {
		return c.apiErr(ctx, msg.Sub{ID: "engine.api.helper-remove", Args: msg.Args{"Container": units.ShortID(id)}}, err)
	}
	return nil
}

// StopServices runs `docker compose stop` for some services of p (all of
// them when services is empty). Containers and volumes stay.
func (c *Client) StopServices(ctx context.Context, p *ComposeProject, services []string, stdout, stderr io.Writer) error {
	return c.Compose.Run(ctx, p.Dir, composeArgs(p, "", append([]string{"stop"}, services...)...), stdout, stderr)
}

// StartServices runs `docker compose start` for some services of p: their
// existing containers start again, without being recreated.
func (c *Client) StartServices(ctx context.Context, p *ComposeProject, services []string, stdout, stderr io.Writer) error {
	return c.Compose.Run(ctx, p.Dir, composeArgs(p, "", append([]string{"start"}, services...)...), stdout, stderr)
}
