package validate

import (
	"strings"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/stackgen/stackgen/internal/imagerole"
	"github.com/stackgen/stackgen/internal/msg"
)

// Roles. Rules that treat services by kind (a database must not publish
// its port, only the proxy should, an image that drops root needs no
// USER) ask roleOf. A service's role is, in this order: what its
// x-stackgen extension declares (stackgen writes one for every service it
// generates, from the stack definition), else a guess from the image it
// runs or is built FROM (the stage compose builds), else from the
// well-known port it publishes, else an application.

// extensionKey is the service-level extension stackgen writes and reads.
// Compose ignores x- keys, so `docker compose config` keeps it as it is.
const extensionKey = "x-stackgen"

// serviceRole is a service's role and image family, and how they were
// decided.
type serviceRole struct {
	role     imagerole.Role
	family   string // "" when unknown
	declared bool   // from x-stackgen, not guessed
	// from says how a guess was made, for messages: `its image name
	// "mysql:8.4"`, "the port it publishes (6379)".
	from msg.Sub // what the role was guessed from, a catalogue clause
}

// declareHint is the clause a finding based on a guessed role ends with,
// so a wrong guess can be corrected where it is made.
func (r serviceRole) declareHint(service string) string {
	h, _ := r.declareHintArg(service).(msg.Sub)
	if h.ID == "" {
		return ""
	}
	return msg.English().T(h.ID, h.Args)
}

// declareHintArg is declareHint as a placeholder value, said in the
// language of the message it ends.
func (r serviceRole) declareHintArg(service string) any {
	if r.declared {
		return ""
	}
	return msg.Sub{ID: "validate.role.hint", Args: msg.Args{"Role": string(r.role), "From": r.from, "Service": service, "Roles": imagerole.RoleNames()}}
}

// declaredRole reads a service's x-stackgen extension; ok is false when
// there is none or it is not a mapping with a known role (compose-role
// reports that).
func declaredRole(s types.ServiceConfig) (serviceRole, bool) {
	x, ok := s.Extensions[extensionKey].(map[string]any)
	if !ok {
		return serviceRole{}, false
	}
	name, _ := x["role"].(string)
	role, ok := imagerole.ParseRole(name)
	if !ok {
		return serviceRole{}, false
	}
	fam, _ := x["family"].(string)
	if _, known := imagerole.Lookup(fam); !known {
		fam = ""
	}
	return serviceRole{role: role, family: fam, declared: true, from: msg.Sub{ID: "validate.role.from.declared"}}, true
}

// roleImage is the image a service's role is guessed from: the base of
// the stage compose builds, or the image it runs.
func (p *parsedSet) roleImage(m *composeModel, s types.ServiceConfig) (string, bool) {
	if s.Build == nil {
		return s.Image, s.Image != ""
	}
	if d, st := p.builtStage(m, s); st != nil {
		img := d.baseImage(st)
		return img, img != ""
	}
	return "", false // built from outside the project: the tag says nothing sure
}

// dataPort finds the data store whose well-known port this is; ports
// common applications also use (8080, 9000) say nothing.
func dataPort(port uint32) (imagerole.Family, bool) {
	if port == 8080 || port == 9000 {
		return imagerole.Family{}, false
	}
	for _, f := range imagerole.All() {
		if f.Role.HoldsData() && f.Port != 0 && uint32(f.Port) == port && f.StandsIn == "" {
			return f, true
		}
	}
	return imagerole.Family{}, false
}

// roleOf decides a service's role.
func (p *parsedSet) roleOf(m *composeModel, s types.ServiceConfig) serviceRole {
	if r, ok := declaredRole(s); ok {
		if r.family == "" {
			if img, ok := p.roleImage(m, s); ok {
				if f, _, ok := imagerole.FromRef(img); ok {
					r.family = f.Name
				}
			}
		}
		return r
	}
	if img, ok := p.roleImage(m, s); ok {
		if f, _, ok := imagerole.FromRef(img); ok {
			from := msg.Sub{ID: "validate.role.from.image", Args: msg.Args{"Image": q(img)}}
			if s.Build != nil {
				from = msg.Sub{ID: "validate.role.from.built", Args: msg.Args{"Image": q(img)}}
			}
			return serviceRole{role: f.Role, family: f.Name, from: from}
		}
	}
	for _, pc := range s.Ports {
		if f, ok := dataPort(pc.Target); ok {
			return serviceRole{role: f.Role, from: msg.Sub{ID: "validate.role.from.port", Args: msg.Args{"Port": pc.Target, "Family": f.Name}}}
		}
	}
	return serviceRole{role: imagerole.App, from: msg.Sub{ID: "validate.role.from.unknown"}}
}

// roleOfService is roleOf for a service found without its model (a file
// mount lookup): the first loaded model that has it.
func (p *parsedSet) roleOfService(s types.ServiceConfig) serviceRole {
	for _, m := range p.loadedModels() {
		if _, ok := m.proj.Services[s.Name]; ok {
			return p.roleOf(m, s)
		}
	}
	return serviceRole{role: imagerole.App}
}

// builtStage is the Dockerfile a service builds and the stage compose
// builds from it: build.target, else the last stage.
func (p *parsedSet) builtStage(m *composeModel, s types.ServiceConfig) (*dockerfile, *dfStage) {
	d := p.dockerfileFor(m, s)
	if d == nil {
		return nil, nil
	}
	if t := strings.ToLower(s.Build.Target); t != "" {
		return d, d.stageNamed(t)
	}
	return d, d.final()
}

// stageUse is one stage compose builds, by whom and in which model.
type stageUse struct {
	stage   *dfStage
	service types.ServiceConfig
	model   *composeModel
}

// judgedStages are the stages of d that Dockerfile rules about the
// running image judge: those compose builds (each build.target, or the
// last stage), or the last stage when no compose service builds d.
func (p *parsedSet) judgedStages(d *dockerfile) []stageUse {
	var out []stageUse
	seen := map[*dfStage]bool{}
	for _, m := range p.loadedModels() {
		for _, s := range m.services() {
			bd, st := p.builtStage(m, s)
			if bd != d || st == nil || seen[st] {
				continue
			}
			seen[st] = true
			out = append(out, stageUse{stage: st, service: s, model: m})
		}
	}
	if len(out) == 0 && d.final() != nil {
		out = append(out, stageUse{stage: d.final()})
	}
	return out
}

// checkRoleDeclared reports x-stackgen values the rules cannot use.
func checkRoleDeclared(p *parsedSet) []Finding {
	var out []Finding
	for _, f := range p.composeFiles {
		for _, s := range f.services() {
			e := child(s.Value, extensionKey)
			if e == nil {
				continue
			}
			name := keyText(s.Key)
			entries := mapEntries(e.Value)
			if len(entries) == 0 {
				out = append(out, tr(f.path, lineOf(e.Key), "validate.compose-role.not-mapping", msg.Args{"Service": q(name), "Key": extensionKey}))
				continue
			}
			for _, kv := range entries {
				k := keyText(kv.Key)
				v, _ := scalarText(kv.Value)
				switch k {
				case "role":
					if _, ok := imagerole.ParseRole(v); !ok {
						out = append(out, tr(f.path, lineOf(kv.Key), "validate.compose-role.unknown-role", msg.Args{"Service": q(name), "Role": q(v), "Roles": imagerole.RoleNames()}).withFix("validate.compose-role.fix-role"))
					}
				case "family":
					if _, ok := imagerole.Lookup(v); !ok {
						out = append(out, tr(f.path, lineOf(kv.Key), "validate.compose-role.unknown-family", msg.Args{"Service": q(name), "Family": q(v), "Families": strings.Join(imagerole.Names(), ", ")}).withFix("validate.compose-role.fix-family"))
					}
				default:
					out = append(out, tr(f.path, lineOf(kv.Key), "validate.compose-role.unknown-key", msg.Args{"Service": q(name), "Ext": extensionKey, "Key": q(k)}).withFix("validate.compose-role.fix-keys"))
				}
			}
		}
	}
	return out
}
