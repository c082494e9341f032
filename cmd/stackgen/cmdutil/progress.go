package cmdutil

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/stackgen/stackgen/internal/msg"
	"github.com/stackgen/stackgen/progress"
)

// TransferModes are the --progress values of a verb without JSON output
// (deploy): a meter has no events to write as JSON.
var TransferModes = []string{progress.ModeAuto, progress.ModeTTY, progress.ModePlain, progress.ModeQuiet}

// AddProgressFlag adds --progress, taking one of modes (progress.Modes for
// a verb with JSON output), default auto.
func AddProgressFlag(fl *pflag.FlagSet, l *msg.Localizer, p *string, modes []string) {
	fl.StringVar(p, "progress", progress.ModeAuto, l.T("up.flag.progress", msg.Args{"Modes": strings.Join(modes, ", ")}))
}

// CheckProgress is the one check of a --progress value: a usage error
// naming the choices when mode is not one of modes. The service resolves
// auto against the terminal (progress.Resolve).
func CheckProgress(mode string, modes []string) error {
	if !slices.Contains(modes, mode) {
		return &FlagError{Err: msg.Err("progress.err.invalid", msg.Args{"Value": fmt.Sprintf("%q", mode), "Modes": strings.Join(modes, ", ")})}
	}
	return nil
}
