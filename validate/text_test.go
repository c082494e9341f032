package validate

import (
	"strings"
	"testing"
	"unicode"

	"github.com/stackgen/stackgen/internal/msg"
)

// The catalogue's English for a rule's table fix must be the table's own
// sentence as Files prints it, or the README and the output drift apart.
func TestRuleFixCatalogueMatchesTable(t *testing.T) {
	en := msg.English()
	n := 0
	for _, r := range Rules() {
		id := ruleFixID(r.ID)
		got := en.T(id)
		if got == id {
			continue // not in the catalogue yet: printed in English
		}
		n++
		if want := fixClause(r.Fix); got != want {
			t.Errorf("%s: catalogue says %q, the rules table %q", id, got, want)
		}
	}
	if n == 0 {
		t.Fatal("no rule fix is in the catalogue")
	}
}

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

// The seed tutorial's Django setup, validated for a Chinese reader: every
// finding's message and fix read in Chinese, and the English stays what
// it was.
func TestSeedDjangoFindingsInChinese(t *testing.T) {
	fs, err := Dir("testdata/seedmistakes/django")
	if err != nil {
		t.Fatal(err)
	}
	zh := msg.New(msg.Zh)
	var english []string
	for _, f := range fs {
		line := f.Format(zh)
		if f.Text == nil {
			english = append(english, f.Rule)
			continue
		}
		// a fix that is only a command (chmod 600 .env) reads the same
		if m, fix := f.Localized(zh); !hasHan(m) || (!hasHan(fix) && fix != f.Fix) {
			t.Errorf("%s: not Chinese: %q; fix %q", f.Rule, m, fix)
		}
		if !strings.Contains(line, "修复：") || !strings.Contains(line, f.Rule) {
			t.Errorf("zh line %q", line)
		}
		if en := f.Format(msg.English()); en != f.String() {
			t.Errorf("English through the catalogue differs:\n%s\n%s", en, f.String())
		}
	}
	for _, r := range english {
		t.Errorf("%s: finding has no catalogue entry", r)
	}
}
