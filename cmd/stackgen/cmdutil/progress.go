package cmdutil

import (
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/stackgen/stackgen/progress"
)

// TransferModes are the --progress values of a verb without JSON output
// (deploy): a meter has no events to write as JSON.
var TransferModes = []string{progress.ModeAuto, progress.ModeTTY, progress.ModePlain, progress.ModeQuiet}

// AddProgressFlag adds --progress, taking one of modes (progress.Modes for
// a verb with JSON output), default auto.
func AddProgressFlag(fl *pflag.FlagSet, p *string, modes []string) {
	fl.StringVar(p, "progress", progress.ModeAuto, "progress output: "+strings.Join(modes, ", "))
}

// CheckProgress is the one check of a --progress value: a usage error
// naming the choices when mode is not one of modes. The service resolves
// auto against the terminal (progress.Resolve).
func CheckProgress(mode string, modes []string) error {
	if !slices.Contains(modes, mode) {
		return FlagErrorf("invalid --progress %q: use one of %s", mode, strings.Join(modes, ", "))
	}
	return nil
}
