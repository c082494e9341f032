// Package currency is stackgen's dated image-currency table: for each
// image family it knows (by imagerole's detection, so a mirror's
// corp.example/mirror/mysql:8.0 is mysql), which release lines are
// supported, security-only, past end of life, carry a known CVE or
// changed their licence, with the day and the project page each fact
// comes from. validate warns on a pin the table flags, `new --set`
// warns before writing one, doctor says how old the table is, and a
// test keeps the stacks' defaults on supported lines.
package currency

import (
	"strconv"
	"strings"
	"time"

	"github.com/stackgen/stackgen/internal/imagerole"
	"github.com/stackgen/stackgen/internal/msg"
)

// Status is what a release line's maintainers say about it.
type Status string

const (
	Supported      Status = "supported"
	SecurityOnly   Status = "security-only"
	EOL            Status = "end-of-life"
	KnownCVE       Status = "known-cve"
	LicenceChanged Status = "licence-changed"
)

// Row is one fact of the table.
type Row struct {
	Family string // imagerole family name
	// Line is the release line a tag must start with, component by
	// component ("8.0" matches 8.0, 8.0.39, 8.0-debian; not 8.4 or 8).
	// For MinIO it is "RELEASE" and tags are dated.
	Line string
	// Below, when set, narrows the row to pins older than this version
	// of the line (a fixed patch, a fixed MinIO release). A tag that
	// does not name a full patch floats to the newest and is not older.
	Below   string
	Status  Status
	Date    string // YYYY-MM-DD: when the status began
	Source  string // the project's own page
	Note    string // message ID of a remark on the line, or ""
	Instead string // message ID of what to pin instead, for warnings
}

// Warns reports whether a pin on this row deserves a warning: supported
// and security-only lines are fine.
func (r Row) Warns() bool {
	return r.Status == EOL || r.Status == KnownCVE || r.Status == LicenceChanged
}

// Warning is the line `new` prints when an answer pins a flagged image:
// what the pin is, since when, what to pick instead, the source, as a
// catalogue message to say in the reader's language.
func Warning(answer, ref string) (msg.Sub, bool) {
	r, ok := Check(ref)
	if !ok {
		return msg.Sub{}, false
	}
	var note any = ""
	if r.Note != "" {
		note = msg.Sub{ID: "currency.warning-note", Args: msg.Args{"Note": msg.Sub{ID: r.Note}}}
	}
	return msg.Sub{ID: "currency.warning", Args: msg.Args{
		"Answer": answer, "Ref": ref, "Family": r.Family, "Line": r.Line, "Date": r.Date,
		"Status": msg.Sub{ID: "currency.status." + string(r.Status)}, "Note": note,
		"Instead": msg.Sub{ID: r.Instead}, "Source": r.Source,
	}}, true
}

// Rows returns the table, for documentation and tests.
func Rows() []Row { return append([]Row(nil), rows...) }

// Lookup finds the row an image reference falls on: its family by name
// (registry hosts and mirror paths ignored), its version from the tag
// (a digest alone says no version). ok is false for families or lines
// the table does not know.
func Lookup(ref string) (Row, bool) {
	f, where, ok := imagerole.FromRef(ref)
	if !ok {
		return Row{}, false
	}
	tag := tagOf(ref)
	if where == "tag" {
		// db:mariadb-11.8: the version follows the family's word
		i := strings.Index(strings.ToLower(tag), f.Name)
		tag = strings.TrimLeft(tag[i+len(f.Name):], "-_.")
	}
	family := f.Name
	if f.StandsIn != "" && family != "valkey" {
		// percona, postgis, ... follow their own releases: unknown here
		return Row{}, false
	}
	for _, pass := range []bool{true, false} {
		for _, r := range rows {
			if r.Family != family || (r.Below != "") != pass {
				continue
			}
			if r.matches(tag) {
				return r, true
			}
		}
	}
	return Row{}, false
}

// Check returns the row of a pin that deserves a warning.
func Check(ref string) (Row, bool) {
	r, ok := Lookup(ref)
	if !ok || !r.Warns() {
		return Row{}, false
	}
	return r, true
}

// Age is how old the table is at now.
func Age(now time.Time) time.Duration {
	t, err := time.Parse("2006-01-02", Written)
	if err != nil {
		panic("currency.Written is not a date: " + Written) // caught by the package test
	}
	return now.Sub(t)
}

// Stale reports whether the table is older than six months at now: its
// "supported" may have become "end of life" since.
func Stale(now time.Time) bool {
	t, _ := time.Parse("2006-01-02", Written)
	return now.After(t.AddDate(0, 6, 0))
}

func tagOf(ref string) string {
	ref = strings.TrimSpace(ref)
	if i := strings.Index(ref, "@"); i >= 0 {
		ref = ref[:i]
	}
	slash := strings.LastIndex(ref, "/")
	if c := strings.LastIndex(ref, ":"); c > slash {
		return ref[c+1:]
	}
	return ""
}

func (r Row) matches(tag string) bool {
	if r.Line == "RELEASE" {
		rel, ok := minioRelease(tag)
		return ok && (r.Below == "" || rel < r.Below)
	}
	v, exact := version(tag)
	line, _ := version(r.Line)
	if len(v) < len(line) {
		return false // mysql:8 floats across lines; no claim
	}
	for i := range line {
		if v[i] != line[i] {
			return false
		}
	}
	if r.Below == "" {
		return true
	}
	below, _ := version(r.Below)
	if !exact || len(v) < len(below) {
		return false // 1.30 floats to the newest patch
	}
	return less(v, below)
}

// version reads the leading dotted numbers of a tag (8.0.39-oraclelinux9
// is 8.0.39, v1.30 is 1.30); exact says every part of the version was
// numeric up to the variant suffix.
func version(tag string) ([]int, bool) {
	tag = strings.TrimPrefix(strings.ToLower(tag), "v")
	if i := strings.IndexAny(tag, "-_"); i >= 0 {
		tag = tag[:i]
	}
	var out []int
	for _, p := range strings.Split(tag, ".") {
		n, err := strconv.Atoi(p)
		if err != nil {
			return out, false
		}
		out = append(out, n)
	}
	return out, true
}

func less(a, b []int) bool {
	for i := range b {
		if i >= len(a) {
			return true
		}
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return false
}

// minioRelease reads RELEASE.2025-07-23T15-54-02Z[-cpuv1].
func minioRelease(tag string) (string, bool) {
	const p = "RELEASE."
	if !strings.HasPrefix(tag, p) || len(tag) < len(p)+20 {
		return "", false
	}
	return tag[len(p) : len(p)+20], true
}
