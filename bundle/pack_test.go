package bundle

import (
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/stackgen/stackgen/engine"
	"github.com/stackgen/stackgen/project"
)

func TestCollectFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(rel, content string, mode os.FileMode) {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
	}
	write("compose.yaml", "services: {}\n", 0o644)
	write(".env", "DB_PASSWORD=secret\n", 0o600)
	write(".env.example", "DB_PASSWORD=\n", 0o644)
	write("scripts/deploy.sh", "#!/usr/bin/env bash\n", 0o755)
	write("scripts/mine.sh", "#!/usr/bin/env bash\n", 0o755)
	write("compose/nginx/nginx.conf", "events {}\n", 0o644)
	write("compose/mysql/init/init.sql", "SELECT 1;\n", 0o644)
	write("compose/mysql/init/extra.sql", "SELECT 2;\n", 0o644)
	write("compose/nginx/log/.gitkeep", "", 0o644)
	write("compose/nginx/log/access.log", "GET / 200\n", 0o644)
	write("secrets/db.txt", "hunter2\n", 0o600)
	write("app/settings.py", "DEBUG = False\n", 0o644)
	write("app/local_notes.txt", "not generated, not mounted\n", 0o644)
	write("compose.yaml.stackgen-new", "new version\n", 0o644)
	write(".gitignore", ".env\n", 0o644)
	pm := &project.Manifest{Stack: "django-uwsgi", Files: map[string]string{
		"compose.yaml": "x", ".env": "x", ".env.example": "x", "scripts/deploy.sh": "x",
		"compose/nginx/log/.gitkeep": "x", "app/settings.py": "x", "compose/nginx/nginx.conf": "x",
	}}
	hostFiles := []engine.HostFile{
		{Service: "nginx", Source: filepath.Join(dir, "compose/nginx/nginx.conf"), ReadOnly: true, Kind: "bind"},
		{Service: "db", Source: filepath.Join(dir, "compose/mysql/init"), ReadOnly: true, Kind: "bind"},
		{Service: "nginx", Source: filepath.Join(dir, "compose/nginx/log"), Kind: "bind"},
		{Service: "web", Source: filepath.Join(dir, "media"), Kind: "bind"}, // missing: compose creates it
		{Service: "db", Source: "/srv/dumps", Kind: "bind"},
		{Source: filepath.Join(dir, "secrets/db.txt"), ReadOnly: true, Kind: "secret"},
		{Service: "web", Source: filepath.Join(dir, ".env"), ReadOnly: true, Kind: "env_file"},
	}
	files, warnings, err := collectFiles(dir, pm, hostFiles, false, filepath.Join(dir, "out.zip"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	modes := map[string]os.FileMode{}
	for _, f := range files {
		got = append(got, f.Path)
		modes[f.Path] = f.Mode
	}
	want := []string{".env.example", ".gitignore", "app/settings.py", "compose.yaml", "compose/mysql/init/extra.sql", "compose/mysql/init/init.sql",
		"compose/nginx/log/.gitkeep", "compose/nginx/nginx.conf", "scripts/deploy.sh", "scripts/mine.sh"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("packed %v\nwant   %v", got, want)
	}
	if modes["scripts/mine.sh"] != 0o755 || modes["compose.yaml"] != 0o644 {
		t.Errorf("modes %v", modes)
	}
	var said []string
	for _, w := range warnings {
		said = append(said, w.Error())
	}
	joined := strings.Join(said, "\n")
	if !strings.Contains(joined, "/srv/dumps, outside the project") || !strings.Contains(joined, "secrets/db.txt is a compose secret") {
		t.Errorf("warnings:\n%s", joined)
	}

	files, _, err = collectFiles(dir, pm, hostFiles, true, filepath.Join(dir, "out.zip"))
	if err != nil {
		t.Fatal(err)
	}
	var withEnv []string
	for _, f := range files {
		withEnv = append(withEnv, f.Path)
		if f.Path == ".env" && f.Mode != 0o600 {
			t.Errorf(".env packed with mode %v", f.Mode)
		}
	}
	if !slices.Contains(withEnv, ".env") || !slices.Contains(withEnv, "secrets/db.txt") {
		t.Errorf("--include-env did not pack .env and the secret file: %v", withEnv)
	}
}

func TestSortedKeys(t *testing.T) {
	got := SortedKeys(map[string]string{"b": "", "a": "", "c": ""})
	if !sort.StringsAreSorted(got) || len(got) != 3 {
		t.Error(got)
	}
}
