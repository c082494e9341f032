package stacks

import (
	"github.com/stackgen/stackgen/internal/msg"
	"testing"

	"github.com/stackgen/stackgen/internal/currency"
	"github.com/stackgen/stackgen/internal/imagerole"
	"github.com/stackgen/stackgen/render"
	"github.com/stackgen/stackgen/stack"
)

// TestDefaultsOnSupportedLines keeps the stacks' pins and the currency
// table from drifting apart: every image `stackgen new STACK DIR --yes`
// (and each offered database version) pins is on a line the table knows,
// servers and proxies on a supported line, and nothing the table flags.
// Bumping a default to a line the table lacks, or letting the table mark
// a default's line end of life, fails here.
func TestDefaultsOnSupportedLines(t *testing.T) {
	type combo struct {
		def   *stack.Definition
		given stack.Answers
	}
	var combos []combo
	for db, versions := range djangoDBVersions {
		for _, v := range versions {
			combos = append(combos, combo{Django(), stack.Answers{"db": db, "db_version": v}})
		}
	}
	combos = append(combos, combo{Django(), nil}, combo{Keras(), nil}, combo{Onyx(), nil},
		combo{Onyx(), stack.Answers{"file_store": "s3-minio"}})
	tabled := map[string]bool{}
	for _, r := range currency.Rows() {
		tabled[r.Family] = true
	}
	for _, c := range combos {
		_, answers, err := render.Project(c.def, c.given, render.Options{Rand: fixedRand(), Version: "test"})
		if err != nil {
			t.Fatalf("%s %v: %v", c.def.Name, c.given, err)
		}
		for key, ref := range c.def.ResolveImages(answers) {
			f, _, known := imagerole.FromRef(ref)
			row, ok := currency.Lookup(ref)
			switch {
			case key == "minio" && ok && row.Status == currency.KnownCVE:
				// the opt-in MinIO service: no fixed community image
				// exists; onyx warns at render time and the README says so
			case !known || !tabled[f.Name]:
				// built images and families the table does not follow
				// (Onyx's own, opensearch, vespa)
			case !ok:
				t.Errorf("%s %v: image.%s %s is on a line internal/currency does not list; add its row (with date and source)", c.def.Name, c.given, key, ref)
			case row.Warns():
				w, _ := currency.Warning("image."+key, ref)
				t.Errorf("%s %v: image.%s %s is flagged: %s", c.def.Name, c.given, key, ref, msg.English().T(w.ID, w.Args))
			case f.Role != imagerole.App && row.Status != currency.Supported:
				t.Errorf("%s %v: image.%s %s is %s; servers default to a supported line", c.def.Name, c.given, key, ref, row.Status)
			}
		}
	}
}
