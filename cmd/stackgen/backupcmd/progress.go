package backupcmd

import (
	"fmt"
	"sync"

	"github.com/stackgen/stackgen/backup"
	"github.com/stackgen/stackgen/cmd/stackgen/cmdutil"
	"github.com/stackgen/stackgen/internal/units"
)

// NewProgress renders backup and restore events on stderr: a line per file
// that updates in place on a terminal, and one line per finished file
// otherwise (logs, CI).
func NewProgress(ios *cmdutil.IOStreams) backup.Progress {
	tty := ios.IsStderrTTY()
	var mu sync.Mutex
	return func(e backup.Event) {
		mu.Lock()
		defer mu.Unlock()
		w := ios.ErrOut
		switch {
		case e.Done && tty:
			fmt.Fprintf(w, "\r\033[K  %-28s %-28s %10s  %s\n", e.What, e.Step, units.Bytes(e.Bytes), e.Elapsed.Round(10e6))
		case e.Done:
			fmt.Fprintf(w, "  %-28s %-28s %10s  %s\n", e.What, e.Step, units.Bytes(e.Bytes), e.Elapsed.Round(10e6))
		case tty:
			fmt.Fprintf(w, "\r\033[K  %-28s %-28s %10s  ...", e.What, e.Step, units.Bytes(e.Bytes))
		}
	}
}
