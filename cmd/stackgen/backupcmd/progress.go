package backupcmd

import (
	"github.com/stackgen/stackgen/backup"
	"github.com/stackgen/stackgen/cmd/stackgen/cmdutil"
	"github.com/stackgen/stackgen/progress"
)

// NewProgress renders backup and restore events on stderr through the
// progress package's Steps.
func NewProgress(ios *cmdutil.IOStreams) backup.Progress {
	s := progress.NewSteps(ios.ErrOut, ios.IsStderrTTY())
	return func(e backup.Event) { s.Step(e.What, e.Step, e.Bytes, e.Elapsed, e.Done) }
}
