package doctorcmd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stackgen/stackgen/backup"
)

func writeBackup(t *testing.T, out string, created time.Time) {
	t.Helper()
	dir := filepath.Join(out, backup.FolderName(created))
	os.MkdirAll(dir, 0o700)
	m := &backup.Manifest{Format: backup.Format, Stack: "django-uwsgi", Project: "p", Created: created,
		Files: []backup.File{{Name: "db.sql.gz", Service: "db", Kind: "mariadb", SHA256: strings.Repeat("a", 64)}}}
	b, _ := m.Marshal()
	os.WriteFile(filepath.Join(dir, backup.ManifestName), b, 0o600)
}

func TestBackupCheckWarnsWhenTheScheduleFallsBehind(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	dir := t.TempDir()
	if _, ok := backupCheck(dir, now); ok {
		t.Error("a project without a schedule got a backup check")
	}
	backup.SaveSettings(dir, backup.Settings{Schedule: "daily"})
	if c, _ := backupCheck(dir, now); c.Status != Warn || !strings.Contains(c.Detail, "no backup") {
		t.Errorf("no backups yet: %+v", c)
	}
	writeBackup(t, filepath.Join(dir, "backups"), now.Add(-72*time.Hour))
	if c, _ := backupCheck(dir, now); c.Status != Warn || !strings.Contains(c.Detail, "72h0m0s old") || !strings.Contains(c.Fix, "journalctl -u stackgen-backup-") {
		t.Errorf("three days behind a daily schedule: %+v", c)
	}
	writeBackup(t, filepath.Join(dir, "backups"), now.Add(-20*time.Hour))
	if c, _ := backupCheck(dir, now); c.Status != Pass {
		t.Errorf("a backup of 20 hours ago on a daily schedule: %+v", c)
	}
}
