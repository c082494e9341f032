package dotenv

import (
	"os"
	"path/filepath"
	"testing"
)

func TestParse(t *testing.T) {
	cases := []struct {
		name, in string
		want     map[string]string
		lines    map[string]int
	}{
		{"quotes as compose reads them", "# c\nA='x$y'\nB=\"it's \\\"q\\\" \\$z\\nnext\"\nexport C=plain # note\n",
			map[string]string{"A": "x$y", "B": "it's \"q\" $z\nnext", "C": "plain"}, map[string]int{"A": 2, "B": 3, "C": 4}},
		// compose-go rejects the file (a key with a space): the keys and
		// lenient values still come back, so a finding can name them.
		{"broken file still yields keys", "A='one'\nB C=2\nD=\"two\"\n",
			map[string]string{"A": "one", "D": "two"}, map[string]int{"A": 1, "D": 3}},
	}
	for _, c := range cases {
		e := Parse([]byte(c.in))
		for k, v := range c.want {
			if e.Values[k] != v || e.Lines[k] != c.lines[k] {
				t.Errorf("%s: %s = %q line %d, want %q line %d", c.name, k, e.Values[k], e.Lines[k], v, c.lines[k])
			}
		}
		if len(e.Order) != len(c.want) {
			t.Errorf("%s: order %v", c.name, e.Order)
		}
	}
}

func TestValueAndStrict(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, ".env")
	os.WriteFile(p, []byte("COMPOSE_PROJECT_NAME='site'\n"), 0o600)
	if got := Value(p, "COMPOSE_PROJECT_NAME"); got != "site" {
		t.Errorf("Value = %q", got)
	}
	if got := Value(filepath.Join(dir, "none"), "X"); got != "" {
		t.Errorf("missing file: %q", got)
	}
	if _, err := Strict([]byte("A B=1\n")); err == nil {
		t.Error("Strict accepted a key with a space")
	}
	if err := Check([]byte("A=1\n")); err != nil {
		t.Errorf("Check: %v", err)
	}
}
