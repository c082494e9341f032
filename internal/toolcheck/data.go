package toolcheck

import (
	"fmt"

	"github.com/goccy/go-yaml"

	"github.com/stackgen/stackgen/internal/dotenv"
)

// CheckEnvFiles parses every .env and .env.* file with compose-go's dotenv
// parser, the one `docker compose` reads them with.
func (p *Written) CheckEnvFiles() ([]Problem, error) {
	var problems []Problem
	for _, rel := range p.envFiles() {
		f, _ := p.Set.Get(rel)
		if err := dotenv.Check(f.Content); err != nil {
			problems = append(problems, Problem{File: rel, Msg: fmt.Sprintf("compose cannot parse it: %v", err)})
		}
	}
	return problems, nil
}

// CheckYAML parses every YAML file.
func (p *Written) CheckYAML() ([]Problem, error) {
	var problems []Problem
	for _, rel := range p.yamlFiles() {
		f, _ := p.Set.Get(rel)
		var v any
		if err := yaml.Unmarshal(f.Content, &v); err != nil {
			problems = append(problems, Problem{File: rel, Msg: fmt.Sprintf("not valid YAML: %v", err)})
		}
	}
	return problems, nil
}
