package stack

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"

	"github.com/stackgen/stackgen/internal/msg"
)

// ComposeProjectAnswer is the answer key of the compose project name that
// every stack writes as `name:` into its compose.yaml.
const ComposeProjectAnswer = "compose_project"

// composeNamePattern is the Compose specification's rule for a project
// name: lower-case letters, digits, dashes and underscores, starting with
// a letter or digit.
var composeNamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

// composeNameMax keeps container names (<project>-<service>-<n>) and volume
// names well inside what the engine and people handle.
const composeNameMax = 63

// ComposeProject accepts a valid compose project name.
func ComposeProject(v string) error {
	if !composeNamePattern.MatchString(v) {
		return msg.Err("stack.err.compose-name", msg.Args{"Value": quote(v)})
	}
	if len(v) > composeNameMax {
		return msg.Err("stack.err.name-long", msg.Args{"Value": quote(v), "Max": composeNameMax})

	}
	return nil
}

// ComposeProjectName derives the compose project name for a project in
// folder. It keeps what compose itself derives from a folder name (lower
// case, only [a-z0-9_-], no leading - or _), so a project made before
// stackgen wrote `name:` keeps its containers and volumes. A folder name
// with nothing usable (我的网站, ...) gets the stack's name and a short hash
// of the folder name: valid, and different for two such folders.
func ComposeProjectName(folder, stackName string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(folder) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') || r == '_' || r == '-' {
			b.WriteRune(r)
		}
	}
	name := strings.TrimLeft(b.String(), "_-")
	if len(name) > composeNameMax {
		name = strings.TrimRight(name[:composeNameMax], "_-")
	}
	if name == "" {
		sum := sha256.Sum256([]byte(folder))
		name = stackName + "-" + hex.EncodeToString(sum[:4])
	}
	return name
}

// ComposeProjectQuestion is the compose project name every stack asks for
// (silently: it defaults from the folder). dirOf gives the folder a
// project is written to when none is named (the stack's DefaultDir).
func ComposeProjectQuestion(stackName string, dirOf func(Answers) string) Question {
	return Question{
		Key: ComposeProjectAnswer, Prompt: "Compose project name",
		Help:          "Written as name: in compose.yaml; prefixes containers, volumes, networks and built images. Defaults from the folder name",
		Kind:          String,
		Check:         ComposeProject,
		Advanced:      true,
		PerProject:    true,
		DefaultFrom:   func(a Answers) string { return ComposeProjectName(dirOf(a), stackName) },
		FolderDefault: func(folder string) string { return ComposeProjectName(folder, stackName) },
	}
}

// PythonIdentFrom turns a folder name into a Python package name that
// PythonPackage accepts ("My Site" -> my_site, "2024-blog" -> site_2024_blog),
// or "" when nothing usable is left (a folder named in another script).
func PythonIdentFrom(folder string) string {
	var b strings.Builder
	under := false
	for _, r := range strings.ToLower(folder) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
			under = false
		} else if !under && b.Len() > 0 {
			b.WriteByte('_')
			under = true
		}
	}
	s := strings.Trim(b.String(), "_")
	if s == "" {
		return ""
	}
	if s[0] >= '0' && s[0] <= '9' {
		s = "site_" + s
	}
	if len(s) > 40 {
		s = strings.TrimRight(s[:40], "_")
	}
	if PythonPackage(s) != nil {
		// A keyword or a module a Django project imports (test, django).
		s = strings.TrimRight(s[:min(len(s), 35)], "_") + "_site"
	}
	if PythonPackage(s) != nil {
		return ""
	}
	return s
}

// SlugFrom turns a folder name into a lower-case slug of letters, digits
// and single dashes starting with a letter, at most 40 characters, or ""
// when nothing usable is left.
func SlugFrom(folder string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(folder) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9' && b.Len() > 0:
			b.WriteRune(r)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
	}
	s := strings.Trim(b.String(), "-")
	if len(s) > 40 {
		s = strings.TrimRight(s[:40], "-")
	}
	return s
}
