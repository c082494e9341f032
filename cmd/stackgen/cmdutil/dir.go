package cmdutil

import (
	"github.com/spf13/cobra"
	"github.com/stackgen/stackgen/internal/msg"
)

// DirFlag is the flag every verb that acts on a project takes, besides
// its [dir] argument: one spelling for "the project directory" on every
// verb (deploy --bundle installs into it).
const DirFlag = "dir"

// AddDirFlag gives cmd --dir DIR, its usage in l's language.
func AddDirFlag(cmd *cobra.Command, l *msg.Localizer) {
	cmd.Flags().String(DirFlag, "", l.T("cmd.flag.dir"))
}

// DirArg is ProjectDir for a verb whose only positional argument is the
// optional [dir].
func DirArg(cmd *cobra.Command, args []string) (string, error) {
	pos := ""
	if len(args) > 0 {
		pos = args[0]
	}
	return ProjectDir(cmd, pos)
}

// ProjectDir is the project directory a verb acts on: --dir, else the
// [dir] argument pos, else the current directory. Both, naming different
// directories, is a usage error.
func ProjectDir(cmd *cobra.Command, pos string) (string, error) {
	flag := ""
	if f := cmd.Flags().Lookup(DirFlag); f != nil && f.Changed {
		flag = f.Value.String()
	}
	switch {
	case flag != "" && pos != "" && flag != pos:
		return "", &FlagError{Err: msg.Err("cmd.err.dir-twice", msg.Args{"Pos": pos, "Flag": flag})}
	case flag != "":
		return flag, nil
	case pos != "":
		return pos, nil
	}
	return ".", nil
}
