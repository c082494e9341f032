package validate

import "strings"

// varRef is one ${VAR} or $VAR in a compose value.
type varRef struct {
	name string
	// defaulted: ${VAR:-x}, ${VAR-x}, ${VAR:+x}, ${VAR+x}: a missing value
	// is intended.
	defaulted bool
	// guarded: ${VAR:?msg}, ${VAR?msg}: a missing value stops Compose with
	// the author's message.
	guarded bool
}

// extractVarRefs finds the variables Compose would interpolate in s,
// following its syntax: $$ is a literal dollar, names are [A-Za-z0-9_],
// and a default may itself hold variables (whose own absence is then
// covered by the outer default).
func extractVarRefs(s string) []varRef {
	var out []varRef
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 >= len(s) {
			continue
		}
		next := s[i+1]
		switch {
		case next == '$':
			i++ // escaped dollar
		case next == '{':
			end := closingBrace(s, i+2)
			if end < 0 {
				return out // unterminated: the loader reports it
			}
			body := s[i+2 : end]
			n := nameLen(body)
			if n > 0 {
				ref := varRef{name: body[:n]}
				rest := body[n:]
				switch {
				case strings.HasPrefix(rest, ":?"), strings.HasPrefix(rest, "?"):
					ref.guarded = true
				case strings.HasPrefix(rest, ":-"), strings.HasPrefix(rest, "-"),
					strings.HasPrefix(rest, ":+"), strings.HasPrefix(rest, "+"):
					ref.defaulted = true
				}
				out = append(out, ref)
				if ref.defaulted || ref.guarded {
					for _, inner := range extractVarRefs(strings.TrimLeft(rest, ":-+?")) {
						inner.defaulted = true
						out = append(out, inner)
					}
				}
			}
			i = end
		case isNameByte(next) && !(next >= '0' && next <= '9'):
			n := nameLen(s[i+1:])
			out = append(out, varRef{name: s[i+1 : i+1+n]})
			i += n
		}
	}
	return out
}

func closingBrace(s string, from int) int {
	depth := 1
	for j := from; j < len(s); j++ {
		switch s[j] {
		case '{':
			depth++
		case '}':
			depth--
			if depth == 0 {
				return j
			}
		}
	}
	return -1
}

func nameLen(s string) int {
	n := 0
	for n < len(s) && isNameByte(s[n]) {
		n++
	}
	return n
}

func isNameByte(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
}
