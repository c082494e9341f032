package backupcmd

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"

	"github.com/stackgen/stackgen/backup"
	"github.com/stackgen/stackgen/cmd/stackgen/cmdutil"
	"github.com/stackgen/stackgen/project"
)

type fakeInstaller struct{ got map[string]string }

func (f *fakeInstaller) Install(ctx context.Context, job backup.ScheduleJob, files map[string]string) (string, error) {
	f.got = files
	return "installed " + job.Unit(), nil
}

func projectDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "my site")
	os.MkdirAll(dir, 0o755)
	m := &project.Manifest{Stack: "django-uwsgi", Answers: map[string]string{"db": "mariadb"}}
	b, _ := m.Marshal()
	os.WriteFile(filepath.Join(dir, project.ManifestName), b, 0o644)
	return dir
}

// TestScheduleWritesSavesAndInstalls: --schedule writes the unit files,
// the cron wrapper and the Windows script into scripts/schedule, records
// the settings, and hands the files to the installer; a later plain backup
// takes the saved key.
func TestScheduleWritesSavesAndInstalls(t *testing.T) {
	dir := projectDir(t)
	id, _ := age.GenerateX25519Identity()
	ios, _, _, errOut := cmdutil.Test()
	inst := &fakeInstaller{}
	cmd := NewCmdBackup(&cmdutil.Factory{IO: ios}, func(ctx context.Context, o *Options) error {
		o.Installer, o.Stackgen = inst, "/opt/stackgen"
		return Run(ctx, o)
	})
	cmd.SetArgs([]string{dir, "--schedule", "daily", "--keep", "14", "--encrypt-to", id.Recipient().String()})
	if err := cmd.Execute(); err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	for _, name := range []string{"stackgen-backup-mysite.service", "stackgen-backup-mysite.timer", "run-backup.sh", "schedule-backup.ps1", "cron"} {
		if inst.got[name] == "" {
			t.Errorf("the installer got no %s: %v", name, inst.got)
		}
	}
	svc, err := os.ReadFile(filepath.Join(dir, "scripts", "schedule", "stackgen-backup-mysite.service"))
	if err != nil || !strings.Contains(string(svc), `ExecStart="/opt/stackgen" "backup" "`+dir+`"`) || !strings.Contains(string(svc), `"--keep" "14"`) {
		t.Errorf("service unit:\n%s (%v)", svc, err)
	}
	set, err := backup.LoadSettings(dir)
	if err != nil || set.Schedule != "daily" || set.Keep != 14 || set.EncryptTo != id.Recipient().String() {
		t.Errorf("saved settings %+v, %v", set, err)
	}
	if !strings.Contains(errOut.String(), "installed stackgen-backup-mysite") {
		t.Errorf("output:\n%s", errOut)
	}

	// A plain run now takes the saved defaults.
	var got *Options
	cmd = NewCmdBackup(&cmdutil.Factory{IO: ios}, func(ctx context.Context, o *Options) error { got = o; return nil })
	cmd.SetArgs([]string{dir})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	got.applySettings(set)
	if got.EncryptTo != id.Recipient().String() || got.Keep != 14 {
		t.Errorf("the saved settings were not applied: %+v", got)
	}
}

func TestBackupFlagsRefuseWhatCannotWork(t *testing.T) {
	ios, _, _, _ := cmdutil.Test()
	for args, want := range map[string]string{
		"--schedule weekly":                       "5 fields",
		"--schedule daily --passphrase-file pw":   "cannot type a passphrase",
		"--encrypt-to age1x --passphrase-file pw": "exclude each other",
		"--schedule 0,61 * * * *":                 "minute field",
	} {
		cmd := NewCmdBackup(&cmdutil.Factory{IO: ios}, func(ctx context.Context, o *Options) error { return nil })
		a := strings.Fields(args)
		if strings.HasPrefix(args, "--schedule 0,61") {
			a = []string{"--schedule", "0,61 * * * *"}
		}
		cmd.SetArgs(a)
		cmd.SilenceUsage, cmd.SilenceErrors = true, true
		if err := cmd.Execute(); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", args, err, want)
		}
	}
}
