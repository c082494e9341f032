// Package prompt asks the user questions. The prompt library sits behind
// the Prompter interface the project owns, so commands are tested with a
// scripted prompter and survey/v2 (unmaintained upstream) stays replaceable.
package prompt

// Prompter asks one question at a time. validate, when set, is run on the
// answer and its error shown so the user can try again.
type Prompter interface {
	Select(message, help string, options []string, def string) (string, error)
	Input(message, help, def string, validate func(string) error) (string, error)
	Confirm(message, help string, def bool) (bool, error)
}
