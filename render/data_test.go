package render

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stackgen/stackgen/stack"
)

// A stack without a Data func would hand templates the raw Input (its
// Answers map); Render refuses it instead.
func TestRenderRefusesDefinitionWithoutData(t *testing.T) {
	tmpl := fstest.MapFS{"out.txt.tmpl": {Data: []byte("{{.Name}}\n")}}
	in := stack.Input{Answers: stack.Answers{"name": "raw"}}
	_, err := Render(&stack.Definition{Name: "nodata", Templates: tmpl}, in)
	if err == nil || !strings.Contains(err.Error(), "nodata") || !strings.Contains(err.Error(), "Data") {
		t.Fatalf("a definition without Data: %v, want an error naming the stack and Data", err)
	}
	d := &stack.Definition{Name: "typed", Templates: tmpl, Data: func(in stack.Input) (any, error) {
		return struct{ Name string }{Name: "typed-" + in.Answers["name"]}, nil
	}}
	set, err := Render(d, in)
	if err != nil {
		t.Fatal(err)
	}
	if f, ok := set.Get("out.txt"); !ok || string(f.Content) != "typed-raw\n" {
		t.Fatalf("rendered %+v, want the Data struct's Name", set)
	}
}
