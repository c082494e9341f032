package cmdutil

import (
	"errors"
	"fmt"
)

// ErrCancel is returned when the user interrupts a prompt: exit quietly.
var ErrCancel = errors.New("cancelled")

// FlagError is a usage mistake: the command prints its usage with it.
type FlagError struct{ Err error }

func (e *FlagError) Error() string { return e.Err.Error() }
func (e *FlagError) Unwrap() error { return e.Err }

// FlagErrorf builds a FlagError.
func FlagErrorf(format string, args ...any) error {
	return &FlagError{Err: fmt.Errorf(format, args...)}
}

// ExitError carries a specific exit code for an error whose message was
// already printed (for example validate's findings).
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.Err.Error()
}
func (e *ExitError) Unwrap() error { return e.Err }

// ErrSilent means: exit 1, the message has already been shown.
var ErrSilent = errors.New("silent")
