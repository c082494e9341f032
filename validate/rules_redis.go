package validate

import (
	"net"
	"path"
	"strings"

	"github.com/stackgen/stackgen/fileset"
	"github.com/stackgen/stackgen/internal/msg"
)

// Rules on redis.conf.

func redisConfs(p *parsedSet) []*iniFile {
	var out []*iniFile
	for _, f := range p.set {
		if path.Base(f.Path) == "redis.conf" || (strings.HasSuffix(f.Path, ".conf") && strings.Contains(strings.ToLower(fileset.Dir(f.Path)), "redis")) {
			out = append(out, parseDirectives(f.Path, f.Content))
		}
	}
	return out
}

func checkRedisBindLoopback(p *parsedSet) []Finding {
	var out []Finding
	for _, c := range redisConfs(p) {
		for _, e := range c.entries {
			if e.key != "bind" {
				continue
			}
			loopbackOnly := true
			for _, a := range strings.Fields(e.value) {
				ip := net.ParseIP(strings.TrimPrefix(a, "-"))
				if ip == nil || !ip.IsLoopback() {
					loopbackOnly = false
				}
			}
			if loopbackOnly {
				out = append(out, tr(c.path, e.line, "validate.redis-bind-loopback.msg", msg.Args{"Value": e.value}).withFix("validate.redis-bind-loopback.fix-boundary"))
			}
		}
	}
	return out
}

func checkRedisRequirepassFile(p *parsedSet) []Finding {
	var out []Finding
	for _, c := range redisConfs(p) {
		for _, e := range c.entries {
			if (e.key == "requirepass" || e.key == "masterauth") && e.value != "" && e.value != `""` {
				out = append(out, tr(c.path, e.line, "validate.redis-requirepass-file.msg", msg.Args{"Key": e.key}).withFix("validate.redis-requirepass-file.fix-here"))
			}
		}
	}
	return out
}

// parseDirectives reads "directive args..." lines (redis.conf style) into
// ini entries with the directive as key.
func parseDirectives(p string, b []byte) *iniFile {
	f := &iniFile{path: p}
	for i, raw := range strings.Split(string(b), "\n") {
		line := strings.TrimSpace(strings.TrimSuffix(raw, "\r"))
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, _ := strings.Cut(line, " ")
		f.entries = append(f.entries, iniEntry{key: strings.ToLower(k), value: strings.TrimSpace(v), line: i + 1})
	}
	return f
}
