package k8s

import (
	"strings"

	"github.com/stackgen/stackgen/internal/msg"
	"github.com/stackgen/stackgen/stack"
)

// fileLang is the localizer of the comments in the files export writes:
// they are for people, so they follow the project's lang answer, as its
// README does (English when the answer is missing or unknown).
func fileLang(a stack.Answers) *msg.Localizer {
	if l, ok := msg.Parse(a[stack.LangAnswer]); ok {
		return msg.New(l)
	}
	return msg.English()
}

// comment is text as YAML (or env file) comment lines, each ending in a
// newline; an empty line is a bare "#".
func comment(text string) string {
	var b strings.Builder
	for _, line := range strings.Split(text, "\n") {
		if line == "" {
			b.WriteString("#\n")
			continue
		}
		b.WriteString("# " + line + "\n")
	}
	return b.String()
}
