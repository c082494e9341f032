// Package upgradecmd implements `stackgen upgrade`: flags → options → one
// call into the upgrade package.
package upgradecmd

import (
	"context"
	"errors"

	"github.com/spf13/cobra"

	"github.com/stackgen/stackgen/cmd/stackgen/cmdutil"
	"github.com/stackgen/stackgen/stack"
	"github.com/stackgen/stackgen/upgrade"
)

// Options are the parsed flags of `stackgen upgrade`.
type Options struct {
	Dir             string
	Sets, Images    []string
	Answers         string
	DryRun, Check   bool
	Yes             bool
	AllowDataChange bool
}

// NewCmdUpgrade builds the command; runF replaces the work in tests of
// flag parsing.
func NewCmdUpgrade(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{}
	cmd := &cobra.Command{
		Use:     "upgrade [dir]",
		Short:   f.IO.L.T("cmd.upgrade.short"),
		Long:    f.IO.L.T("upgrade.long"),
		Example: f.IO.L.T("upgrade.example"),
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir, err := cmdutil.DirArg(cmd, args)
			if err != nil {
				return err
			}
			opts.Dir = dir
			if opts.DryRun && opts.Check {
				return &cmdutil.FlagError{Err: f.IO.L.Errorf("upgrade.err.dry-run-check")}
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return run(cmd.Context(), f, opts)
		},
	}
	cmdutil.AddDirFlag(cmd, f.IO.L)
	fl := cmd.Flags()
	l := f.IO.L
	fl.StringArrayVar(&opts.Sets, "set", nil, l.T("upgrade.flag.set"))
	fl.StringArrayVar(&opts.Images, "image", nil, l.T("upgrade.flag.image"))
	fl.StringVar(&opts.Answers, "answers", "", l.T("upgrade.flag.answers"))
	fl.BoolVar(&opts.DryRun, "dry-run", false, l.T("upgrade.flag.dry-run"))
	fl.BoolVar(&opts.Check, "check", false, l.T("upgrade.flag.check"))
	fl.BoolVarP(&opts.Yes, "yes", "y", false, l.T("upgrade.flag.yes"))
	fl.BoolVar(&opts.AllowDataChange, "allow-data-change", false, l.T("upgrade.flag.allow-data-change"))
	return cmd
}

func run(ctx context.Context, f *cmdutil.Factory, opts *Options) error {
	given := stack.Answers{}
	if opts.Answers != "" {
		a, err := upgrade.ReadAnswers(opts.Answers)
		if err != nil {
			return err
		}
		for k, v := range a {
			given[k] = v
		}
	}
	if err := cmdutil.ParsePairs(f.IO.L, "set", "", opts.Sets, given); err != nil {
		return err
	}
	if err := cmdutil.ParsePairs(f.IO.L, "image", stack.ImagePrefix, opts.Images, given); err != nil {
		return err
	}
	o := upgrade.Options{
		Dir: opts.Dir, Given: given, DryRun: opts.DryRun, Check: opts.Check, Yes: opts.Yes,
		AllowDataChange: opts.AllowDataChange, Version: f.Version, Rand: f.Rand,
		Sink: f.IO.Sink(),
	}
	if f.Engine != nil {
		// A data change is refused only over volumes that exist.
		o.Volumes = func(ctx context.Context, project string) ([]string, error) {
			c, err := f.Engine()
			if err != nil {
				return nil, err
			}
			return c.ProjectVolumes(ctx, project)
		}
	}
	if f.IO.CanPrompt() {
		o.Confirm = func(q string) (bool, error) { return f.Prompter().Confirm(q, "", false) }
	}
	_, err := upgrade.Run(ctx, o)
	switch {
	case errors.Is(err, upgrade.ErrWouldChange):
		return &cmdutil.ExitError{Code: 1, Err: err}
	case errors.Is(err, upgrade.ErrConflicts):
		// The summary said what to do.
		return &cmdutil.ExitError{Code: 1, Err: cmdutil.ErrSilent}
	}
	return err
}
