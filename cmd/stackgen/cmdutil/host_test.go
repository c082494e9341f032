package cmdutil

import (
	"errors"
	"testing"
)

func TestHostTimeZone(t *testing.T) {
	link := func(target string) func(string) (string, error) {
		return func(string) (string, error) {
			if target == "" {
				return "", errors.New("not a link")
			}
			return target, nil
		}
	}
	cases := []struct {
		tz, link, want string
	}{
		{"Asia/Shanghai", "/usr/share/zoneinfo/Etc/UTC", "Asia/Shanghai"},
		{":Asia/Shanghai", "", "Asia/Shanghai"},
		{"/usr/share/zoneinfo/Europe/Berlin", "", "Europe/Berlin"},
		{"", "/usr/share/zoneinfo/Asia/Shanghai", "Asia/Shanghai"},
		{"", "../usr/share/zoneinfo/America/New_York", "America/New_York"},
		{"", "/etc/somewhere", ""},
		{"", "", ""},
	}
	for _, c := range cases {
		got := HostTimeZone(func(string) string { return c.tz }, link(c.link))
		if got != c.want {
			t.Errorf("TZ=%q link %q: %q, want %q", c.tz, c.link, got, c.want)
		}
	}
}
