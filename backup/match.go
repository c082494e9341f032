package backup

import (
	"github.com/stackgen/stackgen/internal/msg"
	"github.com/stackgen/stackgen/stack"
)

// MatchError says a (sound) backup does not fit the project. Like
// VerifyError it reads as (and unwraps to) a catalogue message.
type MatchError struct {
	Problems []error
}

func (e *MatchError) Error() string { return e.Unwrap().Error() }

func (e *MatchError) Unwrap() error {
	return msg.Err("backup.err.mismatch", msg.Args{"Problems": joinProblems(e.Problems)})
}

// Match checks that a backup belongs to a project of stack stackName that
// keeps states: same stack, and a file of the same kind for every declared
// state. Files for states the project no longer declares are returned as
// warnings and are not restored.
func Match(m *Manifest, stackName string, states []stack.State) (warnings []error, err error) {
	if m.Stack != stackName {
		return nil, &MatchError{Problems: []error{msg.Err("backup.err.other-stack", msg.Args{"Have": m.Stack, "Want": stackName})}}
	}
	var problems []error
	used := map[string]bool{}
	for _, st := range states {
		f, ok := m.FileFor(st)
		if !ok {
			problems = append(problems, msg.Err("backup.err.match-missing", msg.Args{"File": FileName(st), "Service": st.Service, "Kind": st.Kind}))
			continue
		}
		used[f.Name] = true
		if f.Kind != st.Kind || f.Service != st.Service {
			problems = append(problems, msg.Err("backup.err.match-kind", msg.Args{"File": f.Name, "Kind": f.Kind, "Service": f.Service, "Want": st.Kind}))
		}
	}
	for _, f := range m.Files {
		if !used[f.Name] {
			warnings = append(warnings, msg.Err("backup.warn.left-out", msg.Args{"File": f.Name, "Kind": f.Kind, "Service": f.Service}))
		}
	}
	if len(problems) > 0 {
		return warnings, &MatchError{Problems: problems}
	}
	return warnings, nil
}
