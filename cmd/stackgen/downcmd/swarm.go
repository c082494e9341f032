package downcmd

import (
	"context"
	"fmt"

	"github.com/stackgen/stackgen/cmd/stackgen/cmdutil"
	"github.com/stackgen/stackgen/engine"
	"github.com/stackgen/stackgen/swarm"
)

// runSwarm removes the stack from the swarm: services, networks, secrets
// and configs; with --volumes (confirmed), this node's volumes of it.
func runSwarm(ctx context.Context, opts *Options) error {
	if opts.Volumes && !opts.YesDeleteData {
		return cmdutil.FlagErrorf("--volumes deletes the stack's data on this node: add --%s to confirm", ConfirmFlag)
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
		fmt.Fprintf(opts.IO.ErrOut, "Stack %s has nothing on this swarm.\n", p.Name)
		return nil
	}
	kept := " Volumes kept: 'stackgen up --swarm' starts it again with the same data."
	if opts.Volumes {
		kept = " Its volumes on this node are deleted (other nodes keep theirs)."
	}
	fmt.Fprintf(opts.IO.ErrOut, "Stack %s is down: removed %d services, networks, secrets and configs.%s\n", p.Name, len(removed), kept)
	return nil
}
