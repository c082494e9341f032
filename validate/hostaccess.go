package validate

import (
	"path"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/stackgen/stackgen/fileset"
	"github.com/stackgen/stackgen/internal/msg"
)

// HostAccessRule names the findings of HostAccess.
const HostAccessRule = "compose-host-access"

// HostAccess lists what in the compose files hands a container the host:
// privileged: true, network_mode: host, a bind mount of the host's root,
// and a mount of the Docker socket (or the folder holding it), which is
// root on the host by another name. It is not among the rules: a project
// may need one of these on purpose (a log shipper reading the socket), so
// `stackgen validate` does not fail on it; an installer of a project made
// elsewhere (deploy --bundle) refuses them unless told otherwise.
func HostAccess(set fileset.Set) []Finding {
	p := newProject(set)
	defer p.close()
	var out []Finding
	add := func(m *composeModel, id string, args msg.Args, keys ...string) {
		file, line := m.locate(keys...)
		f := tr(file, line, id, args).withFix("validate.compose-host-access.fix")
		f.Rule, f.Severity = HostAccessRule, Error
		out = append(out, f)
	}
	for _, m := range p.loadedModels() {
		for _, s := range m.services() {
			if s.Privileged {
				add(m, "validate.compose-host-access.privileged", msg.Args{"Service": s.Name}, "services", s.Name, "privileged")
			}
			if s.NetworkMode == "host" {
				add(m, "validate.compose-host-access.network-host", msg.Args{"Service": s.Name}, "services", s.Name, "network_mode")
			}
			for _, v := range s.Volumes {
				if what := hostMount(v); what != "" {
					add(m, "validate.compose-host-access.mount", msg.Args{"Service": s.Name, "What": msg.Sub{ID: what}, "Source": v.Source}, "services", s.Name, "volumes")
				}
			}
		}
	}
	return sortFindings(out)
}

// hostMount says what a bind mount exposes of the host (the catalogue ID
// of its description), "" when nothing this check is about.
func hostMount(v types.ServiceVolumeConfig) string {
	if v.Type != types.VolumeTypeBind || !path.IsAbs(v.Source) {
		return ""
	}
	src := path.Clean(v.Source)
	switch {
	case src == "/":
		return "validate.compose-host-access.what-root"
	case path.Base(src) == "docker.sock" || strings.HasSuffix(src, "/docker.sock"):
		return "validate.compose-host-access.what-socket"
	case src == "/var/run" || src == "/run" || src == "/var/run/docker" || src == "/run/docker":
		return "validate.compose-host-access.what-socket-dir"
	}
	return ""
}
