package validate

import (
	"strings"
	"testing"

	"github.com/stackgen/stackgen/fileset"
	"github.com/stackgen/stackgen/internal/msg"
)

func TestHostAccess(t *testing.T) {
	cases := []struct {
		name, compose, want string
	}{
		{"privileged", "services:\n  app:\n    image: app:1\n    privileged: true\n", "service app is privileged"},
		{"host network", "services:\n  app:\n    image: app:1\n    network_mode: host\n", "network_mode: host"},
		{"host root", "services:\n  app:\n    image: app:1\n    volumes:\n      - /:/host\n", "the host's root file system"},
		{"docker socket", "services:\n  app:\n    image: app:1\n    volumes:\n      - /var/run/docker.sock:/var/run/docker.sock:ro\n", "the Docker socket"},
		{"socket folder", "services:\n  app:\n    image: app:1\n    volumes:\n      - type: bind\n        source: /run\n        target: /hostrun\n", "the folder of the Docker socket"},
		{"none", "services:\n  app:\n    image: app:1\n    volumes:\n      - ./conf:/etc/app:ro\n      - data:/data\nvolumes:\n  data: {}\n", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := HostAccess(fileset.Set{{Path: "compose.yaml", Mode: 0o644, Content: []byte(c.compose)}})
			if c.want == "" {
				if len(got) > 0 {
					t.Fatalf("findings %v, want none", got)
				}
				return
			}
			if len(got) != 1 || !strings.Contains(got[0].Message, c.want) || got[0].File != "compose.yaml" || got[0].Line == 0 || got[0].Rule != HostAccessRule {
				t.Fatalf("findings %v, want one at a compose.yaml line saying %q", got, c.want)
			}
			// bundle install prints these to whoever installs: in their language
			if m, fix := got[0].Localized(msg.New(msg.Zh)); !hasHan(m) || !hasHan(fix) {
				t.Errorf("not Chinese: %q; fix %q", m, fix)
			}
		})
	}
}
