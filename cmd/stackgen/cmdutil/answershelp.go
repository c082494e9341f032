package cmdutil

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/stackgen/stackgen/internal/msg"
	"github.com/stackgen/stackgen/stack"
)

// PrintAnswers lists every answer d takes, in the order they are asked:
// key, kind or choices, default, whether a terminal run asks it, and the
// help, so a user can write --set flags or an answers file without running
// the prompts first (copier and cookiecutter users look for this). Answers
// the prompts never ask (advanced ones) are listed too: --set is the only
// way to reach them.
func PrintAnswers(w io.Writer, l *msg.Localizer, d *stack.Definition) {
	fmt.Fprintln(w, l.T("answers.head", msg.Args{"Stack": d.Name}))
	cur := stack.Answers{}
	for _, q := range d.Questions {
		def := q.DefaultFor(cur)
		cur[q.Key] = def
		var notes []string
		notes = append(notes, kindOf(l, q, cur))
		switch {
		case q.FolderDefault != nil && def != "":
			notes = append(notes, l.T("answers.default.folder-else", msg.Args{"Default": strconv.Quote(def)}))
		case q.FolderDefault != nil:
			notes = append(notes, l.T("answers.default.folder"))
		default:
			notes = append(notes, l.T("answers.default", msg.Args{"Default": strconv.Quote(def)}))
		}
		if q.DefaultFrom != nil && q.FolderDefault == nil {
			notes[len(notes)-1] += l.T("answers.default.follows")
		}
		if q.Advanced {
			notes = append(notes, l.T("answers.not-asked"))
		}
		if q.When != nil {
			notes = append(notes, l.T("answers.conditional"))
		}
		fmt.Fprintf(w, "  %s  (%s)\n", q.Key, strings.Join(notes, l.T("answers.note-sep")))
		text, help := QuestionText(l, d.Name, q)
		if help != "" {
			text += l.T("answers.help-sep") + help
		}
		fmt.Fprintf(w, "      %s\n", text)
	}
	if len(d.Images) > 0 {
		fmt.Fprintln(w, l.T("answers.images"))
		seen := map[string]bool{}
		for _, im := range d.Images {
			if seen[im.Key] {
				continue // one key, a different default per mode (onyx)
			}
			seen[im.Key] = true
			ref := ""
			if im.When == nil || im.When(cur) {
				ref = "  (" + l.T("answers.default", msg.Args{"Default": strconv.Quote(im.Default(cur))}) + ")"
			}
			fmt.Fprintf(w, "  %s%s%s\n      %s\n", stack.ImagePrefix, im.Key, ref, ImageHelp(l, d.Name, im))
		}
	}
}

func kindOf(l *msg.Localizer, q stack.Question, cur stack.Answers) string {
	switch q.Kind {
	case stack.Int:
		return l.T("answers.kind.int")
	case stack.Bool:
		return l.T("answers.kind.bool")
	case stack.Choice:
		return l.T("answers.kind.choice", msg.Args{"Choices": strings.Join(q.ChoicesFor(cur), ", ")})
	}
	return l.T("answers.kind.text")
}

// QuestionText is a question's prompt and help in l's language: the
// catalogue's QuestionID(...).prompt and .help, whose English is the stack
// definition's own text (a test keeps them equal); a question not in the
// catalogue is asked in English.
func QuestionText(l *msg.Localizer, stackName string, q stack.Question) (prompt, help string) {
	prompt, help = q.Prompt, q.Help
	id := QuestionID(stackName, q.Key)
	if t := l.T(id + ".prompt"); t != id+".prompt" {
		prompt = t
	}
	if t := l.T(id + ".help"); q.Help != "" && t != id+".help" {
		help = t
	}
	return prompt, help
}

// QuestionID is where the catalogue keeps a question's text: q.STACK.KEY
// for a stack's own question, q.common.KEY for one every stack shares
// (stack.RegistryMirrorQuestion, LangQuestion, ...), written once for all.
func QuestionID(stackName, key string) string {
	id := "q." + stackName + "." + key
	if msg.English().T(id+".prompt") == id+".prompt" {
		if common := "q.common." + key; msg.English().T(common+".prompt") != common+".prompt" {
			return common
		}
	}
	return id
}

// ImageHelp is an image answer's help in l's language: the catalogue's
// q.STACK.image.KEY.help (built-help for the image the stack builds under
// a key another mode pulls), whose English is the definition's Help.
func ImageHelp(l *msg.Localizer, stackName string, im stack.Image) string {
	id := ImageHelpID(stackName, im)
	if t := l.T(id); t != id {
		return t
	}
	return im.Help
}

// ImageHelpID is where the catalogue keeps an image answer's help.
func ImageHelpID(stackName string, im stack.Image) string {
	id := "q." + stackName + ".image." + im.Key
	if im.Built {
		return id + ".built-help"
	}
	return id + ".help"
}

// StackDescription is a stack's one-line description in l's language:
// the catalogue's stacks.description.NAME, whose English is the
// definition's Description (a test keeps them equal).
func StackDescription(l *msg.Localizer, d *stack.Definition) string {
	id := "stacks.description." + d.Name
	if t := l.T(id); t != id {
		return t
	}
	return d.Description
}
