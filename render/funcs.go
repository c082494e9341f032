package render

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/template"
	"unicode"
)

// Funcs returns the helpers templates use to put a value into each kind of
// file. Every value that comes from an answer goes through one of them, so
// a quote, a dollar sign or a newline in an answer can never change the
// meaning of the file it lands in: each either quotes the value for its
// syntax or refuses it with an error naming the value.
func Funcs() template.FuncMap {
	return template.FuncMap{
		"yaml":     YAMLString,
		"compose":  ComposeString,
		"sh":       ShellQuote,
		"ps":       PowerShellQuote,
		"env":      EnvValue,
		"nginx":    NginxValue,
		"ini":      INIValue,
		"sqlIdent": SQLIdent,
		"sqlStr":   SQLString,
		"py":       PythonString,
		"json":     JSON,
		"join":     strings.Join,
		"lower":    strings.ToLower,
		"upper":    strings.ToUpper,
		"indent":   Indent,
		"list":     func(v ...string) []string { return v },
	}
}

// YAMLString quotes s as a YAML double-quoted scalar. JSON string escapes
// are a subset of YAML's, so JSON encoding gives a correct YAML scalar.
func YAMLString(s string) string {
	return JSON(s)
}

// ComposeString quotes s for a compose file, where "$" starts
// interpolation and a literal one is written "$$".
func ComposeString(s string) string {
	return YAMLString(strings.ReplaceAll(s, "$", "$$"))
}

// ShellQuote quotes s as one POSIX shell word.
func ShellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("@%+=:,./-_", r)))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'"'"'`) + "'"
}

// PowerShellQuote quotes s as a PowerShell verbatim string, where only the
// single quote is special (doubled).
func PowerShellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// EnvValue writes s for a .env file read by Compose. Single quotes keep
// the value literal (no interpolation) when s has no single quote or
// newline; otherwise a double-quoted value escapes what Compose would
// interpret.
func EnvValue(s string) string {
	if !strings.ContainsAny(s, "'\n\r") {
		return "'" + s + "'"
	}
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "$", `\$`, "\n", `\n`, "\r", `\r`)
	return `"` + r.Replace(s) + `"`
}

// NginxValue quotes s for nginx. nginx expands "$" inside quoted strings
// and has no escape for it, so such values are refused rather than
// silently changed.
func NginxValue(s string) (string, error) {
	if strings.ContainsAny(s, "$\n\r\x00") {
		return "", fmt.Errorf("value %q cannot be written to nginx.conf: it contains $ or a line break", s)
	}
	if s != "" && !strings.ContainsAny(s, " \t\"'\\;{}#") {
		return s, nil
	}
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return `"` + r.Replace(s) + `"`, nil
}

// INIValue refuses values that would end or comment out an ini line.
func INIValue(s string) (string, error) {
	if strings.ContainsAny(s, "\n\r;#") {
		return "", fmt.Errorf("value %q cannot be written to an ini file: it contains a line break, ; or #", s)
	}
	return s, nil
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
