package upgrade

import (
	"bytes"
	"fmt"
	"strings"
)

// splitLines cuts b into lines that keep their "\n", so joining them gives
// b back byte for byte (a last line without a newline stays without one).
func splitLines(b []byte) []string {
	var out []string
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			out = append(out, string(b))
			break
		}
		out = append(out, string(b[:i+1]))
		b = b[i+1:]
	}
	return out
}

// maxEdits bounds the edit distance match searches: the trace it keeps
// grows with its square (1500 edits: about 18 MB). Two texts further apart
// than that are matched on their common prefix and suffix only, so a
// merge marks their whole middle as one conflict instead of guessing.
const maxEdits = 1500

// match is the longest common subsequence of a and b as a map from each
// index of a to its partner in b (-1: not matched). Matches increase in
// both sequences, which diff3 relies on. It is Myers' O((N+M)D) greedy
// algorithm with the trace kept for the way back; configuration files
// are small and differ little, so D stays small.
func match(a, b []string) []int {
	m := make([]int, len(a))
	for i := range m {
		m[i] = -1
	}
	// Common prefix and suffix cost nothing and shrink the search.
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		m[pre] = pre
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		m[len(a)-1-suf] = len(b) - 1 - suf
		suf++
	}
	x0, y0 := pre, pre
	A, B := a[pre:len(a)-suf], b[pre:len(b)-suf]
	n, mm := len(A), len(B)
	if n == 0 || mm == 0 {
		return m
	}
	max := n + mm
	off := max + 1
	v := make([]int, 2*max+4)
	// trace[d] holds v[off-d-1 : off+d+2] as it was before step d: all the
	// way back reads of it.
	var trace [][]int
	found := false
	for d := 0; d <= max && !found; d++ {
		if d > maxEdits {
			return m
		}
		snap := make([]int, 2*d+3)
		copy(snap, v[off-d-1:off+d+2])
		trace = append(trace, snap)
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || (k != d && v[off+k-1] < v[off+k+1]) {
				x = v[off+k+1]
			} else {
				x = v[off+k-1] + 1
			}
			y := x - k
			for x < n && y < mm && A[x] == B[y] {
				x++
				y++
			}
			v[off+k] = x
			if x >= n && y >= mm {
				found = true
				break
			}
		}
	}
	// Walk back through the trace, recording the diagonals (matches).
	x, y := n, mm
	for d := len(trace) - 1; d >= 0 && (x > 0 || y > 0); d-- {
		at := func(k int) int { return trace[d][k+d+1] }
		k := x - y
		var pk int
		if d == 0 {
			for x > 0 && y > 0 {
				x--
				y--
				m[x0+x] = y0 + y
			}
			break
		}
		if k == -d || (k != d && at(k-1) < at(k+1)) {
			pk = k + 1
		} else {
			pk = k - 1
		}
		px := at(pk)
		py := px - pk
		for x > px && y > py {
			x--
			y--
			m[x0+x] = y0 + y
		}
		x, y = px, py
	}
	return m
}

// hunk is one edit between two line sequences: a[A0:A1] became b[B0:B1].
type hunk struct{ A0, A1, B0, B1 int }

// hunks lists the edits that turn a into b, in order.
func hunks(a, b []string) []hunk {
	m := match(a, b)
	var out []hunk
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		if i < len(a) && m[i] == j {
			i++
			j++
			continue
		}
		h := hunk{A0: i, B0: j}
		for i < len(a) && m[i] < 0 {
			i++
		}
		if i < len(a) {
			j = m[i]
		} else {
			j = len(b)
		}
		h.A1, h.B1 = i, j
		out = append(out, h)
	}
	return out
}

// Unified is the unified diff (3 lines of context) from a to b, labelled
// with name; "" when they are equal.
func Unified(name string, a, b []byte) string {
	if bytes.Equal(a, b) {
		return ""
	}
	if isBinary(a) || isBinary(b) {
		return fmt.Sprintf("Binary files a/%s and b/%s differ\n", name, name)
	}
	al, bl := splitLines(a), splitLines(b)
	hs := hunks(al, bl)
	const ctx = 3
	var w strings.Builder
	fmt.Fprintf(&w, "--- a/%s\n+++ b/%s\n", name, name)
	for i := 0; i < len(hs); {
		// Group hunks whose context windows touch.
		j := i
		for j+1 < len(hs) && hs[j+1].A0-hs[j].A1 <= 2*ctx {
			j++
		}
		a0 := max(hs[i].A0-ctx, 0)
		b0 := hs[i].B0 - (hs[i].A0 - a0)
		a1 := min(hs[j].A1+ctx, len(al))
		b1 := hs[j].B1 + (a1 - hs[j].A1)
		fmt.Fprintf(&w, "@@ -%s +%s @@\n", span(a0, a1), span(b0, b1))
		ai := a0
		for k := i; k <= j; k++ {
			for ; ai < hs[k].A0; ai++ {
				line(&w, ' ', al[ai])
			}
			for _, l := range al[hs[k].A0:hs[k].A1] {
				line(&w, '-', l)
			}
			for _, l := range bl[hs[k].B0:hs[k].B1] {
				line(&w, '+', l)
			}
			ai = hs[k].A1
		}
		for ; ai < a1; ai++ {
			line(&w, ' ', al[ai])
		}
		i = j + 1
	}
	return w.String()
}

func span(lo, hi int) string {
	if hi-lo == 1 {
		return fmt.Sprintf("%d", lo+1)
	}
	if hi == lo {
		return fmt.Sprintf("%d,0", lo)
	}
	return fmt.Sprintf("%d,%d", lo+1, hi-lo)
}

func line(w *strings.Builder, mark byte, l string) {
	w.WriteByte(mark)
	w.WriteString(l)
	if !strings.HasSuffix(l, "\n") {
		w.WriteString("\n\\ No newline at end of file\n")
	}
}
