package validate

import (
	"bytes"
	"errors"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/parser"

	"github.com/stackgen/stackgen/fileset"
)

// dockerfile is a Dockerfile parsed by BuildKit's own parser (the one
// `docker build` uses), grouped into stages.
type dockerfile struct {
	path    string
	err     error
	errLine int
	// syntaxLine is the line of a `# syntax=` directive, 0 when absent.
	syntaxLine int
	metaArgs   map[string]string // ARG defaults declared before the first FROM
	stages     []*dfStage
}

// dfStage is one FROM and the instructions under it.
type dfStage struct {
	image string // base image with meta ARG defaults expanded
	raw   string // base image as written
	name  string // AS name, lower-case
	line  int
	// fromStage: the base is an earlier stage (or scratch), not an image
	// pulled from a registry.
	fromStage bool
	instrs    []*dfInstr
}

// dfInstr is one instruction: lower-case keyword, its arguments (one for
// shell form, one per element for JSON form), flags like --mount=..., and
// whether it was written in JSON (exec) form.
type dfInstr struct {
	cmd      string
	args     []string
	flags    []string
	json     bool
	line     int
	heredocs []string
}

// text is the instruction's arguments (and heredoc bodies) as one string,
// for rules that look at what a RUN does.
func (i *dfInstr) text() string {
	t := strings.Join(i.args, " ")
	for _, h := range i.heredocs {
		t += "\n" + h
	}
	return t
}

func parseDockerfile(f fileset.File) *dockerfile {
	d := &dockerfile{path: f.Path, metaArgs: map[string]string{}}
	if _, _, loc, ok := parser.DetectSyntax(f.Content); ok && len(loc) > 0 {
		d.syntaxLine = loc[0].Start.Line
	}
	res, err := parser.Parse(bytes.NewReader(f.Content))
	if err != nil {
		d.err = err
		var le *parser.LocationError
		if errors.As(err, &le) && len(le.Locations) > 0 && len(le.Locations[0]) > 0 {
			d.errLine = le.Locations[0][0].Start.Line
		}
		return d
	}
	stageNames := map[string]bool{}
	var cur *dfStage
	for _, n := range res.AST.Children {
		in := &dfInstr{cmd: strings.ToLower(n.Value), flags: n.Flags, json: n.Attributes["json"], line: n.StartLine}
		for a := n.Next; a != nil; a = a.Next {
			in.args = append(in.args, a.Value)
		}
		for _, h := range n.Heredocs {
			in.heredocs = append(in.heredocs, h.Content)
		}
		switch {
		case in.cmd == "from":
			st := &dfStage{line: n.StartLine}
			if len(in.args) > 0 {
				st.raw = in.args[0]
				st.image = expandArgs(st.raw, d.metaArgs)
			}
			if len(in.args) >= 3 && strings.EqualFold(in.args[1], "as") {
				st.name = strings.ToLower(in.args[2])
			}
			st.fromStage = stageNames[strings.ToLower(st.image)] || strings.EqualFold(st.image, "scratch")
			if st.name != "" {
				stageNames[st.name] = true
			}
			d.stages = append(d.stages, st)
			cur = st
		case cur == nil:
			if in.cmd == "arg" {
				for _, a := range in.args {
					// an ARG with no default stays unresolved: its value
					// comes from --build-arg, which a file cannot show
					if k, v, ok := strings.Cut(a, "="); ok {
						d.metaArgs[k] = strings.Trim(v, `"'`)
					}
				}
			}
		default:
			cur.instrs = append(cur.instrs, in)
		}
	}
	return d
}

// final returns the last stage: the image that actually runs.
func (d *dockerfile) final() *dfStage {
	if len(d.stages) == 0 {
		return nil
	}
	return d.stages[len(d.stages)-1]
}

// baseImage follows a stage's FROM through earlier stages to the image it
// finally rests on ("" for scratch or an unknown stage).
func (d *dockerfile) baseImage(st *dfStage) string {
	for hops := 0; st != nil && st.fromStage && hops < len(d.stages); hops++ {
		name := strings.ToLower(st.image)
		var next *dfStage
		for _, s := range d.stages {
			if s.name == name {
				next = s
				break
			}
		}
		st = next
	}
	if st == nil || strings.EqualFold(st.image, "scratch") {
		return ""
	}
	return st.image
}

// expandArgs substitutes $NAME, ${NAME} and ${NAME:-default} from ARG
// defaults, the way BuildKit expands a FROM line when no --build-arg is
// given. Unknown names are left as written so the caller can tell the
// reference is unresolved.
func expandArgs(s string, args map[string]string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 >= len(s) {
			b.WriteByte(s[i])
			continue
		}
		if s[i+1] == '{' {
			end := closingBrace(s, i+2)
			if end < 0 {
				b.WriteString(s[i:])
				break
			}
			body := s[i+2 : end]
			n := nameLen(body)
			name, rest := body[:n], body[n:]
			v, ok := args[name]
			switch {
			case ok && v != "":
				b.WriteString(v)
			case strings.HasPrefix(rest, ":-") || strings.HasPrefix(rest, "-"):
				b.WriteString(expandArgs(strings.TrimLeft(rest, ":-"), args))
			case ok:
			default:
				b.WriteString(s[i : end+1])
			}
			i = end
			continue
		}
		n := nameLen(s[i+1:])
		if n == 0 {
			b.WriteByte('$')
			continue
		}
		if v, ok := args[s[i+1:i+1+n]]; ok {
			b.WriteString(v)
		} else {
			b.WriteString(s[i : i+1+n])
		}
		i += n
	}
	return b.String()
}

// shellCommands splits a shell command line into simple commands (on
// newlines, ;, &&, || and |) and each into words, enough to see which
// programs a RUN or a script runs and with which arguments. Quotes are
// removed; it is not a full shell parser and does not need to be.
func shellCommands(s string) [][]string {
	s = strings.ReplaceAll(s, "\\\n", " ")
	var cmds [][]string
	var words []string
	var word strings.Builder
	inWord := false
	flushWord := func() {
		if inWord {
			words = append(words, word.String())
			word.Reset()
			inWord = false
		}
	}
	flushCmd := func() {
		flushWord()
		if len(words) > 0 {
			cmds = append(cmds, words)
			words = nil
		}
	}
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if quote != 0 {
			if c == quote {
				quote = 0
			} else {
				word.WriteByte(c)
			}
			continue
		}
		switch {
		case c == '\'' || c == '"':
			quote = c
			inWord = true
		case c == '#' && !inWord:
			for i < len(s) && s[i] != '\n' {
				i++
			}
			flushCmd()
		case c == '\n' || c == ';' || c == '|' || c == '(' || c == ')':
			flushCmd()
		case c == '&':
			if i+1 < len(s) && s[i+1] == '&' {
				i++
				flushCmd()
			} else {
				// a lone & backgrounds the command: keep it visible as a word
				flushWord()
				words = append(words, "&")
				flushCmd()
			}
		case c == ' ' || c == '\t' || c == '\r':
			flushWord()
		default:
			word.WriteByte(c)
			inWord = true
		}
	}
	flushCmd()
	return cmds
}
