package render

import (
	"path"
	"strings"

	"github.com/stackgen/stackgen/fileset"
	"github.com/stackgen/stackgen/internal/msg"
	"github.com/stackgen/stackgen/stack"
)

// applyPythonPins replaces, in every requirements.txt of the render, the
// pins the python_pins answer names, marking each replaced line so a
// reader sees where the version came from. A named package that no
// requirements.txt pins is an error: the answer only replaces.
func applyPythonPins(set fileset.Set, answer string) (fileset.Set, error) {
	pins, err := stack.ParsePythonPins(answer)
	if err != nil || len(pins) == 0 {
		if err != nil {
			return nil, msg.Err("answer.keyed", msg.Args{"Key": stack.PythonPinsAnswer, "Err": err})
		}
		return set, nil
	}
	want := map[string]stack.PythonPin{}
	for _, p := range pins {
		want[stack.NormalizePackage(p.Name)] = p
	}
	used := map[string]bool{}
	out := make(fileset.Set, 0, len(set))
	for _, f := range set {
		if path.Base(f.Path) == "requirements.txt" {
			f.Content = []byte(replacePins(string(f.Content), want, used))
		}
		out = append(out, f)
	}
	for _, p := range pins {
		if !used[stack.NormalizePackage(p.Name)] {
			return nil, msg.Err("render.err.pin-unused", msg.Args{"Key": stack.PythonPinsAnswer, "Name": p.Name})

		}
	}
	return out, nil
}

func replacePins(text string, want map[string]stack.PythonPin, used map[string]bool) string {
	lines := strings.SplitAfter(text, "\n")
	for i, l := range lines {
		body := strings.TrimRight(l, "\n")
		name, _, ok := strings.Cut(body, "==")
		if !ok || strings.HasPrefix(strings.TrimSpace(body), "#") {
			continue
		}
		// extras (tensorflow[and-cuda]) are kept, and not part of the name
		bare, _, _ := strings.Cut(strings.TrimSpace(name), "[")
		p, hit := want[stack.NormalizePackage(bare)]
		if !hit {
			continue
		}
		used[stack.NormalizePackage(bare)] = true
		lines[i] = strings.TrimSpace(name) + "==" + p.Version + "  # python_pins" + l[len(body):]
	}
	return strings.Join(lines, "")
}
