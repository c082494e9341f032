package render

import (
	"strings"
	"testing"

	"github.com/stackgen/stackgen/fileset"
)

func TestSetComposeName(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"after the header and its blank line", "# head\n\nservices: {}\n", "# head\n\n" + nameBlock + "services: {}\n"},
		{"header without a blank line", "# head\nservices: {}\n", "# head\n\n" + nameBlock + "services: {}\n"},
		{"no header", "services: {}\n", nameBlock + "services: {}\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			set := fileset.Set{{Path: "compose.yaml", Content: []byte(c.in)}}
			if err := setComposeName(set, "my-site", ""); err != nil {
				t.Fatal(err)
			}
			if got := string(set[0].Content); got != c.want {
				t.Errorf("got\n%s\nwant\n%s", got, c.want)
			}
		})
	}
	set := fileset.Set{{Path: "compose.yaml", Content: []byte("name: x\nservices: {}\n")}}
	if err := setComposeName(set, "y", ""); err == nil || !strings.Contains(err.Error(), "sets name:") {
		t.Errorf("a template with its own name: was not refused: %v", err)
	}
	if err := setComposeName(fileset.Set{{Path: "other.yaml"}}, "y", ""); err == nil {
		t.Error("a render without compose.yaml was accepted")
	}
}

const nameBlock = "# The compose project: prefixes every container, volume, network and built\n" +
	"# image. Commands run from another folder (or a copy) still find the stack.\n" +
	"name: \"my-site\"\n\n"
