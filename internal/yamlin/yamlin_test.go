package yamlin

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	cases := []struct {
		src, wantErr string
	}{
		{"a: 1\n", ""},
		{"# only a comment\n", ""},
		{"---\na: 1\n...\n", ""},
		{"a: 1\n---\nb: 2\n", "2 YAML documents"},
		{"a: &x 1\n", "anchors and aliases"},
		{"a: [1, 2]\nb: *a\n", "anchors and aliases"},
		{"a: {b: [c, {d: &e f}]}\n", "anchors and aliases"},
		{"a: [\n", "not valid YAML"},
	}
	for _, c := range cases {
		_, err := Parse([]byte(c.src))
		if c.wantErr == "" && err != nil || c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr) || strings.Contains(err.Error(), "\n")) {
			t.Errorf("Parse(%q) = %v, want %q", c.src, err, c.wantErr)
		}
	}
}

func TestScalarKeepsText(t *testing.T) {
	body, err := Parse([]byte("v: 1.10\np: 0080\nb: yes\nn: ~\ns: '1.10'\nl: |\n  x\n"))
	if err != nil {
		t.Fatal(err)
	}
	pairs, err := Mapping(body)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"v": "1.10", "p": "0080", "b": "yes", "n": "", "s": "1.10", "l": "x\n"}
	for _, p := range pairs {
		if got, ok := Scalar(p.Value); !ok || got != want[p.Key] {
			t.Errorf("%s = %q (%v), want %q", p.Key, got, ok, want[p.Key])
		}
	}
}

func TestDecode(t *testing.T) {
	got, err := Decode([]byte("v: 1.10\nn:\nl: [a, 2]\nm:\n  db: mariadb:11.8\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got["v"] != "1.10" || got["n"] != nil || len(got["l"].([]any)) != 2 || got["m"].(map[string]any)["db"] != "mariadb:11.8" {
		t.Errorf("Decode = %#v", got)
	}
	for src, want := range map[string]string{"- a\n": "expected a mapping", "v: !!str 1.10\n": "unsupported YAML", "a: *b\n": "anchors"} {
		if _, err := Decode([]byte(src)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Decode(%q) = %v, want %q", src, err, want)
		}
	}
}
