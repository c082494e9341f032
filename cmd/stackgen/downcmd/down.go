// Package downcmd is `stackgen down`: stop and remove a stack's containers
// and networks, keeping its volumes (the data) unless told otherwise twice.
package downcmd

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/stackgen/stackgen/cmd/stackgen/cmdutil"
	"github.com/stackgen/stackgen/engine"
	"github.com/stackgen/stackgen/internal/msg"
)

// Options are down's inputs.
type Options struct {
	// Swarm acts on the stack deployed with up --swarm (swarm.go).
	Swarm   bool
	IO      *cmdutil.IOStreams
	Engine  func() (*engine.Client, error)
	Dir     string
	Volumes bool
	// YesDeleteData confirms --volumes.
	YesDeleteData bool
}

// ConfirmFlag is the flag that confirms deleting the volumes.
const ConfirmFlag = "yes-delete-data"

// NewCmdDown builds the command; runF replaces the work in tests.
func NewCmdDown(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Engine: f.Engine}
	cmd := &cobra.Command{
		Use:     "down [dir]",
		Short:   f.IO.L.T("cmd.down.short"),
		Long:    f.IO.L.T("down.long"),
		Example: f.IO.L.T("down.example"),
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir, err := cmdutil.DirArg(cmd, args)
			if err != nil {
				return err
			}
			opts.Dir = dir
			if opts.YesDeleteData && !opts.Volumes {
				return &cmdutil.FlagError{Err: f.IO.L.Errorf("down.err.confirm-alone", msg.Args{"Flag": ConfirmFlag})}
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			if opts.Swarm {
				return runSwarm(cmd.Context(), opts)
			}
			return run(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&opts.Swarm, "swarm", false, f.IO.L.T("down.flag.swarm"))
	fl.BoolVar(&opts.Volumes, "volumes", false, f.IO.L.T("down.flag.volumes", msg.Args{"Flag": ConfirmFlag}))
	fl.BoolVar(&opts.YesDeleteData, ConfirmFlag, false, f.IO.L.T("down.flag.yes-delete-data"))
	cmdutil.AddDirFlag(cmd, f.IO.L)
	return cmd
}

func run(ctx context.Context, opts *Options) error {
	l := opts.IO.L
	eng, err := engine.Connect(ctx, opts.Engine)
	if err != nil {
		return err
	}
	if _, err := eng.ComposeVersion(ctx); err != nil {
		return err
	}
	p, err := eng.LoadProject(ctx, opts.Dir)
	if err != nil {
		var ce *engine.ConfigError
		if errors.As(err, &ce) {
			return msg.Err("down.err.config", msg.Args{"Err": err})
		}
		return err
	}
	vols, err := eng.ProjectVolumes(ctx, p.Name)
	if err != nil {
		return err
	}
	if opts.Volumes && !opts.YesDeleteData {
		var what any = msg.Sub{ID: "down.volumes.all"}
		if len(vols) > 0 {
			what = msg.Sub{ID: "down.volumes.named", Args: msg.Args{"Volumes": strings.Join(vols, ", ")}}
		}
		return &cmdutil.FlagError{Err: l.Errorf("down.err.confirm", msg.Args{"What": what, "Flag": ConfirmFlag})}
	}
	if opts.Volumes {
		fmt.Fprintln(opts.IO.ErrOut, l.T("down.deleting", msg.Args{"Project": p.Name, "Volumes": strings.Join(vols, ", ")}))
	}
	if err := eng.Down(ctx, p, opts.Volumes, opts.IO.ErrOut, opts.IO.ErrOut); err != nil {
		return l.Errorf("down.err.failed", msg.Args{"Err": err})
	}
	switch {
	case opts.Volumes:
		fmt.Fprintln(opts.IO.ErrOut, l.T("down.done.deleted", msg.Args{"Stack": p.Name}))
	case len(vols) > 0:
		fmt.Fprintln(opts.IO.ErrOut, l.T("down.done.kept", msg.Args{"Stack": p.Name, "Volumes": strings.Join(vols, ", "), "Dir": p.Dir}))
	default:
		fmt.Fprintln(opts.IO.ErrOut, l.T("down.done", msg.Args{"Stack": p.Name}))
	}
	return nil
}
