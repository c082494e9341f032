// Command stackgen turns "I want to deploy this stack with Docker" into a
// working, secure deployment.
package main

import (
	"os"
	"runtime/debug"

	"github.com/stackgen/stackgen/cmd/stackgen/root"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	os.Exit(root.Main(versionOf(version), os.Args[1:]))
}

// versionOf is the stamped version, else the module version Go recorded
// for `go install github.com/stackgen/stackgen/cmd/stackgen@VERSION`
// (a build from a checkout records "(devel)" and stays "dev").
func versionOf(stamped string) string {
	if stamped != "dev" {
		return stamped
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return stamped
}
