package bundle

import (
	"bytes"
	"strings"
	"text/template"

	"github.com/stackgen/stackgen/internal/msg"
	"github.com/stackgen/stackgen/internal/units"
	renderpkg "github.com/stackgen/stackgen/render"
	"github.com/stackgen/stackgen/templates"
)

// The scripts and the README are templates with {% %} delimiters, so the
// shells' own braces and docker's --format templates need no escaping.
func render(name, text string, m *Manifest) ([]byte, error) {
	lang, _ := msg.Parse(m.Lang)
	t, err := template.New(name).Delims("{%", "%}").Funcs(funcs(msg.New(lang))).Parse(text)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := t.Execute(&b, m); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// funcs are stackgen's quoting helpers (every value the scripts and the
// README write goes through one: scripts_test.go holds them to it), the
// message helpers in the project's language (l), and a few formatters.
func funcs(l *msg.Localizer) template.FuncMap {
	f := renderpkg.FuncsFor(l)
	f["shall"] = renderpkg.ShellWords
	f["psall"] = renderpkg.PowerShellWords
	// psarray is the inside of @(...): elements need commas there.
	f["psarray"] = renderpkg.PowerShellArray
	f["cmdword"] = renderpkg.CmdWord
	f["size"] = units.Bytes
	f["short"] = units.ShortID
	f["layers"] = func(ls []string) string { return strings.Join(ls, " ") }
	f["winpath"] = func(p string) string { return strings.ReplaceAll(p, "/", `\`) }
	f["migration"] = migration
	return f
}

// migration names the migration step for messages.
func migration(m *Migrate) string {
	if m == nil || m.What == "" {
		return "the migration"
	}
	return m.What
}

// LoadScriptBash renders load-and-start.sh: with nothing but Docker and
// Compose v2 on the host it checks every checksum, loads the images,
// writes .env with fresh secrets when there is none, starts the stack,
// waits for health and runs the migration.
func LoadScriptBash(m *Manifest) ([]byte, error) {
	return render("sh", templates.Bundle(bashTemplate), m)
}

// LoadScriptPowerShell renders load-and-start.ps1, the same steps for
// Windows PowerShell 5.1 and PowerShell 7. Binary data never goes through
// a PowerShell pipe (5.1 re-encodes it): cmd.exe (or sh) carries it.
func LoadScriptPowerShell(m *Manifest) ([]byte, error) {
	b, err := render("ps1", templates.Bundle(psTemplate), m)
	if err != nil {
		return nil, err
	}
	// Windows PowerShell 5.1 reads a script without a BOM as the ANSI
	// code page: a project name in Chinese needs one. CRLF keeps Notepad
	// happy.
	return renderpkg.PowerShellBOM(bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n"))), nil
}

// Readme renders the README for the offline host, in the project's language.
func Readme(m *Manifest) ([]byte, error) {
	if m.Lang == "zh" {
		return render("readme", templates.Bundle(readmeTemplateZh), m)
	}
	return render("readme", templates.Bundle(readmeTemplate), m)
}

// The templates' file names under templates/bundle.
const (
	bashTemplate   = "load-and-start.sh.tmpl"
	psTemplate     = "load-and-start.ps1.tmpl"
	readmeTemplate = "README.md.tmpl"
	// readmeTemplateZh says the same for a project whose lang is zh.
	readmeTemplateZh = "README.md.zh.tmpl"
)
