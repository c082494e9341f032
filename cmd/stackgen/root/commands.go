package root

import (
	"github.com/spf13/cobra"

	"github.com/stackgen/stackgen/cmd/stackgen/backupcmd"
	"github.com/stackgen/stackgen/cmd/stackgen/cmdutil"
	"github.com/stackgen/stackgen/cmd/stackgen/deploycmd"
	"github.com/stackgen/stackgen/cmd/stackgen/doctorcmd"
	"github.com/stackgen/stackgen/cmd/stackgen/downcmd"
	"github.com/stackgen/stackgen/cmd/stackgen/exportcmd"
	"github.com/stackgen/stackgen/cmd/stackgen/keygencmd"
	"github.com/stackgen/stackgen/cmd/stackgen/logscmd"
	"github.com/stackgen/stackgen/cmd/stackgen/newcmd"
	"github.com/stackgen/stackgen/cmd/stackgen/restorecmd"
	"github.com/stackgen/stackgen/cmd/stackgen/stackscmd"
	"github.com/stackgen/stackgen/cmd/stackgen/statuscmd"
	"github.com/stackgen/stackgen/cmd/stackgen/upcmd"
	"github.com/stackgen/stackgen/cmd/stackgen/upgradecmd"
	"github.com/stackgen/stackgen/cmd/stackgen/validatecmd"
)

// commands lists every verb, one line each, so adding a command touches one
// line here and nothing else.
var commands = []func(*cmdutil.Factory) *cobra.Command{
	func(f *cmdutil.Factory) *cobra.Command { return newcmd.NewCmdNew(f, upcmd.Up, nil) },
	func(f *cmdutil.Factory) *cobra.Command { return stackscmd.NewCmdStacks(f, nil) },
	func(f *cmdutil.Factory) *cobra.Command { return backupcmd.NewCmdBackup(f, nil) },
	func(f *cmdutil.Factory) *cobra.Command { return restorecmd.NewCmdRestore(f, nil) },
	func(f *cmdutil.Factory) *cobra.Command { return keygencmd.NewCmdKeygen(f, nil) },
	func(f *cmdutil.Factory) *cobra.Command { return validatecmd.NewCmdValidate(f, nil) },
	func(f *cmdutil.Factory) *cobra.Command { return upcmd.NewCmdUp(f, nil) },
	func(f *cmdutil.Factory) *cobra.Command { return statuscmd.NewCmdStatus(f, nil) },
	func(f *cmdutil.Factory) *cobra.Command { return logscmd.NewCmdLogs(f, nil) },
	func(f *cmdutil.Factory) *cobra.Command { return downcmd.NewCmdDown(f, nil) },
	func(f *cmdutil.Factory) *cobra.Command { return deploycmd.NewCmdDeploy(f, nil) },
	func(f *cmdutil.Factory) *cobra.Command { return doctorcmd.NewCmdDoctor(f, nil) },
	exportcmd.NewCmdExport,
	func(f *cmdutil.Factory) *cobra.Command { return upgradecmd.NewCmdUpgrade(f, nil) },
	newCmdVersion,
}

func newCmdVersion(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: f.IO.L.T("version.short"),
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			_, err := cmd.OutOrStdout().Write([]byte("stackgen " + f.Version + "\n"))
			return err
		},
	}
}
