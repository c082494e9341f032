package upgrade

import (
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stackgen/stackgen/stacks"
)

var updateSums = flag.Bool("update-sums", false, "rewrite upgrade/changelog/*.sums from the templates (after adding a changelog entry)")

// templateSums is the SHA-256 of every template source file of a stack,
// by its path in the template tree.
func templateSums(fsys fs.FS) (map[string]string, error) {
	out := map[string]string{}
	err := fs.WalkDir(fsys, ".", func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		s := sha256.Sum256(b)
		out[p] = hex.EncodeToString(s[:])
		return nil
	})
	return out, err
}

func formatSums(sums map[string]string) string {
	var paths []string
	for p := range sums {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	var b strings.Builder
	b.WriteString("# SHA-256 of each template at the changelog's latest version; see the .yaml.\n")
	for _, p := range paths {
		fmt.Fprintf(&b, "%s  %s\n", sums[p], p)
	}
	return b.String()
}

func parseSums(s string) map[string]string {
	out := map[string]string{}
	for _, l := range strings.Split(s, "\n") {
		if sum, p, ok := strings.Cut(l, "  "); ok && !strings.HasPrefix(l, "#") {
			out[p] = sum
		}
	}
	return out
}

// TestChangelogCoversTemplates: a template that changes without a new
// changelog entry fails here, so the template versions .stackgen.yml
// records (and the changelog upgrade shows) stay true. After adding the
// entry: go test ./upgrade -run TestChangelogCoversTemplates -update-sums.
func TestChangelogCoversTemplates(t *testing.T) {
	for _, d := range stacks.Registry().All() {
		got, err := templateSums(d.Templates)
		if err != nil {
			t.Fatal(err)
		}
		file := filepath.Join("changelog", d.Name+".sums")
		if *updateSums {
			if err := os.WriteFile(file, []byte(formatSums(got)), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatalf("%v; run go test ./upgrade -run TestChangelogCoversTemplates -update-sums", err)
		}
		want := parseSums(string(b))
		var changed []string
		for p, s := range got {
			if want[p] != s {
				changed = append(changed, p)
			}
		}
		for p := range want {
			if _, ok := got[p]; !ok {
				changed = append(changed, p+" (removed)")
			}
		}
		sort.Strings(changed)
		if len(changed) > 0 {
			c, _ := LoadChangelog(d.Name)
			t.Errorf("templates/%s changed since changelog v%d: %s. Add an entry (version %d) to upgrade/changelog/%s.yaml listing the output files and why, then run: go test ./upgrade -run TestChangelogCoversTemplates -update-sums",
				d.Name, c.Latest(), strings.Join(changed, ", "), c.Latest()+1, d.Name)
		}
	}
}
