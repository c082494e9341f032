package cmdutil

import (
	"strconv"
	"strings"

	"github.com/stackgen/stackgen/internal/msg"
	"github.com/stackgen/stackgen/stack"
)

// ParsePairs turns repeated KEY=VALUE flags (--set, --image) into answers;
// prefix is added to every key (--image db=REF becomes image.db). A pair
// without a key is a usage error naming the flag and an example.
func ParsePairs(l *msg.Localizer, flag, prefix string, pairs []string, into stack.Answers) error {
	for _, p := range pairs {
		k, v, ok := strings.Cut(p, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			return &FlagError{Err: l.Errorf("cmd.err.pair", msg.Args{"Flag": flag, "Value": strconv.Quote(p), "Example": pairExample(flag)})}
		}
		into[prefix+k] = v
	}
	return nil
}

func pairExample(flag string) string {
	if flag == "image" {
		return "db=mariadb:11.8"
	}
	return "project=mysite"
}
