// Package composefile is the one list of the file names Docker Compose
// looks for: the base files, the override it merges onto them, and the
// overlays (compose.<x>.yaml) stackgen writes beside them.
package composefile

import (
	"path"
	"strings"
)

// Names are the base file names compose looks for, in its order of
// preference.
var Names = []string{"compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml"}

// OverrideNames are the override files compose merges onto the base
// without being asked, in its order of preference.
var OverrideNames = []string{"compose.override.yaml", "compose.override.yml", "docker-compose.override.yaml", "docker-compose.override.yml"}

// IsBase reports whether name (a bare file name) is one of Names.
func IsBase(name string) bool {
	for _, n := range Names {
		if name == n {
			return true
		}
	}
	return false
}

// IsOverlay reports whether p is a root file like compose.logging.yaml,
// compose.override.yml or docker-compose.logging.yml: a compose file
// beside the base that is not a base itself.
func IsOverlay(p string) bool {
	if strings.Contains(p, "/") || IsBase(p) {
		return false
	}
	ext := path.Ext(p)
	if ext != ".yaml" && ext != ".yml" {
		return false
	}
	stem := strings.TrimSuffix(p, ext)
	for _, prefix := range []string{"compose.", "docker-compose."} {
		if strings.HasPrefix(stem, prefix) && len(stem) > len(prefix) {
			return true
		}
	}
	return false
}
