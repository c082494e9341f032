package currency

import (
	"github.com/stackgen/stackgen/internal/msg"
	"strings"
	"testing"
	"time"

	"github.com/stackgen/stackgen/internal/imagerole"
)

func TestLookup(t *testing.T) {
	digest := "@sha256:" + strings.Repeat("0123456789abcdef", 4)
	cases := []struct {
		ref    string
		status Status // "" for no row
		line   string
	}{
		{"mysql:8.0", EOL, "8.0"},
		{"mysql:8.0.39", EOL, "8.0"},
		{"mysql:8.0-debian", EOL, "8.0"},
		{"mysql:8.0.39-oraclelinux9" + digest, EOL, "8.0"},
		{"corp.example:5000/mirror/mysql:8.0", EOL, "8.0"},
		{"corp.example/db:mysql-8.0", EOL, "8.0"},
		{"mysql:8.4", Supported, "8.4"},
		{"mysql:9.7.1", Supported, "9.7"},
		{"mysql:8", "", ""},        // floats across lines
		{"mysql" + digest, "", ""}, // a digest says no version
		{"mysql:latest", "", ""},
		{"mariadb:10.6", EOL, "10.6"},
		{"mariadb:10.6.21-jammy", EOL, "10.6"},
		{"mariadb:10.11", Supported, "10.11"}, // not 10.1
		{"mariadb:12.3", Supported, "12.3"},
		{"redis:7.4", LicenceChanged, "7.4"},
		{"redis:7.4.5-alpine", LicenceChanged, "7.4"},
		{"redis:8.6", Supported, "8"},
		{"redis:7.2", Supported, "7.2"},
		{"valkey/valkey:9.0", Supported, "9"},
		{"nginx:1.28", EOL, "1.28"},
		{"nginx:1.30", Supported, "1.30"},  // floats to the fixed patch
		{"nginx:1.30.0", KnownCVE, "1.30"}, // exactly the vulnerable one
		{"nginx:1.30.0-alpine", KnownCVE, "1.30"},
		{"nginx:1.30.1", Supported, "1.30"},
		{"postgres:14", EOL, "14"},
		{"postgres:18.1-alpine", Supported, "18"},
		{"python:3.13-slim", SecurityOnly, "3.13"},
		{"python:3.10-slim-bookworm", EOL, "3.10"},
		{"python:3.1", "", ""}, // not 3.10 or 3.14
		{"minio/minio:RELEASE.2025-07-23T15-54-02Z-cpuv1", KnownCVE, "RELEASE"},
		{"quay.example/minio/minio:RELEASE.2025-07-23T15-54-02Z", KnownCVE, "RELEASE"},
		{"minio/minio:RELEASE.2025-10-15T17-29-55Z", "", ""},
		{"percona:8.0", "", ""}, // its own releases
		{"corp.example/platform/thing:8.0", "", ""},
	}
	for _, c := range cases {
		r, ok := Lookup(c.ref)
		if c.status == "" {
			if ok {
				t.Errorf("Lookup(%q) = %s %s %s, want no row", c.ref, r.Family, r.Line, r.Status)
			}
			continue
		}
		if !ok || r.Status != c.status || r.Line != c.line {
			t.Errorf("Lookup(%q) = %q %q (%v), want line %q %s", c.ref, r.Line, r.Status, ok, c.line, c.status)
		}
	}
}

func TestWarningHasDateSourceAndAdvice(t *testing.T) {
	w, ok := Warning("image.db", "mysql:8.0")
	if !ok {
		t.Fatal("mysql:8.0 not flagged")
	}
	r, _ := Check("mysql:8.0")
	for _, c := range []struct {
		lang msg.Lang
		want []string
	}{
		{msg.En, []string{"image.db=mysql:8.0", "mysql 8.0", "end of life", "8.0.46 was the last release", "pick mysql:9.7 (or mysql:8.4) instead", r.Date, r.Source}},
		{msg.Zh, []string{"image.db=mysql:8.0", "已停止维护", "8.0.46 是最后一个版本", "请改用 mysql:9.7（或 mysql:8.4）", r.Date, r.Source}},
	} {
		got := msg.New(c.lang).T(w.ID, w.Args)
		for _, want := range c.want {
			if !strings.Contains(got, want) {
				t.Errorf("%s: warning %q lacks %q", c.lang, got, want)
			}
		}
	}
}

// TestTableIsWellFormed: every row names a known family, a date, a
// project source (no registry host), and flagged rows say what to pick.
func TestTableIsWellFormed(t *testing.T) {
	if _, err := time.Parse("2006-01-02", Written); err != nil {
		t.Fatalf("Written %q: %v", Written, err)
	}
	for _, r := range rows {
		if _, ok := imagerole.Lookup(r.Family); !ok {
			t.Errorf("%s %s: no such imagerole family", r.Family, r.Line)
		}
		if d, err := time.Parse("2006-01-02", r.Date); err != nil || d.After(time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("%s %s: date %q is not a past YYYY-MM-DD", r.Family, r.Line, r.Date)
		}
		if !strings.HasPrefix(r.Source, "https://") {
			t.Errorf("%s %s: source %q is not a page", r.Family, r.Line, r.Source)
		}
		if r.Warns() && r.Instead == "" {
			t.Errorf("%s %s: a flagged row must say what to pick instead", r.Family, r.Line)
		}
		for _, id := range []string{r.Note, r.Instead} {
			for _, l := range msg.Langs() {
				if id != "" && msg.New(l).T(id) == id {
					t.Errorf("%s %s: %q is not in locales/%s/currency.yaml", r.Family, r.Line, id, l)
				}
			}
		}
	}
}

func TestStale(t *testing.T) {
	written, _ := time.Parse("2006-01-02", Written)
	for _, c := range []struct {
		now   time.Time
		stale bool
	}{
		{written, false},
		{written.AddDate(0, 5, 30), false},
		{written.AddDate(0, 6, 1), true},
	} {
		if got := Stale(c.now); got != c.stale {
			t.Errorf("Stale(%s) = %v, want %v", c.now.Format("2006-01-02"), got, c.stale)
		}
	}
	if got := Age(written.Add(48 * time.Hour)); got != 48*time.Hour {
		t.Errorf("Age = %s", got)
	}
}

func TestWarning(t *testing.T) {
	sub, ok := Warning("image.db", "corp.example/mirror/mysql:8.0")
	w := msg.English().T(sub.ID, sub.Args)
	if !ok || strings.Contains(w, "\n") {
		t.Fatalf("Warning = %q, %v; want one line", w, ok)
	}
	for _, want := range []string{"image.db=corp.example/mirror/mysql:8.0", "2026-04-21", "pick mysql:9.7 (or mysql:8.4) instead", "source: https://"} {
		if !strings.Contains(w, want) {
			t.Errorf("warning %q lacks %q", w, want)
		}
	}
	if w, ok := Warning("image.db", "mysql:9.7"); ok {
		t.Errorf("a supported pin warns: %q", w)
	}
}
