package statuscmd

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/stackgen/stackgen/engine"
	"github.com/stackgen/stackgen/internal/msg"
	"github.com/stackgen/stackgen/swarm"
)

// runSwarm prints the stack's services on the swarm: replicas running,
// the rolling update's state, published ports and the latest task error.
func runSwarm(ctx context.Context, opts *Options) error {
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
	svcs, err := swarm.Status(ctx, eng, p)
	if err != nil {
		return err
	}
	if opts.JSON {
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"stack": p.Name, "services": svcs})
	}
	if len(svcs) == 0 {
		fmt.Fprintln(opts.IO.ErrOut, opts.IO.L.T("status.swarm.empty", msg.Args{"Stack": p.Name, "Dir": p.Dir}))
		return nil
	}
	tw := tabwriter.NewWriter(opts.IO.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, opts.IO.L.T("status.swarm.header"))
	for _, s := range svcs {
		rep := fmt.Sprintf("%d/%d", s.Running, s.Desired)
		if s.Job {
			rep += " (job)"
		}
		last := ""
		if len(s.TaskErrors) > 0 {
			last = s.TaskErrors[0]
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", s.Name, rep, dash(s.Update), dash(strings.Join(s.Published, ",")), s.Image, last)
	}
	return tw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
