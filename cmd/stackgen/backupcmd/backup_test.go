package backupcmd

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stackgen/stackgen/cmd/stackgen/cmdutil"
	"github.com/stackgen/stackgen/project"
	"github.com/stackgen/stackgen/stack"
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

func TestLoadProjectFollowsTheStacksDeclaredState(t *testing.T) {
	for db, kind := range map[string]stack.StateKind{"mysql": stack.StateMySQL, "mariadb": stack.StateMariaDB} {
		dir := t.TempDir()
		m := &project.Manifest{Stack: "django-uwsgi", Answers: map[string]string{"db": db}}
		b, _ := m.Marshal()
		os.WriteFile(filepath.Join(dir, project.ManifestName), b, 0o644)
		p, err := LoadProject(dir)
		if err != nil {
			t.Fatal(err)
		}
		if p.Stack != "django-uwsgi" || len(p.States) != 3 || p.States[0].Kind != kind {
			t.Errorf("db=%s: %+v", db, p)
		}
	}
	if _, err := LoadProject(t.TempDir()); err == nil || !strings.Contains(err.Error(), "stackgen new") {
		t.Errorf("a folder without .stackgen.yml: %v", err)
	}
}
