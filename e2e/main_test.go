package e2e

import (
	"os"
	"testing"

	"github.com/stackgen/stackgen/e2e/e2etest"
)

// TestMain checks for an engine once: without one the package says why in
// one line instead of skipping each test on its own.
func TestMain(m *testing.M) { os.Exit(e2etest.Main(m, "github.com/stackgen/stackgen/e2e")) }
