package bundle

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stackgen/stackgen/internal/msg"
	renderpkg "github.com/stackgen/stackgen/render"
	"github.com/stackgen/stackgen/templates"
)

// Every value the load scripts and the bundle README write goes through
// the quoting helper of the file's syntax, as in the stacks' templates.
func TestBundleTemplatesQuoteEveryValue(t *testing.T) {
	for _, c := range []struct {
		name, file, text string
		extra            []string
	}{
		{"load-and-start.sh", "load-and-start.sh", templates.Bundle(bashTemplate), []string{"shall"}},
		{"load-and-start.ps1", "load-and-start.ps1", templates.Bundle(psTemplate), []string{"psall", "psarray"}},
		{"README.md", "README.md", templates.Bundle(readmeTemplate), nil},
		{"README.md (zh)", "README.md", templates.Bundle(readmeTemplateZh), nil},
	} {
		allowed, ok := renderpkg.QuotingHelpers(c.file)
		if !ok {
			t.Fatalf("no helpers for %s", c.file)
		}
		for _, e := range c.extra {
			allowed[e] = true
		}
		bad, err := renderpkg.UnquotedActions(c.name, c.text, "{%", "%}", funcs(msg.English()), allowed)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range bad {
			t.Errorf("%s: %s", c.name, b)
		}
	}
}

// A project name or URL with quotes, typographic quotes or $ stays data in
// both load scripts, and cmd.exe command lines refuse what they cannot hold.
func TestLoadScriptsQuoteHostileValues(t *testing.T) {
	m := &Manifest{Project: "it's ‘x’ $(calc)", URL: "http://h/'$(x)", Platform: "linux/amd64", SecretKeys: []string{"A"}}
	sh, err := LoadScriptBash(m)
	if err != nil {
		t.Fatal(err)
	}
	// the name is part of the message text, escaped with it
	if !strings.Contains(string(sh), `log "starting it's ‘x’ \$(calc) and waiting`) {
		t.Errorf("bash script does not escape the project name in its message:\n%s", sh)
	}
	ps, err := LoadScriptPowerShell(m)
	if err != nil {
		t.Fatal(err)
	}
	// Typographic quotes stay data: doubled in a single-quoted string like
	// ', and the BOM makes Windows PowerShell 5.1 read them as UTF-8.
	if !bytes.HasPrefix(ps, []byte("\xEF\xBB\xBF")) || !strings.Contains(string(ps), "'starting it''s ‘‘x’’ $(calc) and waiting") {
		t.Errorf("PowerShell script does not escape the project name in its message (or lacks its BOM):\n%s", ps)
	}
	if _, err := renderpkg.CmdWord("a&calc"); err == nil {
		t.Error("cmdWord accepted &")
	}
}
