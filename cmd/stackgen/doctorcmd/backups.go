package doctorcmd

import (
	"path/filepath"
	"time"

	"github.com/stackgen/stackgen/backup"
	"github.com/stackgen/stackgen/internal/msg"
)

// Warn is a check that does not fail doctor but says what needs doing.
const Warn Status = "warn"

// backupCheck warns when a project with a backup schedule has no backup
// as recent as the schedule promises (twice its interval, plus an hour
// for a timer's delay): the schedule stopped running, or its runs fail.
func backupCheck(dir string, now time.Time) (Check, bool) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return Check{}, false
	}
	set, err := backup.LoadSettings(abs)
	if err != nil {
		return say("backups", Warn, "doctor.raw", msg.Args{"Text": err}), true
	}
	if set.Schedule == "" {
		return Check{}, false
	}
	s, err := backup.ParseSchedule(set.Schedule)
	if err != nil {
		return say("backups", Warn, "doctor.raw", msg.Args{"Text": err}), true
	}
	out := set.Output
	switch {
	case out == "":
		out = filepath.Join(abs, "backups")
	case !filepath.IsAbs(out):
		out = filepath.Join(abs, out)
	}
	var newest time.Time
	if entries, err := backup.List(out); err == nil {
		for _, e := range entries {
			if e.Created.After(newest) {
				newest = e.Created
			}
		}
	}
	fix := msg.Args{"Unit": backup.ScheduleJob{Project: filepath.Base(abs)}.Unit(), "Log": filepath.Join(out, "backup.log"), "Dir": dir}
	if newest.IsZero() {
		return say("backups", Warn, "doctor.backups.none", msg.Args{"Schedule": set.Schedule, "Out": out}).fix("doctor.backups.fix", fix), true
	}
	age := now.Sub(newest)
	if age > 2*s.Every+time.Hour {
		return say("backups", Warn, "doctor.backups.stale", msg.Args{"Schedule": set.Schedule, "Age": age.Round(time.Minute).String(), "Newest": newest.Local().Format("2006-01-02 15:04")}).fix("doctor.backups.fix", fix), true
	}
	return say("backups", Pass, "doctor.backups.ok", msg.Args{"Schedule": set.Schedule, "Age": age.Round(time.Minute).String()}), true
}
