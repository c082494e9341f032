// Package cmdutil holds what every stackgen command shares: the IO streams,
// the factory of lazily built dependencies, and the error kinds that map to
// exit codes.
package cmdutil

import (
	"bytes"
	"io"
	"os"

	"golang.org/x/term"

	"github.com/stackgen/stackgen/internal/msg"
	"github.com/stackgen/stackgen/progress"
)

// IOStreams are the command's standard streams plus what is known about
// whether they are terminals, so tests can pretend either way.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
	// L speaks the reader's language (--lang, else the locale); nil reads
	// as English, so tests that do not care need not set it.
	L *msg.Localizer

	inTTY, outTTY, errTTY bool
}

// System returns the process's real streams.
func System() *IOStreams {
	return &IOStreams{
		In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr, L: msg.English(),
		inTTY:  term.IsTerminal(int(os.Stdin.Fd())),
		outTTY: term.IsTerminal(int(os.Stdout.Fd())),
		errTTY: term.IsTerminal(int(os.Stderr.Fd())),
	}
}

// Test returns streams backed by buffers, none of them a terminal.
func Test() (ios *IOStreams, in, out, errOut *bytes.Buffer) {
	in, out, errOut = &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: in, Out: out, ErrOut: errOut}, in, out, errOut
}

// SetTTY overrides terminal detection (tests, and --no-input style flags).
func (s *IOStreams) SetTTY(in, out, errOut bool) { s.inTTY, s.outTTY, s.errTTY = in, out, errOut }

// CanPrompt reports whether a person can answer questions: both stdin and
// stdout must be terminals, or the questions would go nowhere.
func (s *IOStreams) CanPrompt() bool { return s.inTTY && s.outTTY }

// IsStdoutTTY reports whether stdout is a terminal.
func (s *IOStreams) IsStdoutTTY() bool { return s.outTTY }

// IsStderrTTY reports whether stderr is a terminal (live progress goes there).
func (s *IOStreams) IsStderrTTY() bool { return s.errTTY }

// ColorEnabled follows the NO_COLOR convention and needs a terminal.
func (s *IOStreams) ColorEnabled() bool {
	return s.errTTY && os.Getenv("NO_COLOR") == ""
}

// Sink is the streams as a service takes them.
func (s *IOStreams) Sink() progress.Sink {
	return progress.Sink{Out: s.Out, ErrOut: s.ErrOut, TTY: s.errTTY, Color: s.ColorEnabled(), L: s.L}
}
