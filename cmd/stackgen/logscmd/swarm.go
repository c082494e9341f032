package logscmd

import (
	"context"
	"fmt"

	"github.com/stackgen/stackgen/cmd/stackgen/cmdutil"
	"github.com/stackgen/stackgen/engine"
	"github.com/stackgen/stackgen/swarm"
)

// runSwarm prints a swarm service's logs (every task's), or each
// service's in turn.
func runSwarm(ctx context.Context, opts *Options) error {
	if opts.Follow && opts.Service == "" {
		return &cmdutil.FlagError{Err: opts.IO.L.Errorf("logs.err.swarm-follow")}
	}
	p, err := swarm.LoadProject(opts.Dir, nil)
	if err != nil {
		return err
	}
	if opts.Engine == nil {
		opts.Engine = engine.New
	}
	eng, err := opts.Engine()
	if err != nil {
		return err
	}
	if opts.Service != "" {
		return swarm.Logs(ctx, eng, p, opts.Service, opts.Follow, opts.Tail, opts.IO.Out)
	}
	svcs, err := swarm.Status(ctx, eng, p)
	if err != nil {
		return err
	}
	for _, s := range svcs {
		fmt.Fprintf(opts.IO.Out, "==> %s <==\n", s.Name)
		if err := swarm.Logs(ctx, eng, p, s.Name, false, opts.Tail, opts.IO.Out); err != nil {
			return err
		}
	}
	return nil
}
