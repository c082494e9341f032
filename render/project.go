package render

import (
	"io"

	"github.com/stackgen/stackgen/fileset"
	"github.com/stackgen/stackgen/stack"
)

// Options are the inputs of a render that are not answers.
type Options struct {
	// Rand is the secret source: crypto/rand in use, a fixed stream in
	// golden tests so their output is byte-for-byte stable.
	Rand io.Reader
	// KeepSecrets holds secrets already in the project's .env; they are
	// reused so a re-render never changes a password under a live database.
	KeepSecrets map[string]string
	Version     string
	// Folder is the base name of the folder the project is written to ("":
	// not known), from which the per-folder answers take their defaults.
	Folder string
}

// Project resolves the given answers, generates the secrets, resolves the
// images and renders: answers in, files out.
func Project(d *stack.Definition, given stack.Answers, opts Options) (fileset.Set, stack.Answers, error) {
	answers, err := d.ResolveIn(opts.Folder, given)
	if err != nil {
		return nil, nil, err
	}
	set, err := Resolved(d, answers, opts)
	return set, answers, err
}

// Resolved is Project for answers already resolved (Definition.ResolveIn),
// so a caller that checked them first does not resolve them twice.
func Resolved(d *stack.Definition, answers stack.Answers, opts Options) (fileset.Set, error) {
	secrets, err := d.GenerateSecrets(opts.Rand, opts.KeepSecrets)
	if err != nil {
		return nil, err
	}
	in := stack.Input{Answers: answers, Secrets: secrets, Images: d.ResolveImages(answers), Roles: d.ResolveRoles(answers), Version: opts.Version}
	set, err := Render(d, in)
	if err == nil && answers[stack.PythonPinsAnswer] != "" {
		set, err = applyPythonPins(set, answers[stack.PythonPinsAnswer])
	}
	return set, err
}
