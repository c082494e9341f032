package root

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/stackgen/stackgen/internal/msg"
)

// LangFlag chooses the language of messages and of generated files.
const LangFlag = "lang"

// langArg finds --lang VALUE or --lang=VALUE before the tree is built, so
// help texts and flag usages are written in that language; cobra parses it
// again later (and rejects a missing value). Arguments after "--" are not
// flags.
func langArg(args []string) string {
	for i, a := range args {
		switch {
		case a == "--":
			return ""
		case a == "--"+LangFlag && i+1 < len(args):
			return args[i+1]
		case strings.HasPrefix(a, "--"+LangFlag+"="):
			return strings.TrimPrefix(a, "--"+LangFlag+"=")
		}
	}
	return ""
}

// localizeHelp gives every command cobra's usage template with its
// headings in l's language, and a --help flag described in it.
func localizeHelp(root *cobra.Command, l *msg.Localizer) {
	tmpl := root.UsageTemplate()
	for _, h := range []struct{ en, id string }{
		{"Usage:", "usage.usage"},
		{"Aliases:", "usage.aliases"},
		{"Examples:", "usage.examples"},
		{"Available Commands:", "usage.commands"},
		{"Global Flags:", "usage.global-flags"},
		{"Flags:", "usage.flags"},
	} {
		// "Flags:" also ends "Global Flags:", already replaced: match it
		// at the start of a line only
		tmpl = strings.ReplaceAll(tmpl, "\n"+h.en, "\n"+l.T(h.id))
		tmpl = strings.TrimPrefix(strings.Replace("\x00"+tmpl, "\x00"+h.en, l.T(h.id), 1), "\x00")
	}
	const more = `Use "{{.CommandPath}} [command] --help" for more information about a command.`
	tmpl = strings.ReplaceAll(tmpl, more, strings.ReplaceAll(l.T("usage.more", msg.Args{"Cmd": "\x01"}), "\x01", "{{.CommandPath}}"))
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.SetUsageTemplate(tmpl)
		if c.Flags().Lookup("help") == nil {
			c.Flags().BoolP("help", "h", false, l.T("root.help-flag", msg.Args{"Name": c.Name()}))
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}
