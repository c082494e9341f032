package backupcmd

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stackgen/stackgen/cmd/stackgen/cmdutil"
)

func TestNewCmdBackupFlags(t *testing.T) {
	ios, _, _, _ := cmdutil.Test()
	f := &cmdutil.Factory{IO: ios}
	run := func(args ...string) (*Options, error) {
		var got *Options
		cmd := NewCmdBackup(f, func(ctx context.Context, o *Options) error { got = o; return nil })
		cmd.SetArgs(args)
		cmd.SetOut(&bytes.Buffer{})
		cmd.SetErr(&bytes.Buffer{})
		return got, cmd.Execute()
	}
	o, err := run("site", "-o", "/srv/backups", "--keep", "7")
	if err != nil || o.Dir != "site" || o.Out != "/srv/backups" || o.Keep != 7 {
		t.Fatalf("%+v, %v", o, err)
	}
	if o, err = run(); err != nil || o.Dir != "." || o.Out != "" || o.Keep != 0 {
		t.Fatalf("defaults: %+v, %v", o, err)
	}
	if _, err := run("--keep", "-1"); err == nil || !strings.Contains(err.Error(), "--keep") {
		t.Errorf("--keep -1: %v", err)
	}
}
