package newcmd

import (
	"github.com/stackgen/stackgen/cmd/stackgen/cmdutil"
	"strings"
	"testing"
	"unicode"

	"github.com/stackgen/stackgen/internal/msg"
	"github.com/stackgen/stackgen/stacks"
)

// Every question (those a terminal run asks and the advanced ones --set
// and --answers-help show) is in the catalogue, its English the stack
// definition's own text, and a Chinese reader is asked in Chinese.
func TestAskedQuestionsAreInTheCatalogue(t *testing.T) {
	en, zh := msg.English(), msg.New(msg.Zh)
	for _, d := range stacks.Registry().All() {
		for _, q := range d.Questions {
			id := cmdutil.QuestionID(d.Name, q.Key)

			if got := en.T(id + ".prompt"); got != q.Prompt {
				t.Errorf("%s: catalogue %q, definition %q", id+".prompt", got, q.Prompt)
			}
			if q.Help != "" {
				if got := en.T(id + ".help"); got != q.Help {
					t.Errorf("%s: catalogue %q, definition %q", id+".help", got, q.Help)
				}
			}
			p, h := cmdutil.QuestionText(zh, d.Name, q)
			if !strings.ContainsFunc(p, func(r rune) bool { return unicode.Is(unicode.Han, r) }) || (q.Help != "" && h == q.Help) {
				t.Errorf("%s: zh prompt %q help %q", id, p, h)
			}
		}
	}
}

// Every stack's description is in the catalogue, its English the
// definition's own, and Chinese for a Chinese reader.
func TestStackDescriptionsAreInTheCatalogue(t *testing.T) {
	for _, d := range stacks.Registry().All() {
		if got := cmdutil.StackDescription(msg.English(), d); got != d.Description || msg.English().T("stacks.description."+d.Name) != d.Description {
			t.Errorf("%s: catalogue %q, definition %q", d.Name, got, d.Description)
		}
		if zh := cmdutil.StackDescription(msg.New(msg.Zh), d); !strings.ContainsFunc(zh, func(r rune) bool { return unicode.Is(unicode.Han, r) }) {
			t.Errorf("%s: zh description %q", d.Name, zh)
		}
	}
}

// Every image answer's help is in the catalogue, its English the
// definition's own, and Chinese for a Chinese reader.
func TestImageHelpIsInTheCatalogue(t *testing.T) {
	for _, d := range stacks.Registry().All() {
		for _, im := range d.Images {
			id := cmdutil.ImageHelpID(d.Name, im)
			if en := msg.English().T(id); en != im.Help {
				t.Errorf("%s image.%s: catalogue %s is %q, definition %q", d.Name, im.Key, id, en, im.Help)
			}
			if zh := cmdutil.ImageHelp(msg.New(msg.Zh), d.Name, im); !strings.ContainsFunc(zh, func(r rune) bool { return unicode.Is(unicode.Han, r) }) {
				t.Errorf("%s image.%s: zh help %q", d.Name, im.Key, zh)
			}
		}
	}
}
