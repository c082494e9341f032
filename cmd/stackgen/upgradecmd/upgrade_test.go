package upgradecmd

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stackgen/stackgen/cmd/stackgen/cmdutil"
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
