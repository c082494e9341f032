package engine

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/stackgen/stackgen/internal/dotenv"
)

// NormalizeProjectName does what compose does to a project name: lower
// case, only [a-z0-9_-], no leading '_' or '-'.
func NormalizeProjectName(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') || r == '_' || r == '-' {
			b.WriteRune(r)
		}
	}
	return strings.TrimLeft(b.String(), "_-")
}

var topLevelName = regexp.MustCompile(`(?m)^name:[ \t]*["']?([^"'\s#]+)`)

// GuessProject names dir's project the way compose would, without running
// it: for commands that must work even when compose cannot load the
// project (a key missing from .env), such as status, logs and down.
// Precedence: COMPOSE_PROJECT_NAME in the environment, then in .env, then
// the compose file's top-level name, then the directory's name.
func GuessProject(dir string) *ComposeProject {
	abs, err := filepath.Abs(dir)
	if err != nil {
		abs = dir
	}
	name := os.Getenv("COMPOSE_PROJECT_NAME")
	if name == "" {
		name = dotenv.Value(filepath.Join(abs, ".env"), "COMPOSE_PROJECT_NAME")
	}
	if name == "" {
		if f, ok := FindComposeFile(abs); ok {
			if b, err := os.ReadFile(filepath.Join(abs, f)); err == nil {
				if m := topLevelName.FindSubmatch(b); m != nil && !strings.Contains(string(m[1]), "$") {
					name = string(m[1])
				}
			}
		}
	}
	if name == "" {
		name = filepath.Base(abs)
	}
	return &ComposeProject{Dir: abs, Name: NormalizeProjectName(name)}
}
