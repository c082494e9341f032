package exportcmd

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stackgen/stackgen/cmd/stackgen/cmdutil"
)

func TestSwarmFlags(t *testing.T) {
	cases := []struct {
		args []string
		want SwarmOptions
		err  bool
	}{
		{[]string{"site"}, SwarmOptions{Dir: "site", Output: "swarm/stack.yaml"}, false},
		{[]string{"site", "-o", "-", "--replicas", "3", "--encrypt", "--publish-mode", "host"}, SwarmOptions{Dir: "site", Output: "-"}, false},
		{[]string{"--replicas", "-1"}, SwarmOptions{}, true},
	}
	for _, c := range cases {
		ios, _, _, _ := cmdutil.Test()
		var got *SwarmOptions
		cmd := NewCmdSwarm(&cmdutil.Factory{IO: ios}, func(_ context.Context, o *SwarmOptions) error { got = o; return nil })
		cmd.SetArgs(c.args)
		cmd.SetOut(io.Discard)
		cmd.SetErr(io.Discard)
		err := cmd.Execute()
		if c.err {
			var fe *cmdutil.FlagError
			if !errors.As(err, &fe) {
				t.Errorf("%v: error %v, want a flag error", c.args, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%v: %v", c.args, err)
		}
		if got.Dir != c.want.Dir || got.Output != c.want.Output {
			t.Errorf("%v: dir %q output %q", c.args, got.Dir, got.Output)
		}
	}
}

// A directory that is not a project gets one line saying so, and nothing
// is written.
func TestExportSwarmRefusesANonProject(t *testing.T) {
	dir := t.TempDir()
	ios, _, _, _ := cmdutil.Test()
	err := runSwarm(&SwarmOptions{IO: ios, Dir: dir, Output: "swarm/stack.yaml"})
	if err == nil || !strings.Contains(err.Error(), "compose.yaml") {
		t.Fatalf("error %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "swarm")); err == nil {
		t.Error("wrote swarm/ for a failed export")
	}
}
