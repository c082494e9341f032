// Package root assembles the stackgen command tree and maps errors to exit
// codes; each verb lives in its own package.
package root

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/stackgen/stackgen/cmd/stackgen/cmdutil"
	"github.com/stackgen/stackgen/internal/msg"
	"github.com/stackgen/stackgen/lifecycle"
	"github.com/stackgen/stackgen/prompt"
	"github.com/stackgen/stackgen/validate"
)

// oldVersionFlag keeps `stackgen -v` working after -v became --verbose.
const oldVersionFlag = "old-version"

// NewCmdRoot builds the command tree around a factory.
func NewCmdRoot(f *cmdutil.Factory) *cobra.Command {
	l := f.IO.L
	cmd := &cobra.Command{
		Use:           "stackgen",
		Short:         l.T("root.short"),
		Long:          l.T("root.long"),
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       f.Version,
	}
	// -v means --verbose on every verb. --version has no shorthand; the
	// old `stackgen -v` still prints the version through a hidden alias.
	cmd.Flags().Bool("version", false, l.T("root.version-flag"))
	// Main reads --lang before the tree is built (help texts are chosen
	// then); declaring it here makes cobra accept it on every verb.
	cmd.PersistentFlags().String(LangFlag, "", l.T("lang.flag"))
	cmd.Flags().BoolP(oldVersionFlag, "v", false, "")
	_ = cmd.Flags().MarkHidden(oldVersionFlag)
	cmd.RunE = func(c *cobra.Command, args []string) error {
		if old, _ := c.Flags().GetBool(oldVersionFlag); old {
			_, err := fmt.Fprintln(c.OutOrStdout(), l.T("root.version-line", msg.Args{"Version": f.Version}))
			return err
		}
		return c.Help()
	}
	cmd.SetOut(f.IO.Out)
	cmd.SetErr(f.IO.ErrOut)
	cmd.SetIn(f.IO.In)
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		// A bad value's cause may be a catalogue message (a duration's
		// check): pflag's English around it is said through the catalogue.
		var bad *pflag.InvalidValueError
		if errors.As(err, &bad) {
			err = msg.Err("cmd.err.flag-invalid", msg.Args{"Value": strconv.Quote(bad.GetValue()), "Flag": bad.GetFlag().Name, "Err": errors.Unwrap(bad)})
		}
		return &cmdutil.FlagError{Err: err}
	})
	for _, add := range commands {
		cmd.AddCommand(add(f))
	}
	localizeHelp(cmd, l)
	return cmd
}

// Main runs the CLI and returns the process exit code.
func Main(version string, args []string) int {
	if validates(verbArg(args)) {
		// the verb starts it too; from here the compile also overlaps
		// reading the catalogue and building the tree
		validate.Warm()
	}
	f := cmdutil.NewFactory(version)
	lang, err := msg.Detect(langArg(args), os.Getenv)
	if err != nil {
		fmt.Fprintln(f.IO.ErrOut, f.IO.L.T("root.error", msg.Args{"Err": err}))
		return 2
	}
	f.IO.L = msg.New(lang)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	cmd := NewCmdRoot(f)
	cmd.SetArgs(args)
	err = cmd.ExecuteContext(ctx)
	return exitCode(f, cmd, err)
}

// validates reports whether a verb loads compose files through validate
// on every run (new checks what it rendered).
func validates(verb string) bool { return verb == "new" || verb == "validate" }

// verbArg is the verb of args (the first word that is not a flag or the
// value of --lang), read before the tree is built as langArg is; "" when
// there is none.
func verbArg(args []string) string {
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return ""
		case a == "--"+LangFlag:
			i++
		case !strings.HasPrefix(a, "-"):
			return a
		}
	}
	return ""
}

func exitCode(f *cmdutil.Factory, cmd *cobra.Command, err error) int {
	if err == nil {
		return 0
	}
	l := f.IO.L
	say := func(err error) { fmt.Fprintln(f.IO.ErrOut, l.T("root.error", msg.Args{"Err": err})) }
	var flagErr *cmdutil.FlagError
	var exitErr *cmdutil.ExitError
	switch {
	// Ctrl-C: at a prompt, or (context.Canceled) while a command worked,
	// which Main's signal.NotifyContext turns into a cancelled context.
	case errors.Is(err, cmdutil.ErrCancel), errors.Is(err, prompt.ErrInterrupt), errors.Is(err, context.Canceled):
		fmt.Fprintln(f.IO.ErrOut, l.T("root.cancelled"))
		return 130
	// The failure is explained above it (a command's own report, or a
	// service's: lifecycle's).
	case errors.Is(err, cmdutil.ErrSilent), errors.Is(err, lifecycle.ErrReported):
		return 1
	case errors.As(err, &exitErr):
		if exitErr.Err != nil && !errors.Is(exitErr.Err, cmdutil.ErrSilent) {
			say(exitErr.Err)
		}
		return exitErr.Code
	case errors.As(err, &flagErr):
		say(err)
		fmt.Fprintln(f.IO.ErrOut, l.T("root.usage-hint"))
		return 2
	}
	say(err)
	return 1
}
