package stack

import (
	"strings"
	"testing"
)

func TestTimeZoneIsInTheTZDatabase(t *testing.T) {
	cases := []struct {
		zone string
		ok   bool
	}{
		{"UTC", true}, {"Asia/Shanghai", true}, {"America/Argentina/Buenos_Aires", true},
		{"Etc/GMT+5", true}, {"Europe/Berlin", true},
		{"Mars/Olympus", false}, {"Local", false}, {"", false}, {"utc", false},
		{"Europe/Berlin/", false}, {"../../etc/passwd", false}, {"/usr/share/zoneinfo/UTC", false},
		{strings.Repeat("A", 10000), false},
	}
	for _, c := range cases {
		err := TimeZone(c.zone)
		if (err == nil) != c.ok {
			t.Errorf("TimeZone(%.20q) = %v, want ok=%v", c.zone, err, c.ok)
		}
		if err != nil && (strings.Contains(err.Error(), "\n") || len(err.Error()) > 300) {
			t.Errorf("TimeZone(%.20q): the error is not one short line: %d bytes", c.zone, len(err.Error()))
		}
	}
}

func TestIntAnswersAreNormalised(t *testing.T) {
	q := Question{Key: "http_port", Kind: Int, Check: Port}
	cases := []struct{ in, want string }{
		{"80", "80"}, {"+80", "80"}, {"0080", "80"}, {" 8080 ", "8080"}, {"+0443", "443"},
	}
	for _, c := range cases {
		got, err := q.Normalize(c.in, nil)
		if err != nil || got != c.want {
			t.Errorf("Normalize(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"-80", "0", "65536", "8o", "0x50", "1e3", "99999999999999999999"} {
		if got, err := q.Normalize(bad, nil); err == nil {
			t.Errorf("Normalize(%q) = %q accepted", bad, got)
		}
	}
}

func TestHostNameLengthLimits(t *testing.T) {
	label := func(n int) string { return strings.Repeat("a", n) }
	// 4 labels of 62 and 1 of 1, dots included: 253 characters.
	max := strings.Join([]string{label(62), label(62), label(62), label(62), "b"}, ".")
	cases := []struct {
		host string
		ok   bool
	}{
		{label(63) + ".com", true},
		{label(64) + ".com", false},
		{max, true},
		{max + "b", false},
		{max + ".", true}, // the root dot does not count
		{"a..b", false},
	}
	for _, c := range cases {
		if err := HostName(c.host); (err == nil) != c.ok {
			t.Errorf("HostName(%d chars %.12q...) = %v, want ok=%v", len(c.host), c.host, err, c.ok)
		}
	}
}
