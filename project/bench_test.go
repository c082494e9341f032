package project_test

import (
	"crypto/rand"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stackgen/stackgen/project"
	"github.com/stackgen/stackgen/render"
	"github.com/stackgen/stackgen/stack"
	"github.com/stackgen/stackgen/stacks"
)

// BenchmarkWrite measures the first write of each stack's default render,
// what `stackgen new` does after validating: the base copies (gzip), the
// manifest, and every file written and synced before the stage is renamed
// into place. The syncs make it depend on the disk more than on the CPU.
func BenchmarkWrite(b *testing.B) {
	for _, d := range stacks.Registry().All() {
		set, answers, err := render.Project(d, stack.Answers{}, render.Options{Rand: rand.Reader, Version: "bench", Folder: "benchsite"})
		if err != nil {
			b.Fatalf("render %s: %v", d.Name, err)
		}
		b.Run(d.Name, func(b *testing.B) {
			base := b.TempDir()
			for i := 0; i < b.N; i++ {
				dir := filepath.Join(base, strconv.Itoa(i), "benchsite")
				if _, err := project.Write(dir, set, false, &project.Manifest{Stack: d.Name, Version: "bench", Answers: answers}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
