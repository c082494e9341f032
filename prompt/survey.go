package prompt

import (
	"errors"
	"io"
	"os"

	"github.com/AlecAivazis/survey/v2"
	"github.com/AlecAivazis/survey/v2/terminal"
	"github.com/stackgen/stackgen/internal/msg"
)

// ErrInterrupt is returned when the user presses Ctrl-C at a prompt.
var ErrInterrupt = msg.Err("prompt.err.interrupted")

// Survey asks on a terminal with survey/v2.
type Survey struct {
	opts []survey.AskOpt
}

// NewSurvey returns a Prompter on the given streams. Streams that are not
// files (which survey needs for raw mode) fall back to the process's own.
func NewSurvey(in io.Reader, out, errOut io.Writer) *Survey {
	fin, ok := in.(terminal.FileReader)
	if !ok {
		fin = os.Stdin
	}
	fout, ok := out.(terminal.FileWriter)
	if !ok {
		fout = os.Stdout
	}
	return &Survey{opts: []survey.AskOpt{survey.WithStdio(fin, fout, errOut)}}
}

func (s *Survey) Select(message, help string, options []string, def string) (string, error) {
	var ans string
	q := &survey.Select{Message: message, Help: help, Options: options}
	if def != "" {
		q.Default = def
	}
	err := survey.AskOne(q, &ans, s.opts...)
	return ans, mapErr(err)
}

func (s *Survey) Input(message, help, def string, validate func(string) error) (string, error) {
	var ans string
	q := &survey.Input{Message: message, Help: help, Default: def}
	opts := s.opts
	if validate != nil {
		opts = append(append([]survey.AskOpt{}, s.opts...), survey.WithValidator(func(v any) error {
			str, _ := v.(string)
			return validate(str)
		}))
	}
	err := survey.AskOne(q, &ans, opts...)
	return ans, mapErr(err)
}

func (s *Survey) Confirm(message, help string, def bool) (bool, error) {
	var ans bool
	err := survey.AskOne(&survey.Confirm{Message: message, Help: help, Default: def}, &ans, s.opts...)
	return ans, mapErr(err)
}

func mapErr(err error) error {
	if errors.Is(err, terminal.InterruptErr) {
		return ErrInterrupt
	}
	return err
}
