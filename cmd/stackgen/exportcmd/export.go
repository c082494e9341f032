// Package exportcmd is `stackgen export TARGET`: turn a generated project
// into what another orchestrator deploys (Kubernetes manifests, ...). Each
// target is a subcommand in its own file; the work lives in its service
// package (k8s/, ...), this package only maps flags to options.
package exportcmd

import (
	"github.com/spf13/cobra"

	"github.com/stackgen/stackgen/cmd/stackgen/cmdutil"
)

// targets are the export subcommands. Each target's file adds itself from
// an init function, so adding a target touches only its own file (several
// are written at once; this list is the one shared point).
var targets []func(*cmdutil.Factory) *cobra.Command

// register adds an export target.
func register(newCmd func(*cmdutil.Factory) *cobra.Command) { targets = append(targets, newCmd) }

// NewCmdExport builds `stackgen export` with every registered target.
func NewCmdExport(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "export TARGET [dir]",
		Short: f.IO.L.T("cmd.export.short"),
		Long:  f.IO.L.T("export.long"),
		Args:  cobra.NoArgs,
	}
	for _, t := range targets {
		cmd.AddCommand(t(f))
	}
	return cmd
}
