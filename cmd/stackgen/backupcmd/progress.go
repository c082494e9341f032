package backupcmd

import (
	"fmt"
	"sync"

	"github.com/stackgen/stackgen/backup"
	"github.com/stackgen/stackgen/cmd/stackgen/cmdutil"
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
			fmt.Fprintf(w, "\r\033[K  %-28s %-28s %10s  %s\n", e.What, e.Step, Size(e.Bytes), e.Elapsed.Round(10e6))
		case e.Done:
			fmt.Fprintf(w, "  %-28s %-28s %10s  %s\n", e.What, e.Step, Size(e.Bytes), e.Elapsed.Round(10e6))
		case tty:
			fmt.Fprintf(w, "\r\033[K  %-28s %-28s %10s  ...", e.What, e.Step, Size(e.Bytes))
		}
	}
}

// Size formats a byte count for people.
func Size(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
