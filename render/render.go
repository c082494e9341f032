// Package render turns a stack definition and one set of answers into the
// files of a project, in memory. It never touches the disk.
package render

import (
	"bytes"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"text/template"

	"github.com/stackgen/stackgen/fileset"
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
	var data any = in
	if d.Data != nil {
		var err error
		if data, err = d.Data(in); err != nil {
			return nil, err
		}
	}
	var set fileset.Set
	seen := map[string]string{}
	err := fs.WalkDir(d.Templates, ".", func(p string, e fs.DirEntry, err error) error {
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
		if d.OutputPath != nil {
			out = d.OutputPath(out, in.Answers)
		}
		if out == "" {
			return nil
		}
		content := raw
		if strings.HasSuffix(p, TemplateExt) {
			if content, err = execute(p, raw, data); err != nil {
				return err
			}
		}
		if prev, dup := seen[out]; dup {
			return fmt.Errorf("templates %s and %s both write %s", prev, p, out)
		}
		seen[out] = p
		set = append(set, fileset.File{Path: out, Mode: ModeFor(out), Content: content})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("render %s: %w", d.Name, err)
	}
	set.Sort()
	return set, nil
}

func execute(name string, raw []byte, data any) ([]byte, error) {
	t, err := template.New(name).Funcs(Funcs()).Option("missingkey=error").Parse(string(raw))
	if err != nil {
		return nil, fmt.Errorf("template %s: %w", name, err)
	}
	var b bytes.Buffer
	if err := t.Execute(&b, data); err != nil {
		return nil, fmt.Errorf("template %s: %w", name, err)
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
