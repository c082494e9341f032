package render

import (
	"strconv"
	"strings"

	"github.com/stackgen/stackgen/internal/msg"
)

// ShellWords quotes each of ss as one POSIX shell word (ShellWord), joined
// by spaces: an argument list.
func ShellWords(ss []string) (string, error) { return joinQuoted(ss, " ", ShellWord) }

// PowerShellWords quotes each of ss for PowerShell, joined by spaces.
func PowerShellWords(ss []string) (string, error) {
	return joinQuoted(ss, " ", func(s string) (string, error) { return PowerShellQuote(s), nil })
}

// PowerShellArray is the inside of @(...): each of ss quoted for
// PowerShell, joined by commas.
func PowerShellArray(ss []string) string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = PowerShellQuote(s)
	}
	return strings.Join(out, ", ")
}

// CmdWord passes s into a cmd.exe command line only when it holds no
// character cmd.exe or its quoting would interpret; no escape works in
// every position of a cmd.exe line, so anything else is refused.
func CmdWord(s string) (string, error) {
	if s == "" || strings.IndexFunc(s, func(r rune) bool {
		return !(r < 0x80 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(`._:/\@+=,-`, r)))
	}) >= 0 {
		return "", msg.Err("render.err.value-cmd", msg.Args{"Value": strconv.Quote(s)})

	}
	return s, nil
}

func joinQuoted(ss []string, sep string, q func(string) (string, error)) (string, error) {
	out := make([]string, len(ss))
	for i, s := range ss {
		var err error
		if out[i], err = q(s); err != nil {
			return "", err
		}
	}
	return strings.Join(out, sep), nil
}
