// Command stackgen turns "I want to deploy this stack with Docker" into a
// working, secure deployment.
package main

import (
	"os"

	"github.com/stackgen/stackgen/cmd/stackgen/root"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	os.Exit(root.Main(version, os.Args[1:]))
}
