package validate

import (
	"io/fs"
	"strings"
	"testing"

	"github.com/stackgen/stackgen/fileset"
	"github.com/stackgen/stackgen/internal/msg"
)

// ruleCase is one row of a rule's table: a small in-memory project and
// whether the rule must fire on it.
type ruleCase struct {
	rule  string
	name  string
	files fileset.Set
	fires bool
}

// file makes a 0644 file; dedent lets cases be written as indented raw
// strings.
func file(path, content string) fileset.File {
	return fileset.File{Path: path, Mode: 0o644, Content: []byte(dedent(content))}
}

func fileMode(path string, mode fs.FileMode, content string) fileset.File {
	f := file(path, content)
	f.Mode = mode
	return f
}

func files(fs ...fileset.File) fileset.Set {
	s := fileset.Set(fs)
	s.Sort()
	return s
}

// dedent removes the common leading tabs of a raw string and its first
// newline, so YAML in a test reads like the file it stands for. Only tabs
// are removed: YAML indentation inside stays spaces.
func dedent(s string) string {
	s = strings.TrimPrefix(s, "\n")
	lines := strings.Split(s, "\n")
	min := -1
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		n := len(l) - len(strings.TrimLeft(l, "\t"))
		if min < 0 || n < min {
			min = n
		}
	}
	for i, l := range lines {
		if strings.TrimSpace(l) == "" {
			lines[i] = ""
		} else if len(l) >= min && min > 0 {
			lines[i] = l[min:]
		}
	}
	return strings.Join(lines, "\n")
}

// runCases checks each case and, on failure, shows everything Files found.
// Every finding a case makes must also read in Chinese: a rule whose
// finding bypasses the catalogue fails here, not in front of a user.
func runCases(t *testing.T, cases []ruleCase) {
	t.Helper()
	zh := msg.New(msg.Zh)
	known := map[string]bool{}
	for _, r := range Rules() {
		known[r.ID] = true
	}
	for _, c := range cases {
		t.Run(c.rule+"/"+c.name, func(t *testing.T) {
			if !known[c.rule] {
				t.Fatalf("no rule %q in the rules table", c.rule)
			}
			got := Files(c.files)
			fired := false
			for _, f := range got {
				if f.Rule == c.rule {
					fired = true
					if f.Message == "" || f.Fix == "" || f.File == "" {
						t.Errorf("finding lacks message, fix or file: %+v", f)
					}
					if m, fix := f.Localized(zh); f.Text == nil || !hasHan(m) || !hasHan(fix) && fix != f.Fix {
						t.Errorf("finding does not read in Chinese (catalogue: validate.yaml): %q; fix %q", m, fix)
					}
				}
			}
			if fired != c.fires {
				var lines []string
				for _, f := range got {
					lines = append(lines, f.String())
				}
				t.Errorf("rule %s fired=%v, want %v; findings:\n%s", c.rule, fired, c.fires, strings.Join(lines, "\n"))
			}
		})
	}
}

// allCases gathers every area's table, for the coverage test.
func allCases() []ruleCase {
	var all []ruleCase
	for _, f := range []func() []ruleCase{composeCases, dockerfileCases, crossfileCases, fileCases, kubernetesCases, currencyCases} {
		all = append(all, f()...)
	}
	return all
}

// TestEveryRuleHasCases keeps the tables honest: each rule in Rules() has a
// case where it fires and one where it does not.
func TestEveryRuleHasCases(t *testing.T) {
	fires, clean := map[string]bool{}, map[string]bool{}
	for _, c := range allCases() {
		if c.fires {
			fires[c.rule] = true
		} else {
			clean[c.rule] = true
		}
	}
	for _, r := range Rules() {
		if !fires[r.ID] {
			t.Errorf("rule %s has no case where it fires", r.ID)
		}
		if !clean[r.ID] {
			t.Errorf("rule %s has no case where it stays quiet", r.ID)
		}
	}
}

// tc builds a case from files.
func tc(rule, name string, fires bool, fs ...fileset.File) ruleCase {
	return ruleCase{rule: rule, name: name, files: files(fs...), fires: fires}
}

func fileModeOf(m uint32) fs.FileMode { return fs.FileMode(m) }
