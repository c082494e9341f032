package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/stackgen/stackgen/engine"
)

// StartAndWait runs compose up on an already built project and waits until
// every service is ready, within timeout (0: the stack's StartTimeout).
// compose's output goes to out. It is the bare start restore's own steps
// use; Up adds the build, migrations, progress and failure report.
func StartAndWait(ctx context.Context, eng *engine.Client, p *engine.Project, timeout time.Duration, out io.Writer) error {
	if timeout <= 0 {
		timeout = StartTimeoutOf(p.Dir)
	}
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	upDone := make(chan error, 1)
	since := time.Now().Add(-time.Second)
	go func() { upDone <- eng.Up(wctx, p, "plain", nil, out) }()
	_, err := eng.WaitHealthy(wctx, engine.WaitOptions{Project: p.Name, Services: p.Services, UpDone: upDone, Since: since})
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("not healthy after %s: %w", timeout, err)
	}
	return err
}
