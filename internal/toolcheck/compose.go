package toolcheck

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/stackgen/stackgen/internal/composefile"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"

	"github.com/stackgen/stackgen/fileset"
)

func (p *Written) composeFiles() []string {
	return p.files(func(f fileset.File) bool { return composefile.IsBase(path.Base(f.Path)) })
}

// composeModel is one way a project's compose files are loaded together:
// the base alone, or the base with one overlay.
type composeModel struct {
	files []string // slash paths relative to the project root
}

func (p *Written) composeModels() []composeModel {
	var out []composeModel
	for _, base := range p.composeFiles() {
		out = append(out, composeModel{files: []string{base}})
		dir := fileset.Dir(base)
		for _, f := range p.Set {
			if fileset.Dir(f.Path) == dir && composefile.IsOverlay(path.Base(f.Path)) {
				out = append(out, composeModel{files: []string{base, f.Path}})
			}
		}
	}
	return out
}

// LoadCompose loads compose files (slash paths relative to the project
// root, base first) the way `docker compose` does in their folder: with
// the env file of Options (default .env) when the set has it, and no
// variable from this process's environment, so a missing one is caught.
func (p *Written) LoadCompose(files ...string) (*types.Project, error) {
	if len(files) == 0 {
		return nil, fmt.Errorf("no compose file given")
	}
	dir := p.Abs(fileset.Dir(files[0]))
	var abs []string
	for _, f := range files {
		abs = append(abs, p.Abs(f))
	}
	opts := []cli.ProjectOptionsFn{
		cli.WithWorkingDirectory(dir),
		cli.WithName("toolcheck"),
		cli.WithConsistency(true),
		cli.WithResolvedPaths(true),
	}
	env := filepath.Join(dir, p.opts.EnvFile)
	if _, err := os.Stat(env); err == nil {
		opts = append(opts, cli.WithEnvFiles(env), cli.WithDotEnv)
	}
	po, err := cli.NewProjectOptions(abs, opts...)
	if err != nil {
		return nil, err
	}
	proj, err := po.LoadProject(context.Background())
	if err != nil {
		return nil, fmt.Errorf("%s", p.relTo(err.Error()))
	}
	return proj, nil
}

// CheckCompose loads every compose file (and base + overlay pair) with
// compose-go, then checks that what it names on disk exists in the set:
// bind-mount sources, build contexts and their Dockerfiles, env_files.
func (p *Written) CheckCompose() ([]Problem, error) {
	var problems []Problem
	for _, m := range p.composeModels() {
		label := strings.Join(m.files, " + ")
		proj, err := p.LoadCompose(m.files...)
		if err != nil {
			problems = append(problems, Problem{File: label, Msg: "compose-go cannot load it: " + err.Error()})
			continue
		}
		problems = append(problems, p.composeReferences(label, proj)...)
	}
	return problems, nil
}

func (p *Written) composeReferences(label string, proj *types.Project) []Problem {
	var problems []Problem
	names := make([]string, 0, len(proj.Services))
	for name := range proj.Services {
		names = append(names, name)
	}
	sort.Strings(names)
	inside := func(abs string) bool {
		rel, err := filepath.Rel(p.Dir, abs)
		return err == nil && !strings.HasPrefix(rel, "..")
	}
	for _, name := range names {
		s := proj.Services[name]
		for _, v := range s.Volumes {
			if v.Type != types.VolumeTypeBind || !inside(v.Source) {
				continue
			}
			if _, err := os.Stat(v.Source); err != nil {
				problems = append(problems, Problem{File: label, Msg: fmt.Sprintf("service %s mounts %s, which the project does not have (add the file, or a .gitkeep to keep an empty folder)", name, p.relTo(v.Source))})
			}
		}
		if s.Build != nil && s.Build.DockerfileInline == "" {
			ctx := s.Build.Context
			if !filepath.IsAbs(ctx) {
				ctx = filepath.Join(proj.WorkingDir, ctx)
			}
			if inside(ctx) {
				df := s.Build.Dockerfile
				if df == "" {
					df = "Dockerfile"
				}
				if !filepath.IsAbs(df) {
					df = filepath.Join(ctx, df)
				}
				if _, err := os.Stat(df); err != nil {
					problems = append(problems, Problem{File: label, Msg: fmt.Sprintf("service %s builds with %s, which the project does not have", name, p.relTo(df))})
				}
			}
		}
		for _, ef := range s.EnvFiles {
			if !bool(ef.Required) || !inside(ef.Path) {
				continue
			}
			if _, err := os.Stat(ef.Path); err != nil {
				problems = append(problems, Problem{File: label, Msg: fmt.Sprintf("service %s reads env_file %s, which the project does not have", name, p.relTo(ef.Path))})
			}
		}
	}
	return problems
}
