package validate

import (
	"strconv"
	"strings"

	"github.com/stackgen/stackgen/internal/msg"
)

// Text is a finding's entry in the message catalogue: the IDs of its
// message and fix and the values of their placeholders. Message and Fix
// keep the English rendering (JSON, logs, tests); Localized renders the
// same finding in the reader's language. A finding without Text (a rule
// not yet in the catalogue) reads in English everywhere.
type Text struct {
	Message string
	Fix     string
	Args    msg.Args
}

// tr is at() for a message in the catalogue; the fix comes from the
// rule's catalogue entry unless withFix names a specific one.
func tr(file string, line int, id string, args msg.Args) Finding {
	return Finding{File: file, Line: line, Message: msg.English().T(id, args), Text: &Text{Message: id, Args: args}}
}

// english fills a finding built with its Text in place: Message and Fix
// in English from the catalogue.
func (f Finding) english() Finding {
	en := msg.English()
	f.Message = en.T(f.Text.Message, f.Text.Args)
	if f.Text.Fix != "" {
		f.Fix = en.T(f.Text.Fix, f.Text.Args)
	}
	return f
}

// withFix gives a catalogue finding its own fix instead of the rule's.
func (f Finding) withFix(id string) Finding {
	t := *f.Text
	t.Fix = id
	f.Text = &t
	f.Fix = msg.English().T(id, t.Args)
	return f
}

// ruleFixID is the catalogue entry of a rule's table fix, in the form
// printed after "fix:" (see fixClause).
func ruleFixID(rule string) string { return "validate." + rule + ".fix" }

// Localized is the finding's message and fix in l's language; a finding
// the catalogue does not hold keeps its English text.
func (f Finding) Localized(l *msg.Localizer) (message, fix string) {
	if f.Text == nil {
		return f.Message, f.Fix
	}
	message, fix = l.T(f.Text.Message, f.Text.Args), f.Fix
	if f.Text.Fix != "" {
		fix = l.T(f.Text.Fix, f.Text.Args)
	}
	// as Files does for the English text: the stand-in for a required
	// variable is internal
	return strings.ReplaceAll(message, placeholderValue, requiredShown), strings.ReplaceAll(fix, placeholderValue, requiredShown)
}

// Format is String in l's language.
func (f Finding) Format(l *msg.Localizer) string {
	loc := f.File
	if f.Line > 0 {
		loc = l.T("validate.loc.line", msg.Args{"File": f.File, "Line": f.Line})
	}
	m, fix := f.Localized(l)
	return l.T("validate.finding", msg.Args{"Loc": loc, "Severity": l.T("validate.severity." + f.Severity.String()), "Rule": f.Rule, "Message": m, "Fix": fix})
}

// q quotes a name the way %q does, for messages that show names quoted.
func q(s string) string { return strconv.Quote(s) }
