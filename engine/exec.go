package engine

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/stackgen/stackgen/internal/tail"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/pkg/stdcopy"

	"github.com/stackgen/stackgen/internal/units"

	"github.com/stackgen/stackgen/internal/msg"
)

// Exec runs cmd in a container through the API, without a TTY (so the
// output is not mangled), streaming stdout and stderr apart, and returns
// the command's exit code.
func (c *Client) Exec(ctx context.Context, containerID string, cmd []string, stdout, stderr io.Writer) (int, error) {
	return c.ExecStdin(ctx, containerID, cmd, nil, stdout, stderr)
}

// LogOptions select a container's log lines.
type LogOptions struct {
	// Tail is how many lines from the end ("" or "all": everything).
	Tail       string
	Follow     bool
	Timestamps bool
	// Since, when set, shows only lines written from then on.
	Since time.Time
}

// Logs copies a container's logs to stdout and stderr (one writer may serve
// both) until they end, or until ctx ends when following.
func (c *Client) Logs(ctx context.Context, containerID string, opts LogOptions, stdout, stderr io.Writer) error {
	ins, err := c.API.ContainerInspect(ctx, containerID)
	if err != nil {
		return c.apiErr(ctx, msg.Sub{ID: "engine.api.inspect-container", Args: msg.Args{"Container": units.ShortID(containerID)}}, err)
	}
	tail := opts.Tail
	if tail == "" {
		tail = "all"
	}
	rc, err := c.API.ContainerLogs(ctx, containerID, container.LogsOptions{
		ShowStdout: true, ShowStderr: true, Follow: opts.Follow, Tail: tail, Timestamps: opts.Timestamps,
		Since: since(opts.Since),
	})
	if err != nil {
		return c.apiErr(ctx, msg.Sub{ID: "engine.api.logs", Args: msg.Args{"Container": units.ShortID(containerID)}}, err)
	}
	defer rc.Close()
	if ins.Config != nil && ins.Config.Tty {
		_, err = io.Copy(stdout, rc)
	} else {
		_, err = stdcopy.StdCopy(stdout, stderr, rc)
	}
	if err != nil && ctx.Err() == nil && !errors.Is(err, io.EOF) {
		return msg.Err("engine.err.read-logs", msg.Args{"Container": units.ShortID(containerID), "Err": err})
	}
	return nil
}

func since(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return fmt.Sprintf("%d.%09d", t.Unix(), t.Nanosecond())
}

// LastLogLines returns the last n lines of a container's logs, stdout and
// stderr merged in order.
func (c *Client) LastLogLines(ctx context.Context, containerID string, n int) ([]string, error) {
	var buf tail.Buffer
	if err := c.Logs(ctx, containerID, LogOptions{Tail: fmt.Sprint(n)}, &buf, &buf); err != nil {
		return nil, err
	}
	var lines []string
	sc := bufio.NewScanner(strings.NewReader(buf.String()))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	return lines, nil
}
