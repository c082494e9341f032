package cmdutil

import (
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

func TestDurationFlag(t *testing.T) {
	cases := []struct {
		in      string
		want    time.Duration
		wantErr string
	}{
		{"900", 900 * time.Second, ""},
		{"900s", 900 * time.Second, ""},
		{"15m", 15 * time.Minute, ""},
		{"1h30m", 90 * time.Minute, ""},
		{"0", 0, ""},
		{"soon", 0, "give seconds (900) or a duration"},
		{"-5m", 0, "is negative"},
		{"1.5", 0, "not a duration"},
	}
	for _, c := range cases {
		fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
		var d time.Duration
		DurationVar(fs, &d, "timeout", time.Minute, "")
		err := fs.Parse([]string{"--timeout", c.in})
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("%q: err %v, want %q", c.in, err, c.wantErr)
			}
			continue
		}
		if err != nil || d != c.want {
			t.Errorf("%q: %v, %v; want %v", c.in, d, err, c.want)
		}
	}
}
