package cmdutil

import (
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"github.com/stackgen/stackgen/internal/msg"
)

// durationValue is a --timeout: a Go duration (90s, 15m, 1h30m) or, as
// docker compose's --wait-timeout takes it, a bare number of seconds.
type durationValue time.Duration

func (d *durationValue) Set(s string) error {
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseUint(s, 10, 32); err == nil {
		*d = durationValue(time.Duration(n) * time.Second)
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return msg.Err("cmd.err.duration", msg.Args{"Value": strconv.Quote(s)})
	}
	if v < 0 {
		return msg.Err("cmd.err.duration-negative", msg.Args{"Value": strconv.Quote(s)})
	}
	*d = durationValue(v)
	return nil
}

func (d *durationValue) String() string {
	if *d == 0 {
		return "0"
	}
	return time.Duration(*d).String()
}

func (d *durationValue) Type() string { return "duration" }

// DurationVar defines a duration flag that also takes a bare number of
// seconds.
func DurationVar(fs *pflag.FlagSet, p *time.Duration, name string, value time.Duration, usage string) {
	*p = value
	fs.Var((*durationValue)(p), name, usage)
}
