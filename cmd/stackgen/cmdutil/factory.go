package cmdutil

import (
	"crypto/rand"
	"io"
	"os"
	"sync"
	"time"

	"github.com/stackgen/stackgen/engine"
	"github.com/stackgen/stackgen/prompt"
	"github.com/stackgen/stackgen/stack"
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
	// Engine returns the Docker client, built on first use (it does not
	// dial until a command calls it).
	Engine func() (*engine.Client, error)
	// Host suggests defaults from the machine (language, time zone) for a
	// new project; nil suggests nothing, so tests stay independent of the
	// machine they run on.
	Host func() stack.Host
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
		Engine:   sync.OnceValues(engine.New),
		// read when a project is made, after Main chose the language
		Host: func() stack.Host { return hostDefaults(ios, os.Getenv, os.Readlink) },
	}
}
