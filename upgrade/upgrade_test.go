package upgrade

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stackgen/stackgen/progress"
	"github.com/stackgen/stackgen/project"
	"github.com/stackgen/stackgen/render"
	"github.com/stackgen/stackgen/stack"
	"github.com/stackgen/stackgen/stacks"
)

// overlay copies d's templates into memory and applies edit, standing in
// for the templates of a later stackgen (the real ones stay as they are).
func overlay(t *testing.T, d *stack.Definition, edit func(fstest.MapFS)) *stack.Definition {
	t.Helper()
	m := fstest.MapFS{}
	err := fs.WalkDir(d.Templates, ".", func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := fs.ReadFile(d.Templates, p)
		m[p] = &fstest.MapFile{Data: b, Mode: 0o644}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	edit(m)
	nd := *d
	nd.Templates = m
	return &nd
}

func appendTo(t *testing.T, m fstest.MapFS, p, text string) {
	t.Helper()
	f, ok := m[p]
	if !ok {
		t.Fatalf("no template %s", p)
	}
	f.Data = append(append([]byte(nil), f.Data...), text...)
}

// generate writes a project the way `stackgen new` does.
func generate(t *testing.T, d *stack.Definition, dir string, given stack.Answers) {
	t.Helper()
	set, answers, err := render.Project(d, given, render.Options{Rand: rand.Reader, Version: "1.0", Folder: filepath.Base(dir)})
	if err != nil {
		t.Fatal(err)
	}
	m := &project.Manifest{Stack: d.Name, Version: "1.0", Answers: answers}
	if err := Stamp(m, set); err != nil {
		t.Fatal(err)
	}
	if _, err := project.Write(dir, set, false, m); err != nil {
		t.Fatal(err)
	}
}

func read(t *testing.T, dir, p string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(p)))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func edit(t *testing.T, dir, p string, f func(string) string) {
	t.Helper()
	full := filepath.Join(dir, filepath.FromSlash(p))
	info, err := os.Stat(full)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(full, []byte(f(read(t, dir, p))), info.Mode().Perm()); err != nil {
		t.Fatal(err)
	}
}

// snapshot is every file under dir (but the base store), to prove a
// refused or checked upgrade wrote nothing.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			b, _ := os.ReadFile(p)
			info, _ := e.Info()
			out[p] = info.Mode().String() + string(b)
		}
		return err
	})
	return out
}

// TestUpgradeMergesEditsAndAnswerChange is issue 19's "done when": a
// project with user edits in three files (one upstream changes apart from
// the edit, one upstream changes on the same lines, one upstream leaves
// alone) and a port answer change.
func TestUpgradeMergesEditsAndAnswerChange(t *testing.T) {
	d, err := stacks.Registry().Lookup("django-uwsgi")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "site")
	generate(t, d, dir, stack.Answers{"project": "mysite", "compose_project": "site"})
	envBefore := project.ParseEnv(read(t, dir, ".env"))

	const (
		apart    = "compose/nginx/nginx.conf"
		overlap  = "mysite/mysite/settings.py"
		alone    = "mysite/requirements.txt"
		untouch  = "scripts/backup.sh"
		gone     = "compose/redis/redis.conf"
		goneEdit = "mysite/static/css/site.css"
		added    = "compose/extra.conf"
	)
	edit(t, dir, apart, func(s string) string { return "# my note at the top\n" + s })
	edit(t, dir, overlap, func(s string) string { return s + "MINE = 1\n" })
	edit(t, dir, alone, func(s string) string { return s + "# My own pin.\n" })
	edit(t, dir, goneEdit, func(s string) string { return s + "/* mine */\n" })
	if err := os.Chmod(filepath.Join(dir, "scripts/deploy.sh"), 0o644); err != nil {
		t.Fatal(err)
	}

	next := overlay(t, d, func(m fstest.MapFS) {
		appendTo(t, m, "compose/nginx/nginx.conf.tmpl", "# upstream tail\n")
		appendTo(t, m, "__project__/__project__/settings.py.tmpl", "UPSTREAM = 1\n")
		appendTo(t, m, "scripts/backup.sh.tmpl", "# upstream change\n")
		appendTo(t, m, ".env.tmpl", "# A token the new version needs.\nNEW_TOKEN={{env .Secrets.NEW_TOKEN}}\n")
		appendTo(t, m, ".env.example.tmpl", "NEW_TOKEN=\n")
		delete(m, "compose/redis/redis.conf.tmpl")
		delete(m, "__project__/static/css/site.css")
		m["compose/extra.conf"] = &fstest.MapFile{Data: []byte("extra = 1\n")}
	})
	next.Secrets = append(append([]stack.Secret(nil), d.Secrets...), stack.Secret{Key: "NEW_TOKEN", Bytes: 32})
	lookup := func(string) (*stack.Definition, error) { return next, nil }
	var out, errOut bytes.Buffer
	opts := Options{Dir: dir, Given: stack.Answers{"http_port": "8080"}, Version: "2.0", Rand: rand.Reader, Lookup: lookup, Sink: progress.Sink{Out: &out, ErrOut: &errOut}}

	// A data-touching change is refused, naming the data, and writes nothing.
	before := snapshot(t, dir)
	risky := opts
	risky.Given = stack.Answers{"db": "mariadb", "db_version": "11.8"}
	risky.Yes = true
	if _, err := Run(context.Background(), risky); err == nil || !strings.Contains(err.Error(), "db_vol") || !strings.Contains(err.Error(), "stackgen backup") {
		t.Fatalf("db switch: %v, want a refusal naming db_vol and the backup", err)
	}
	// --check fails (changes and a conflict) and writes nothing.
	check := opts
	check.Check = true
	if _, err := Run(context.Background(), check); !errors.Is(err, ErrWouldChange) {
		t.Fatalf("--check: %v, want ErrWouldChange", err)
	}
	// --dry-run prints the diff and writes nothing.
	dry := opts
	dry.DryRun = true
	out.Reset()
	if _, err := Run(context.Background(), dry); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "+++ b/compose.yaml") || !strings.Contains(out.String(), "8080") {
		t.Errorf("--dry-run printed no diff of compose.yaml with the new port:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "+++ b/.env\n") {
		t.Errorf("--dry-run printed no diff of .env (NEW_TOKEN is added)")
	}
	manBefore, err := project.LoadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, sec := range d.SecretsFor(manBefore.AnswersOf()) {
		if v := envBefore[sec.Key]; v == "" || strings.Contains(out.String(), v) {
			t.Errorf("--dry-run printed the value of %s (or it is empty)", sec.Key)
		}
	}
	if !strings.Contains(out.String(), "+NEW_TOKEN=<secret") {
		t.Errorf("--dry-run does not mask the new secret:\n%s", out.String())
	}
	// Without --yes and no terminal: refused.
	if _, err := Run(context.Background(), opts); err == nil || !strings.Contains(err.Error(), "--yes") {
		t.Errorf("no --yes: %v", err)
	}
	if after := snapshot(t, dir); len(after) != len(before) {
		t.Fatalf("a refused, checked or dry run changed the project (%d files before, %d after)", len(before), len(after))
	} else {
		for p, v := range before {
			if after[p] != v {
				t.Fatalf("a refused, checked or dry run changed %s", p)
			}
		}
	}

	opts.Yes = true
	out.Reset()
	plan, err := Run(context.Background(), opts)
	if !errors.Is(err, ErrConflicts) {
		t.Fatalf("upgrade: %v, want ErrConflicts (settings.py overlaps)\n%s", err, out.String())
	}
	t.Log(out.String())
	outcome := map[string]Outcome{}
	for _, f := range plan.Files {
		outcome[f.Path] = f.Outcome
	}
	for p, want := range map[string]Outcome{apart: Merged, overlap: Conflict, alone: KeptYours, untouch: Replaced, "compose.yaml": Replaced, gone: Removed, goneEdit: Orphaned, added: Added, ".env": Merged} {
		if outcome[p] != want {
			t.Errorf("%s: %s, want %s", p, outcome[p], want)
		}
	}

	// Clean merge: both changes.
	if s := read(t, dir, apart); !strings.HasPrefix(s, "# my note at the top\n") || !strings.HasSuffix(s, "# upstream tail\n") {
		t.Errorf("%s lost a side of the merge:\n%s", apart, s)
	}
	// Conflict: markers with both sides.
	if s := read(t, dir, overlap); !strings.Contains(s, "<<<<<<< yours\nMINE = 1\n=======\nUPSTREAM = 1\n>>>>>>> stackgen\n") {
		t.Errorf("%s has no conflict block:\n%s", overlap, s[max(0, len(s)-300):])
	}
	if !strings.Contains(out.String(), overlap) || !strings.Contains(out.String(), "conflict") {
		t.Errorf("summary does not list the conflict:\n%s", out.String())
	}
	// Kept: the user's file, upstream had no change.
	if s := read(t, dir, alone); !strings.HasSuffix(s, "# My own pin.\n") {
		t.Errorf("%s lost the user's notes", alone)
	}
	// Untouched by the user: replaced by the new render; the port is in.
	if s := read(t, dir, untouch); !strings.HasSuffix(s, "# upstream change\n") {
		t.Errorf("%s not replaced", untouch)
	}
	if s := read(t, dir, "compose.yaml"); !strings.Contains(s, "8080") {
		t.Errorf("compose.yaml does not publish 8080")
	}
	// The script that lost its mode has it back.
	if info, _ := os.Stat(filepath.Join(dir, "scripts/deploy.sh")); info.Mode().Perm() != 0o755 {
		t.Errorf("deploy.sh mode %o, want 0755", info.Mode().Perm())
	}
	// Removed template: gone when unchanged, kept and reported when edited.
	if _, err := os.Stat(filepath.Join(dir, gone)); !os.IsNotExist(err) {
		t.Errorf("%s still there: %v", gone, err)
	}
	if s := read(t, dir, goneEdit); !strings.Contains(s, "/* mine */") {
		t.Errorf("%s, which the user changed, was not kept", goneEdit)
	}
	if s := read(t, dir, added); s != "extra = 1\n" {
		t.Errorf("%s = %q", added, s)
	}
	// Secrets unchanged; the new key has a fresh secret; mode 0600.
	envAfter := project.ParseEnv(read(t, dir, ".env"))
	man, err := project.LoadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	// the secrets the project's answers use (db=mysql has no POSTGRES_PASSWORD)
	for _, s := range d.SecretsFor(man.AnswersOf()) {
		if envAfter[s.Key] != envBefore[s.Key] || envBefore[s.Key] == "" {
			t.Errorf(".env %s changed (or was empty)", s.Key)
		}
	}
	if len(envAfter["NEW_TOKEN"]) < 32 {
		t.Errorf(".env NEW_TOKEN = %q, want a fresh secret", envAfter["NEW_TOKEN"])
	}
	if info, _ := os.Stat(filepath.Join(dir, ".env")); info.Mode().Perm() != 0o600 {
		t.Errorf(".env mode %o", info.Mode().Perm())
	}
	// The manifest records the new version and answers.
	m, err := project.LoadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	if m.Version != "2.0" || m.Answers["http_port"] != "8080" || m.TemplateVersion == 0 || m.Templates[apart] == 0 {
		t.Errorf("manifest: version %q http_port %q template_version %d templates[%s]=%d", m.Version, m.Answers["http_port"], m.TemplateVersion, apart, m.Templates[apart])
	}
	if _, ok := m.Files[goneEdit]; ok {
		t.Errorf("the manifest still lists %s, which stackgen no longer writes", goneEdit)
	}

	// The conflict stays a failure for --check until it is resolved.
	if _, err := Run(context.Background(), check); !errors.Is(err, ErrWouldChange) {
		t.Errorf("--check after an upgrade with conflict markers left: %v, want ErrWouldChange", err)
	}
	edit(t, dir, overlap, func(s string) string {
		return strings.Replace(s, "<<<<<<< yours\nMINE = 1\n=======\nUPSTREAM = 1\n>>>>>>> stackgen\n", "MINE = 1\nUPSTREAM = 1\n", 1)
	})
	if _, err := Run(context.Background(), check); err != nil {
		t.Errorf("--check once resolved: %v", err)
	}
}

// TestUpgradeWithoutBaseCopies: a project made before the base store
// existed gets its bases by rendering its recorded answers again wherever
// that gives the recorded hash, so an answer change still merges 3-way.
func TestUpgradeWithoutBaseCopies(t *testing.T) {
	d, err := stacks.Registry().Lookup("django-uwsgi")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "old")
	generate(t, d, dir, stack.Answers{"project": "mysite", "compose_project": "old"})
	if err := os.RemoveAll(filepath.Join(dir, ".stackgen")); err != nil {
		t.Fatal(err)
	}
	edit(t, dir, "compose.yaml", func(s string) string { return "# mine\n" + s })
	var out, errOut bytes.Buffer
	_, err = Run(context.Background(), Options{Dir: dir, Given: stack.Answers{"http_port": "8081"}, Yes: true, Version: "1.0", Rand: rand.Reader, Sink: progress.Sink{Out: &out, ErrOut: &errOut}})
	if err != nil {
		t.Fatalf("upgrade: %v\n%s%s", err, out.String(), errOut.String())
	}
	if s := read(t, dir, "compose.yaml"); !strings.HasPrefix(s, "# mine\n") || !strings.Contains(s, "8081") || strings.Contains(s, "<<<<<<<") {
		t.Errorf("compose.yaml not merged 3-way:\n%s", s)
	}
	if strings.Contains(errOut.String(), "no base copy") {
		t.Errorf("warned about missing bases although the re-render found them: %s", errOut.String())
	}
}

// TestUpgradeWarnsOnADirtyGitTree: uncommitted changes get a warning
// (the upgrade still runs); a committed tree gets none.
func TestUpgradeWarnsOnADirtyGitTree(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("git not found")
		}
		t.Skip("git not found")
	}
	d, err := stacks.Registry().Lookup("django-uwsgi")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "repo")
	generate(t, d, dir, stack.Answers{"project": "mysite", "compose_project": "repo"})
	git := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.email=e2e@example.invalid", "-c", "user.name=e2e"}, args...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	git("init", "-q")
	git("add", "-A")
	git("commit", "-q", "-m", "generated")
	for _, c := range []struct {
		port  string
		dirty bool
	}{{"8081", false}, {"8082", true}} {
		if c.dirty {
			edit(t, dir, "mysite/requirements.txt", func(s string) string { return s + "# uncommitted\n" })
		} else {
			git("add", "-A")
			git("commit", "-q", "--allow-empty", "-m", "state")
		}
		var out, errOut bytes.Buffer
		if _, err := Run(context.Background(), Options{Dir: dir, Given: stack.Answers{"http_port": c.port}, Yes: true, Version: "1.0", Rand: rand.Reader, Sink: progress.Sink{Out: &out, ErrOut: &errOut}}); err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(errOut.String(), "uncommitted changes"); got != c.dirty {
			t.Errorf("dirty=%v: warning shown %v: %q", c.dirty, got, errOut.String())
		}
	}
}

// TestDataChangeRefusedOnlyOverLiveData: a database switch is refused when
// the engine has the project's database volume (or cannot be asked), and
// let through for a project never started.
func TestDataChangeRefusedOnlyOverLiveData(t *testing.T) {
	d, err := stacks.Registry().Lookup("django-uwsgi")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "site")
	generate(t, d, dir, stack.Answers{"project": "mysite", "compose_project": "site"})
	cases := []struct {
		name    string
		volumes []string
		err     error
		refused bool
	}{
		{"never started", nil, nil, false},
		{"other volumes only", []string{"site_static_vol", "other_db_vol"}, nil, false},
		{"database volume exists", []string{"site_db_vol", "site_static_vol"}, nil, true},
		{"engine unreachable", nil, errors.New("no engine"), true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			_, err := Run(context.Background(), Options{
				Dir: dir, Given: stack.Answers{"db": "mariadb", "db_version": "11.8"}, DryRun: true, Version: "1.0", Rand: rand.Reader, Sink: progress.Sink{Out: &out, ErrOut: &errOut},
				Volumes: func(_ context.Context, project string) ([]string, error) {
					if project != "site" {
						t.Errorf("volumes of %q asked, want site", project)
					}
					return c.volumes, c.err
				},
			})
			if refused := err != nil && strings.Contains(err.Error(), "touches data"); refused != c.refused {
				t.Errorf("refused %v (%v), want %v", refused, err, c.refused)
			}
		})
	}
}

// TestUpgradeFallsBackToTwoWay: without base copies and with templates
// that no longer give the recorded hash, a file both sides changed is
// merged 2-way (every difference marked), and the user is told why.
func TestUpgradeFallsBackToTwoWay(t *testing.T) {
	d, err := stacks.Registry().Lookup("django-uwsgi")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "old")
	generate(t, d, dir, stack.Answers{"project": "mysite", "compose_project": "old"})
	if err := os.RemoveAll(filepath.Join(dir, ".stackgen")); err != nil {
		t.Fatal(err)
	}
	const conf = "compose/nginx/nginx.conf"
	edit(t, dir, conf, func(s string) string { return "# mine\n" + s })
	next := overlay(t, d, func(m fstest.MapFS) { appendTo(t, m, conf+".tmpl", "# upstream\n") })
	var out, errOut bytes.Buffer
	plan, err := Run(context.Background(), Options{Dir: dir, Yes: true, Version: "2.0", Rand: rand.Reader, Lookup: func(string) (*stack.Definition, error) { return next, nil }, Sink: progress.Sink{Out: &out, ErrOut: &errOut}})
	if !errors.Is(err, ErrConflicts) {
		t.Fatalf("upgrade: %v, want ErrConflicts", err)
	}
	if f := byPath(*plan)[conf]; f.Outcome != Conflict || !strings.Contains(string(f.Content), "<<<<<<< yours\n# mine\n=======\n>>>>>>> stackgen\n") {
		t.Errorf("%s: %s\n%s", conf, f.Outcome, f.Content)
	}
	if !strings.Contains(errOut.String(), "no base copy") {
		t.Errorf("no word about the missing base: %q", errOut.String())
	}
	// Files the user left alone are still replaced: their hash says so.
	if f := byPath(*plan)["compose/nginx/Dockerfile"]; f.Outcome != Same && f.Outcome != Replaced {
		t.Errorf("Dockerfile: %s", f.Outcome)
	}
}

// TestUpgradeWarnsAboutWhatTheMergeBreaks: the merged project is
// validated; a finding the new render alone does not have (here the
// user's restart: always) is a warning that names the rule, and the
// upgrade goes on.
func TestUpgradeWarnsAboutWhatTheMergeBreaks(t *testing.T) {
	d, err := stacks.Registry().Lookup("django-uwsgi")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "site")
	generate(t, d, dir, stack.Answers{"project": "mysite", "compose_project": "site"})
	edit(t, dir, "compose.yaml", func(s string) string {
		out := strings.Replace(s, "restart: unless-stopped", "restart: always", 1)
		if out == s {
			t.Fatal("compose.yaml has no restart: unless-stopped to edit")
		}
		return out
	})
	var out, errOut bytes.Buffer
	if _, err := Run(context.Background(), Options{Dir: dir, Given: stack.Answers{"http_port": "8085"}, Yes: true, Version: "1.0", Rand: rand.Reader, Sink: progress.Sink{Out: &out, ErrOut: &errOut}}); err != nil {
		t.Fatalf("upgrade: %v\n%s", err, out.String())
	}
	if !strings.Contains(errOut.String(), "compose-restart-always") || strings.Count(errOut.String(), "after the merge") != 1 {
		t.Errorf("want one warning naming compose-restart-always, got:\n%s", errOut.String())
	}
	if s := read(t, dir, "compose.yaml"); !strings.Contains(s, "restart: always") || !strings.Contains(s, "8085") {
		t.Errorf("compose.yaml lost a side")
	}
}

// TestUpgradeAsksFirst: on a terminal without --yes the upgrade asks; a
// no writes nothing, a yes applies.
func TestUpgradeAsksFirst(t *testing.T) {
	d, err := stacks.Registry().Lookup("django-uwsgi")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "site")
	generate(t, d, dir, stack.Answers{"project": "mysite", "compose_project": "site"})
	before := snapshot(t, dir)
	for _, answer := range []bool{false, true} {
		asked := 0
		var out, errOut bytes.Buffer
		_, err := Run(context.Background(), Options{Dir: dir, Given: stack.Answers{"http_port": "8086"}, Version: "1.0", Rand: rand.Reader, Sink: progress.Sink{Out: &out, ErrOut: &errOut},
			Confirm: func(string) (bool, error) { asked++; return answer, nil }})
		if asked != 1 {
			t.Fatalf("asked %d times", asked)
		}
		lacksPort := !strings.Contains(read(t, dir, "compose.yaml"), "8086")
		if answer {
			if err != nil || lacksPort {
				t.Errorf("yes: %v, compose.yaml without the new port: %v", err, lacksPort)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), "nothing was written") {
			t.Errorf("no: %v", err)
		}
		after := snapshot(t, dir)
		for p, v := range before {
			if after[p] != v {
				t.Errorf("no: %s changed", p)
			}
		}
	}
}
