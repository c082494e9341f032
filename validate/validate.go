// Package validate judges a project's files (a render in memory or a
// directory on disk) with a table of small rules: compose files through the
// Compose spec's own loader, Dockerfiles through BuildKit's parser, and the
// places where files must agree with each other (nginx upstreams and uWSGI
// sockets, my.cnf and the MySQL version, .env and .env.example, scripts and
// the way containers run them).
//
// Every rule is one function plus one entry in the rules table; the table
// is also the documentation (Rules), so a rule cannot exist undocumented.
package validate

import (
	"fmt"
	"sort"
	"strings"

	"github.com/stackgen/stackgen/fileset"
	"github.com/stackgen/stackgen/internal/msg"
)

// Severity says whether a finding blocks: an Error is a deployment that
// breaks or is unsafe; a Warning is a deployment that works but should not
// be left that way.
type Severity int

const (
	// Warning is reported but does not fail validation.
	Warning Severity = iota
	// Error fails validation: `stackgen validate` exits 1 and `stackgen new`
	// refuses to write.
	Error
)

// String returns the lower-case name used in output and JSON.
func (s Severity) String() string {
	if s == Error {
		return "error"
	}
	return "warning"
}

// MarshalText makes severities read as "error"/"warning" in JSON.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText is MarshalText's inverse, so JSON output can be read back.
func (s *Severity) UnmarshalText(b []byte) error {
	switch string(b) {
	case "error":
		*s = Error
	case "warning":
		*s = Warning
	default:
		return msg.Err("validate.err.severity", msg.Args{"Value": q(string(b))})
	}
	return nil
}

// Finding is one problem: where it is (File is slash-separated and relative
// to the project root; Line is 1-based, 0 when it cannot be known), which
// rule found it, how bad it is, what is wrong and how to fix it.
type Finding struct {
	File     string   `json:"file"`
	Line     int      `json:"line,omitempty"`
	Rule     string   `json:"rule"`
	Severity Severity `json:"severity"`
	Message  string   `json:"message"`
	Fix      string   `json:"fix"`
	// Subject is what a silence in .stackgen.yml names to accept this one
	// finding (the image reference, for image-currency); "" when a finding
	// cannot be silenced.
	Subject string `json:"subject,omitempty"`
	// Text is how to say Message and Fix in another language (text.go).
	Text *Text `json:"-"`
}

// String formats a finding the way the command prints it:
// "compose.yaml:12: error compose-db-port-public: ...; fix: ...".
func (f Finding) String() string {
	loc := f.File
	if f.Line > 0 {
		loc = fmt.Sprintf("%s:%d", f.File, f.Line)
	}
	return fmt.Sprintf("%s: %s %s: %s; fix: %s", loc, f.Severity, f.Rule, f.Message, f.Fix)
}

// RuleInfo documents a rule: its stable id, severity, what it checks, why
// it matters and the fix in one sentence. What, Why and Fix are in the
// language of the localizer that made it (Rules: English, for the README
// and --json; RulesIn for a person).
type RuleInfo struct {
	ID       string   `json:"id"`
	Severity Severity `json:"severity"`
	What     string   `json:"what"`
	Why      string   `json:"why"`
	Fix      string   `json:"fix"`
}

// Rules returns every rule's documentation in table order, in English.
func Rules() []RuleInfo { return RulesIn(msg.English()) }

// RulesIn is Rules in l's language.
func RulesIn(l *msg.Localizer) []RuleInfo {
	out := make([]RuleInfo, len(rules))
	for i, r := range rules {
		out[i] = r.info(l)
	}
	return out
}

func (r rule) info(l *msg.Localizer) RuleInfo {
	id := "validate.rule." + r.ID
	return RuleInfo{ID: r.ID, Severity: r.Severity, What: l.T(id + ".what"), Why: l.T(id + ".why"), Fix: l.T(id + ".fix")}
}

// Files runs every rule over a file set and returns the findings sorted by
// file, line, rule and message, without duplicates (overlay files are
// checked merged onto the base, so one mistake can be seen twice).
func Files(set fileset.Set) []Finding {
	out, _ := FilesSilenced(set)
	return out
}

// FilesSilenced is Files that also returns the findings the project's
// .stackgen.yml accepts (silence:), each with its recorded reason.
func FilesSilenced(set fileset.Set) ([]Finding, []SilencedFinding) {
	p := newProject(set)
	defer p.close()
	var out []Finding
	for _, r := range rules {
		for _, f := range r.check(p) {
			// the stand-in for a required variable is internal: say what
			// it stands for instead
			f.Message = strings.ReplaceAll(f.Message, placeholderValue, requiredShown)
			f.Fix = strings.ReplaceAll(f.Fix, placeholderValue, requiredShown)
			f.Rule = r.ID
			f.Severity = r.Severity
			if f.Fix == "" {
				f = f.withRuleFix(r.ID)
			}
			out = append(out, f)
		}
	}
	kept, silenced := applySilences(p, sortFindings(out))
	return sortFindings(kept), silenced
}

// Dir reads a directory (see fileset.ReadDir for what is skipped) and
// validates it like a render.
func Dir(root string) ([]Finding, error) {
	set, err := fileset.ReadDir(root)
	if err != nil {
		return nil, msg.Err("validate.err.read-dir", msg.Args{"Dir": root, "Err": err})
	}
	return Files(set), nil
}

// HasErrors reports whether any finding is an Error.
func HasErrors(fs []Finding) bool {
	for _, f := range fs {
		if f.Severity == Error {
			return true
		}
	}
	return false
}

// HasComposeFile reports whether the set has a compose file validate would
// load, so a command can say "no compose file here" instead of "clean".
func HasComposeFile(set fileset.Set) bool {
	for _, f := range set {
		if isComposeBase(f.Path) || isComposeOverlay(f.Path) {
			return true
		}
	}
	return false
}

func sortFindings(in []Finding) []Finding {
	sort.SliceStable(in, func(i, j int) bool {
		a, b := in[i], in[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Rule != b.Rule {
			return a.Rule < b.Rule
		}
		return a.Message < b.Message
	})
	out := in[:0]
	for i, f := range in {
		if i > 0 && sameFinding(f, in[i-1]) {
			continue
		}
		out = append(out, f)
	}
	return out
}

// sameFinding compares what a reader sees (Text says the same thing in
// another language, and holds a map).
func sameFinding(a, b Finding) bool {
	return a.File == b.File && a.Line == b.Line && a.Rule == b.Rule && a.Severity == b.Severity && a.Message == b.Message && a.Fix == b.Fix
}

// fixClause turns a table fix, written as a sentence for the README, into
// the clause printed after "fix:": no final period, and a lower-case first
// word unless it is an identifier such as NEXT_PUBLIC_.
func fixClause(s string) string {
	s = strings.TrimSuffix(s, ".")
	if len(s) > 1 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'a' && s[1] <= 'z' {
		s = string(s[0]+'a'-'A') + s[1:]
	}
	return s
}
