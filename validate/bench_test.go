package validate_test

import (
	"crypto/rand"
	"testing"

	"github.com/stackgen/stackgen/render"
	"github.com/stackgen/stackgen/stack"
	"github.com/stackgen/stackgen/stacks"
	"github.com/stackgen/stackgen/validate"
)

// BenchmarkFiles measures validate on each stack's default render, the
// work `stackgen new` and `stackgen validate` do on every run. Loading the
// compose files with compose-go is most of it, so compare before and after
// a change to how often validate loads them.
func BenchmarkFiles(b *testing.B) {
	for _, d := range stacks.Registry().All() {
		set, _, err := render.Project(d, stack.Answers{}, render.Options{Rand: rand.Reader, Version: "bench", Folder: "benchsite"})
		if err != nil {
			b.Fatalf("render %s: %v", d.Name, err)
		}
		b.Run(d.Name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if fs := validate.Files(set); validate.HasErrors(fs) {
					b.Fatalf("%s default render has errors: %v", d.Name, fs)
				}
			}
		})
	}
}
