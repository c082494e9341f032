package upgradecmd

import (
	"context"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stackgen/stackgen/cmd/stackgen/cmdutil"
	"github.com/stackgen/stackgen/project"
	"github.com/stackgen/stackgen/render"
	"github.com/stackgen/stackgen/stack"
	"github.com/stackgen/stackgen/stacks"
	"github.com/stackgen/stackgen/upgrade"
)

func TestNewCmdUpgradeFlags(t *testing.T) {
	cases := []struct {
		args    []string
		want    Options
		wantErr string
	}{
		{args: []string{"site", "--set", "http_port=8080", "--yes"}, want: Options{Dir: "site", Sets: []string{"http_port=8080"}, Yes: true}},
		{args: []string{"--dir", "site", "--check"}, want: Options{Dir: "site", Check: true}},
		{args: []string{"--dry-run", "--image", "db=mariadb:11.8", "--allow-data-change"}, want: Options{Dir: ".", DryRun: true, Images: []string{"db=mariadb:11.8"}, AllowDataChange: true}},
		{args: []string{"--dry-run", "--check"}, wantErr: "give one"},
		{args: []string{"a", "b"}, wantErr: "accepts at most 1 arg"},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			ios, _, _, _ := cmdutil.Test()
			var got *Options
			cmd := NewCmdUpgrade(&cmdutil.Factory{IO: ios}, func(_ context.Context, o *Options) error { got = o; return nil })
			cmd.SetArgs(c.args)
			cmd.SetOut(ios.Out)
			cmd.SetErr(ios.ErrOut)
			err := cmd.Execute()
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err = %v, want %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Dir != c.want.Dir || got.Yes != c.want.Yes || got.Check != c.want.Check || got.DryRun != c.want.DryRun ||
				got.AllowDataChange != c.want.AllowDataChange || strings.Join(got.Sets, ",") != strings.Join(c.want.Sets, ",") || strings.Join(got.Images, ",") != strings.Join(c.want.Images, ",") {
				t.Errorf("options = %+v, want %+v", *got, c.want)
			}
		})
	}
}

// TestBadSetIsOneLine: a malformed --set is refused before the project
// is read, naming the flag.
func TestBadSetIsOneLine(t *testing.T) {
	ios, _, _, _ := cmdutil.Test()
	err := run(context.Background(), &cmdutil.Factory{IO: ios}, &Options{Dir: t.TempDir(), Sets: []string{"http_port"}})
	var fe *cmdutil.FlagError
	if !errors.As(err, &fe) || !strings.Contains(err.Error(), "--set") || strings.Contains(err.Error(), "\n") {
		t.Errorf("err = %v, want one line about --set", err)
	}
}

// TestNotAProject: upgrade in a folder stackgen did not write says so.
func TestNotAProject(t *testing.T) {
	ios, _, _, _ := cmdutil.Test()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "x"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	err := run(context.Background(), &cmdutil.Factory{IO: ios}, &Options{Dir: dir})
	if err == nil || !strings.Contains(err.Error(), "not created by 'stackgen new'") {
		t.Errorf("err = %v", err)
	}
}

// TestCheckAndConflictsExitOne: --check on a project behind its answers,
// and an upgrade that leaves conflicts, exit 1; an up-to-date --check
// exits 0.
func TestCheckAndConflictsExitOne(t *testing.T) {
	d, err := stacks.Registry().Lookup("django-uwsgi")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "site")
	set, answers, err := render.Project(d, stack.Answers{"project": "mysite", "compose_project": "site"}, render.Options{Rand: rand.Reader, Version: "dev", Folder: "site"})
	if err != nil {
		t.Fatal(err)
	}
	m := &project.Manifest{Stack: d.Name, Version: "dev", Answers: answers}
	if err := upgrade.Stamp(m, set); err != nil {
		t.Fatal(err)
	}
	if _, err := project.Write(dir, set, false, m); err != nil {
		t.Fatal(err)
	}
	f := func() *cmdutil.Factory {
		ios, _, _, _ := cmdutil.Test()
		return &cmdutil.Factory{IO: ios, Rand: rand.Reader, Version: "dev"}
	}
	if err := run(context.Background(), f(), &Options{Dir: dir, Check: true}); err != nil {
		t.Errorf("--check of an up-to-date project: %v", err)
	}
	var exit *cmdutil.ExitError
	err = run(context.Background(), f(), &Options{Dir: dir, Check: true, Sets: []string{"http_port=8080"}})
	if !errors.As(err, &exit) || exit.Code != 1 {
		t.Errorf("--check with a pending port change: %v, want exit 1", err)
	}
	// compose.yaml edited where the port change lands: a conflict.
	p := filepath.Join(dir, "compose.yaml")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(b), `"80:80"`, `"81:80"`, 1)
	if edited == string(b) {
		t.Fatal(`compose.yaml publishes no "80:80" to edit`)
	}
	if err := os.WriteFile(p, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	err = run(context.Background(), f(), &Options{Dir: dir, Yes: true, Sets: []string{"http_port=8080"}})
	if !errors.As(err, &exit) || exit.Code != 1 {
		t.Fatalf("upgrade with a conflict: %v, want exit 1", err)
	}
	if b, _ := os.ReadFile(p); !strings.Contains(string(b), "<<<<<<< yours") {
		t.Errorf("compose.yaml has no conflict block")
	}
}
