package backup

import (
	"context"
	"io"
	"path/filepath"

	"github.com/stackgen/stackgen/engine"
	"github.com/stackgen/stackgen/internal/msg"
	"github.com/stackgen/stackgen/progress"
	"github.com/stackgen/stackgen/project"
	"github.com/stackgen/stackgen/stack"
	"github.com/stackgen/stackgen/stacks"
)

// Source is a generated project with the data its stack declares: what
// a backup is made of and a restore goes into.
type Source struct {
	Dir    string
	Stack  string
	States []stack.State
	// Lang is the project's lang answer: the language of the files
	// written into it (the schedule's units and scripts).
	Lang msg.Lang
}

// LoadSource reads dir's .stackgen.yml and asks its stack what data it
// keeps. It needs no Docker.
func LoadSource(dir string) (*Source, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	m, err := project.LoadManifest(abs)
	if err != nil {
		return nil, err
	}
	def, err := stacks.Registry().Lookup(m.Stack)
	if err != nil {
		return nil, msg.Err("backup.err.file", msg.Args{"File": filepath.Join(abs, project.ManifestName), "Err": err})
	}
	if def.State == nil {
		return nil, msg.Err("backup.err.no-state", msg.Args{"Stack": def.Name})
	}
	states := def.State(m.AnswersOf())
	if err := CheckStates(states); err != nil {
		return nil, msg.Err("backup.err.stack", msg.Args{"Stack": def.Name, "Err": err})
	}
	lang, ok := msg.Parse(m.AnswersOf()[stack.LangAnswer])
	if !ok {
		lang = msg.En // projects written before the lang answer
	}
	return &Source{Dir: abs, Stack: def.Name, States: states, Lang: lang}, nil
}

// Targets finds the running container of every state's service.
func Targets(ctx context.Context, eng *engine.Client, composeProject string, states []stack.State) ([]Target, error) {
	var out []Target
	for _, st := range states {
		ct, err := eng.ServiceContainer(ctx, composeProject, st.Service)
		if err != nil {
			return nil, err
		}
		out = append(out, Target{State: st, ContainerID: ct.ID, Container: ct.Name, Image: ct.Image})
	}
	return out, nil
}

// LineProgress renders backup and restore events on w through the progress
// package's Steps: in place on a terminal (tty), a line per finished file
// otherwise. l says the events that carry words of their own (Say).
func LineProgress(w io.Writer, tty bool, l *msg.Localizer) Progress {
	s := progress.NewSteps(w, tty)
	return func(e Event) {
		what := e.What
		if e.Say.ID != "" {
			what = l.T(e.Say.ID, e.Say.Args)
		}
		s.Step(what, e.Step, e.Bytes, e.Elapsed, e.Done)
	}
}
