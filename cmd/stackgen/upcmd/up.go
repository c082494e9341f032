// Package upcmd is `stackgen up`: flags to lifecycle.Options, then one
// call to lifecycle.Up, which builds, starts, waits, migrates and reports.
package upcmd

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/stackgen/stackgen/cmd/stackgen/cmdutil"
	"github.com/stackgen/stackgen/internal/msg"
	"github.com/stackgen/stackgen/lifecycle"
	"github.com/stackgen/stackgen/progress"
)

// Options are up's inputs: the service's, plus the streams and --json.
type Options struct {
	IO *cmdutil.IOStreams
	// JSON is --json, the spelling every other verb uses for --progress json.
	JSON bool
	lifecycle.Options
}

// NewCmdUp builds the command; runF replaces the work in tests of flag
// parsing.
func NewCmdUp(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IO}
	opts.Engine, opts.Now = f.Engine, f.Now
	cmd := &cobra.Command{
		Use:     "up [dir]",
		Short:   f.IO.L.T("cmd.up.short"),
		Long:    f.IO.L.T("up.long"),
		Example: f.IO.L.T("up.example"),
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir, err := cmdutil.DirArg(cmd, args)
			if err != nil {
				return err
			}
			opts.Dir = dir
			if opts.Timeout < 0 {
				return &cmdutil.FlagError{Err: f.IO.L.Errorf("up.err.timeout")}
			}
			if opts.JSON {
				if cmd.Flags().Changed("progress") && opts.Progress != progress.ModeJSON {
					return &cmdutil.FlagError{Err: f.IO.L.Errorf("up.err.json-progress")}
				}
				opts.Progress = progress.ModeJSON
			}
			if err := cmdutil.CheckProgress(opts.Progress, progress.Modes); err != nil {
				return err
			}
			if err := checkSwarm(&opts.Swarm); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return run(cmd.Context(), opts)
		},
	}
	AddFlags(cmd, f.IO.L, opts)
	cmd.Flags().BoolVar(&opts.NoBuild, "no-build", false, f.IO.L.T("up.flag.no-build"))
	cmdutil.AddDirFlag(cmd, f.IO.L)
	addSwarmFlags(cmd, f.IO.L, &opts.Swarm)
	return cmd
}

// AddFlags adds the flags up shares with commands that run it (new --up).
func AddFlags(cmd *cobra.Command, l *msg.Localizer, opts *Options) {
	fl := cmd.Flags()
	cmdutil.DurationVar(fl, &opts.Timeout, "timeout", 0, l.T(cmdutil.TimeoutUsageID))
	cmdutil.AddProgressFlag(fl, l, &opts.Progress, progress.Modes)
	fl.BoolVarP(&opts.Verbose, "verbose", "v", false, l.T("up.flag.verbose"))
	fl.BoolVar(&opts.JSON, "json", false, l.T("up.flag.json"))
}

// Up deploys the project in dir with the defaults, as `stackgen up dir`
// does, in the shape `stackgen new --up` takes.
func Up(ctx context.Context, f *cmdutil.Factory, dir string) error {
	return lifecycle.Up(ctx, lifecycle.Options{Sink: f.IO.Sink(), Engine: f.Engine, Now: f.Now, Dir: dir})
}

// run hands the options to the service.
func run(ctx context.Context, opts *Options) error {
	lo := opts.Options
	lo.Sink = opts.IO.Sink()
	return lifecycle.Up(ctx, lo)
}
