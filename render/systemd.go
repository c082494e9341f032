package render

import (
	"strconv"
	"strings"

	"github.com/stackgen/stackgen/internal/msg"
)

// SystemdArg quotes one word of a systemd unit's Exec line: in double
// quotes, with backslash and quote escaped, % (specifiers) doubled and $
// (variables) doubled, so the program receives s exactly. Line breaks and
// other control characters cannot be written into a unit file and are
// refused.
func SystemdArg(s string) (string, error) {
	if err := noControl(s); err != nil {
		return "", err
	}
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "%", "%%", "$", "$$")
	return `"` + r.Replace(s) + `"`, nil
}

// SystemdPath writes a path for a unit setting that takes one path
// (WorkingDirectory=): % doubled; control characters refused.
func SystemdPath(s string) (string, error) {
	if err := noControl(s); err != nil {
		return "", err
	}
	return strings.ReplaceAll(s, "%", "%%"), nil
}

// CronCommand quotes a word for a crontab command field: shell quoting,
// then every % escaped (cron turns a bare % into a newline). Control
// characters are refused.
func CronCommand(s string) (string, error) {
	if err := noControl(s); err != nil {
		return "", err
	}
	return strings.ReplaceAll(ShellQuote(s), "%", `\%`), nil
}

func noControl(s string) error {
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r == 0x85 || r == 0x2028 || r == 0x2029 {
			return msg.Err("render.err.value-control", msg.Args{"Value": strconv.Quote(s)})

		}
	}
	return nil
}
