package engine

import (
	"context"
	"fmt"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/client"
)

func isNotFound(err error) bool { return cerrdefs.IsNotFound(err) }

// apiErr turns a failed API call into an error that says what failed, and
// a lost connection into an UnreachableError.
func (c *Client) apiErr(ctx context.Context, what string, err error) error {
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if client.IsErrConnectionFailed(err) {
		return &UnreachableError{Host: c.API.DaemonHost(), Err: err}
	}
	return fmt.Errorf("%s: %w", what, err)
}
