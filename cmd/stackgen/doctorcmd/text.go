package doctorcmd

import (
	"github.com/stackgen/stackgen/internal/msg"
)

// checkText is a check's catalogue entries: Detail and Fix stay English
// (the JSON fields scripts read), the report says them in the reader's
// language.
type checkText struct {
	detail, fix string
	args        msg.Args
}

// say is a check whose detail is catalogue entry id.
func say(name string, st Status, id string, args msg.Args) Check {
	return Check{Name: name, Status: st, Detail: msg.English().T(id, args), text: &checkText{detail: id, args: args}}
}

// fix gives the check a catalogue fix; more args join the detail's.
func (c Check) fix(id string, more ...msg.Args) Check {
	t := *c.text
	t.fix = id
	if len(more) > 0 {
		t.args = msg.Args{}
		for k, v := range c.text.args {
			t.args[k] = v
		}
		for k, v := range more[0] {
			t.args[k] = v
		}
	}
	c.text = &t
	c.Fix = msg.English().T(id, t.args)
	return c
}

// hint gives the check a fix that is not in the catalogue (the engine's
// hints for an error it recognises), shown as it is.
func (c Check) hint(fix string) Check {
	c.Fix = fix
	return c
}

// localized is the check's detail and fix in l's language.
func (c Check) localized(l *msg.Localizer) (detail, fix string) {
	detail, fix = c.Detail, c.Fix
	if c.text == nil {
		return detail, fix
	}
	detail = l.T(c.text.detail, c.text.args)
	if c.text.fix != "" {
		fix = l.T(c.text.fix, c.text.args)
	}
	return detail, fix
}

// jsonCheck is a check for --json: the English fields, and the same
// check in the reader's language beside them.
type jsonCheck struct {
	Check
	Lang string    `json:"lang"`
	Text jsonWords `json:"text"`
}

type jsonWords struct {
	Detail string `json:"detail"`
	Fix    string `json:"fix,omitempty"`
}

func jsonChecks(l *msg.Localizer, cs []Check) []jsonCheck {
	out := []jsonCheck{}
	for _, c := range cs {
		d, f := c.localized(l)
		out = append(out, jsonCheck{Check: c, Lang: string(l.Lang()), Text: jsonWords{Detail: d, Fix: f}})
	}
	return out
}
