package backup

import (
	"github.com/stackgen/stackgen/internal/msg"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stackgen/stackgen/internal/toolcheck"
)

func TestParseSchedule(t *testing.T) {
	cases := []struct {
		spec, cal string
		every     time.Duration
		err       string
	}{
		{spec: "daily", cal: "*-*-* 03:17:00", every: 24 * time.Hour},
		{spec: "hourly", cal: "*-*-* *:17:00", every: time.Hour},
		{spec: "30 2 * * *", cal: "*-*-* 02:30:00", every: 24 * time.Hour},
		{spec: "*/15 * * * *", cal: "*-*-* *:00/15:00", every: time.Hour},
		{spec: "0 1 * * 1-5", cal: "Mon..Fri *-*-* 01:00:00", every: 7 * 24 * time.Hour},
		{spec: "0 4 1,15 * *", cal: "*-*-01,15 04:00:00", every: 31 * 24 * time.Hour},
		{spec: "0 0 * * 0", cal: "Sun *-*-* 00:00:00", every: 7 * 24 * time.Hour},
		{spec: "weekly", err: "5 fields"},
		{spec: "61 * * * *", err: "minute field"},
		{spec: "0 3 1 * 1", err: "not both"},
		{spec: "0 25 * * *", err: "hour field"},
		{spec: "0 3 * * mon", err: "day of week"},
	}
	for _, tc := range cases {
		s, err := ParseSchedule(tc.spec)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: error %v, want one containing %q", tc.spec, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tc.spec, err)
			continue
		}
		if s.Calendar != tc.cal || s.Every != tc.every {
			t.Errorf("%q: calendar %q every %v, want %q %v", tc.spec, s.Calendar, s.Every, tc.cal, tc.every)
		}
	}
}

// job is a scheduled backup of a project whose path has everything a unit
// file, a crontab and a shell could trip on.
func job(t *testing.T, spec string) ScheduleJob {
	t.Helper()
	s, err := ParseSchedule(spec)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), `我的 网站 100% $HOME "q" 'a'`)
	return ScheduleJob{Schedule: s, Project: "My-Site_1", Stackgen: "/usr/local/bin/stackgen", Dir: dir,
		Args: []string{"-o", filepath.Join(dir, "backups"), "--keep", "7"}, Log: filepath.Join(dir, "backups", "backup.log")}
}

func TestScheduleFilesPassTheirTools(t *testing.T) {
	for _, c := range []struct {
		spec string
		lang msg.Lang
	}{{"daily", msg.En}, {"hourly", msg.En}, {"*/30 1-5 * * 1-5", msg.En}, {"daily", msg.Zh}, {"*/30 1-5 * * 1-5", msg.Zh}} {
		spec := c.spec
		t.Run(spec+"/"+string(c.lang), func(t *testing.T) {
			j := job(t, spec)
			j.L = msg.New(c.lang)
			if j.Unit() != "stackgen-backup-my-site_1" {
				t.Errorf("unit name %q", j.Unit())
			}
			svc, timer, err := j.SystemdUnits()
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			os.MkdirAll(j.Dir, 0o755)
			os.WriteFile(filepath.Join(dir, j.Unit()+".service"), []byte(svc), 0o644)
			os.WriteFile(filepath.Join(dir, j.Unit()+".timer"), []byte(timer), 0o644)
			analyze := toolcheck.RequireTB(t, "systemd-analyze", "apt-get install systemd")
			// verify wants the program to exist: point ExecStart at a real one.
			real := strings.Replace(svc, `"/usr/local/bin/stackgen"`, `"/bin/true"`, 1)
			os.WriteFile(filepath.Join(dir, j.Unit()+".service"), []byte(real), 0o644)
			out, err := exec.Command(analyze, "verify", "--man=no", filepath.Join(dir, j.Unit()+".service"), filepath.Join(dir, j.Unit()+".timer")).CombinedOutput()
			if err != nil || strings.TrimSpace(string(out)) != "" {
				t.Errorf("systemd-analyze verify: %v\n%s\n%s\n%s", err, out, svc, timer)
			}
			// The unit passes the path through exactly: systemd's own
			// reading of ExecStart must give back the words.
			cal, err := exec.Command(analyze, "calendar", j.Schedule.Calendar).CombinedOutput()
			if err != nil {
				t.Errorf("systemd-analyze calendar %q: %v\n%s", j.Schedule.Calendar, err, cal)
			}

			sh, err := j.CronScript()
			if err != nil {
				t.Fatal(err)
			}
			if c.lang == msg.Zh {
				// the project's language, in the files a person reads
				for name, body := range map[string]string{"service": svc, "timer": timer, "run-backup.sh": sh} {
					if !strings.Contains(body, "由 stackgen backup --schedule 生成") {
						t.Errorf("%s is not in Chinese:\n%s", name, body)
					}
				}
				if !strings.Contains(svc, "Description=My-Site_1 的 stackgen 备份") || !strings.Contains(sh, "本次跳过") {
					t.Errorf("Description or the busy message is not in Chinese:\n%s\n%s", svc, sh)
				}
			}
			shellcheck := toolcheck.RequireTB(t, "shellcheck", "apt-get install shellcheck")
			p := filepath.Join(dir, "run-backup.sh")
			os.WriteFile(p, []byte(sh), 0o755)
			if out, err := exec.Command(shellcheck, "-S", "warning", "-s", "sh", p).CombinedOutput(); err != nil {
				t.Errorf("shellcheck: %v\n%s\n%s", err, out, sh)
			}
			line, err := j.CronLine(p)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Fields(line); strings.Join(got[:5], " ") != strings.Join(j.Schedule.Cron[:], " ") {
				t.Errorf("cron line %q does not start with the schedule", line)
			}
		})
	}
}

func TestCronScriptRunsTheBackupWithTheExactPath(t *testing.T) {
	j := job(t, "daily")
	fake := filepath.Join(t.TempDir(), "stackgen")
	args := filepath.Join(t.TempDir(), "args")
	os.WriteFile(fake, []byte("#!/bin/sh\nprintf '%s\\n' \"$@\" > "+ShellQuoteForTest(args)+"\necho ran\n"), 0o755)
	j.Stackgen = fake
	script := filepath.Join(t.TempDir(), "run.sh")
	sh, err := j.CronScript()
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(script, []byte(sh), 0o755)
	if out, err := exec.Command("sh", script).CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	got, _ := os.ReadFile(args)
	want := strings.Join(append([]string{"backup", j.Dir}, j.Args...), "\n") + "\n"
	if string(got) != want {
		t.Errorf("the backup got\n%q\nwant\n%q", got, want)
	}
	log, _ := os.ReadFile(j.Log)
	if !strings.Contains(string(log), "ran") || !strings.Contains(string(log), "== exit 0") {
		t.Errorf("log:\n%s", log)
	}
}

func TestTaskScriptIsValidPowerShell(t *testing.T) {
	j := job(t, "hourly")
	// A Windows path: quotes typographic and plain, spaces, Chinese, %.
	j.Dir = `C:\Users\李雷\我的 网站 ’q’ 'a' 100%`
	j.Args = []string{"-o", `D:\备份`, "--keep", "7"}
	ps, err := j.TaskScript()
	if err != nil {
		t.Fatal(err)
	}
	if problems := toolcheck.StructuralPowerShell([]byte(ps)); len(problems) > 0 {
		t.Errorf("schedule-backup.ps1: %v\n%s", problems, ps)
	}
	if !strings.Contains(ps, "Register-ScheduledTask") || !strings.Contains(ps, "-RepetitionInterval") {
		t.Errorf("no hourly task registration:\n%s", ps)
	}
	j.L = msg.New(msg.Zh)
	ps, err = j.TaskScript()
	if err != nil {
		t.Fatal(err)
	}
	if problems := toolcheck.StructuralPowerShell([]byte(ps)); len(problems) > 0 || !strings.HasPrefix(ps, "\ufeff") || !strings.Contains(ps, "已注册定时任务") {
		t.Errorf("schedule-backup.ps1 in Chinese (BOM, message): %v\n%s", problems, ps)
	}
	j = job(t, "30 2 * * *")
	if _, err := j.TaskScript(); err == nil || !strings.Contains(err.Error(), "daily or hourly") {
		t.Errorf("a cron schedule for Windows: %v", err)
	}
}

func TestSettingsRoundTripAndRefuseNonsense(t *testing.T) {
	dir := t.TempDir()
	if s, err := LoadSettings(dir); err != nil || s != (Settings{}) {
		t.Fatalf("no file: %+v %v", s, err)
	}
	want := Settings{EncryptTo: "age1xyz", Output: "/srv/b", Keep: 7, Schedule: "daily", CopyTo: "/mnt/nas"}
	if err := SaveSettings(dir, want); err != nil {
		t.Fatal(err)
	}
	if got, err := LoadSettings(dir); err != nil || got != want {
		t.Fatalf("round trip: %+v %v", got, err)
	}
	for _, bad := range []string{"keep: -1\n", "schedule: weekly\n", "encrypt_too: x\n", "keep: [1\n"} {
		os.WriteFile(filepath.Join(dir, SettingsName), []byte(bad), 0o600)
		if _, err := LoadSettings(dir); err == nil || !strings.Contains(err.Error(), SettingsName) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func TestCopyToVerifiesTheCopy(t *testing.T) {
	dir, _ := createWithProject(t, projectFixture(t), nil)
	dest := filepath.Join(t.TempDir(), "nas share")
	got, err := CopyTo(dir, dest)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(got); err != nil {
		t.Fatalf("the copy does not verify: %v", err)
	}
	if _, err := CopyTo(dir, dest); err == nil || !strings.Contains(err.Error(), "exists already") {
		t.Errorf("a second copy over the first: %v", err)
	}
	// A damaged source is never copied.
	b := mustRead(t, filepath.Join(dir, "db.sql.gz"))
	b[len(b)/2] ^= 1
	os.WriteFile(filepath.Join(dir, "db.sql.gz"), b, 0o600)
	other := filepath.Join(t.TempDir(), "other")
	if _, err := CopyTo(dir, other); err == nil {
		t.Error("a damaged backup was copied")
	}
	if des, _ := os.ReadDir(other); len(des) != 0 {
		t.Errorf("a refused copy left %d entries", len(des))
	}
}

// ShellQuoteForTest quotes a path for the fake program's script.
func ShellQuoteForTest(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
