package validate

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
)

var updateReadme = flag.Bool("update-readme", false, "rewrite the rules table in ../README.md from Rules()")

const (
	readmePath  = "../README.md"
	rulesStart  = "<!-- rules:start -->"
	rulesEnd    = "<!-- rules:end -->"
	readmeTitle = "| id | severity | what | why | fix | role, and what it can get wrong |\n| --- | --- | --- | --- | --- | --- |\n"
)

// rulesTable renders Rules() as the README's markdown table.
func rulesTable() string {
	var b strings.Builder
	b.WriteString(readmeTitle)
	cell := func(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
	for _, r := range Rules() {
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s | %s |\n", r.ID, r.Severity, cell(r.What), cell(r.Why), cell(r.Fix), cell(ruleRoles[r.ID]))
	}
	return b.String()
}

// TestReadmeDocumentsEveryRule fails when a rule is missing from the
// README's table (or the table differs from Rules()), so the docs cannot
// drift from the code. Regenerate with:
//
//	go test ./validate -run TestReadmeDocumentsEveryRule -update-readme
func TestReadmeDocumentsEveryRule(t *testing.T) {
	b, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	start, end := strings.Index(readme, rulesStart), strings.Index(readme, rulesEnd)
	if start < 0 || end < start {
		t.Fatalf("%s: markers %s ... %s not found", readmePath, rulesStart, rulesEnd)
	}
	want := rulesTable()
	region := readme[start+len(rulesStart) : end]
	if *updateReadme {
		readme = readme[:start+len(rulesStart)] + "\n" + want + readme[end:]
		if err := os.WriteFile(readmePath, []byte(readme), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	for _, r := range Rules() {
		if !strings.Contains(region, "| `"+r.ID+"` |") {
			t.Errorf("README.md rules table has no row for %s", r.ID)
		}
	}
	if strings.TrimSpace(region) != strings.TrimSpace(want) {
		t.Errorf("README.md rules table differs from Rules(); run: go test ./validate -run TestReadmeDocumentsEveryRule -update-readme")
	}
}

// TestRuleIDsAreStable guards the id format the docs and --json consumers
// rely on: lower-case words joined by dashes, unique.
func TestRuleIDsAreStable(t *testing.T) {
	seen := map[string]bool{}
	for id := range ruleRoles {
		found := false
		for _, r := range Rules() {
			found = found || r.ID == id
		}
		if !found {
			t.Errorf("ruleRoles documents %s, which is not a rule", id)
		}
	}
	for _, r := range Rules() {
		if seen[r.ID] {
			t.Errorf("duplicate rule id %s", r.ID)
		}
		seen[r.ID] = true
		for _, c := range r.ID {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				t.Errorf("rule id %q: only a-z, 0-9 and - are allowed", r.ID)
				break
			}
		}
		if r.What == "" || r.Why == "" || r.Fix == "" || ruleRoles[r.ID] == "" {
			t.Errorf("rule %s lacks what, why, fix or roles (validate/rules_roles.go)", r.ID)
		}
	}
}
