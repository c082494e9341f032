package validate

import (
	"path"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/stackgen/stackgen/fileset"
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
	add := func(m *composeModel, msg string, keys ...string) {
		file, line := m.locate(keys...)
		out = append(out, Finding{File: file, Line: line, Rule: HostAccessRule, Severity: Error, Message: msg,
			Fix: "remove it, or pass --allow-privileged if the service really needs it"})
	}
	for _, m := range p.loadedModels() {
		for _, s := range m.services() {
			if s.Privileged {
				add(m, "service "+s.Name+" is privileged: it can do anything on the host", "services", s.Name, "privileged")
			}
			if s.NetworkMode == "host" {
				add(m, "service "+s.Name+" uses network_mode: host: it shares the host's network stack and reaches every local port", "services", s.Name, "network_mode")
			}
			for _, v := range s.Volumes {
				if what := hostMount(v); what != "" {
					add(m, "service "+s.Name+" mounts "+what+" ("+v.Source+")", "services", s.Name, "volumes")
				}
			}
		}
	}
	return sortFindings(out)
}

// hostMount says what a bind mount exposes of the host, "" when nothing
// this check is about.
func hostMount(v types.ServiceVolumeConfig) string {
	if v.Type != types.VolumeTypeBind || !path.IsAbs(v.Source) {
		return ""
	}
	src := path.Clean(v.Source)
	switch {
	case src == "/":
		return "the host's root file system"
	case path.Base(src) == "docker.sock" || strings.HasSuffix(src, "/docker.sock"):
		return "the Docker socket, which controls the host as root"
	case src == "/var/run" || src == "/run" || src == "/var/run/docker" || src == "/run/docker":
		return "the folder of the Docker socket, which controls the host as root"
	}
	return ""
}
