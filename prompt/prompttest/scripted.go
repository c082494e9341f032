// Package prompttest is a scripted Prompter for tests; it lives apart so
// the binary never links the testing package.
package prompttest

import (
	"fmt"
	"strings"
	"testing"
)

// Scripted answers prompts from a script, in order, for tests. Each step
// names the start of the message it expects, so a test fails loudly when
// the questions change; steps left unused fail the test on cleanup.
type Scripted struct {
	t     testing.TB
	steps []Step
	Asked []string
}

// Step is one scripted answer: Match is a prefix of the expected message.
type Step struct {
	Match  string
	Answer string // for Select and Input; "y"/"n" for Confirm
}

// NewScripted returns a Prompter that plays steps and checks they were all used.
func NewScripted(t testing.TB, steps ...Step) *Scripted {
	s := &Scripted{t: t, steps: steps}
	t.Cleanup(func() {
		if len(s.steps) > 0 {
			t.Errorf("prompt: %d scripted answers never asked for, first %q", len(s.steps), s.steps[0].Match)
		}
	})
	return s
}

func (s *Scripted) next(message string) (string, error) {
	s.Asked = append(s.Asked, message)
	if len(s.steps) == 0 {
		s.t.Errorf("prompt: unexpected question %q", message)
		return "", fmt.Errorf("unexpected question %q", message)
	}
	st := s.steps[0]
	s.steps = s.steps[1:]
	if !strings.HasPrefix(message, st.Match) {
		s.t.Errorf("prompt: asked %q, script expected %q", message, st.Match)
	}
	return st.Answer, nil
}

func (s *Scripted) Select(message, help string, options []string, def string) (string, error) {
	a, err := s.next(message)
	if err != nil {
		return "", err
	}
	if a == "" {
		return def, nil
	}
	for _, o := range options {
		if o == a {
			return a, nil
		}
	}
	s.t.Errorf("prompt: %q is not an option of %q (%v)", a, message, options)
	return a, nil
}

func (s *Scripted) Input(message, help, def string, validate func(string) error) (string, error) {
	a, err := s.next(message)
	if err != nil {
		return "", err
	}
	if a == "" {
		a = def
	}
	if validate != nil {
		if err := validate(a); err != nil {
			return "", err
		}
	}
	return a, nil
}

func (s *Scripted) Confirm(message, help string, def bool) (bool, error) {
	a, err := s.next(message)
	if err != nil {
		return false, err
	}
	switch a {
	case "":
		return def, nil
	case "y", "yes", "true":
		return true, nil
	}
	return false, nil
}
