package engine

import (
	"context"
	"errors"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/client"
	"github.com/stackgen/stackgen/internal/msg"
)

func isNotFound(err error) bool { return cerrdefs.IsNotFound(err) }

// asMsg is the As of an engine error type whose text is the catalogue
// message m: a wrapper ({{.Err}}) or root finds m in it and says it again
// in the reader's language, while errors.As for the type itself still
// works.
func asMsg(m error, target any) bool {
	t, ok := target.(**msg.Error)
	return ok && errors.As(m, t)
}

// apiErr turns a failed API call into an error that says what failed (a
// catalogue clause: "inspecting image x"), and a lost connection into an
// UnreachableError.
func (c *Client) apiErr(ctx context.Context, what msg.Sub, err error) error {
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if client.IsErrConnectionFailed(err) {
		return &UnreachableError{Host: c.API.DaemonHost(), Err: err}
	}
	return msg.Err("engine.err.api", msg.Args{"What": what, "Err": err})
}
