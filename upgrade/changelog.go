package upgrade

import (
	"embed"
	"fmt"
	"path"
	"sort"

	"github.com/goccy/go-yaml"

	"github.com/stackgen/stackgen/fileset"
	"github.com/stackgen/stackgen/project"
)

//go:embed changelog/*.yaml
var changelogs embed.FS

// Entry is one version of a stack's templates.
type Entry struct {
	Version int               `yaml:"version"`
	Summary string            `yaml:"summary"`
	Files   []string          `yaml:"files"`
	Renamed map[string]string `yaml:"renamed"`
}

// Changelog is a stack's template versions, oldest first.
type Changelog []Entry

// LoadChangelog reads the changelog kept in the repository for stack; a
// stack without one is at version 0 with no entries.
func LoadChangelog(stackName string) (Changelog, error) {
	b, err := changelogs.ReadFile("changelog/" + stackName + ".yaml")
	if err != nil {
		return nil, nil
	}
	var c Changelog
	if err := yaml.UnmarshalWithOptions(b, &c, yaml.Strict()); err != nil {
		return nil, fmt.Errorf("changelog of %s: %w (a stackgen bug)", stackName, err)
	}
	sort.SliceStable(c, func(i, j int) bool { return c[i].Version < c[j].Version })
	for i, e := range c {
		if e.Version != i+1 {
			return nil, fmt.Errorf("changelog of %s: entry %d has version %d; versions count up from 1 (a stackgen bug)", stackName, i+1, e.Version)
		}
	}
	return c, nil
}

// Latest is the newest template version (0: none recorded).
func (c Changelog) Latest() int { return len(c) }

// Since lists the entries newer than version: the ones an upgrade from it
// crosses.
func (c Changelog) Since(version int) []Entry {
	if version < 0 || version >= len(c) {
		return nil
	}
	return c[version:]
}

// FileVersion is the version at which the template of p last changed.
func (c Changelog) FileVersion(p string) int {
	v := 0
	for _, e := range c {
		for _, pat := range e.Files {
			if ok, _ := path.Match(pat, p); ok || pat == "**" {
				v = e.Version
			}
		}
	}
	return v
}

// Renames maps old output paths to new ones over the entries newer than
// version, following chains (a → b, later b → c gives a → c).
func (c Changelog) Renames(version int) map[string]string {
	out := map[string]string{}
	for _, e := range c.Since(version) {
		for from, to := range e.Renamed {
			for k, v := range out {
				if v == from {
					out[k] = to
				}
			}
			out[from] = to
		}
	}
	return out
}

// Stamp records in m the template version of the stack and of each file
// of set, for a later upgrade to say what changed.
func Stamp(m *project.Manifest, set fileset.Set) error {
	c, err := LoadChangelog(m.Stack)
	if err != nil {
		return err
	}
	if len(c) == 0 {
		return nil
	}
	m.TemplateVersion = c.Latest()
	m.Templates = map[string]int{}
	for _, f := range set {
		m.Templates[f.Path] = c.FileVersion(f.Path)
	}
	return nil
}
