// Package stackscmd implements `stackgen stacks`: list what can be generated.
package stackscmd

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/stackgen/stackgen/cmd/stackgen/cmdutil"
	"github.com/stackgen/stackgen/stacks"
)

// Options is what the command line decided.
type Options struct {
	IO *cmdutil.IOStreams
	// Stack, when set, lists that stack's answers instead of the stacks.
	Stack string
}

// NewCmdStacks builds the command; runF replaces the work in tests of
// flag parsing.
func NewCmdStacks(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IO}
	return &cobra.Command{
		Use:   "stacks [stack]",
		Short: f.IO.L.T("cmd.stacks.short"),
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Stack = args[0]
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return run(opts)
		},
	}
}

func run(opts *Options) error {
	if opts.Stack != "" {
		d, err := stacks.Registry().Lookup(opts.Stack)
		if err != nil {
			return &cmdutil.FlagError{Err: err}
		}
		cmdutil.PrintAnswers(opts.IO.Out, opts.IO.L, d)
		return nil
	}
	w := tabwriter.NewWriter(opts.IO.Out, 0, 4, 2, ' ', 0)
	for _, d := range stacks.Registry().All() {
		aliases := ""
		if len(d.Aliases) > 0 {
			aliases = "(" + strings.Join(d.Aliases, ", ") + ")"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\n", d.Name, aliases, cmdutil.StackDescription(opts.IO.L, d))

	}
	return w.Flush()
}
