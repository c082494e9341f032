// Package exportcmd is `stackgen export TARGET`: the project written for
// another orchestrator. Each target is a subcommand in its own file.
package exportcmd

import (
	"github.com/spf13/cobra"

	"github.com/stackgen/stackgen/cmd/stackgen/cmdutil"
)

// NewCmdExport builds the parent command.
func NewCmdExport(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "export TARGET [dir]",
		Short: "Write the project for another orchestrator (Docker Swarm)",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(NewCmdSwarm(f, nil))
	return cmd
}
