package lifecycle

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/stackgen/stackgen/engine"
	"github.com/stackgen/stackgen/internal/msg"
)

// StartAndWait runs compose up on an already built project and waits until
// every service is ready, within timeout (0: the stack's StartTimeout).
// compose's errors go to out. It is the bare start restore's own steps
// use; Up adds the build, migrations, progress and failure report.
func StartAndWait(ctx context.Context, eng *engine.Client, p *engine.ComposeProject, timeout time.Duration, out io.Writer) error {
	if timeout <= 0 {
		timeout = StartTimeoutOf(p.Dir)
	}
	_, err := startAndWait(ctx, eng, p, timeout, time.Now(), nil, out, nil)
	if errors.Is(err, context.DeadlineExceeded) {
		return msg.Err("lifecycle.err.not-healthy", msg.Args{"Timeout": timeout, "Err": err})
	}
	return err
}

// startAndWait is the one start and wait: compose up runs while the wait
// follows the engine's events from start on (so progress shows as it
// happens, onChange may be nil), bounded by timeout. On a failed wait
// compose may still be waiting on a dependency that just failed: it gets
// composeGrace to say so, then is interrupted; an interrupted
// `up --detach` stops waiting and leaves every container as it is.
func startAndWait(ctx context.Context, eng *engine.Client, p *engine.ComposeProject, timeout time.Duration, start time.Time, stdout, stderr io.Writer, onChange func(engine.ServiceState)) (*engine.Result, error) {
	upDone := make(chan error, 1)
	upFinished := make(chan struct{})
	upCtx, stopUp := context.WithCancel(ctx)
	defer stopUp()
	go func() {
		defer close(upFinished)
		upDone <- eng.Up(upCtx, p, "plain", stdout, stderr)
	}()
	waitCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	res, err := eng.WaitHealthy(waitCtx, engine.WaitOptions{
		Project:  p.Name,
		Services: p.Services,
		UpDone:   upDone,
		Since:    start.Add(-time.Second),
		OnChange: onChange,
	})
	if err != nil {
		select {
		case <-upFinished:
		case <-time.After(composeGrace):
			stopUp()
			<-upFinished
		}
	}
	return res, err
}
