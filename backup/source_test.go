package backup

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stackgen/stackgen/project"
	"github.com/stackgen/stackgen/stack"
)

func TestLoadSourceFollowsTheStacksDeclaredState(t *testing.T) {
	for db, kind := range map[string]stack.StateKind{"mysql": stack.StateMySQL, "mariadb": stack.StateMariaDB} {
		dir := t.TempDir()
		m := &project.Manifest{Stack: "django-uwsgi", Answers: map[string]string{"db": db}}
		b, _ := m.Marshal()
		os.WriteFile(filepath.Join(dir, project.ManifestName), b, 0o644)
		p, err := LoadSource(dir)
		if err != nil {
			t.Fatal(err)
		}
		if p.Stack != "django-uwsgi" || len(p.States) != 3 || p.States[0].Kind != kind {
			t.Errorf("db=%s: %+v", db, p)
		}
	}
	if _, err := LoadSource(t.TempDir()); err == nil || !strings.Contains(err.Error(), "stackgen new") {
		t.Errorf("a folder without .stackgen.yml: %v", err)
	}
}
