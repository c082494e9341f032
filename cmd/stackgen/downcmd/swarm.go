package downcmd

import (
	"context"
	"fmt"

	"github.com/stackgen/stackgen/cmd/stackgen/cmdutil"
	"github.com/stackgen/stackgen/engine"
	"github.com/stackgen/stackgen/internal/msg"
	"github.com/stackgen/stackgen/swarm"
)

// runSwarm removes the stack from the swarm: services, networks, secrets
// and configs; with --volumes (confirmed), this node's volumes of it.
func runSwarm(ctx context.Context, opts *Options) error {
	if opts.Volumes && !opts.YesDeleteData {
		return &cmdutil.FlagError{Err: opts.IO.L.Errorf("down.err.swarm-confirm", msg.Args{"Flag": ConfirmFlag})}
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
	removed, err := swarm.Down(ctx, eng, p, opts.Volumes)
	if err != nil {
		return err
	}
	if len(removed) == 0 {
		fmt.Fprintln(opts.IO.ErrOut, opts.IO.L.T("down.swarm.nothing", msg.Args{"Stack": p.Name}))
		return nil
	}
	kept := msg.Sub{ID: "down.swarm.kept"}
	if opts.Volumes {
		kept = msg.Sub{ID: "down.swarm.deleted"}
	}
	fmt.Fprintln(opts.IO.ErrOut, opts.IO.L.T("down.swarm.done", msg.Args{"Stack": p.Name, "Count": len(removed), "Volumes": kept}))
	return nil
}
