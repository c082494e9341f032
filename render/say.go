package render

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"text/template"

	"github.com/stackgen/stackgen/internal/msg"
	"github.com/stackgen/stackgen/stack"
)

// sayFuncs are the helpers that write the catalogue's text, in the
// project's language, into a generated file: what a script prints (tsh,
// tps) and the comments of configs (tcomment). One template then serves
// every language, instead of a whole-file copy per language that every
// later change to the file would have to repeat.
//
// A message's placeholders are filled with the names of the script's own
// variables: {{tsh "gen.x" "File" "out"}} prints the text with $out where
// {{.File}} stands, quoted for the shell, so the value is read when the
// script runs. A value the template knows (an answer, a stack constant)
// is passed as (lit .X) instead: it becomes part of the text and is
// escaped with it, so it cannot change the script either.
func sayFuncs(l *msg.Localizer) template.FuncMap {
	return template.FuncMap{
		"tsh": func(id string, vars ...any) (string, error) {
			return ShellMessage(l, id, vars...)
		},
		"tps": func(id string, vars ...any) (string, error) {
			return PowerShellMessage(l, id, vars...)
		},
		"lit": func(v any) Lit { return Lit(fmt.Sprint(v)) },
		// {{tcomment [indent] "id" [placeholder value]...}}
		"tcomment": func(args ...any) (string, error) {
			indent := 0
			if len(args) > 0 {
				if n, ok := args[0].(int); ok {
					indent, args = n, args[1:]
				}
			}
			id, ok := "", len(args) > 0
			if ok {
				id, ok = args[0].(string)
			}
			if !ok || len(args)%2 != 1 {
				return "", msg.Err("gen.err.pairs", msg.Args{"ID": id, "Got": fmt.Sprintf("%q", args)})
			}
			return CommentMessage(l, id, indent, args[1:]...)
		},
		// {{tinicomment "id" [placeholder value]...}}: the same for
		// uWSGI's ini files, whose comments start with ;
		"tinicomment": func(id string, args ...any) (string, error) {
			return commentMessage(l, ";", id, 0, args...)
		},
	}
}

// Lit is a placeholder value written as text, not a variable reference.
type Lit string

// shellVar and psVar are the variable names a placeholder may be filled
// with: a name only, so no expression (and no value) can ride along.
var (
	shellVar = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	psVar    = regexp.MustCompile(`^(env:)?[A-Za-z_][A-Za-z0-9_]*$`)
)

// ShellMessage is message id as one double-quoted bash word: the text's
// \ $ ` and " are escaped, and each placeholder becomes ${NAME} of the
// variable named for it (vars: placeholder, variable, ...).
func ShellMessage(l *msg.Localizer, id string, vars ...any) (string, error) {
	parts, err := messageParts(l, id, vars, shellVar)
	if err != nil {
		return "", err
	}
	return shellJoin(parts), nil
}

// shellJoin writes text, variable, text, ... as one double-quoted word.
func shellJoin(parts []string) string {
	esc := strings.NewReplacer(`\`, `\\`, `$`, `\$`, "`", "\\`", `"`, `\"`)
	var b strings.Builder
	b.WriteByte('"')
	for i, p := range parts {
		if i%2 == 1 {
			b.WriteString(varRef(p, parts[i+1]))
			continue
		}
		b.WriteString(esc.Replace(p))
	}
	b.WriteByte('"')
	return b.String()
}

// PowerShellMessage is message id as one PowerShell string: single-quoted
// when it has no placeholder (every single-quote character doubled, the
// typographic ones included, since PowerShell ends a string at any of
// them), else double-quoted with ` $ and the double-quote characters
// escaped by a backtick and each placeholder as ${NAME}. Non-ASCII text
// is written as it is: Render gives such a .ps1 a BOM, so Windows
// PowerShell 5.1 reads it as UTF-8.
func PowerShellMessage(l *msg.Localizer, id string, vars ...any) (string, error) {
	parts, err := messageParts(l, id, vars, psVar)
	if err != nil {
		return "", err
	}
	return psJoin(parts), nil
}

// psJoin writes text, variable, text, ... as one PowerShell string.
func psJoin(parts []string) string {
	var b strings.Builder
	if len(parts) == 1 {
		b.WriteByte('\'')
		for _, r := range parts[0] {
			if r == '\'' || r >= 0x2018 && r <= 0x201B {
				b.WriteRune(r)
			}
			b.WriteRune(r)
		}
		b.WriteByte('\'')
		return b.String()
	}
	b.WriteByte('"')
	for i, p := range parts {
		if i%2 == 1 {
			b.WriteString(varRef(p, parts[i+1]))
			continue
		}
		for _, r := range p {
			if r == '`' || r == '$' || r == '"' || r >= 0x201C && r <= 0x201E {
				b.WriteByte('`')
			}
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// CommentMessage is message id as a block of # comment lines (one per
// line of the text, "#" alone for an empty one), for any file whose
// comments start with # (YAML, shell, PowerShell, Dockerfile, nginx, ini,
// my.cnf, postgresql.conf, redis.conf, Python). Each line and each value
// goes through Comment, so neither can end the comment early.
//
// indent is that of every line but the first (which the template
// indents), for a comment inside a block; args are placeholder, value
// pairs: {{tcomment 8 "gen.x" "Project" .Project}}.
func CommentMessage(l *msg.Localizer, id string, indent int, args ...any) (string, error) {
	return commentMessage(l, "#", id, indent, args...)
}

func commentMessage(l *msg.Localizer, mark, id string, indent int, args ...any) (string, error) {
	if len(args)%2 != 0 {
		return "", msg.Err("gen.err.pairs", msg.Args{"ID": id, "Got": fmt.Sprintf("%q", args)})
	}
	data := msg.Args{}
	for i := 0; i < len(args); i += 2 {
		data[fmt.Sprint(args[i])] = Comment(args[i+1])
	}
	text, err := lookup(l, id, data)
	if err != nil {
		return "", err
	}
	lines := strings.Split(text, "\n")
	for i, line := range lines {
		pad := ""
		if i > 0 {
			pad = strings.Repeat(" ", indent)
		}
		if line == "" {
			lines[i] = pad + mark
			continue
		}
		lines[i] = pad + mark + " " + Comment(line)
	}
	return strings.Join(lines, "\n"), nil
}

// varRef refers to variable name inside a double-quoted string: $NAME
// when the text after it cannot be read as more of the name (in bash or
// PowerShell, where a letter of any script, : and ? can continue one),
// else ${NAME}.
func varRef(name, next string) string {
	if next == "" || next[0] < 0x80 && !strings.ContainsRune("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_:?[{", rune(next[0])) {
		return "$" + name
	}
	return "${" + name + "}"
}

// marker stands for placeholder i while the text is escaped: NUL never
// appears in a message, and lookup refuses control characters.
func marker(i int) string { return "\x00" + strconv.Itoa(i) + "\x00" }

// messageParts renders id with markers for its placeholders and splits
// it: text, variable, text, ... (always an odd count).
func messageParts(l *msg.Localizer, id string, vars []any, name *regexp.Regexp) ([]string, error) {
	if len(vars)%2 != 0 {
		return nil, msg.Err("gen.err.pairs", msg.Args{"ID": id, "Got": fmt.Sprintf("%q", vars)})
	}
	args := msg.Args{}
	var names []string
	for i := 0; i < len(vars); i += 2 {
		key := fmt.Sprint(vars[i])
		switch v := vars[i+1].(type) {
		case Lit:
			if err := stack.CheckText("message", string(v)); err != nil {
				return nil, msg.Err("gen.err.text", msg.Args{"ID": id, "Err": err})
			}
			args[key] = string(v)
		case string:
			if !name.MatchString(v) {
				return nil, msg.Err("gen.err.var", msg.Args{"ID": id, "Key": key, "Var": v})
			}
			args[key] = marker(len(names))
			names = append(names, v)
		default:
			return nil, msg.Err("gen.err.var", msg.Args{"ID": id, "Key": key, "Var": fmt.Sprint(v)})
		}
	}
	text, err := lookup(l, id, args)
	if err != nil {
		return nil, err
	}
	if strings.ContainsRune(text, '\n') {
		return nil, msg.Err("gen.err.lines", msg.Args{"ID": id})
	}
	pieces := strings.Split(text, "\x00")
	parts := []string{pieces[0]}
	for i := 1; i+1 < len(pieces); i += 2 {
		n, err := strconv.Atoi(pieces[i])
		if err != nil || n >= len(names) {
			return nil, msg.Err("gen.err.readback", msg.Args{"ID": id, "Text": text})
		}
		parts = append(parts, names[n], pieces[i+1])
	}
	return parts, nil
}

// lookup says id in l's language; an ID the catalogue lacks (T returns
// the ID itself) or text with a control character fails the render.
func lookup(l *msg.Localizer, id string, args msg.Args) (string, error) {
	text := l.T(id, args)
	if text == id {
		return "", msg.Err("gen.err.unknown", msg.Args{"ID": id, "Area": area(id)})
	}
	for _, line := range strings.Split(strings.ReplaceAll(text, "\x00", ""), "\n") {
		if err := stack.CheckText("message", line); err != nil {
			return "", msg.Err("gen.err.text", msg.Args{"ID": id, "Err": err})
		}
	}
	return text, nil
}

func area(id string) string {
	a, _, _ := strings.Cut(strings.NewReplacer("-", ".", "_", ".").Replace(id), ".")
	return a
}
