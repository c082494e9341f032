package progress

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/stackgen/stackgen/internal/units"
)

// Steps renders file-by-file work (backup, restore): a line per item that
// updates in place on a terminal, and one line per finished item otherwise
// (logs, CI). It is safe for concurrent use.
type Steps struct {
	mu  sync.Mutex
	w   io.Writer
	tty bool
}

// NewSteps returns a Steps writing to w; tty says whether w is a terminal.
func NewSteps(w io.Writer, tty bool) *Steps { return &Steps{w: w, tty: tty} }

// Step shows one item's state: what, the step it is at, the bytes so far,
// and, once done, how long it took.
func (s *Steps) Step(what, step string, bytes int64, elapsed time.Duration, done bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case done && s.tty:
		fmt.Fprintf(s.w, "\r\033[K  %-28s %-28s %10s  %s\n", what, step, units.Bytes(bytes), elapsed.Round(10e6))
	case done:
		fmt.Fprintf(s.w, "  %-28s %-28s %10s  %s\n", what, step, units.Bytes(bytes), elapsed.Round(10e6))
	case s.tty:
		fmt.Fprintf(s.w, "\r\033[K  %-28s %-28s %10s  ...", what, step, units.Bytes(bytes))
	}
}
