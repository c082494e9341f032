// Package render turns a stack definition and one set of answers into the
// files of a project, in memory. It never touches the disk.
package render

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"strings"
	"text/template"

	"github.com/stackgen/stackgen/fileset"
	"github.com/stackgen/stackgen/internal/msg"
	"github.com/stackgen/stackgen/stack"
)

// TemplateExt marks files that are executed as templates; others are
// copied as they are.
const TemplateExt = ".tmpl"

// Render executes every template of d for in and returns the files sorted
// by path. A template that fails names its file and the cause.
func Render(d *stack.Definition, in stack.Input) (fileset.Set, error) {
	if d.Templates == nil {
		return nil, fmt.Errorf("stack %s has no templates", d.Name)
	}
	// Templates see only the struct the stack builds from the answers,
	// never the raw Input: a template reading an answer string directly
	// would skip the stack's parsing and checks of it.
	if d.Data == nil {
		return nil, msg.Err("render.err.no-data", msg.Args{"Stack": d.Name})
	}
	data, err := d.Data(in)
	if err != nil {
		return nil, err
	}
	lang, _ := msg.Parse(in.Answers[stack.LangAnswer])
	funcs := FuncsFor(msg.New(lang))
	var set fileset.Set
	seen := map[string]string{}
	err = fs.WalkDir(d.Templates, ".", func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.IsDir() {
			return nil
		}
		raw, err := fs.ReadFile(d.Templates, p)
		if err != nil {
			return err
		}
		out := strings.TrimSuffix(p, TemplateExt)
		var keep bool
		if out, keep = localized(d.Templates, p, out, in.Answers[stack.LangAnswer]); !keep {
			return nil
		}
		if d.OutputPath != nil {
			out = d.OutputPath(out, in.Answers)
		}
		if out == "" {
			return nil
		}
		content := raw
		if strings.HasSuffix(p, TemplateExt) {
			if content, err = execute(p, raw, data, funcs); err != nil {
				return err
			}
		}
		if prev, dup := seen[out]; dup {
			return fmt.Errorf("templates %s and %s both write %s", prev, p, out)
		}
		seen[out] = p
		if strings.HasSuffix(out, ".ps1") {
			content = PowerShellBOM(content)
		}
		set = append(set, fileset.File{Path: out, Mode: ModeFor(out), Content: content})
		return nil
	})
	if err != nil {
		return nil, msg.Err("render.err.render", msg.Args{"Stack": d.Name, "Err": err})
	}
	if name := in.Answers[stack.ComposeProjectAnswer]; name != "" {
		if err := setComposeName(set, name, in.Answers[stack.LangAnswer]); err != nil {
			return nil, msg.Err("render.err.render", msg.Args{"Stack": d.Name, "Err": err})
		}
	}
	set.Sort()
	return set, nil
}

// utf8BOM marks a file as UTF-8 for readers that otherwise guess.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// PowerShellBOM returns a PowerShell script that Windows PowerShell 5.1
// reads as UTF-8: 5.1 reads a script without a BOM in the ANSI code page,
// so Chinese messages (or a project named 我的网站) would come out as
// mojibake or break a string. An all-ASCII script stays as it is, which
// every PowerShell reads the same.
func PowerShellBOM(b []byte) []byte {
	if bytes.HasPrefix(b, utf8BOM) {
		return b
	}
	for _, c := range b {
		if c >= 0x80 {
			return append(append([]byte(nil), utf8BOM...), b...)
		}
	}
	return b
}

// localized picks a template's language variant: NAME.zh.tmpl (or
// NAME.zh for a copied file) replaces NAME.tmpl when the project's lang
// answer is zh, and is skipped otherwise. keep is false for a file that
// another language's variant replaces.
func localized(tree fs.FS, p, out, lang string) (string, bool) {
	for _, l := range msg.Langs()[1:] {
		suffix := "." + string(l)
		if strings.HasSuffix(out, suffix) {
			return strings.TrimSuffix(out, suffix), string(l) == lang
		}
	}
	if lang == "" || lang == string(msg.En) {
		return out, true
	}
	variant := out + "." + lang
	if strings.HasSuffix(p, TemplateExt) {
		variant += TemplateExt
	}
	if _, err := fs.Stat(tree, variant); err == nil {
		return out, false
	}
	return out, true
}

// composeFile is the file every stack's compose project is defined in.
const composeFile = "compose.yaml"

// setComposeName writes the compose project name into compose.yaml, in one
// place for every stack: without `name:` compose derives the name from the
// folder, which is empty for a folder named 我的网站 and differs from what
// stackgen's own commands (status, backup, deploy) would compute.
func setComposeName(set fileset.Set, name, lang string) error {
	for i := range set {
		if set[i].Path != composeFile {
			continue
		}
		if topLevelName.Match(set[i].Content) {
			return fmt.Errorf("%s: the template sets name: itself; the compose_project answer does", composeFile)
		}
		l, _ := msg.Parse(lang)
		set[i].Content = insertAfterHeader(set[i].Content,
			msg.New(l).T("file.compose.name-comment")+"\n"+
				"name: "+ComposeString(name)+"\n\n")
		return nil
	}
	return fmt.Errorf("no %s rendered to write the project name into", composeFile)
}

var topLevelName = regexp.MustCompile(`(?m)^name:`)

// insertAfterHeader puts text after the file's leading comment block (and
// the blank line ending it, or one of its own), so the header stays the
// first thing read.
func insertAfterHeader(b []byte, text string) []byte {
	pos, blank := 0, true
	for pos < len(b) {
		end := bytes.IndexByte(b[pos:], '\n')
		if end < 0 {
			end = len(b) - pos
		} else {
			end++
		}
		line := bytes.TrimSpace(b[pos : pos+end])
		if len(line) > 0 && line[0] != '#' {
			break
		}
		blank = len(line) == 0
		pos += end
	}
	out := append([]byte(nil), b[:pos]...)
	if !blank {
		out = append(out, '\n')
	}
	out = append(out, text...)
	return append(out, b[pos:]...)
}

func execute(name string, raw []byte, data any, funcs template.FuncMap) ([]byte, error) {
	t, err := template.New(name).Funcs(funcs).Option("missingkey=error").Parse(string(raw))
	if err != nil {
		return nil, fmt.Errorf("template %s: %w", name, err)
	}
	var b bytes.Buffer
	if err := t.Execute(&b, data); err != nil {
		// A value an answer put where it cannot go is the user's to fix:
		// say that error (in the reader's language), not the template
		// machinery's position and call chain around it.
		var said *msg.Error
		if errors.As(err, &said) {
			err = said
		}
		return nil, msg.Err("render.err.template", msg.Args{"File": name, "Err": err})
	}

	return b.Bytes(), nil
}

// ModeFor is the permission of a generated file: scripts run, .env is
// readable by its owner only, everything else is ordinary.
func ModeFor(p string) fs.FileMode {
	base := path.Base(p)
	switch {
	case base == ".env":
		return 0o600
	case strings.HasSuffix(base, ".sh"):
		return 0o755
	}
	return 0o644
}
