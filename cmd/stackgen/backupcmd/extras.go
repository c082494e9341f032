package backupcmd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/stackgen/stackgen/backup"
	"github.com/stackgen/stackgen/internal/atomicfile"
	"github.com/stackgen/stackgen/internal/msg"
	"github.com/stackgen/stackgen/internal/units"
)

// applySettings fills what the user did not give from the project's saved
// backup settings.
func (o *Options) applySettings(s backup.Settings) {
	if !o.flags["encrypt-to"] && !o.flags["passphrase-file"] && s.EncryptTo != "" {
		o.EncryptTo = s.EncryptTo
	}
	if !o.flags["output"] && s.Output != "" {
		o.Out = s.Output
	}
	if !o.flags["keep"] && s.Keep > 0 {
		o.Keep = s.Keep
	}
	if !o.flags["copy-to"] && s.CopyTo != "" {
		o.CopyTo = s.CopyTo
	}
	if !o.flags["live"] && s.Live {
		o.Live = true
	}
}

// save records the options given as the project's defaults.
func (o *Options) save(dir string, s backup.Settings) error {
	if o.flags["encrypt-to"] {
		if _, err := backup.ParseRecipients(o.EncryptTo); err != nil {
			return err
		}
		s.EncryptTo = o.EncryptTo
	}
	if o.flags["output"] {
		s.Output = o.Out
	}
	if o.flags["keep"] {
		s.Keep = o.Keep
	}
	if o.flags["copy-to"] {
		s.CopyTo = o.CopyTo
	}
	if o.flags["live"] {
		s.Live = o.Live
	}
	if o.Schedule != "" {
		s.Schedule = o.Schedule
	}
	if err := backup.SaveSettings(dir, s); err != nil {
		return err
	}
	fmt.Fprintln(o.IO.ErrOut, o.IO.L.T("backup.saved", msg.Args{"File": filepath.Join(dir, backup.SettingsName)}))
	return nil
}

// recipients are who the secrets are encrypted to, or nil (left out).
func (o *Options) recipients() (*backup.Recipients, error) {
	switch {
	case o.EncryptTo != "":
		r, err := backup.ParseRecipients(o.EncryptTo)
		return &r, err
	case o.PassphraseFile != "":
		b, err := os.ReadFile(o.PassphraseFile)
		if err != nil {
			return nil, msg.Err("cmd.err.flag", msg.Args{"Flag": "passphrase-file", "Err": err})
		}
		r, err := backup.PassphraseRecipient(strings.TrimRight(string(b), "\r\n"))
		return &r, err
	case os.Getenv("STACKGEN_BACKUP_PASSPHRASE") != "":
		r, err := backup.PassphraseRecipient(os.Getenv("STACKGEN_BACKUP_PASSPHRASE"))
		return &r, err
	}
	return nil, nil
}

func (o *Options) outDir(projectDir string) string {
	switch {
	case o.Out == "":
		return filepath.Join(projectDir, "backups")
	case filepath.IsAbs(o.Out):
		return o.Out
	}
	if o.flags["output"] {
		abs, err := filepath.Abs(o.Out)
		if err == nil {
			return abs
		}
	}
	// A saved relative output is relative to the project.
	return filepath.Join(projectDir, o.Out)
}

// skipPaths are the project paths a backup does not archive: the backups
// folder(s) inside the project.
func skipPaths(projectDir, out string) []string {
	skip := []string{"backups"}
	if rel, err := filepath.Rel(projectDir, out); err == nil && rel != "." && !strings.HasPrefix(rel, "..") {
		skip = append(skip, filepath.ToSlash(rel))
	}
	return skip
}

// list prints the project's backups, newest first.
func list(o *Options, proj *backup.Source) error {
	out := o.outDir(proj.Dir)
	entries, err := backup.List(out)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			fmt.Fprintln(o.IO.ErrOut, o.IO.L.T("backup.list.none", msg.Args{"Dir": out, "Project": proj.Dir}))
			return nil
		}
		return err
	}
	now := time.Now()
	if o.Now != nil {
		now = o.Now()
	}
	tw := tabwriter.NewWriter(o.IO.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, o.IO.L.T("backup.list.header"))
	n := 0
	for i := len(entries) - 1; i >= 0; i-- {
		e := entries[i]
		m, err := backup.LoadManifest(e.Dir)
		if err != nil || m.Stack != proj.Stack {
			continue
		}
		var size int64
		for _, f := range m.Files {
			size += f.Size
		}
		secrets := "not included"
		if m.Secrets != nil {
			secrets = "encrypted (" + m.Secrets.To + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", e.Dir, ageOf(now.Sub(m.Created)), units.Bytes(size), len(m.Files), secrets)
		n++
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if n == 0 {
		fmt.Fprintln(o.IO.ErrOut, o.IO.L.T("backup.list.none-here", msg.Args{"Dir": out}))
	}
	return nil
}

func ageOf(d time.Duration) string {
	switch {
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%.0fh", d.Hours())
	}
	return fmt.Sprintf("%.0fd", d.Hours()/24)
}

// Installer puts schedule files where the host's scheduler reads them.
type Installer interface {
	// Install installs the job; files are the ones written into the
	// project (name → path). It says what it did in one line.
	Install(ctx context.Context, job backup.ScheduleJob, files map[string]string) (string, error)
}

// schedule writes the schedule files into the project and installs them.
func schedule(ctx context.Context, o *Options, proj *backup.Source) error {
	s, err := backup.ParseSchedule(o.Schedule)
	if err != nil {
		return err
	}
	bin := o.Stackgen
	if bin == "" {
		if bin, err = os.Executable(); err != nil {
			return msg.Err("backup.err.executable", msg.Args{"Err": err})
		}
	}
	out := o.outDir(proj.Dir)
	job := backup.ScheduleJob{Schedule: s, Project: filepath.Base(proj.Dir), Stackgen: bin, Dir: proj.Dir,
		Args: []string{"-o", out}, Log: filepath.Join(out, "backup.log"), L: msg.New(proj.Lang)}
	if o.Keep > 0 {
		job.Args = append(job.Args, "--keep", fmt.Sprint(o.Keep))
	}
	dir := filepath.Join(proj.Dir, "scripts", "schedule")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	svc, timer, err := job.SystemdUnits()
	if err != nil {
		return msg.Err("backup.err.unit-path", msg.Args{"Err": err})
	}
	cron, err := job.CronScript()
	if err != nil {
		return err
	}
	files := map[string]string{
		job.Unit() + ".service": svc,
		job.Unit() + ".timer":   timer,
		"run-backup.sh":         cron,
	}
	if ps, err := job.TaskScript(); err == nil {
		files["schedule-backup.ps1"] = ps
	}
	paths := map[string]string{}
	for name, body := range files {
		mode := os.FileMode(0o644)
		if strings.HasSuffix(name, ".sh") {
			mode = 0o755
		}
		p := filepath.Join(dir, name)
		if err := atomicfile.Write(p, []byte(body), mode); err != nil {
			return err
		}
		paths[name] = p
	}
	line, err := job.CronLine(paths["run-backup.sh"])
	if err != nil {
		return err
	}
	cronPath := filepath.Join(dir, job.Unit()+".cron")
	if err := atomicfile.Write(cronPath, []byte(line), 0o644); err != nil {
		return err
	}
	paths["cron"] = cronPath
	fmt.Fprintln(o.IO.ErrOut, o.IO.L.T("backup.schedule.wrote", msg.Args{"Schedule": o.Schedule, "Dir": dir}))
	if o.NoInstall {
		fmt.Fprintln(o.IO.ErrOut, o.IO.L.T("backup.schedule.not-installed", msg.Args{"Unit": job.Unit(), "Cron": cronPath}))
		return nil
	}
	inst := o.Installer
	if inst == nil {
		inst = hostInstaller{l: o.IO.L}
	}
	said, err := inst.Install(ctx, job, paths)
	if err != nil {
		return msg.Err("backup.err.install", msg.Args{"Dir": dir, "Err": err})
	}
	fmt.Fprintln(o.IO.ErrOut, said)
	return nil
}

// hostInstaller installs with systemd when it runs the host, else cron;
// l says what it did.
type hostInstaller struct{ l *msg.Localizer }

func (h hostInstaller) Install(ctx context.Context, job backup.ScheduleJob, files map[string]string) (string, error) {
	if st, err := os.Stat("/run/systemd/system"); err == nil && st.IsDir() {
		unitDir := "/etc/systemd/system"
		user := os.Geteuid() != 0
		if user {
			home, err := os.UserHomeDir()
			if err != nil {
				return "", err
			}
			unitDir = filepath.Join(home, ".config", "systemd", "user")
		}
		if err := os.MkdirAll(unitDir, 0o755); err != nil {
			return "", err
		}
		for _, ext := range []string{".service", ".timer"} {
			b, err := os.ReadFile(files[job.Unit()+ext])
			if err != nil {
				return "", err
			}
			if err := atomicfile.Write(filepath.Join(unitDir, job.Unit()+ext), b, 0o644); err != nil {
				return "", err
			}
		}
		args := []string{"daemon-reload"}
		enable := []string{"enable", "--now", job.Unit() + ".timer"}
		if user {
			args = append([]string{"--user"}, args...)
			enable = append([]string{"--user"}, enable...)
		}
		for _, a := range [][]string{args, enable} {
			if out, err := exec.CommandContext(ctx, "systemctl", a...).CombinedOutput(); err != nil {
				return "", msg.Err("backup.err.systemctl", msg.Args{"Args": strings.Join(a, " "), "Err": err, "Output": strings.TrimSpace(string(out))})
			}
		}
		return h.l.T("backup.schedule.installed-systemd", msg.Args{"Unit": job.Unit(), "Dir": unitDir}), nil
	}
	if _, err := exec.LookPath("crontab"); err == nil {
		cur, _ := exec.CommandContext(ctx, "crontab", "-l").Output()
		var keep []string
		for _, l := range strings.Split(string(cur), "\n") {
			if l != "" && !strings.HasSuffix(l, "# "+job.Unit()) {
				keep = append(keep, l)
			}
		}
		line, err := os.ReadFile(files["cron"])
		if err != nil {
			return "", err
		}
		keep = append(keep, strings.TrimRight(string(line), "\n"))
		cmd := exec.CommandContext(ctx, "crontab", "-")
		cmd.Stdin = strings.NewReader(strings.Join(keep, "\n") + "\n")
		if out, err := cmd.CombinedOutput(); err != nil {
			return "", msg.Err("backup.err.crontab", msg.Args{"Err": err, "Output": strings.TrimSpace(string(out))})
		}
		return h.l.T("backup.schedule.installed-cron", msg.Args{"Log": job.Log}), nil
	}
	return "", msg.Err("backup.err.no-scheduler")
}
