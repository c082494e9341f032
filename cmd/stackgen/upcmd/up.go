// Package upcmd is `stackgen up`: flags to lifecycle.Options, then one
// call to lifecycle.Up, which builds, starts, waits, migrates and reports.
package upcmd

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/stackgen/stackgen/cmd/stackgen/cmdutil"
	"github.com/stackgen/stackgen/lifecycle"
	"github.com/stackgen/stackgen/progress"
)

// TimeoutUsage is the --timeout help of every command that waits for a
// stack to be ready.
const TimeoutUsage = cmdutil.TimeoutUsage

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
		Use:   "up [dir]",
		Short: "Build and start a generated stack, wait until it is healthy, apply migrations",
		Long: `Build the stack's images and start it with docker compose, then wait until
every service with a health check is healthy and every one-shot job has
exited 0 (following the engine's events, never a fixed sleep), apply the
stack's migrations and print its URL.

On failure stackgen names the service, shows its last log lines and its
health-check log, suggests a fix for the causes it recognises, and exits
non-zero. It deletes nothing: containers stay for inspection, volumes and
.env are untouched.`,
		Example: `  stackgen up mysite
  stackgen up mysite --timeout 10m --progress plain`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir, err := cmdutil.DirArg(cmd, args)
			if err != nil {
				return err
			}
			opts.Dir = dir
			if opts.Timeout < 0 {
				return cmdutil.FlagErrorf("--timeout must be positive")
			}
			if opts.JSON {
				if cmd.Flags().Changed("progress") && opts.Progress != progress.ModeJSON {
					return cmdutil.FlagErrorf("--json is --progress json; give one of them")
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
	AddFlags(cmd, opts)
	cmd.Flags().BoolVar(&opts.NoBuild, "no-build", false, "start with the images already built")
	cmdutil.AddDirFlag(cmd, "")
	addSwarmFlags(cmd, &opts.Swarm)
	return cmd
}

// AddFlags adds the flags up shares with commands that run it (new --up).
func AddFlags(cmd *cobra.Command, opts *Options) {
	fl := cmd.Flags()
	cmdutil.DurationVar(fl, &opts.Timeout, "timeout", 0, TimeoutUsage)
	cmdutil.AddProgressFlag(fl, &opts.Progress, progress.Modes)
	fl.BoolVarP(&opts.Verbose, "verbose", "v", false, "show compose's output and the timings")
	fl.BoolVar(&opts.JSON, "json", false, "print the progress and the result as JSON lines on stdout (the same as --progress json)")
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
