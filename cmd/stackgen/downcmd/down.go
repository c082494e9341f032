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
			pos := ""
			if len(args) == 1 {
				pos = args[0]
			}
			dir, err := cmdutil.ProjectDir(cmd, pos)
			if err != nil {
				return err
			}
			opts.Dir = dir
			if opts.YesDeleteData && !opts.Volumes {
				return cmdutil.FlagErrorf("--%s confirms --volumes; without --volumes nothing is deleted", ConfirmFlag)
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
	fl.BoolVar(&opts.Volumes, "volumes", false, "also delete the stack's volumes: its database and files (needs --"+ConfirmFlag+")")
	fl.BoolVar(&opts.YesDeleteData, ConfirmFlag, false, f.IO.L.T("down.flag.yes-delete-data"))
	cmdutil.AddDirFlag(cmd, "")
	return cmd
}

func run(ctx context.Context, opts *Options) error {
	if opts.Engine == nil {
		opts.Engine = engine.New
	}
	eng, err := opts.Engine()
	if err != nil {
		return err
	}
	if _, err := eng.Check(ctx); err != nil {
		return err
	}
	if _, err := eng.ComposeVersion(ctx); err != nil {
		return err
	}
	p, err := eng.LoadProject(ctx, opts.Dir)
	if err != nil {
		var ce *engine.ConfigError
		if errors.As(err, &ce) {
			return fmt.Errorf("%w; docker compose needs the project to load to take it down: fix .env first", err)
		}
		return err
	}
	vols, err := eng.ProjectVolumes(ctx, p.Name)
	if err != nil {
		return err
	}
	if opts.Volumes && !opts.YesDeleteData {
		what := "the stack's volumes"
		if len(vols) > 0 {
			what = "the volumes " + strings.Join(vols, ", ")
		}
		return cmdutil.FlagErrorf("--volumes deletes %s, and with them the database and uploaded files; add --%s to confirm, or back up first", what, ConfirmFlag)
	}
	if opts.Volumes {
		fmt.Fprintf(opts.IO.ErrOut, "Deleting project %s with its data: %s\n", p.Name, strings.Join(vols, ", "))
	}
	if err := eng.Down(ctx, p, opts.Volumes, opts.IO.ErrOut, opts.IO.ErrOut); err != nil {
		return fmt.Errorf("docker compose down failed: %w", err)
	}
	switch {
	case opts.Volumes:
		fmt.Fprintf(opts.IO.ErrOut, "Stack %s is down; its volumes are deleted.\n", p.Name)
	case len(vols) > 0:
		fmt.Fprintf(opts.IO.ErrOut, "Stack %s is down. Volumes kept: %s. 'stackgen up %s' starts it again with the same data.\n", p.Name, strings.Join(vols, ", "), p.Dir)
	default:
		fmt.Fprintf(opts.IO.ErrOut, "Stack %s is down.\n", p.Name)
	}
	return nil
}
