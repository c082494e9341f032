package stack

import (
	"regexp"
	"strings"

	"github.com/stackgen/stackgen/internal/msg"
)

// PythonPinsAnswer is the answer key of the requirement overrides.
const PythonPinsAnswer = "python_pins"

// PythonPinsQuestion lets a user (or the offline e2e suite) install other
// versions of packages the stack's requirements.txt pins, without editing
// the generated file: "mysqlclient==1.4.6 uWSGI==2.0.28" replaces those
// two pins in every requirements.txt of the render. It only replaces: a
// package the stack does not install is refused, so a typo cannot add a
// dependency.
func PythonPinsQuestion() Question {
	return Question{
		Key: PythonPinsAnswer, Prompt: "Python requirement overrides (empty for the stack's pins)",
		Help: "NAME==VERSION pairs, separated by spaces or commas, that replace the pins of those packages in requirements.txt, e.g. mysqlclient==1.4.6 for a mirror or wheelhouse that lacks the current release",
		Kind: String, Check: checkPythonPins, Advanced: true,
	}
}

// pinPattern is one NAME==VERSION: a PEP 508 name and a PEP 440-shaped
// version, nothing that could carry an option, a marker or a URL into
// requirements.txt.
var pinPattern = regexp.MustCompile(`^([A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?)==([0-9][A-Za-z0-9.+!_-]*)$`)

var separators = regexp.MustCompile(`[-_.]+`)

// PythonPin is one override.
type PythonPin struct{ Name, Version string }

// ParsePythonPins reads the answer; the error says which item is wrong.
func ParsePythonPins(s string) ([]PythonPin, error) {
	var out []PythonPin
	seen := map[string]bool{}
	for _, item := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
		m := pinPattern.FindStringSubmatch(item)
		if m == nil {
			return nil, msg.Err("stack.err.pin", msg.Args{"Value": quote(item)})
		}
		key := NormalizePackage(m[1])
		if seen[key] {
			return nil, msg.Err("stack.err.pin-twice", msg.Args{"Name": m[1]})

		}
		seen[key] = true
		out = append(out, PythonPin{Name: m[1], Version: m[3]})
	}
	return out, nil
}

func checkPythonPins(s string) error {
	_, err := ParsePythonPins(s)
	return err
}

// NormalizePackage is PEP 503's name normalization: Django, django and
// DJANGO are one package, as are web.py, web-py and web_py.
func NormalizePackage(name string) string {
	return strings.ToLower(separators.ReplaceAllString(name, "-"))
}
