package backup

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/stackgen/stackgen/internal/msg"
	"github.com/stackgen/stackgen/render"
)

// Schedule is when backups run: daily, hourly, or a five-field cron
// expression.
type Schedule struct {
	// Spec is what the user gave ("daily", "hourly", "30 2 * * 1-5").
	Spec string
	// Cron is the five cron fields.
	Cron [5]string
	// Calendar is the same time as a systemd OnCalendar= value.
	Calendar string
	// Every is the longest gap between two runs, for doctor's warning
	// that the newest backup is older than the schedule says.
	Every time.Duration
}

// ParseSchedule reads daily, hourly or a cron expression (minute hour
// day-of-month month day-of-week; numbers, *, lists, ranges and */steps).
func ParseSchedule(spec string) (Schedule, error) {
	spec = strings.TrimSpace(spec)
	switch spec {
	case "daily":
		// 03:17: away from the hour, when most jobs (and Docker's own
		// cleanups) run.
		return Schedule{Spec: spec, Cron: [5]string{"17", "3", "*", "*", "*"}, Calendar: "*-*-* 03:17:00", Every: 24 * time.Hour}, nil
	case "hourly":
		return Schedule{Spec: spec, Cron: [5]string{"17", "*", "*", "*", "*"}, Calendar: "*-*-* *:17:00", Every: time.Hour}, nil
	}
	f := strings.Fields(spec)
	if len(f) != 5 {
		return Schedule{}, msg.Err("backup.err.schedule-fields", msg.Args{"Spec": strconv.Quote(spec)})
	}
	limits := [5][2]int{{0, 59}, {0, 23}, {1, 31}, {1, 12}, {0, 7}}
	// the fields' names, said in the language of the message around them
	names := [5]string{"minute", "hour", "day-of-month", "month", "day-of-week"}
	var conv [5]string
	for i, field := range f {
		c, err := cronField(field, limits[i][0], limits[i][1], i == 4)
		if err != nil {
			return Schedule{}, msg.Err("backup.err.schedule-field", msg.Args{"Spec": strconv.Quote(spec), "Field": msg.Sub{ID: "backup.cron." + names[i]}, "Value": strconv.Quote(field), "Err": err})
		}
		conv[i] = c
	}
	if f[2] != "*" && f[4] != "*" {
		// cron runs when either matches, systemd when both do.
		return Schedule{}, msg.Err("backup.err.schedule-days", msg.Args{"Spec": strconv.Quote(spec)})
	}
	cal := fmt.Sprintf("*-%s-%s %s:%s:00", conv[3], conv[2], conv[1], conv[0])
	if f[4] != "*" {
		cal = conv[4] + " " + cal
	}
	every := 24 * time.Hour
	switch {
	case f[2] != "*" || f[3] != "*":
		every = 31 * 24 * time.Hour
	case f[4] != "*":
		every = 7 * 24 * time.Hour
	case f[1] == "*" || strings.Contains(f[1], "/") || strings.Contains(f[1], ","):
		every = time.Hour
		if f[1] != "*" {
			every = 24 * time.Hour
		}
	}
	return Schedule{Spec: spec, Cron: [5]string(f), Calendar: cal, Every: every}, nil
}

var weekdays = []string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}

// cronField checks one cron field and writes it in systemd's calendar
// syntax (lists stay lists, a-b becomes a..b, */n becomes 00/n).
func cronField(s string, lo, hi int, weekday bool) (string, error) {
	if s == "*" {
		return "*", nil
	}
	var parts []string
	for _, item := range strings.Split(s, ",") {
		rng, step, hasStep := strings.Cut(item, "/")
		if hasStep {
			n, err := strconv.Atoi(step)
			if err != nil || n < 1 {
				return "", msg.Err("backup.err.cron-step", msg.Args{"Step": strconv.Quote(step)})
			}
			if weekday {
				return "", msg.Err("backup.err.cron-weekday-step")
			}
		}
		num := func(x string) (int, error) {
			n, err := strconv.Atoi(x)
			if err != nil || n < lo || n > hi {
				return 0, msg.Err("backup.err.cron-number", msg.Args{"Value": strconv.Quote(x), "Lo": lo, "Hi": hi})
			}
			return n, nil
		}
		name := func(n int) string {
			if weekday {
				return weekdays[n]
			}
			return fmt.Sprintf("%02d", n)
		}
		var out string
		switch {
		case rng == "*":
			if !hasStep {
				return "", msg.Err("backup.err.cron-star-list", msg.Args{"Value": strconv.Quote(s)})
			}
			out = fmt.Sprintf("%02d/%s", lo, step)
		case strings.Contains(rng, "-"):
			a, b, _ := strings.Cut(rng, "-")
			x, err := num(a)
			if err != nil {
				return "", err
			}
			y, err := num(b)
			if err != nil {
				return "", err
			}
			if y < x {
				return "", msg.Err("backup.err.cron-backwards", msg.Args{"Value": strconv.Quote(rng)})
			}
			out = name(x) + ".." + name(y)
			if hasStep {
				out = fmt.Sprintf("%s/%s", name(x), step)
				if y != hi {
					return "", msg.Err("backup.err.cron-step-end", msg.Args{"Hi": hi})
				}
			}
		default:
			x, err := num(rng)
			if err != nil {
				return "", err
			}
			out = name(x)
			if hasStep {
				out += "/" + step
			}
		}
		parts = append(parts, out)
	}
	return strings.Join(parts, ","), nil
}

// ScheduleJob is one scheduled backup of one project.
type ScheduleJob struct {
	Schedule Schedule
	// Project names the units ("stackgen-backup-<project>").
	Project string
	// Stackgen is the absolute path of the stackgen binary to run; Dir the
	// project's absolute directory; Args the flags after "backup DIR".
	Stackgen string
	Dir      string
	Args     []string
	// Log is where the cron wrapper appends its output.
	Log string
	// L says the files' comments and messages: the project's language
	// (its lang answer); nil is English.
	L *msg.Localizer
}

// Unit is the base name of the systemd units and the Windows task.
func (j ScheduleJob) Unit() string {
	var b strings.Builder
	for _, r := range j.Project {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			b.WriteRune(r)
		} else if r >= 'A' && r <= 'Z' {
			b.WriteRune(r + 'a' - 'A')
		}
	}
	name := b.String()
	if name == "" {
		name = "project"
	}
	return "stackgen-backup-" + name
}

// SystemdUnits returns the .service and .timer files of the job.
func (j ScheduleJob) SystemdUnits() (service, timer string, err error) {
	words := append([]string{j.Stackgen, "backup", j.Dir}, j.Args...)
	var exec []string
	for _, w := range words {
		q, err := render.SystemdArg(w)
		if err != nil {
			return "", "", err
		}
		exec = append(exec, q)
	}
	wd, err := render.SystemdPath(j.Dir)
	if err != nil {
		return "", "", err
	}
	desc, err := render.SystemdPath(j.L.T("gen.schedule.description", msg.Args{"Project": j.Project}))
	if err != nil {
		return "", "", err
	}
	head, err := render.CommentMessage(j.L, "gen.schedule.service-header", 0, "Unit", j.Unit())
	if err != nil {
		return "", "", err
	}
	service = fmt.Sprintf(`%[1]s
[Unit]
Description=%[2]s
After=docker.service network-online.target
Wants=network-online.target

[Service]
Type=oneshot
WorkingDirectory=%[3]s
ExecStart=%[4]s
`, head, desc, wd, strings.Join(exec, " "))
	head, err = render.CommentMessage(j.L, "gen.schedule.timer-header", 0, "Spec", strings.ReplaceAll(j.Schedule.Spec, "%", "%%"))
	if err != nil {
		return "", "", err
	}
	tdesc, err := render.SystemdPath(j.L.T("gen.schedule.timer-description", msg.Args{"Description": j.L.T("gen.schedule.description", msg.Args{"Project": j.Project})}))
	if err != nil {
		return "", "", err
	}
	timer = fmt.Sprintf(`%[1]s
[Unit]
Description=%[2]s

[Timer]
OnCalendar=%[3]s
Persistent=true
RandomizedDelaySec=120

[Install]
WantedBy=timers.target
`, head, tdesc, j.Schedule.Calendar)
	return service, timer, nil
}

// CronScript is the wrapper the cron line runs: one backup, its output
// appended to the log with the time, a lock so runs never overlap.
func (j ScheduleJob) CronScript() (string, error) {
	words := append([]string{j.Stackgen, "backup", j.Dir}, j.Args...)
	var cmd []string
	for _, w := range words {
		cmd = append(cmd, render.ShellQuote(w))
	}
	head, err := render.CommentMessage(j.L, "gen.schedule.cron-header", 0)
	if err != nil {
		return "", err
	}
	busy, err := render.ShellMessage(j.L, "gen.schedule.cron-busy")
	if err != nil {
		return "", err
	}
	return fmt.Sprintf(`#!/bin/sh
%[3]s
set -u
log=%[1]s
mkdir -p "$(dirname "$log")"
{
  printf '== %%s stackgen backup\n' "$(date -u +%%Y-%%m-%%dT%%H:%%M:%%SZ)"
  if command -v flock >/dev/null 2>&1; then
    flock -n 9 || { echo %[4]s; exit 0; }
  fi
  %[2]s
  echo "== exit $?"
} 9>>"$log.lock" >>"$log" 2>&1
`, render.ShellQuote(j.Log), strings.Join(cmd, " "), head, busy), nil
}

// CronLine is the crontab entry that runs the wrapper script at path.
func (j ScheduleJob) CronLine(script string) (string, error) {
	q, err := render.CronCommand(script)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s /bin/sh %s # %s\n", strings.Join(j.Schedule.Cron[:], " "), q, j.Unit()), nil
}

// TaskScript is the PowerShell script that registers the job with the
// Windows Task Scheduler (daily or hourly only: the Task Scheduler has no
// cron expressions).
func (j ScheduleJob) TaskScript() (string, error) {
	var trigger string
	switch j.Schedule.Spec {
	case "daily":
		trigger = "New-ScheduledTaskTrigger -Daily -At 03:17"
	case "hourly":
		trigger = "New-ScheduledTaskTrigger -Once -At (Get-Date).Date.AddMinutes(17) -RepetitionInterval (New-TimeSpan -Hours 1)"
	default:
		return "", msg.Err("backup.err.task-schedule", msg.Args{"Spec": strconv.Quote(j.Schedule.Spec)})
	}
	args := append([]string{"backup", j.Dir}, j.Args...)
	var quoted []string
	for _, a := range args {
		// One argument string for the task: each word in double quotes,
		// as Windows' command-line parsing reads it.
		if strings.ContainsAny(a, "\"\r\n") {
			return "", msg.Err("backup.err.task-arg", msg.Args{"Arg": strconv.Quote(a)})
		}
		quoted = append(quoted, `"`+a+`"`)
	}
	head, err := render.CommentMessage(j.L, "gen.schedule.task-header", 0, "Spec", j.Schedule.Spec)
	if err != nil {
		return "", err
	}
	done, err := render.PowerShellMessage(j.L, "gen.schedule.task-done", "Task", "task", "Spec", render.Lit(j.Schedule.Spec))
	if err != nil {
		return "", err
	}
	script := fmt.Sprintf(`%[1]s
$ErrorActionPreference = 'Stop'
$action = New-ScheduledTaskAction -Execute %[2]s -Argument %[3]s -WorkingDirectory %[4]s
$trigger = %[5]s
$settings = New-ScheduledTaskSettingsSet -StartWhenAvailable -MultipleInstances IgnoreNew
$task = %[6]s
Register-ScheduledTask -TaskName $task -Action $action -Trigger $trigger -Settings $settings -Force | Out-Null
Write-Host %[7]s
`, head, render.PowerShellQuote(j.Stackgen), render.PowerShellQuote(strings.Join(quoted, " ")), render.PowerShellQuote(j.Dir), trigger, render.PowerShellQuote(j.Unit()), done)
	// Windows PowerShell 5.1 reads a script without a BOM in the ANSI code
	// page: a Chinese path would arrive mangled.
	for _, r := range script {
		if r > 0x7f {
			return "\ufeff" + script, nil
		}
	}
	return script, nil
}
