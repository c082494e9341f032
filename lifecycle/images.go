package lifecycle

import (
	"sort"

	"github.com/stackgen/stackgen/engine"
	"github.com/stackgen/stackgen/stack"
)

// NeededImages lists the images a project pulls: those of its services
// that compose does not build, and, for a stackgen project (d non-nil),
// every image of the stack that is not built, which includes the base
// images its Dockerfiles name in FROM. Sorted, without duplicates.
func NeededImages(p *engine.ComposeProject, d *stack.Definition, a stack.Answers) []string {
	seen := map[string]bool{}
	if p != nil {
		for _, s := range p.Services {
			if !s.Build && s.Image != "" {
				seen[s.Image] = true
			}
		}
	}
	if d != nil {
		refs := d.ResolveImages(a)
		for _, im := range d.Images {
			// One key can be pulled in one mode and built in another (onyx).
			if im.Built || (im.When != nil && !im.When(a)) {
				continue
			}
			if ref := refs[im.Key]; ref != "" {
				seen[ref] = true
			}
		}
	}
	out := make([]string, 0, len(seen))
	for ref := range seen {
		out = append(out, ref)
	}
	sort.Strings(out)
	return out
}
