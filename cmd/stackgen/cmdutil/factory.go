package cmdutil

import (
	"crypto/rand"
	"io"
	"time"

	"github.com/stackgen/stackgen/prompt"
)

// Factory builds what commands need, lazily, so a command that never talks
// to Docker never dials it and tests can swap any piece.
type Factory struct {
	IO       *IOStreams
	Prompter func() prompt.Prompter
	// Rand is the source of generated secrets; tests inject a fixed one.
	Rand    io.Reader
	Now     func() time.Time
	Version string
}

// NewFactory returns the production factory.
func NewFactory(version string) *Factory {
	ios := System()
	return &Factory{
		IO:       ios,
		Prompter: func() prompt.Prompter { return prompt.NewSurvey(ios.In, ios.Out, ios.ErrOut) },
		Rand:     rand.Reader,
		Now:      time.Now,
		Version:  version,
	}
}
