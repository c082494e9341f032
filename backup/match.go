package backup

import (
	"fmt"
	"strings"

	"github.com/stackgen/stackgen/stack"
)

// MatchError says a (sound) backup does not fit the project.
type MatchError struct {
	Problems []string
}

func (e *MatchError) Error() string {
	return "the backup does not fit this project, nothing was changed:\n  " + strings.Join(e.Problems, "\n  ")
}

// Match checks that a backup belongs to a project of stack stackName that
// keeps states: same stack, and a file of the same kind for every declared
// state. Files for states the project no longer declares are returned as
// warnings and are not restored.
func Match(m *Manifest, stackName string, states []stack.State) (warnings []string, err error) {
	if m.Stack != stackName {
		return nil, &MatchError{Problems: []string{fmt.Sprintf(
			"it is a backup of a %s stack and this project is %s: restore it into a project made with 'stackgen new %s'",
			m.Stack, stackName, m.Stack)}}
	}
	var problems []string
	used := map[string]bool{}
	for _, st := range states {
		f, ok := m.FileFor(st)
		if !ok {
			problems = append(problems, fmt.Sprintf("it has no %s for service %s (%s)", FileName(st), st.Service, st.Kind))
			continue
		}
		used[f.Name] = true
		if f.Kind != st.Kind || f.Service != st.Service {
			problems = append(problems, fmt.Sprintf("%s holds %s data of service %s, this project keeps %s data there",
				f.Name, f.Kind, f.Service, st.Kind))
		}
	}
	for _, f := range m.Files {
		if !used[f.Name] {
			warnings = append(warnings, fmt.Sprintf("%s (%s of service %s) is not state of this project; it is left out", f.Name, f.Kind, f.Service))
		}
	}
	if len(problems) > 0 {
		return warnings, &MatchError{Problems: problems}
	}
	return warnings, nil
}
