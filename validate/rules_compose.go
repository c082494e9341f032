package validate

import (
	"github.com/stackgen/stackgen/internal/msg"

	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/goccy/go-yaml/ast"

	"github.com/stackgen/stackgen/internal/imagerole"
)

// Compose rules. Rules that judge meaning (ports, images, dependencies)
// read the model compose-go loaded, once per model (base, and base plus
// each overlay); rules about how a file is written (a literal password, an
// undefined variable, an obsolete key) read the raw YAML of each file,
// where values are not yet interpolated.

func checkComposeLoad(p *parsedSet) []Finding {
	var out []Finding
	for _, m := range p.models {
		last := m.files[len(m.files)-1]
		switch {
		case m.loadErr != nil:
			file, line := last.path, 0
			for _, f := range m.files {
				if f.err != nil {
					file, line = f.path, f.errLine
					break
				}
			}
			if len(m.files) > 1 && m.files[0].err == nil && baseLoads(p) {
				file = last.path // the base alone loads: the overlay breaks it
			}
			out = append(out, tr(file, line, "validate.compose-load.msg", msg.Args{"Files": filesOf(m), "Err": firstLine(m.loadErr.Error())}))
		case m.strictErr != nil && !consistencyExplained(p, m):
			out = append(out, tr(last.path, 0, "validate.compose-load.strict", msg.Args{"Files": filesOf(m), "Err": firstLine(m.strictErr.Error())}))
		}
	}
	return out
}

func baseLoads(p *parsedSet) bool {
	return len(p.models) > 0 && p.models[0].loadErr == nil && len(p.models[0].files) == 1
}

func filesOf(m *composeModel) string {
	var names []string
	for _, f := range m.files {
		names = append(names, f.path)
	}
	return strings.Join(names, " + ")
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

// consistencyExplained reports whether a rule with its own id already
// explains why the consistency check failed, so the user sees that id
// instead of a second, vaguer compose-load finding.
func consistencyExplained(p *parsedSet, m *composeModel) bool {
	sub := &parsedSet{set: p.set, files: p.files, env: p.env, models: []*composeModel{m}}
	return len(checkDependsMissing(sub))+len(checkUndeclaredVolume(sub))+
		len(checkUndeclaredNetwork(sub))+len(checkUndeclaredSecret(sub)) > 0
}

func checkUndefinedVar(p *parsedSet) []Finding {
	var out []Finding
	for _, f := range p.composeFiles {
		seen := map[string]bool{}
		walkScalars(f.root, func(s string, line int) {
			for _, r := range extractVarRefs(s) {
				if r.defaulted || r.guarded {
					continue
				}
				if _, ok := p.env[r.name]; ok {
					continue
				}
				key := fmt.Sprintf("%s:%d", r.name, line)
				if seen[key] {
					continue
				}
				seen[key] = true
				where := msg.Sub{ID: "validate.compose-undefined-var.no-env"}
				if p.envSource != "" {
					where = msg.Sub{ID: "validate.compose-undefined-var.not-in", Args: msg.Args{"File": p.envSource}}
				}
				out = append(out, Finding{File: f.path, Line: line,
					Text: &Text{Message: "validate.compose-undefined-var.msg", Fix: "validate.compose-undefined-var.fix-add", Args: msg.Args{"Var": r.name, "Where": where}}}.english())
			}
		})
	}
	return out
}

func checkDependsMissing(p *parsedSet) []Finding {
	var out []Finding
	for _, m := range p.loadedModels() {
		for _, s := range m.services() {
			for _, dep := range sortedKeys(s.DependsOn) {
				if _, ok := m.proj.Services[dep]; ok {
					continue
				}
				file, line := m.locate("services", s.Name, "depends_on")
				if s.Links != nil && line == 0 {
					file, line = m.locate("services", s.Name, "links")
				}
				out = append(out, tr(file, line, "validate.compose-depends-missing.msg", msg.Args{"Service": q(s.Name), "Dep": q(dep)}))
			}
		}
	}
	return out
}

// hasHealthcheck reports whether a service ends up with a health check:
// its own in compose, or a HEALTHCHECK in the Dockerfile it builds.
func (p *parsedSet) hasHealthcheck(m *composeModel, s types.ServiceConfig) bool {
	if hc := s.HealthCheck; hc != nil {
		if hc.Disable || (len(hc.Test) > 0 && hc.Test[0] == "NONE") {
			return false
		}
		if len(hc.Test) > 0 {
			return true
		}
	}
	if _, st := p.builtStage(m, s); st != nil {
		for _, in := range st.instrs {
			if in.cmd == "healthcheck" {
				return len(in.args) == 0 || !strings.EqualFold(in.args[0], "NONE")
			}
		}
	}
	return false
}

func checkHealthcheckMissing(p *parsedSet) []Finding {
	var out []Finding
	for _, m := range p.loadedModels() {
		for _, s := range m.services() {
			for _, dep := range sortedKeys(s.DependsOn) {
				t, ok := m.proj.Services[dep]
				if !ok || s.DependsOn[dep].Condition != types.ServiceConditionHealthy || p.hasHealthcheck(m, t) {
					continue
				}
				file, line := m.locate("services", s.Name, "depends_on", dep)
				out = append(out, Finding{File: file, Line: line,
					Text: &Text{Message: "validate.compose-healthcheck-missing.msg", Fix: "validate.compose-healthcheck-missing.fix-dep", Args: msg.Args{"Service": q(s.Name), "Dep": q(dep)}}}.english())
			}
		}
	}
	return out
}

// oneShot reports whether a service is a job others wait to finish, not a
// long-running server: it needs no health check.
func oneShot(m *composeModel, name string) bool {
	s := m.proj.Services[name]
	if s.Restart == "no" || strings.HasPrefix(s.Restart, "on-failure") {
		return true
	}
	for _, o := range m.proj.Services {
		if d, ok := o.DependsOn[name]; ok && d.Condition == types.ServiceConditionCompletedSuccessfully {
			return true
		}
	}
	return false
}

func checkNoHealthcheck(p *parsedSet) []Finding {
	var out []Finding
	for _, m := range p.loadedModels() {
		for _, s := range m.services() {
			if oneShot(m, s.Name) || p.hasHealthcheck(m, s) {
				continue
			}
			file, line := m.locate("services", s.Name)
			out = append(out, tr(file, line, "validate.compose-no-healthcheck.msg", msg.Args{"Service": q(s.Name)}))
		}
	}
	return out
}

func checkDependsStarted(p *parsedSet) []Finding {
	var out []Finding
	for _, m := range p.loadedModels() {
		for _, s := range m.services() {
			for _, dep := range sortedKeys(s.DependsOn) {
				if s.DependsOn[dep].Condition != types.ServiceConditionStarted {
					continue
				}
				if _, ok := m.proj.Services[dep]; !ok {
					continue // compose-depends-missing
				}
				file, line := m.locate("services", s.Name, "depends_on", dep)
				out = append(out, tr(file, line, "validate.compose-depends-started.msg", msg.Args{"Service": q(s.Name), "Dep": q(dep), "DepName": dep}).withFix("validate.compose-depends-started.fix-dep"))
			}
		}
	}
	return out
}

func checkUndeclaredVolume(p *parsedSet) []Finding {
	var out []Finding
	for _, m := range p.loadedModels() {
		for _, s := range m.services() {
			for _, v := range s.Volumes {
				if v.Type != types.VolumeTypeVolume || v.Source == "" {
					continue
				}
				if _, ok := m.proj.Volumes[v.Source]; ok {
					continue
				}
				file, line := m.locateItem(v.Source, "services", s.Name, "volumes")
				out = append(out, Finding{File: file, Line: line,
					Text: &Text{Message: "validate.compose-undeclared-volume.msg", Fix: "validate.compose-undeclared-volume.fix-declare", Args: msg.Args{"Service": q(s.Name), "Name": q(v.Source)}}}.english())
			}
		}
	}
	return out
}

func checkUndeclaredNetwork(p *parsedSet) []Finding {
	var out []Finding
	for _, m := range p.loadedModels() {
		for _, s := range m.services() {
			for _, n := range sortedKeys(s.Networks) {
				if _, ok := m.proj.Networks[n]; ok {
					continue
				}
				file, line := m.locateItem(n, "services", s.Name, "networks")
				out = append(out, Finding{File: file, Line: line,
					Text: &Text{Message: "validate.compose-undeclared-network.msg", Fix: "validate.compose-undeclared-network.fix-declare", Args: msg.Args{"Service": q(s.Name), "Name": q(n)}}}.english())
			}
		}
	}
	return out
}

func checkUndeclaredSecret(p *parsedSet) []Finding {
	var out []Finding
	for _, m := range p.loadedModels() {
		for _, s := range m.services() {
			for _, sec := range s.Secrets {
				if _, ok := m.proj.Secrets[sec.Source]; !ok {
					file, line := m.locateItem(sec.Source, "services", s.Name, "secrets")
					out = append(out, Finding{File: file, Line: line,
						Text: &Text{Message: "validate.compose-undeclared-secret.secret", Fix: "validate.compose-undeclared-secret.fix-secret", Args: msg.Args{"Service": q(s.Name), "Name": q(sec.Source)}}}.english())
				}
			}
			for _, c := range s.Configs {
				if _, ok := m.proj.Configs[c.Source]; !ok {
					file, line := m.locateItem(c.Source, "services", s.Name, "configs")
					out = append(out, Finding{File: file, Line: line,
						Text: &Text{Message: "validate.compose-undeclared-secret.config", Fix: "validate.compose-undeclared-secret.fix-config", Args: msg.Args{"Service": q(s.Name), "Name": q(c.Source)}}}.english())
				}
			}
		}
	}
	return out
}

// allInterfaces reports whether a published port listens on every host
// address (no host IP, 0.0.0.0 or ::), i.e. is reachable from outside.
func allInterfaces(pc types.ServicePortConfig) bool {
	switch strings.Trim(pc.HostIP, "[]") {
	case "", "0.0.0.0", "::":
		return true
	}
	return false
}

// portLine finds the line of the ports item publishing target.
func (m *composeModel) portLine(service string, pc types.ServicePortConfig) (string, int) {
	// the item may be in any of the files (Compose appends ports of
	// overlays to the base's), so every file is searched; a later file
	// wins a tie
	file, line := m.locate("services", service, "ports")
	best := 0
	for _, f := range m.files {
		for _, it := range seqItems(f.value("services", service, "ports")) {
			text, ok := scalarText(it)
			if !ok {
				if t := child(it, "target"); t != nil {
					text, _ = scalarText(t.Value)
				}
				if h := child(it, "host_ip"); h != nil {
					ip, _ := scalarText(h.Value)
					text = ip + ":" + text
				}
			}
			// the item naming this target, published port and host IP
			// (or no IP at all when the port is on every interface)
			score := 0
			if strings.Contains(text, fmt.Sprint(pc.Target)) {
				score += 4
			}
			if pc.Published != "" && strings.Contains(text, pc.Published) {
				score += 2
			}
			if (pc.HostIP != "" && strings.Contains(text, pc.HostIP)) || (pc.HostIP == "" && strings.Count(text, ":") <= 1) {
				score++
			}
			if score >= best && score > 0 {
				best, file, line = score, f.path, lineOf(it)
			}
		}
	}
	return file, line
}

// portText is a published port as a placeholder value, said in the
// language of the message around it.
func portText(pc types.ServicePortConfig) any {
	if pc.Published == "" {
		return msg.Sub{ID: "validate.port.random", Args: msg.Args{"Port": pc.Target}}
	}
	return pc.Published
}

func checkDBPortPublic(p *parsedSet) []Finding {
	var out []Finding
	for _, m := range p.loadedModels() {
		for _, s := range m.services() {
			r := p.roleOf(m, s)
			if !r.role.HoldsData() {
				continue
			}
			what := s.Image
			if what == "" {
				what = "built"
			}
			for _, pc := range s.Ports {
				if !allInterfaces(pc) {
					continue
				}
				file, line := m.portLine(s.Name, pc)
				out = append(out, tr(file, line, "validate.compose-db-port-public.msg", msg.Args{"Service": q(s.Name), "What": what, "Role": string(r.role), "Port": portText(pc), "Hint": r.declareHintArg(s.Name)}))
			}
		}
	}
	return out
}

func checkPortBypassesProxy(p *parsedSet) []Finding {
	var out []Finding
	for _, m := range p.loadedModels() {
		var proxies []types.ServiceConfig
		roles := map[string]serviceRole{}
		for _, s := range m.services() {
			roles[s.Name] = p.roleOf(m, s)
			if len(s.Ports) > 0 && roles[s.Name].role == imagerole.Proxy {
				proxies = append(proxies, s)
			}
		}
		for _, s := range m.services() {
			// a data store publishing is compose-db-port-public's error
			if r := roles[s.Name]; r.role == imagerole.Proxy || r.role.HoldsData() {
				continue
			}
			proxy := ""
			for _, px := range proxies {
				// a dev server of one profile beside the proxy of another
				// never runs with it
				if runTogether(px, s) {
					proxy = px.Name
					break
				}
			}
			if proxy == "" {
				continue
			}
			for _, pc := range s.Ports {
				if !allInterfaces(pc) {
					continue
				}
				file, line := m.portLine(s.Name, pc)
				out = append(out, Finding{File: file, Line: line,
					Text: &Text{Message: "validate.compose-port-bypasses-proxy.msg", Fix: "validate.compose-port-bypasses-proxy.fix-route", Args: msg.Args{"Service": q(s.Name), "Port": portText(pc), "Proxy": q(proxy), "Hint": roles[proxy].declareHintArg(proxy)}}}.english())
			}
		}
	}
	return out
}

// runTogether reports whether Compose can run two services in the same
// run without enabling profiles meant as alternatives: one of them is in
// no profile (it always runs), or they share one.
func runTogether(a, b types.ServiceConfig) bool {
	if len(a.Profiles) == 0 || len(b.Profiles) == 0 {
		return true
	}
	for _, x := range a.Profiles {
		for _, y := range b.Profiles {
			if x == y {
				return true
			}
		}
	}
	return false
}

func checkImageLatest(p *parsedSet) []Finding {
	var out []Finding
	for _, m := range p.loadedModels() {
		for _, s := range m.services() {
			if s.Image == "" || !unpinned(s.Image) || strings.Contains(s.Image, placeholderValue) {
				// a required variable (${IMAGE:?msg}) is whatever the
				// deployer sets, not a floating tag
				continue
			}
			file, line := m.locate("services", s.Name, "image")
			tag := "untagged"
			if parseImageRef(s.Image).tag == "latest" {
				tag = "latest"
			}
			id := "validate.compose-image-latest.pulled"
			if s.Build != nil {
				id = "validate.compose-image-latest.built"
			}
			out = append(out, tr(file, line, id, msg.Args{"Service": q(s.Name), "Image": q(s.Image), "Tag": tag}))
		}
	}
	return out
}

func checkContainerName(p *parsedSet) []Finding {
	var out []Finding
	for _, m := range p.loadedModels() {
		for _, s := range m.services() {
			if s.ContainerName == "" {
				continue
			}
			file, line := m.locate("services", s.Name, "container_name")
			out = append(out, tr(file, line, "validate.compose-container-name.msg", msg.Args{"Service": q(s.Name), "Name": q(s.ContainerName)}))
		}
	}
	return out
}

func checkVersionObsolete(p *parsedSet) []Finding {
	var out []Finding
	for _, f := range p.composeFiles {
		if e := child(f.root, "version"); e != nil {
			out = append(out, tr(f.path, lineOf(e.Key), "validate.compose-version-obsolete.msg", nil))
		}
	}
	return out
}

func checkLinks(p *parsedSet) []Finding {
	var out []Finding
	for _, f := range p.composeFiles {
		for _, s := range f.services() {
			if e := child(s.Value, "links"); e != nil {
				out = append(out, tr(f.path, lineOf(e.Key), "validate.compose-links.msg", msg.Args{"Service": q(keyText(s.Key))}))
			}
		}
	}
	return out
}

func checkRestartAlways(p *parsedSet) []Finding {
	var out []Finding
	for _, m := range p.loadedModels() {
		for _, s := range m.services() {
			if s.Restart == types.RestartPolicyAlways {
				file, line := m.locate("services", s.Name, "restart")
				out = append(out, tr(file, line, "validate.compose-restart-always.msg", msg.Args{"Service": q(s.Name)}))
			}
		}
	}
	return out
}

func checkTTY(p *parsedSet) []Finding {
	var out []Finding
	for _, m := range p.loadedModels() {
		for _, s := range m.services() {
			if !s.Tty && !s.StdinOpen {
				continue
			}
			key := "tty"
			if !s.Tty {
				key = "stdin_open"
			}
			file, line := m.locate("services", s.Name, key)
			out = append(out, tr(file, line, "validate.compose-tty.msg", msg.Args{"Service": q(s.Name)}))
		}
	}
	return out
}

// secretKeyWords mark environment keys that hold credentials.
var secretKeyWords = [...]string{"PASSWORD", "PASSWD", "SECRET", "TOKEN", "API_KEY", "APIKEY", "PRIVATE_KEY", "ACCESS_KEY"}

// notSecretKeys look like credential keys but hold switches or paths.
var notSecretKeys = [...]string{"ALLOW_EMPTY_PASSWORD", "RANDOM_ROOT_PASSWORD", "ONETIME_PASSWORD", "INITDB_SKIP_TZINFO"}

func isSecretKey(k string) bool {
	k = strings.ToUpper(k)
	if strings.HasSuffix(k, "_FILE") || strings.HasSuffix(k, "_PATH") {
		return false
	}
	for _, n := range notSecretKeys {
		if strings.HasSuffix(k, n) {
			return false
		}
	}
	for _, w := range secretKeyWords {
		if strings.Contains(k, w) {
			return true
		}
	}
	return strings.HasSuffix(k, "_KEY") || k == "KEY" || strings.HasSuffix(k, "_PASS") ||
		strings.HasSuffix(k, "_PW") || strings.HasSuffix(k, "_PWD") || strings.Contains(k, "PASSPHRASE")
}

// isLiteralSecret reports whether a raw value is a credential written into
// the file rather than taken from the environment.
func isLiteralSecret(v string) bool {
	v = strings.TrimSpace(v)
	if v == "" || strings.Contains(v, "$") || strings.HasPrefix(v, "/run/secrets/") {
		// a secrets path is the recommended pattern: the value is a file
		// the secret is mounted at, not the secret
		return false
	}
	switch strings.ToLower(v) {
	case "true", "false", "yes", "no", "on", "off", "none", "null", "disabled", "enabled":
		return false
	}
	return true
}

// literalDefault returns the literal default of a secret written as
// ${VAR:-default} or ${VAR-default} ("" when there is none, or when the
// default is itself a variable): in effect a committed secret.
func literalDefault(v string) string {
	for _, r := range extractVarRefs(v) {
		if !r.defaulted {
			continue
		}
		i := strings.Index(v, "${"+r.name)
		if i < 0 {
			continue
		}
		rest := v[i+2+len(r.name):]
		if !strings.HasPrefix(rest, ":-") && !strings.HasPrefix(rest, "-") {
			continue
		}
		end := closingBrace(v, i+2)
		if end < 0 {
			continue
		}
		def := strings.TrimLeft(v[i+2+len(r.name):end], ":-")
		if isLiteralSecret(def) {
			return def
		}
	}
	return ""
}

// varName is the first variable a value interpolates.
func varName(v string) string {
	if refs := extractVarRefs(v); len(refs) > 0 {
		return refs[0].name
	}
	return "VAR"
}

// urlPassword matches scheme://user:password@ with a literal password.
var urlPassword = regexp.MustCompile(`[A-Za-z][A-Za-z0-9+.-]*://[^:/@\s]*:([^@\s/$]+)@`)

func checkPlainSecret(p *parsedSet) []Finding {
	var out []Finding
	for _, f := range p.composeFiles {
		for _, s := range f.services() {
			name := keyText(s.Key)
			envNode := child(s.Value, "environment")
			if envNode != nil {
				forEachEnv(envNode.Value, func(k, v string, line int) {
					switch {
					case isSecretKey(k) && isLiteralSecret(v):
						out = append(out, tr(f.path, line, "validate.compose-plain-secret.literal", msg.Args{"Service": q(name), "Key": k, "File": f.path}))
					case isSecretKey(k) && literalDefault(v) != "":
						out = append(out, tr(f.path, line, "validate.compose-plain-secret.default", msg.Args{"Service": q(name), "Key": k, "Default": q(literalDefault(v)), "Var": varName(v)}).withFix("validate.compose-plain-secret.fix-guard"))
					case urlPassword.MatchString(v):
						out = append(out, tr(f.path, line, "validate.compose-plain-secret.url", msg.Args{"Service": q(name), "Key": k}))
					}
				})
			}
			if c := child(s.Value, "command"); c != nil {
				walkScalars(c.Value, func(v string, line int) {
					words := strings.Fields(v)
					for i, w := range words {
						if (w == "--requirepass" || w == "--masterauth") && i+1 < len(words) && isLiteralSecret(words[i+1]) {
							out = append(out, tr(f.path, line, "validate.compose-plain-secret.command", msg.Args{"Service": q(name), "Arg": w}))
						}
					}
				})
			}
		}
	}
	return out
}

// forEachEnv visits an environment: block in either of its two shapes
// (mapping, or a list of KEY=VALUE strings) with each raw value.
func forEachEnv(n ast.Node, fn func(k, v string, line int)) {
	for _, e := range mapEntries(n) {
		v, _ := scalarText(e.Value)
		fn(keyText(e.Key), v, lineOf(e.Key))
	}
	for _, it := range seqItems(n) {
		s, ok := scalarText(it)
		if !ok {
			continue
		}
		k, v, _ := strings.Cut(s, "=")
		fn(k, v, lineOf(it))
	}
}

func checkHealthcheckBinary(p *parsedSet) []Finding { return p.healthcheckTools(true) }

func checkHealthcheckBinaryUnsure(p *parsedSet) []Finding { return p.healthcheckTools(false) }

// healthcheckTools finds health checks that run curl or wget in an image
// that lacks it: for sure (an image whose contents are known), or when
// sure is false, maybe (a -slim or -alpine variant of an image stackgen
// does not know).
func (p *parsedSet) healthcheckTools(sure bool) []Finding {
	var out []Finding
	for _, m := range p.loadedModels() {
		for _, s := range m.services() {
			prog := healthcheckProgram(s.HealthCheck)
			if prog != "curl" && prog != "wget" {
				continue
			}
			image, installs := s.Image, ""
			if d, st := p.builtStage(m, s); st != nil {
				image, installs = d.baseImage(st), st.runText()
			} else if s.Build != nil {
				continue // built from outside the project: unknown
			}
			lacks, known := lacksProgram(image, p.roleOf(m, s).family, prog)
			if !lacks || known != sure || installsProgram(installs, prog) {
				continue
			}
			file, line := m.locate("services", s.Name, "healthcheck", "test")
			id := "validate.compose-healthcheck-binary.msg"
			if !sure {
				id = "validate.compose-healthcheck-binary-unsure.msg"
			}
			out = append(out, tr(file, line, id, msg.Args{"Service": q(s.Name), "Prog": prog, "Image": image}).withFix("validate.compose-healthcheck-binary.fix-program"))
		}
	}
	return out
}

// healthcheckProgram is the program a health check runs first.
func healthcheckProgram(hc *types.HealthCheckConfig) string {
	if hc == nil || len(hc.Test) < 2 {
		return ""
	}
	switch hc.Test[0] {
	case "CMD":
		return path.Base(hc.Test[1])
	case "CMD-SHELL":
		if cmds := shellCommands(hc.Test[1]); len(cmds) > 0 {
			return path.Base(cmds[0][0])
		}
	}
	return ""
}

// lacksProgram says whether an image lacks curl or wget, and whether that
// is known rather than likely. The image's family (declared, or named by
// the reference) decides when imagerole knows what its variant ships:
// nginx's Alpine image has curl, python's -slim has neither. Otherwise
// distroless images surely lack both, and an unknown -slim or -alpine
// image may lack them (Alpine's BusyBox has wget, not curl).
func lacksProgram(image, family, prog string) (lacks, known bool) {
	r := parseImageRef(image)
	tag := strings.ToLower(r.tag)
	if strings.Contains(r.repo, "distroless") {
		return true, true
	}
	if family == "" {
		if f, _, ok := imagerole.FromRef(image); ok {
			family = f.Name
		}
	}
	if f, ok := imagerole.Lookup(family); ok {
		if t, ok := f.Tools(tag); ok {
			has := t.Curl
			if prog == "wget" {
				has = t.Wget
			}
			return !has, true
		}
	}
	switch {
	case strings.Contains(tag, "slim"):
		return true, false
	case strings.Contains(tag, "alpine"):
		return prog == "curl", false
	}
	return false, false
}

func installsProgram(run, prog string) bool {
	for _, c := range shellCommands(run) {
		if pkgs, ok := aptPackages(c); ok {
			for _, pk := range pkgs {
				if pk == prog {
					return true
				}
			}
		}
		if len(c) > 2 && c[0] == "apk" && c[1] == "add" {
			for _, w := range c[2:] {
				if w == prog {
					return true
				}
			}
		}
	}
	return false
}

func checkEnvFileMissing(p *parsedSet) []Finding {
	var out []Finding
	for _, m := range p.loadedModels() {
		for _, s := range m.services() {
			for _, ef := range s.EnvFiles {
				rel, ok := m.rel(ef.Path)
				if !ok || !bool(ef.Required) {
					continue
				}
				if _, exists := p.files[rel]; exists {
					continue
				}
				file, line := m.locateItem(path.Base(rel), "services", s.Name, "env_file")
				out = append(out, Finding{File: file, Line: line,
					Text: &Text{Message: "validate.compose-env-file-missing.msg", Fix: "validate.compose-env-file-missing.fix-create", Args: msg.Args{"Service": q(s.Name), "File": rel}}}.english())
			}
		}
	}
	return out
}

func checkEnvMounted(p *parsedSet) []Finding {
	var out []Finding
	for _, m := range p.loadedModels() {
		for _, s := range m.services() {
			for _, v := range s.Volumes {
				if v.Type == types.VolumeTypeBind && path.Base(v.Source) == ".env" {
					file, line := m.locateItem(".env", "services", s.Name, "volumes")
					out = append(out, tr(file, line, "validate.compose-env-mounted.msg", msg.Args{"Service": q(s.Name), "File": path.Base(v.Source), "Target": v.Target}))
				}
			}
		}
	}
	return out
}

func checkSecretUnused(p *parsedSet) []Finding {
	var out []Finding
	for _, m := range p.loadedModels() {
		used := map[string]bool{}
		for _, s := range m.services() {
			for _, sec := range s.Secrets {
				used[sec.Source] = true
			}
			if s.Build != nil {
				for _, sec := range s.Build.Secrets {
					used[sec.Source] = true
				}
			}
		}
		for _, name := range sortedKeys(m.proj.Secrets) {
			if used[name] {
				continue
			}
			file, line := m.locate("secrets", name)
			out = append(out, tr(file, line, "validate.compose-secret-unused.msg", msg.Args{"Name": q(name)}))
		}
	}
	return out
}

func checkNextPublicRuntime(p *parsedSet) []Finding {
	var out []Finding
	for _, f := range p.composeFiles {
		for _, s := range f.services() {
			envNode := child(s.Value, "environment")
			if envNode == nil {
				continue
			}
			forEachEnv(envNode.Value, func(k, _ string, line int) {
				if strings.HasPrefix(k, "NEXT_PUBLIC_") {
					out = append(out, tr(f.path, line, "validate.compose-next-public-runtime.msg", msg.Args{"Service": q(keyText(s.Key)), "Key": k}))
				}
			})
		}
	}
	return out
}
