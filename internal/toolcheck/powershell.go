package toolcheck

import (
	"bytes"
	"fmt"
	"os/exec"
	"regexp"
	"sort"
	"strings"
	"unicode"
)

// pwshParse parses each file given as an argument with PowerShell's own
// parser and prints "file:line: message" for every error.
const pwshParse = `$failed = $false
foreach ($f in $args) {
    $tokens = $null; $errors = $null
    [System.Management.Automation.Language.Parser]::ParseFile($f, [ref]$tokens, [ref]$errors) | Out-Null
    foreach ($e in $errors) {
        Write-Output ("{0}:{1}: {2}" -f $f, $e.Extent.StartLineNumber, $e.Message)
        $failed = $true
    }
}
if ($failed) { exit 1 }`

func powershellNote(*Written) string {
	if _, err := exec.LookPath("pwsh"); err == nil {
		return "PowerShell scripts were parsed by pwsh, and checked for what Windows PowerShell 5.1 cannot run"
	}
	return "pwsh is not installed, so PowerShell scripts got the structural check only (balanced brackets and strings, no bash-isms or PowerShell 7-only operators, param block first, ASCII or a BOM); install PowerShell for a full parse"
}

// CheckPowerShell parses every PowerShell script with pwsh when it is
// installed. Whether or not it is, each script also gets a structural
// check for what Windows PowerShell 5.1 (the one every Windows has) would
// reject or misread: unbalanced brackets or strings, bash-isms and
// PowerShell 7-only operators such as && and ??, a param block that is not
// the first statement, and non-ASCII text without a BOM (5.1 reads such a
// file in the ANSI code page).
func (p *Written) CheckPowerShell() ([]Problem, error) {
	var problems []Problem
	scripts := p.powershellScripts()
	if pwsh, err := exec.LookPath("pwsh"); err == nil {
		args := append([]string{"-NoLogo", "-NoProfile", "-NonInteractive", "-Command", pwshParse}, scripts...)
		out, ok, err := runTool(p.Dir, pwsh, args...)
		if err != nil {
			return nil, err
		}
		if !ok {
			for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
				if line = strings.TrimSpace(line); line != "" {
					problems = append(problems, Problem{Msg: "pwsh: " + p.relTo(line)})
				}
			}
		}
	}
	for _, rel := range scripts {
		f, _ := p.Set.Get(rel)
		for _, msg := range StructuralPowerShell(f.Content) {
			problems = append(problems, Problem{File: rel, Msg: msg})
		}
	}
	return problems, nil
}

// psToken is a piece of PowerShell code outside strings and comments.
type psToken struct {
	text string
	line int
}

// StructuralPowerShell checks a PowerShell script without PowerShell and
// returns what is wrong, each message naming its line.
func StructuralPowerShell(content []byte) []string {
	var msgs []string
	add := func(line int, format string, args ...any) {
		msgs = append(msgs, fmt.Sprintf("line %d: %s", line, fmt.Sprintf(format, args...)))
	}
	hasBOM := bytes.HasPrefix(content, []byte{0xEF, 0xBB, 0xBF})
	if !hasBOM {
		for i, l := range strings.Split(string(content), "\n") {
			if strings.IndexFunc(l, func(r rune) bool { return r > unicode.MaxASCII }) >= 0 {
				add(i+1, "non-ASCII text in a file without a UTF-8 BOM: Windows PowerShell 5.1 would read it in the ANSI code page")
				break
			}
		}
	}
	src := strings.TrimPrefix(string(content), "\ufeff")
	if strings.HasPrefix(src, "#!") && strings.Contains(strings.SplitN(src, "\n", 2)[0], "bash") {
		add(1, "a bash shebang in a PowerShell script")
	}
	tokens, errs := tokenizePowerShell(src)
	msgs = append(msgs, errs...)

	// Brackets must balance and nest.
	type open struct {
		ch   byte
		line int
	}
	var stack []open
	pairs := map[byte]byte{')': '(', '}': '{', ']': '['}
	for _, t := range tokens {
		for i := 0; i < len(t.text); i++ {
			c := t.text[i]
			switch c {
			case '(', '{', '[':
				stack = append(stack, open{c, t.line})
			case ')', '}', ']':
				if len(stack) == 0 || stack[len(stack)-1].ch != pairs[c] {
					add(t.line, "unbalanced %q", c)
					return msgs
				}
				stack = stack[:len(stack)-1]
			}
		}
	}
	for _, o := range stack {
		add(o.line, "%q is never closed", o.ch)
	}

	// Operators Windows PowerShell 5.1 does not have, and bash syntax.
	for _, t := range tokens {
		switch {
		case strings.Contains(t.text, "&&") || strings.Contains(t.text, "||"):
			add(t.line, "&& and || are PowerShell 7 only (and bash); use if ($LASTEXITCODE -ne 0) { ... } for Windows PowerShell 5.1")
		case strings.Contains(t.text, "??"):
			add(t.line, "?? is PowerShell 7 only")
		case strings.Contains(t.text, "[["):
			add(t.line, "[[ is bash syntax")
		}
	}
	lineStarts := map[int]string{}
	for _, t := range tokens {
		if _, seen := lineStarts[t.line]; !seen {
			lineStarts[t.line] = strings.TrimSpace(t.text)
		}
	}
	for line, start := range lineStarts {
		word := strings.Fields(start + " ")
		if len(word) == 0 {
			continue
		}
		switch word[0] {
		case "fi", "done", "esac", "then", "export", "source":
			add(line, "%q is bash syntax", word[0])
		}
	}

	// A script's param block must be its first statement: only attributes
	// such as [CmdletBinding()] (and comments) may come before it.
	var code strings.Builder
	var lines []int
	for _, t := range tokens {
		for i := 0; i < len(t.text); i++ {
			code.WriteByte(t.text[i])
			lines = append(lines, t.line)
		}
	}
	if at := topLevelParam(code.String()); at >= 0 && !onlyAttributes(code.String()[:at]) {
		add(lines[at], "the param block is not the script's first statement")
	}
	sort.SliceStable(msgs, func(i, j int) bool { return msgLine(msgs[i]) < msgLine(msgs[j]) })
	return msgs
}

var paramKeyword = regexp.MustCompile(`(?i)(^|[^\w$-])param\s*\(`)

// topLevelParam returns the offset of a param block at bracket depth 0, or -1.
func topLevelParam(code string) int {
	for _, m := range paramKeyword.FindAllStringSubmatchIndex(code, -1) {
		at := m[3] // after the character before "param"
		depth := 0
		for i := 0; i < at; i++ {
			switch code[i] {
			case '(', '{', '[':
				depth++
			case ')', '}', ']':
				depth--
			}
		}
		if depth == 0 {
			return at
		}
	}
	return -1
}

// onlyAttributes reports whether code is nothing but [...] groups and space.
func onlyAttributes(code string) bool {
	depth := 0
	for i := 0; i < len(code); i++ {
		c := code[i]
		switch {
		case c == '[':
			depth++
		case c == ']':
			depth--
		case depth == 0 && !unicode.IsSpace(rune(c)):
			return false
		}
	}
	return true
}

func msgLine(m string) int {
	var n int
	fmt.Sscanf(m, "line %d:", &n)
	return n
}

// tokenizePowerShell splits src into code runs, leaving out comments and
// the text of strings (a double-quoted string's $( ) subexpressions are
// code and are kept). It reports strings and comments left open.
func tokenizePowerShell(src string) ([]psToken, []string) {
	var tokens []psToken
	var errs []string
	line := 1
	var cur strings.Builder
	curLine := 1
	flush := func() {
		if cur.Len() > 0 {
			tokens = append(tokens, psToken{cur.String(), curLine})
			cur.Reset()
		}
	}
	emit := func(c byte) {
		if cur.Len() == 0 {
			curLine = line
		}
		cur.WriteByte(c)
		if c == '\n' {
			flush()
		}
	}
	n := len(src)
	i := 0
	for i < n {
		c := src[i]
		switch {
		case c == '\n':
			emit(c)
			line++
			i++
		case c == '`' && i+1 < n: // escape: the next character is literal
			if src[i+1] == '\n' {
				line++
			}
			i += 2
		case c == '<' && strings.HasPrefix(src[i:], "<#"):
			end := strings.Index(src[i+2:], "#>")
			if end < 0 {
				errs = append(errs, fmt.Sprintf("line %d: block comment <# is never closed", line))
				return tokens, errs
			}
			line += strings.Count(src[i:i+2+end+2], "\n")
			i += 2 + end + 2
		case c == '#':
			for i < n && src[i] != '\n' {
				i++
			}
		case c == '@' && i+1 < n && (src[i+1] == '\'' || src[i+1] == '"') && hereStart(src, i+2):
			q := src[i+1]
			end := strings.Index(src[i+2:], "\n"+string(q)+"@")
			if end < 0 {
				errs = append(errs, fmt.Sprintf("line %d: here-string @%c is never closed", line, q))
				return tokens, errs
			}
			emit('"') // stands for the string
			line += strings.Count(src[i:i+2+end+3], "\n")
			i += 2 + end + 3
		case c == '\'':
			start := line
			j := i + 1
			for {
				if j >= n {
					errs = append(errs, fmt.Sprintf("line %d: string ' is never closed", start))
					return tokens, errs
				}
				if src[j] == '\'' {
					if j+1 < n && src[j+1] == '\'' {
						j += 2
						continue
					}
					break
				}
				if src[j] == '\n' {
					line++
				}
				j++
			}
			emit('"')
			i = j + 1
		case c == '"':
			start := line
			j, sub, ok := scanDouble(src, i+1, &line)
			if !ok {
				errs = append(errs, fmt.Sprintf("line %d: string \" is never closed", start))
				return tokens, errs
			}
			emit('"')
			for _, s := range sub {
				inner, innerErrs := tokenizePowerShell(s.text)
				for _, t := range inner {
					tokens = append(tokens, psToken{t.text, s.line + t.line - 1})
				}
				errs = append(errs, innerErrs...)
			}
			i = j
		default:
			emit(c)
			i++
		}
	}
	flush()
	return tokens, errs
}

// hereStart reports whether a here-string opener is followed by the end of
// its line, as PowerShell requires.
func hereStart(src string, i int) bool {
	for i < len(src) && (src[i] == ' ' || src[i] == '\t' || src[i] == '\r') {
		i++
	}
	return i < len(src) && src[i] == '\n'
}

// scanDouble reads a double-quoted string from just after its opening
// quote; it returns the index after the closing quote and the code of its
// $( ) subexpressions.
func scanDouble(src string, i int, line *int) (int, []psToken, bool) {
	var subs []psToken
	n := len(src)
	for i < n {
		c := src[i]
		switch {
		case c == '`' && i+1 < n:
			i += 2
		case c == '"':
			if i+1 < n && src[i+1] == '"' {
				i += 2
				continue
			}
			return i + 1, subs, true
		case c == '$' && i+1 < n && src[i+1] == '(':
			start := i + 2
			depth := 1
			j := start
			for j < n && depth > 0 {
				switch src[j] {
				case '(':
					depth++
				case ')':
					depth--
				case '"':
					// a nested string inside the subexpression
					k, _, ok := scanDouble(src, j+1, new(int))
					if !ok {
						return 0, nil, false
					}
					j = k - 1
				case '\'':
					k := strings.IndexByte(src[j+1:], '\'')
					if k < 0 {
						return 0, nil, false
					}
					j += k + 1
				}
				j++
			}
			if depth > 0 {
				return 0, nil, false
			}
			// the subexpression's brackets are code: keep them balanced
			subs = append(subs, psToken{"(" + src[start:j-1] + ")", *line})
			*line += strings.Count(src[i:j], "\n")
			i = j
		case c == '\n':
			*line++
			i++
		default:
			i++
		}
	}
	return 0, nil, false
}
