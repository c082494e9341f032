package cmdutil

import (
	"strings"

	"github.com/stackgen/stackgen/stack"
)

// HostTimeZone is the host's IANA time zone name: TZ when set (":Asia/
// Shanghai" and "/usr/share/zoneinfo/Asia/Shanghai" forms too), else the
// zone /etc/localtime links to; "" when neither says. The caller checks
// the name against the tz database before using it, so an odd TZ value
// (EST5EDT rules, a path elsewhere) is simply not a default.
func HostTimeZone(getenv func(string) string, readlink func(string) (string, error)) string {
	if tz := strings.TrimPrefix(getenv("TZ"), ":"); tz != "" {
		return zoneName(tz)
	}
	if target, err := readlink("/etc/localtime"); err == nil {
		if name := zoneName(target); name != target {
			return name
		}
	}
	return ""
}

// zoneName is the part of a zoneinfo path after "zoneinfo/".
func zoneName(p string) string {
	if _, after, ok := strings.Cut(p, "zoneinfo/"); ok {
		return after
	}
	return p
}

// hostDefaults are the Host a new project takes its defaults from.
func hostDefaults(ios *IOStreams, getenv func(string) string, readlink func(string) (string, error)) stack.Host {
	return stack.Host{Lang: string(ios.L.Lang()), TimeZone: HostTimeZone(getenv, readlink)}
}
