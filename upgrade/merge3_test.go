package upgrade

import (
	"fmt"
	"strings"
	"testing"
)

func TestMerge3(t *testing.T) {
	cases := []struct {
		name, base, ours, theirs, want string
		conflicts                      int
	}{
		{"nobody changed", "a\nb\nc\n", "a\nb\nc\n", "a\nb\nc\n", "a\nb\nc\n", 0},
		{"only ours", "a\nb\nc\n", "a\nB\nc\n", "a\nb\nc\n", "a\nB\nc\n", 0},
		{"only theirs", "a\nb\nc\n", "a\nb\nc\n", "a\nb\nC\n", "a\nb\nC\n", 0},
		{"both, apart", "a\nb\nc\nd\ne\n", "A\nb\nc\nd\ne\n", "a\nb\nc\nd\nE\n", "A\nb\nc\nd\nE\n", 0},
		{"both the same way", "a\nb\n", "a\nX\n", "a\nX\n", "a\nX\n", 0},
		{"overlap", "a\nb\nc\n", "a\nmine\nc\n", "a\nnew\nc\n",
			"a\n<<<<<<< yours\nmine\n=======\nnew\n>>>>>>> stackgen\nc\n", 1},
		{"insert both ends", "m\n", "top\nm\n", "m\nbottom\n", "top\nm\nbottom\n", 0},
		{"ours deletes, theirs edits elsewhere", "a\nb\nc\nd\n", "a\nc\nd\n", "a\nb\nc\nD\n", "a\nc\nD\n", 0},
		{"no final newline", "a\nb", "a\nmine", "a\nnew",
			"a\n<<<<<<< yours\nmine\n=======\nnew\n>>>>>>> stackgen\n", 1},
		{"empty base", "", "x\n", "y\n", "<<<<<<< yours\nx\n=======\ny\n>>>>>>> stackgen\n", 1},
		{"two conflicts", "1\n2\n3\n4\n5\n", "1\nA\n3\n4\nB\n", "1\nC\n3\n4\nD\n",
			"1\n<<<<<<< yours\nA\n=======\nC\n>>>>>>> stackgen\n3\n4\n<<<<<<< yours\nB\n=======\nD\n>>>>>>> stackgen\n", 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, n := Merge3([]byte(c.base), []byte(c.ours), []byte(c.theirs))
			if string(got) != c.want || n != c.conflicts {
				t.Errorf("Merge3 = %q (%d conflicts), want %q (%d)", got, n, c.want, c.conflicts)
			}
		})
	}
}

func TestMerge2MarksEveryDifference(t *testing.T) {
	got, n := Merge2([]byte("a\nb\nc\n"), []byte("a\nB\nc\n"))
	want := "a\n<<<<<<< yours\nb\n=======\nB\n>>>>>>> stackgen\nc\n"
	if string(got) != want || n != 1 {
		t.Errorf("Merge2 = %q (%d), want %q (1)", got, n, want)
	}
	if got, n := Merge2([]byte("same\n"), []byte("same\n")); string(got) != "same\n" || n != 0 {
		t.Errorf("Merge2 of equal texts = %q (%d)", got, n)
	}
}

func TestUnified(t *testing.T) {
	got := Unified("f", []byte("1\n2\n3\n4\n5\n6\n7\n8\n9\n"), []byte("1\n2\n3\n4\nfive\n6\n7\n8\n9\n"))
	want := "--- a/f\n+++ b/f\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n"
	if got != want {
		t.Errorf("Unified =\n%s\nwant\n%s", got, want)
	}
	if Unified("f", []byte("x"), []byte("x")) != "" {
		t.Error("equal texts gave a diff")
	}
	if got := Unified("f", nil, []byte("a\n")); got != "--- a/f\n+++ b/f\n@@ -0,0 +1 @@\n+a\n" {
		t.Errorf("new file diff = %q", got)
	}
	if got := Unified("m.bin", []byte("\x00\x01"), []byte("\x00\x02")); got != "Binary files a/m.bin and b/m.bin differ\n" {
		t.Errorf("binary diff = %q", got)
	}
}

// lcsLen is the textbook O(nm) LCS length, the oracle match is checked
// against.
func lcsLen(a, b []string) int {
	dp := make([][]int, len(a)+1)
	for i := range dp {
		dp[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				dp[i][j] = dp[i+1][j+1] + 1
			} else {
				dp[i][j] = max(dp[i+1][j], dp[i][j+1])
			}
		}
	}
	return dp[0][0]
}

// lines turns fuzz bytes into lines from a small alphabet, so inputs
// share lines often, as versions of one file do.
func lines(b []byte) string {
	var s strings.Builder
	for _, c := range b {
		s.WriteByte('a' + c%4)
		s.WriteByte('\n')
	}
	return s.String()
}

func FuzzMatchIsLongestCommonSubsequence(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3}, []byte{1, 2, 0, 3})
	f.Add([]byte{}, []byte{1})
	f.Fuzz(func(t *testing.T, x, y []byte) {
		if len(x)+len(y) > maxEdits {
			t.Skip("beyond the edit bound; TestMatchGivesUpBeyondTheBound covers it")
		}
		a, b := splitLines([]byte(lines(x))), splitLines([]byte(lines(y)))
		m := match(a, b)
		n, last := 0, -1
		for i, j := range m {
			if j < 0 {
				continue
			}
			if j <= last || a[i] != b[j] {
				t.Fatalf("match %v of %q/%q is not an increasing match of equal lines", m, a, b)
			}
			last = j
			n++
		}
		if want := lcsLen(a, b); n != want {
			t.Fatalf("match found %d common lines of %q/%q, the LCS has %d", n, a, b, want)
		}
	})
}

func FuzzMerge3(f *testing.F) {
	f.Add([]byte{0, 1, 2}, []byte{0, 3, 2}, []byte{0, 1, 2, 1})
	f.Add([]byte{}, []byte{1}, []byte{2})
	f.Fuzz(func(t *testing.T, xo, xa, xb []byte) {
		o, a, b := []byte(lines(xo)), []byte(lines(xa)), []byte(lines(xb))
		for _, c := range []struct {
			name    string
			o, a, b []byte
			want    []byte
		}{
			{"theirs unchanged", o, a, o, a},
			{"ours unchanged", o, o, b, b},
			{"same change", o, a, a, a},
		} {
			got, n := Merge3(c.o, c.a, c.b)
			if n != 0 || string(got) != string(c.want) {
				t.Fatalf("%s: Merge3(%q, %q, %q) = %q (%d conflicts), want %q", c.name, c.o, c.a, c.b, got, n, c.want)
			}
		}
		got, n := Merge3(o, a, b)
		if n == 0 && strings.Contains(string(got), markerOurs) {
			t.Fatalf("markers without a conflict count: %q", got)
		}
		if n > 0 && strings.Count(string(got), markerOurs) != n {
			t.Fatalf("%d conflicts reported, %d marked: %q", n, strings.Count(string(got), markerOurs), got)
		}
		// Taking ours in every conflict of a merge against ours's own
		// base must give ours back: nothing of the user's is lost.
		if m, _ := Merge2(a, b); resolve(string(m), true) != string(a) || resolve(string(m), false) != string(b) {
			t.Fatalf("Merge2(%q, %q) = %q loses a side", a, b, m)
		}
	})
}

// resolve takes one side of every conflict.
func resolve(s string, ours bool) string {
	var out strings.Builder
	state := 0 // 0 outside, 1 ours, 2 theirs
	for _, l := range splitLines([]byte(s)) {
		switch {
		case l == markerOurs:
			state = 1
		case l == markerSep && state == 1:
			state = 2
		case l == markerTheirs && state == 2:
			state = 0
		case state == 0, state == 1 && ours, state == 2 && !ours:
			out.WriteString(l)
		}
	}
	return out.String()
}

// TestMatchGivesUpBeyondTheBound: texts more than maxEdits apart match on
// their common prefix and suffix only, fast and in bounded memory, and a
// merge of them marks the middle as one conflict.
func TestMatchGivesUpBeyondTheBound(t *testing.T) {
	var a, b []string
	a = append(a, "same\n")
	b = append(b, "same\n")
	for i := 0; i < maxEdits; i++ {
		a = append(a, fmt.Sprintf("a%d\n", i))
		b = append(b, fmt.Sprintf("b%d\n", i))
	}
	a = append(a, "end\n")
	b = append(b, "end\n")
	m := match(a, b)
	for i, j := range m {
		want := -1
		if i == 0 || i == len(a)-1 {
			want = i
		}
		if j != want {
			t.Fatalf("match[%d] = %d, want %d", i, j, want)
		}
	}
	got, n := Merge3([]byte(strings.Join(a[:1], "")+strings.Join(a[len(a)-1:], "")), []byte(strings.Join(a, "")), []byte(strings.Join(b, "")))
	if n != 1 || !strings.HasPrefix(string(got), "same\n<<<<<<< yours\na0\n") || !strings.HasSuffix(string(got), ">>>>>>> stackgen\nend\n") {
		t.Errorf("merge of far-apart texts: %d conflicts, %.80q...", n, got)
	}
}

func BenchmarkMerge3(b *testing.B) {
	var base strings.Builder
	for i := 0; i < 5000; i++ {
		fmt.Fprintf(&base, "line %d\n", i)
	}
	o := base.String()
	ours := strings.Replace(o, "line 100\n", "mine\n", 1)
	theirs := strings.Replace(o, "line 4000\n", "theirs\n", 1) + "tail\n"
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, n := Merge3([]byte(o), []byte(ours), []byte(theirs)); n != 0 {
			b.Fatal("conflict")
		}
	}
}
