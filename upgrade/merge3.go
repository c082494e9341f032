package upgrade

import (
	"bytes"
	"strings"
	"unicode/utf8"
)

// The conflict markers: the user's side first, as git prints "ours".
const (
	markerOurs   = "<<<<<<< yours\n"
	markerSep    = "=======\n"
	markerTheirs = ">>>>>>> stackgen\n"
)

// Merge3 merges the changes from base to ours and from base to theirs, line
// by line, the way diff3 -m does: a region only one side changed takes that
// side; one both changed the same way is taken once; one both changed
// differently becomes a conflict between markers. It returns the merged
// text and the number of conflicts.
func Merge3(base, ours, theirs []byte) ([]byte, int) {
	O, A, B := splitLines(base), splitLines(ours), splitLines(theirs)
	ma, mb := match(O, A), match(O, B)
	var out bytes.Buffer
	conflicts := 0
	i, a, b := 0, 0, 0
	for i < len(O) || a < len(A) || b < len(B) {
		// A stable run: base lines matched on both sides, in step.
		k := 0
		for i+k < len(O) && ma[i+k] == a+k && mb[i+k] == b+k {
			k++
		}
		if k > 0 {
			for _, l := range O[i : i+k] {
				out.WriteString(l)
			}
			i, a, b = i+k, a+k, b+k
			continue
		}
		// An unstable chunk runs to the next base line both sides kept.
		o := i
		for o < len(O) && (ma[o] < 0 || mb[o] < 0) {
			o++
		}
		ae, be := len(A), len(B)
		if o < len(O) {
			ae, be = ma[o], mb[o]
		}
		conflicts += chunk(&out, O[i:o], A[a:ae], B[b:be])
		i, a, b = o, ae, be
	}
	return out.Bytes(), conflicts
}

// chunk writes one unstable region and reports whether it conflicted.
func chunk(w *bytes.Buffer, o, a, b []string) int {
	switch {
	case equal(a, o):
		writeLines(w, b)
	case equal(b, o), equal(a, b):
		writeLines(w, a)
	default:
		conflict(w, a, b)
		return 1
	}
	return 0
}

func conflict(w *bytes.Buffer, a, b []string) {
	w.WriteString(markerOurs)
	writeSide(w, a)
	w.WriteString(markerSep)
	writeSide(w, b)
	w.WriteString(markerTheirs)
}

// Merge2 is the merge without a base: every region where ours and theirs
// differ is a conflict, since nothing tells which side changed it.
func Merge2(ours, theirs []byte) ([]byte, int) {
	A, B := splitLines(ours), splitLines(theirs)
	var out bytes.Buffer
	conflicts := 0
	i := 0
	for _, h := range hunks(A, B) {
		writeLines(&out, A[i:h.A0])
		conflict(&out, A[h.A0:h.A1], B[h.B0:h.B1])
		conflicts++
		i = h.A1
	}
	writeLines(&out, A[i:])
	return out.Bytes(), conflicts
}

func equal(x, y []string) bool {
	if len(x) != len(y) {
		return false
	}
	for i := range x {
		if x[i] != y[i] {
			return false
		}
	}
	return true
}

func writeLines(w *bytes.Buffer, ls []string) {
	for _, l := range ls {
		w.WriteString(l)
	}
}

// writeSide writes one side of a conflict, ending it with a newline so the
// marker after it starts a line.
func writeSide(w *bytes.Buffer, ls []string) {
	writeLines(w, ls)
	if n := len(ls); n > 0 && !strings.HasSuffix(ls[n-1], "\n") {
		w.WriteByte('\n')
	}
}

// isBinary tells content no line merge applies to: a NUL byte or bytes
// that are not UTF-8.
func isBinary(b []byte) bool {
	return bytes.IndexByte(b, 0) >= 0 || !utf8.Valid(b)
}
