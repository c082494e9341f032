package stack

import (
	"fmt"
	"unicode"
	"unicode/utf8"

	"github.com/stackgen/stackgen/internal/msg"
)

// lineBreak reports the characters some parser of a file stackgen writes
// takes as the end of a line: YAML 1.1 parsers (the one compose uses among
// them) end a line, and so a comment, at NEL, LS and PS too.
func lineBreak(r rune) bool {
	switch r {
	case '\n', '\r', '\v', '\f', 0x85, 0x2028, 0x2029:
		return true
	}
	return false
}

// bidiControl reports the bidirectional formatting characters, which make
// a file read differently on screen than to its parser ("Trojan Source").
func bidiControl(r rune) bool {
	return r >= 0x202A && r <= 0x202E || r >= 0x2066 && r <= 0x2069 || r == 0x200E || r == 0x200F || r == 0x061C
}

// Unsafe reports a character no answer that is not free text may hold:
// control characters (C0 but tab, DEL, C1 including NEL), line and
// paragraph separators, bidi controls and the byte order mark.
func Unsafe(r rune) bool {
	return r != '\t' && (unicode.IsControl(r) || lineBreak(r) || bidiControl(r) || r == 0xFEFF)
}

// CheckText returns an error naming the first character of s that Unsafe
// refuses, or invalid UTF-8; what says where the value is going.
func CheckText(what, s string) error {
	if !utf8.ValidString(s) {
		return msg.Err("stack.err.utf8", msg.Args{"What": what, "Value": quote(s)})
	}
	for _, r := range s {
		if Unsafe(r) {
			return msg.Err("stack.err.unsafe-char", msg.Args{"What": what, "Value": quote(s), "Char": fmt.Sprintf("%U", r)})

		}
	}
	return nil
}
