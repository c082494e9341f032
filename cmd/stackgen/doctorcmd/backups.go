package doctorcmd

import (
	"fmt"
	"path/filepath"
	"time"

	"github.com/stackgen/stackgen/backup"
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
		return Check{Name: "backups", Status: Warn, Detail: err.Error()}, true
	}
	if set.Schedule == "" {
		return Check{}, false
	}
	s, err := backup.ParseSchedule(set.Schedule)
	if err != nil {
		return Check{Name: "backups", Status: Warn, Detail: err.Error()}, true
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
	fix := fmt.Sprintf("see the scheduler's log (journalctl -u %s, or %s), then run 'stackgen backup %s' by hand", backup.ScheduleJob{Project: filepath.Base(abs)}.Unit(), filepath.Join(out, "backup.log"), dir)
	if newest.IsZero() {
		return Check{Name: "backups", Status: Warn, Detail: fmt.Sprintf("scheduled %s, but there is no backup in %s", set.Schedule, out), Fix: fix}, true
	}
	age := now.Sub(newest)
	if age > 2*s.Every+time.Hour {
		return Check{Name: "backups", Status: Warn, Detail: fmt.Sprintf("scheduled %s, but the newest backup is %s old (%s)", set.Schedule, age.Round(time.Minute), newest.Local().Format("2006-01-02 15:04")), Fix: fix}, true
	}
	return Check{Name: "backups", Status: Pass, Detail: fmt.Sprintf("scheduled %s; newest backup %s ago", set.Schedule, age.Round(time.Minute))}, true
}
