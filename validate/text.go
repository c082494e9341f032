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
		f.Fix = f.Text.fix(en)
	}
	return f
}

// fix says the fix in l's language. A rule's table fix is a sentence (the
// README's); after "fix:" it reads as a clause, as fixClause makes it.
func (t *Text) fix(l *msg.Localizer) string {
	s := l.T(t.Fix, t.Args)
	if !strings.HasPrefix(t.Fix, ruleDocPrefix) {
		return s
	}
	if l.Lang() == msg.En {
		return fixClause(s)
	}
	return strings.TrimSuffix(s, "。")
}

// withRuleFix gives a finding the fix of its rule's table entry.
func (f Finding) withRuleFix(rule string) Finding {
	t := Text{}
	if f.Text != nil {
		t = *f.Text
	}
	t.Fix = ruleFixID(rule)
	f.Text = &t
	f.Fix = t.fix(msg.English())
	return f
}

// withFix gives a catalogue finding its own fix instead of the rule's.
func (f Finding) withFix(id string) Finding {
	t := *f.Text
	t.Fix = id
	f.Text = &t
	f.Fix = t.fix(msg.English())
	return f
}

// ruleDocPrefix starts the catalogue IDs of the rules table: a rule's
// what, why and fix are validate.rule.<id>.what, .why and .fix.
const ruleDocPrefix = "validate.rule."

// ruleFixID is the catalogue entry of a rule's table fix.
func ruleFixID(rule string) string { return ruleDocPrefix + rule + ".fix" }

// Localized is the finding's message and fix in l's language; a finding
// the catalogue does not hold keeps its English text.
func (f Finding) Localized(l *msg.Localizer) (message, fix string) {
	if f.Text == nil {
		return f.Message, f.Fix
	}
	message, fix = l.T(f.Text.Message, f.Text.Args), f.Fix
	if f.Text.Fix != "" {
		fix = f.Text.fix(l)
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
