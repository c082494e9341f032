package render

import (
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"
	"text/template"
	"unicode"
	"unicode/utf8"

	"github.com/stackgen/stackgen/internal/msg"
	"github.com/stackgen/stackgen/stack"
)

// Funcs returns the helpers templates use to put a value into each kind of
// file. Every value a template writes goes through one of the quoting
// helpers (QuotingHelpers lists them per kind of file, and a test holds
// every template to that list), so a quote, a dollar sign, a line break or
// a look-alike quote in a value can never change the meaning of the file it
// lands in: each helper either quotes the value for its syntax or refuses
// it with an error naming the value. The message helpers (tsh, tps,
// tcomment) speak English here; FuncsFor speaks the project's language.
func Funcs() template.FuncMap { return FuncsFor(msg.English()) }

// FuncsFor is Funcs with the message helpers in l's language.
func FuncsFor(l *msg.Localizer) template.FuncMap {
	f := template.FuncMap{
		"yaml":      YAMLString,
		"compose":   ComposeString,
		"xstackgen": XStackgen,
		"comment":   Comment,
		"pscomment": PowerShellComment,
		"sh":        ShellWord,
		"ps":        PowerShellQuote,
		"docker":    DockerfileWord,
		"env":       EnvEntry,
		"nginx":     NginxValue,
		"ini":       INIValue,
		"md":        Markdown,
		"mdcode":    MarkdownCode,
		"gitignore": GitignorePattern,
		"line":      Line,
		"sqlIdent":  SQLIdent,
		"sqlStr":    SQLString,
		"py":        PythonString,
		"json":      JSON,
		"num":       Number,
		"word":      Word,
		"join":      strings.Join,
		"lower":     strings.ToLower,
		"upper":     strings.ToUpper,
		"indent":    Indent,
		"list":      func(v ...string) []string { return v },
	}
	for k, v := range sayFuncs(l) {
		f[k] = v
	}
	return f
}

// YAMLString quotes s as a YAML double-quoted scalar. Every character a
// YAML parser would read as a line break (and fold into a space), a
// non-printable character or a bidi control is written as an escape, so
// the scalar is one line of printable text and reads back as s (invalid
// UTF-8, which answers refuse, reads back as U+FFFD).
func YAMLString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\t':
			b.WriteString(`\t`)
		case stack.Unsafe(r) || !unicode.IsPrint(r) && r != ' ':
			writeUnicodeEscape(&b, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func writeUnicodeEscape(b *strings.Builder, r rune) {
	if r > 0xFFFF {
		fmt.Fprintf(b, `\U%08X`, r)
		return
	}
	fmt.Fprintf(b, `\u%04X`, r)
}

// XStackgen writes a service's x-stackgen extension as a YAML flow
// mapping: values that are plain lower-case words (all of imagerole's)
// bare, anything else quoted.
func XStackgen(r stack.ServiceRole) string {
	word := func(s string) string {
		if s != "" && strings.IndexFunc(s, func(c rune) bool { return !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') }) < 0 && s[0] >= 'a' && s[0] <= 'z' {
			return s
		}
		return YAMLString(s)
	}
	if r.Family == "" {
		return "{role: " + word(string(r.Role)) + "}"
	}
	return "{role: " + word(string(r.Role)) + ", family: " + word(r.Family) + "}"
}

// ComposeString quotes s for a compose file, where "$" starts
// interpolation and a literal one is written "$$".
func ComposeString(s string) string {
	return YAMLString(strings.ReplaceAll(s, "$", "$$"))
}

// Comment makes v safe as the text of a line comment in any syntax
// stackgen writes (YAML, shell, PowerShell, Python, Dockerfile, nginx, ini,
// SQL, .env): every line break, control and bidi character is shown as
// \uXXXX instead, so the comment cannot end early and start code.
func Comment(v any) string {
	// "#>" would end a PowerShell <# #> help block the comment sits in.
	s := strings.ReplaceAll(strings.ToValidUTF8(fmt.Sprint(v), "\uFFFD"), "#>", "# >")
	var b strings.Builder
	for _, r := range s {
		if stack.Unsafe(r) {
			writeUnicodeEscape(&b, r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// PowerShellComment is Comment for PowerShell scripts, which must stay
// ASCII (see PowerShellQuote): other characters are shown as \uXXXX too.
func PowerShellComment(v any) string {
	var b strings.Builder
	for _, r := range Comment(v) {
		if r > 0x7E {
			writeUnicodeEscape(&b, r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// ShellWord is the template helper "sh": ShellQuote, refusing NUL, which
// no shell word (and no program argument) can hold.
func ShellWord(s string) (string, error) {
	if strings.ContainsRune(s, 0) {
		return "", msg.Err("render.err.value-shell", msg.Args{"Value": strconv.Quote(s)})
	}
	return ShellQuote(s), nil
}

// ShellQuote quotes s as one POSIX shell word: bare when it holds only
// safe characters, else single-quoted, where every byte is literal.
func ShellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("@%+=:,./-_", r)))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'"'"'`) + "'"
}

// PowerShellQuote writes s as a PowerShell expression that evaluates to s,
// in printable ASCII only. PowerShell ends a single-quoted string at ' and
// at the typographic quotes U+2018, U+2019, U+201A and U+201B, and Windows
// PowerShell 5.1 reads a script without a byte order mark in the ANSI code
// page, where the bytes of other characters can turn into those quotes. So
// ASCII runs are single-quoted (' doubled) and every other character is
// added as [char]0xNNNN (UTF-16 code units), which no decoding can change:
// 'C:\data' stays 'C:\data'; '../onyx’x' becomes ('../onyx' + [char]0x2019 + 'x').
func PowerShellQuote(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	var parts []string
	var run strings.Builder
	inRun := false
	flush := func() {
		if inRun {
			parts = append(parts, "'"+run.String()+"'")
			run.Reset()
			inRun = false
		}
	}
	for _, r := range s {
		if r >= 0x20 && r < 0x7F {
			if r == '\'' {
				run.WriteByte('\'')
			}
			run.WriteRune(r)
			inRun = true
			continue
		}
		flush()
		for _, u := range utf16Units(r) {
			parts = append(parts, fmt.Sprintf("[char]0x%04X", u))
		}
	}
	flush()
	switch len(parts) {
	case 0:
		return "''"
	case 1:
		if strings.HasPrefix(parts[0], "'") {
			return parts[0]
		}
		// A lone [char] is a char, not a string; '' + makes it one.
		return "('' + " + parts[0] + ")"
	}
	if !strings.HasPrefix(parts[0], "'") {
		parts = append([]string{"''"}, parts...)
	}
	return "(" + strings.Join(parts, " + ") + ")"
}

func utf16Units(r rune) []uint16 {
	if r < 0x10000 {
		return []uint16{uint16(r)}
	}
	r -= 0x10000
	return []uint16{uint16(0xD800 + (r >> 10)), uint16(0xDC00 + (r & 0x3FF))}
}

// dockerBare are the characters a Dockerfile word may hold unquoted.
const dockerBare = "@%+=:,./-_"

// DockerfileWord writes s as one word of a Dockerfile instruction (an
// ARG or ENV value, a LABEL value, a FROM image): bare when it holds only
// safe characters, else double-quoted with ", $ and \ escaped. Quoting
// matters most at the end of a line: a bare value ending in \ would join
// the next line and swallow its instruction. Line breaks and controls are
// refused: a Dockerfile instruction is one line.
func DockerfileWord(s string) (string, error) {
	if err := stack.CheckText("value", s); err != nil {
		return "", msg.Err("render.err.value-dockerfile", msg.Args{"Value": strconv.Quote(s)})
	}
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune(dockerBare, r)))
	}) < 0 {
		return s, nil
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "$", `\$`).Replace(s) + `"`, nil
}

// EnvEntry is the template helper "env": EnvValue, refusing NUL and
// invalid UTF-8, which compose-go's parser cannot read back.
func EnvEntry(s string) (string, error) {
	if strings.ContainsRune(s, 0) || !utf8.ValidString(s) {
		return "", msg.Err("render.err.value-env", msg.Args{"Value": strconv.Quote(s)})
	}
	return EnvValue(s), nil
}

// EnvValue writes s for a .env file read by Compose. Single quotes keep
// the value literal (no interpolation) when s has no single quote,
// backslash or line break; otherwise a double-quoted value escapes what
// Compose would interpret.
func EnvValue(s string) string {
	// compose-go's parser reads \' as a quote even inside single quotes,
	// so a backslash needs the double-quoted form too.
	if !strings.ContainsAny(s, "'\\\n\r") {
		return "'" + s + "'"
	}
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "$", `\$`, "\n", `\n`, "\r", `\r`)
	return `"` + r.Replace(s) + `"`
}

// NginxValue quotes s for nginx. nginx expands "$" inside quoted strings
// and has no escape for it, so such values are refused rather than
// silently changed, as are line breaks and controls.
func NginxValue(s string) (string, error) {
	if strings.ContainsRune(s, '$') || stack.CheckText("value", s) != nil {
		return "", msg.Err("render.err.value-nginx", msg.Args{"Value": strconv.Quote(s)})
	}
	if s != "" && !strings.ContainsAny(s, " \t\"'\\;{}#") {
		return s, nil
	}
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return `"` + r.Replace(s) + `"`, nil
}

// INIValue refuses values that would end or comment out an ini line
// (uwsgi.ini, pip.conf, my.cnf).
func INIValue(s string) (string, error) {
	if strings.ContainsAny(s, ";#") || stack.CheckText("value", s) != nil || strings.TrimSpace(s) != s {
		return "", msg.Err("render.err.value-ini", msg.Args{"Value": strconv.Quote(s)})
	}
	return s, nil
}

// Line refuses values that would not stay one plain line of a
// line-oriented file (requirements.txt): line breaks, controls and #.
func Line(v any) (string, error) {
	s := fmt.Sprint(v)
	if strings.ContainsRune(s, '#') || stack.CheckText("value", s) != nil {
		return "", msg.Err("render.err.value-line", msg.Args{"Value": strconv.Quote(s)})
	}
	return s, nil
}

// Markdown escapes v for Markdown prose: ASCII punctuation that can start
// inline markup (emphasis, links, code, HTML, tables) is backslash-escaped
// and line breaks are shown as \uXXXX, so a value cannot start a block.
func Markdown(v any) string {
	s := Comment(v)
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune("\\`*_[]<>!|&~#", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// MarkdownCode writes v inside Markdown code (a `span` or a fenced
// block), where no escape works: a backtick would end the span and a line
// break could close the fence, so both are refused.
func MarkdownCode(v any) (string, error) {
	s := fmt.Sprint(v)
	if strings.ContainsRune(s, '`') || stack.CheckText("value", s) != nil {
		return "", msg.Err("render.err.value-markdown", msg.Args{"Value": strconv.Quote(s)})
	}
	return s, nil
}

// GitignorePattern escapes s as a literal .gitignore (or .dockerignore)
// path: glob characters and a leading ! or # are backslash-escaped.
func GitignorePattern(s string) (string, error) {
	if stack.CheckText("value", s) != nil || strings.HasSuffix(s, " ") {
		return "", msg.Err("render.err.value-ignore", msg.Args{"Value": strconv.Quote(s)})
	}
	var b strings.Builder
	for i, r := range s {
		if strings.ContainsRune(`\*?[]`, r) || i == 0 && (r == '!' || r == '#') {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String(), nil
}

// SQLIdent quotes an identifier for MySQL/MariaDB.
func SQLIdent(s string) string { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }

// SQLString quotes a string literal for SQL (standard doubling of quotes,
// backslashes doubled for MySQL's default mode).
func SQLString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, "'", "''").Replace(s) + "'"
}

// PythonString quotes s as a Python string literal (JSON's escapes are
// valid Python escapes).
func PythonString(s string) string { return JSON(s) }

// JSON encodes v without HTML escaping.
func JSON(v any) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(err) // only strings, numbers, maps and slices reach here
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// Number writes an integer; anything else is an error, so a template
// cannot pass a string off as a number into a file where it is unquoted.
func Number(v any) (string, error) {
	switch n := v.(type) {
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return fmt.Sprint(n), nil
	}
	return "", fmt.Errorf("value %v (%T) is not a whole number", v, v)
}

// Indent prefixes every non-empty line of s with n spaces.
func Indent(n int, s string) string {
	pad := strings.Repeat(" ", n)
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = pad + l
		}
	}
	return strings.Join(lines, "\n")
}

// Word passes a constant word of the stack's own (a service name, a file
// name, a path inside a container: letters, digits and . _ - / only) into
// any syntax unchanged, and fails the render for anything else, so a value
// that could need quoting can never take this way.
func Word(v any) (string, error) {
	s := fmt.Sprint(v)
	if s == "" || strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-' || r == '/')
	}) >= 0 {
		return "", fmt.Errorf("word: %q is not a plain word; quote it for its syntax", s)
	}
	return s, nil
}

// QuotingHelpers returns the helpers a template may end a printed value
// with in the file at path p, by the file's syntax; ok is false for a kind
// of file no helper is known for.
func QuotingHelpers(p string) (map[string]bool, bool) {
	set := func(names ...string) map[string]bool {
		m := map[string]bool{"num": true, "word": true}
		if slices.Contains(names, "comment") || slices.Contains(names, "pscomment") {
			m["tcomment"] = true
		}
		for _, n := range names {
			m[n] = true
		}
		return m
	}
	base := path.Base(p)
	// a language variant (README.md.zh) is the kind of file it replaces
	for _, l := range msg.Langs()[1:] {
		base = strings.TrimSuffix(base, "."+string(l))
	}
	switch {
	case strings.HasSuffix(base, ".yaml") || strings.HasSuffix(base, ".yml"):
		return set("yaml", "compose", "xstackgen", "comment"), true
	case base == ".env" || strings.HasPrefix(base, ".env."):
		return set("env", "comment"), true
	case strings.HasSuffix(base, ".sh"):
		return set("sh", "tsh", "comment"), true
	case strings.HasSuffix(base, ".ps1"):
		return set("ps", "tps", "pscomment", "tpshelp"), true
	case base == "Dockerfile" || strings.HasPrefix(base, "Dockerfile."):
		return set("docker", "comment"), true
	case strings.HasSuffix(base, ".conf") && strings.Contains(p, "nginx"):
		return set("nginx", "comment"), true
	case strings.HasSuffix(base, ".ini"):
		// uWSGI reads ; comments (and # ones); its files keep ;
		return set("ini", "comment", "tinicomment"), true
	case strings.HasSuffix(base, ".cnf") || base == "pip.conf":
		return set("ini", "comment"), true
	case base == "redis.conf" || base == "valkey.conf":
		// Constant settings: only comments print anything.
		return set("comment"), true
	case base == "postgresql.conf":
		// No helper quotes a postgresql.conf value yet: only comments
		// may print answers.
		return set("comment"), true
	case strings.HasSuffix(base, ".sql"):
		return set("sqlIdent", "sqlStr", "comment"), true
	case strings.HasSuffix(base, ".py"):
		return set("py", "comment", "tpydoc"), true
	case strings.HasSuffix(base, ".md"):
		return set("md", "mdcode"), true
	case base == ".gitignore" || base == ".dockerignore":
		return set("gitignore", "comment"), true
	case base == ".gitattributes":
		return set("comment"), true
	case strings.HasSuffix(base, ".txt"):
		return set("line", "comment"), true
	}
	return nil, false
}
