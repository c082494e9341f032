// Package upgradecmd implements `stackgen upgrade`: flags → options → one
// call into the upgrade package.
package upgradecmd

import (
	"context"
	"errors"
	"strings"

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
		Use:   "upgrade [dir]",
		Short: "Bring a project to this stackgen (or new answers), keeping your edits",
		Long: `Render the project again with this stackgen and its recorded answers (plus
any new ones) and merge, file by file, with what is on disk:

  unchanged by you      replaced by the new version
  changed by you only   kept
  changed by both       merged; where both changed the same lines, the file
                        gets <<<<<<< yours / ======= / >>>>>>> stackgen blocks

.env is merged by key: secrets never change, new keys get new secrets,
keys no longer used are reported and kept. Files stackgen no longer writes
are removed if you never changed them. Changes that touch data (another
database, a new major version, a dropped service, a renamed volume) are
refused without --allow-data-change.`,
		Example: `  stackgen upgrade --dry-run
  stackgen upgrade mysite --set http_port=8080 --yes
  stackgen upgrade --check   # in CI: exit 1 when the project is behind`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			pos := ""
			if len(args) > 0 {
				pos = args[0]
			}
			dir, err := cmdutil.ProjectDir(cmd, pos)
			if err != nil {
				return err
			}
			opts.Dir = dir
			if opts.DryRun && opts.Check {
				return cmdutil.FlagErrorf("--dry-run and --check: give one (--check prints the summary and exits 1 when something would change)")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return run(cmd.Context(), f, opts)
		},
	}
	cmdutil.AddDirFlag(cmd, "")
	fl := cmd.Flags()
	fl.StringArrayVar(&opts.Sets, "set", nil, "change an answer, KEY=VALUE (repeatable)")
	fl.StringArrayVar(&opts.Images, "image", nil, "replace an image, KEY=REF (repeatable)")
	fl.StringVar(&opts.Answers, "answers", "", "read answers to change from a YAML file")
	fl.BoolVar(&opts.DryRun, "dry-run", false, "print the unified diff of what would change and write nothing")
	fl.BoolVar(&opts.Check, "check", false, "write nothing; exit 1 when the upgrade would change a file or leave a conflict (for CI)")
	fl.BoolVarP(&opts.Yes, "yes", "y", false, "apply without asking")
	fl.BoolVar(&opts.AllowDataChange, "allow-data-change", false, "let through changes that touch data (back up first: stackgen backup)")
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
	if err := pairs("set", "", opts.Sets, given); err != nil {
		return err
	}
	if err := pairs("image", stack.ImagePrefix, opts.Images, given); err != nil {
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

// pairs turns repeated KEY=VALUE flags into answers under prefix.
func pairs(flag, prefix string, in []string, into stack.Answers) error {
	for _, p := range in {
		k, v, ok := strings.Cut(p, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			return cmdutil.FlagErrorf("--%s %q: expected KEY=VALUE", flag, p)
		}
		into[prefix+k] = v
	}
	return nil
}
