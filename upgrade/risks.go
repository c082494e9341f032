package upgrade

import (
	"fmt"
	"strings"

	"github.com/distribution/reference"

	"github.com/stackgen/stackgen/stack"
)

// Risk is a change of answers that touches data kept in a volume.
type Risk struct {
	// What changes, and what data is at stake.
	What string
	// Volume is the compose volume at stake ("": every volume of the
	// project).
	Volume string
}

// DataRisks lists the changes from prev to next answers that would leave
// data behind or hand it to a program that cannot read it: a database
// family switch, a new major version of a stateful image, a stateful
// service dropped, a volume renamed (which the compose project name does
// for every volume).
func DataRisks(d *stack.Definition, prev, next stack.Answers) []Risk {
	if d.State == nil {
		return nil
	}
	var out []Risk
	if o, n := prev[stack.ComposeProjectAnswer], next[stack.ComposeProjectAnswer]; o != "" && o != n {
		out = append(out, Risk{What: fmt.Sprintf("%s %q → %q renames every volume (compose prefixes them with the project name): the new stack would start empty beside the old data", stack.ComposeProjectAnswer, o, n)})
	}
	newByVolume := map[string]stack.State{}
	for _, s := range d.State(next) {
		newByVolume[s.Volume] = s
	}
	prevImages, nextImages := d.ResolveImages(prev), d.ResolveImages(next)
	for _, s := range d.State(prev) {
		ns, kept := newByVolume[s.Volume]
		switch {
		case !kept:
			out = append(out, Risk{Volume: s.Volume, What: fmt.Sprintf("the %s data of service %s (volume %s) would no longer be used: the service is dropped or its volume renamed", s.Kind, s.Service, s.Volume)})
		case ns.Kind != s.Kind:
			out = append(out, Risk{Volume: s.Volume, What: fmt.Sprintf("service %s switches from %s to %s over volume %s: %s may not read what %s wrote", s.Service, s.Kind, ns.Kind, s.Volume, ns.Kind, s.Kind)})
		default:
			o, n := stateImage(d, prev, prevImages, s), stateImage(d, next, nextImages, ns)
			if mo, mn := major(o), major(n); mo != "" && mn != "" && mo != mn {
				out = append(out, Risk{Volume: s.Volume, What: fmt.Sprintf("service %s moves from %s to %s, a new major version, over the %s data in volume %s: it may not read (or may convert for good) the old files", s.Service, o, n, s.Kind, s.Volume)})
			}
		}
	}
	return out
}

// stateImage is the reference of the image that runs a state's service:
// the image named like the service, or the one of the state's family.
func stateImage(d *stack.Definition, a stack.Answers, refs map[string]string, s stack.State) string {
	for _, im := range d.Images {
		if im.When != nil && !im.When(a) {
			continue
		}
		if im.Key == s.Service || (im.Family != nil && im.Family(a) == string(s.Kind)) {
			return refs[im.Key]
		}
	}
	return ""
}

// major is the leading number of an image's tag ("8" for mysql:8.4.3,
// "" when the tag does not start with one).
func major(ref string) string {
	named, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return ""
	}
	tagged, ok := named.(reference.Tagged)
	if !ok {
		return ""
	}
	tag := strings.TrimPrefix(tagged.Tag(), "v")
	i := 0
	for i < len(tag) && tag[i] >= '0' && tag[i] <= '9' {
		i++
	}
	return tag[:i]
}

// RefuseMessage is the error for risks without --allow-data-change: what
// is at stake and what to do.
func RefuseMessage(risks []Risk) string {
	var b strings.Builder
	b.WriteString("this upgrade touches data: ")
	for i, r := range risks {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(r.What)
	}
	b.WriteString(". Nothing was written. To go ahead: 'stackgen backup', then 'stackgen upgrade --allow-data-change', 'stackgen up', and 'stackgen restore' the backup into the new shape")
	return b.String()
}

// Live keeps the risks whose data exists: live are the engine's volumes
// of compose project name (compose names them NAME_VOLUME). A project
// never started has nothing at stake.
func Live(risks []Risk, name string, live []string) []Risk {
	have := map[string]bool{}
	for _, v := range live {
		have[v] = true
	}
	var out []Risk
	for _, r := range risks {
		if (r.Volume == "" && len(live) > 0) || have[name+"_"+r.Volume] {
			out = append(out, r)
		}
	}
	return out
}
