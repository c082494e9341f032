package toolcheck

import (
	"bytes"
	"fmt"
	"path"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/command"
	"github.com/moby/buildkit/frontend/dockerfile/parser"

	"github.com/stackgen/stackgen/fileset"
)

func (p *Written) dockerfiles() []string {
	return p.files(func(f fileset.File) bool {
		b := path.Base(f.Path)
		return b == "Dockerfile" || strings.HasPrefix(b, "Dockerfile.") || strings.HasSuffix(b, ".Dockerfile")
	})
}

// CheckDockerfiles parses every Dockerfile with BuildKit's parser (the one
// `docker build` uses) and reports its errors and warnings, instructions
// BuildKit does not know, and FROM lines naming no image. A `# syntax=`
// directive is refused too: it makes BuildKit pull a frontend image at
// build time, which fails offline and behind blocked registries.
func (p *Written) CheckDockerfiles() ([]Problem, error) {
	var problems []Problem
	for _, rel := range p.dockerfiles() {
		f, _ := p.Set.Get(rel)
		problems = append(problems, checkDockerfile(rel, f.Content)...)
	}
	return problems, nil
}

func checkDockerfile(rel string, content []byte) []Problem {
	var problems []Problem
	add := func(line int, format string, args ...any) {
		msg := fmt.Sprintf(format, args...)
		if line > 0 {
			msg = fmt.Sprintf("line %d: %s", line, msg)
		}
		problems = append(problems, Problem{File: rel, Msg: msg})
	}
	res, err := parser.Parse(bytes.NewReader(content))
	if err != nil {
		add(0, "BuildKit cannot parse it: %v", err)
		return problems
	}
	for _, w := range res.Warnings {
		line := 0
		if w.Location != nil {
			line = w.Location.Start.Line
		}
		add(line, "BuildKit warns: %s", w.Short)
	}
	if syntax, _, _, ok := parser.DetectSyntax(content); ok {
		add(1, "has a syntax directive (%s): BuildKit would pull that frontend image at build time; remove it", syntax)
	}
	froms := 0
	for _, n := range res.AST.Children {
		name := strings.ToLower(n.Value)
		if _, known := command.Commands[name]; !known {
			add(n.StartLine, "unknown instruction %s", strings.ToUpper(n.Value))
			continue
		}
		if name == command.From {
			froms++
			if n.Next == nil || n.Next.Value == "" {
				add(n.StartLine, "FROM names no image")
			}
		} else if froms == 0 && name != command.Arg {
			add(n.StartLine, "%s comes before the first FROM", strings.ToUpper(n.Value))
		}
	}
	if froms == 0 {
		add(0, "has no FROM instruction")
	}
	return problems
}
