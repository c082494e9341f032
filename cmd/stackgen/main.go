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
	lessGC(os.LookupEnv)
	os.Exit(root.Main(versionOf(version), os.Args[1:]))
}

// gcPercent is the heap growth stackgen lets the collector allow. Most runs
// (new, validate, status) live tens of milliseconds and allocate a few
// MB; at Go's default of 100 the collector ran a dozen times in one `new`,
// about a third of its CPU. At 400 the heap may grow to five times what is
// live before a collection; the largest live heap (bundle holding a copy
// of the stackgen binary, tens of MB) stays a few hundred MB at most.
const gcPercent = 400

// lessGC raises the collector's target unless the user chose one with
// GOGC, which keeps the last word.
func lessGC(lookup func(string) (string, bool)) {
	if _, set := lookup("GOGC"); !set {
		debug.SetGCPercent(gcPercent)
	}
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
