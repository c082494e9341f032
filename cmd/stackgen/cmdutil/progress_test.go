package cmdutil

import (
	"errors"
	"strings"
	"testing"

	"github.com/stackgen/stackgen/progress"
)

func TestCheckProgress(t *testing.T) {
	if err := CheckProgress("json", progress.Modes); err != nil {
		t.Errorf("json for up: %v", err)
	}
	err := CheckProgress("json", TransferModes)
	var fe *FlagError
	if !errors.As(err, &fe) || !strings.Contains(err.Error(), `invalid --progress "json": use one of auto, tty, plain, quiet`) {
		t.Errorf("json for deploy: %v", err)
	}
}
