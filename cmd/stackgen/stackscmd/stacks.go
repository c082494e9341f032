// Package stackscmd implements `stackgen stacks`: list what can be generated.
package stackscmd

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/stackgen/stackgen/cmd/stackgen/cmdutil"
	"github.com/stackgen/stackgen/stacks"
)

// NewCmdStacks builds the command.
func NewCmdStacks(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "stacks [stack]",
		Short: f.IO.L.T("cmd.stacks.short"),
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				d, err := stacks.Registry().Lookup(args[0])
				if err != nil {
					return cmdutil.FlagErrorf("%v", err)
				}
				cmdutil.PrintAnswers(f.IO.Out, f.IO.L, d)
				return nil
			}
			w := tabwriter.NewWriter(f.IO.Out, 0, 4, 2, ' ', 0)
			for _, d := range stacks.Registry().All() {
				aliases := ""
				if len(d.Aliases) > 0 {
					aliases = "(" + strings.Join(d.Aliases, ", ") + ")"
				}
				fmt.Fprintf(w, "%s\t%s\t%s\n", d.Name, aliases, d.Description)
			}
			return w.Flush()
		},
	}
}
