package validate

import (
	"strings"
	"testing"
	"unicode"

	"github.com/stackgen/stackgen/internal/msg"
)

// Every rule is documented in the catalogue: a rule without an entry
// would print its ID where its what, why or fix belongs.
func TestEveryRuleIsInTheCatalogue(t *testing.T) {
	for _, l := range []*msg.Localizer{msg.English(), msg.New(msg.Zh)} {
		for _, r := range RulesIn(l) {
			for field, text := range map[string]string{"what": r.What, "why": r.Why, "fix": r.Fix} {
				if id := ruleDocPrefix + r.ID + "." + field; text == id || text == "" {
					t.Errorf("%s: %s is not in the %s catalogue", r.ID, id, l.Lang())
				}
			}
		}
	}
}

// A finding without a fix of its own prints its rule's table fix as a
// clause after "fix:": the README's sentence without its full stop, in
// either language.
func TestRuleFixReadsAsAClause(t *testing.T) {
	f := tr("compose.yaml", 3, "validate.compose-links.msg", msg.Args{"Service": q("web")}).withRuleFix("compose-links")
	if want := "remove links and put the services on a common named network"; f.Fix != want {
		t.Errorf("English fix %q, want %q", f.Fix, want)
	}
	_, fix := f.Localized(msg.New(msg.Zh))
	if !hasHan(fix) || strings.HasSuffix(fix, "。") {
		t.Errorf("Chinese fix %q: want Chinese without the final 。", fix)
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
