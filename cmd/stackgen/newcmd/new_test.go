package newcmd_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stackgen/stackgen/cmd/stackgen/cmdutil"
	"github.com/stackgen/stackgen/cmd/stackgen/newcmd"
	"github.com/stackgen/stackgen/fileset"
	"github.com/stackgen/stackgen/project"
	"github.com/stackgen/stackgen/prompt"
	"github.com/stackgen/stackgen/prompt/prompttest"
	"github.com/stackgen/stackgen/stack"
	"github.com/stackgen/stackgen/stacks"
	"github.com/stackgen/stackgen/validate"
)

type result struct {
	out, errOut string
	err         error
}

// run executes `stackgen new` with args on test streams; tty says whether
// the streams pretend to be a terminal, p answers prompts.
func run(t *testing.T, tty bool, p prompt.Prompter, args ...string) result {
	t.Helper()
	return runCtx(t, context.Background(), tty, p, args...)
}

func runCtx(t *testing.T, ctx context.Context, tty bool, p prompt.Prompter, args ...string) result {
	t.Helper()
	ios, _, out, errOut := cmdutil.Test()
	ios.SetTTY(tty, tty, tty)
	f := &cmdutil.Factory{IO: ios, Rand: rand.Reader, Version: "test", Prompter: func() prompt.Prompter {
		if p == nil {
			t.Fatal("prompted although no prompter was scripted")
		}
		return p
	}}
	cmd := newcmd.NewCmdNew(f, nil, nil)
	cmd.SetArgs(args)
	cmd.SetOut(out)
	cmd.SetErr(errOut)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	err := cmd.ExecuteContext(ctx)
	return result{out: out.String(), errOut: errOut.String(), err: err}
}

func TestNewWithYesWritesProject(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "mysite")
	r := run(t, false, nil, "django", dir, "--yes")
	if r.err != nil {
		t.Fatalf("new: %v\n%s", r.err, r.errOut)
	}
	m, err := project.LoadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	if m.Stack != "django-uwsgi" || m.Answers["project"] != "mysite" {
		t.Errorf("manifest stack=%q answers=%v", m.Stack, m.Answers)
	}
	for _, p := range []string{"compose.yaml", "mysite/manage.py", "mysite/mysite/settings.py", "scripts/deploy.sh"} {
		if _, ok := m.Files[p]; !ok {
			t.Errorf("manifest lacks %s", p)
		}
	}
	info, err := os.Stat(filepath.Join(dir, ".env"))
	if err != nil {
		t.Fatalf(".env: %v", err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Fatalf(".env mode %v, want 0600", info.Mode().Perm())
	}
	if !strings.Contains(r.out, "stackgen up") {
		t.Errorf("summary does not say what to do next:\n%s", r.out)
	}
}

func TestSecretsAreRandomAndOnlyInEnv(t *testing.T) {
	base := t.TempDir()
	var envs []map[string]string
	for _, name := range []string{"a", "b"} {
		dir := filepath.Join(base, name)
		if r := run(t, false, nil, "django-uwsgi", dir, "--yes"); r.err != nil {
			t.Fatal(r.err)
		}
		env, err := project.ReadEnv(dir)
		if err != nil {
			t.Fatal(err)
		}
		envs = append(envs, env)
		set, err := fileset.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, key := range []string{"DJANGO_SECRET_KEY", "MYSQL_PASSWORD", "MYSQL_ROOT_PASSWORD", "REDIS_PASSWORD"} {
			secret := env[key]
			if len(secret) < 32 {
				t.Fatalf("%s is %q: secrets must be at least 32 characters", key, secret)
			}
			for _, f := range set {
				if f.Path != ".env" && bytes.Contains(f.Content, []byte(secret)) {
					t.Errorf("%s appears in %s; secrets belong only in .env", key, f.Path)
				}
			}
		}
	}
	if envs[0]["DJANGO_SECRET_KEY"] == envs[1]["DJANGO_SECRET_KEY"] || envs[0]["MYSQL_PASSWORD"] == envs[1]["MYSQL_PASSWORD"] {
		t.Error("two renders produced the same secrets")
	}
}

func TestBadInputGivesOneLineErrorAndWritesNothing(t *testing.T) {
	base := t.TempDir()
	file := filepath.Join(base, "afile")
	os.WriteFile(file, []byte("x"), 0o644)
	full := filepath.Join(base, "full")
	os.MkdirAll(full, 0o755)
	os.WriteFile(filepath.Join(full, "keep.txt"), []byte("mine"), 0o644)
	unwritable := "/proc/stackgen-new-test"
	if os.Geteuid() != 0 {
		ro := filepath.Join(base, "ro")
		os.MkdirAll(ro, 0o500)
		unwritable = filepath.Join(ro, "proj")
	}

	cases := []struct {
		name string
		args []string
		dir  string
		want string
	}{
		{"invalid project name", []string{"django", "--yes", "--set", "project=my-site"}, "p1", "not a Python identifier"},
		{"port out of range", []string{"django", "--yes", "--set", "http_port=70000"}, "p2", "use a number from 1 to 65535"},
		{"bad domain", []string{"django", "--yes", "--set", "domain=exa mple.com"}, "p3", "not a host name"},
		{"unsupported version", []string{"django", "--yes", "--set", "db_version=5.7"}, "p4", "choose one of"},
		{"unknown answer", []string{"django", "--yes", "--set", "colour=blue"}, "p5", `unknown answer "colour"`},
		{"malformed --set", []string{"django", "--yes", "--set", "project"}, "p6", "expected KEY=VALUE"},
		{"unpinned image", []string{"django", "--yes", "--image", "db=mysql:latest"}, "p7", "not pinned"},
		{"image of another family", []string{"django", "--yes", "--image", "db=mariadb:11.8"}, "p10", "add --set db=mariadb"},
		{"stated family contradicts", []string{"django", "--yes", "--image", "db=corp.example:5000/platform/thing-7:1.0", "--image", "db.family=mariadb"}, "p11", "add --set db=mariadb"},
		{"unknown stack", []string{"rails", "--yes"}, "p8", "choose one of: django-uwsgi"},
		{"no terminal and no --yes", []string{"django"}, "p9", "pass --yes"},
		{"non-empty target without --force", []string{"django", "--yes"}, full, "pass --force"},
		{"target is a file", []string{"django", "--yes"}, file, "is a file"},
		{"unwritable target", []string{"django", "--yes"}, unwritable, "choose a directory you can write to"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := c.dir
			if !filepath.IsAbs(dir) {
				dir = filepath.Join(base, dir)
			}
			args := append([]string{c.args[0], dir}, c.args[1:]...)
			r := run(t, false, nil, args...)
			if r.err == nil {
				t.Fatalf("want an error containing %q, got success", c.want)
			}
			msg := r.err.Error()
			if !strings.Contains(msg, c.want) || strings.Contains(msg, "\n") {
				t.Errorf("error %q: want one line containing %q", msg, c.want)
			}
			if dir != full && dir != file {
				if _, err := os.Stat(dir); err == nil {
					t.Errorf("%s was created although the command failed", dir)
				}
			}
		})
	}
	if entries, _ := os.ReadDir(full); len(entries) != 1 {
		t.Errorf("the refused non-empty target was changed: %v", entries)
	}
}

func TestDryRunWritesNothing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "mysite")
	r := run(t, false, nil, "django", dir, "--yes", "--dry-run")
	if r.err != nil {
		t.Fatal(r.err)
	}
	if _, err := os.Stat(dir); err == nil {
		t.Fatal("--dry-run created the directory")
	}
	for _, want := range []string{"compose.yaml", "0600", ".env", "0755", "scripts/deploy.sh"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("dry-run output lacks %q:\n%s", want, r.out)
		}
	}
}

func TestInteractiveAsksStackThenQuestions(t *testing.T) {
	t.Chdir(t.TempDir())
	d := stacks.Django()
	// The stack list is sorted and django-uwsgi comes first, so the default
	// choice is it; then each of its questions in order, answered with its
	// default except the project name and the database.
	steps := []prompttest.Step{{Match: "Which stack", Answer: ""}}
	cur := stack.Answers{}
	for _, q := range d.Questions {
		if !q.Active(cur) {
			continue
		}
		v := q.DefaultFor(cur)
		if !q.Advanced {
			ans := ""
			switch q.Key {
			case "project":
				ans, v = "shop", "shop"
			case "db":
				ans, v = "mariadb", "mariadb"
			}
			steps = append(steps, prompttest.Step{Match: q.Prompt, Answer: ans})
		}
		cur[q.Key] = v
	}
	r := run(t, true, prompttest.NewScripted(t, steps...))
	if r.err != nil {
		t.Fatalf("interactive new: %v", r.err)
	}
	m, err := project.LoadManifest("shop")
	if err != nil {
		t.Fatal(err)
	}
	if m.Answers["db"] != "mariadb" || m.Answers["db_version"] != "11.8" {
		t.Errorf("answers = %v; want the prompted mariadb and its default version", m.Answers)
	}
}

func TestRerunWithForceKeepsEditsAndSecrets(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "mysite")
	if r := run(t, false, nil, "django", dir, "--yes"); r.err != nil {
		t.Fatal(r.err)
	}
	before, _ := project.ReadEnv(dir)
	compose := filepath.Join(dir, "compose.yaml")
	orig, _ := os.ReadFile(compose)
	edited := append(orig, []byte("# my edit\n")...)
	os.WriteFile(compose, edited, 0o644)

	r := run(t, false, nil, "django", dir, "--yes", "--force", "--set", "uwsgi_processes=8")
	if r.err != nil {
		t.Fatal(r.err)
	}
	if got, _ := os.ReadFile(compose); !bytes.Equal(got, edited) {
		t.Error("--force overwrote compose.yaml which the user had edited")
	}
	if _, err := os.Stat(compose + project.NewSuffix); err != nil {
		t.Error("the new compose.yaml was not written beside the edited one")
	}
	if !strings.Contains(r.out, "compose.yaml") {
		t.Errorf("the kept file is not reported:\n%s", r.out)
	}
	after, _ := project.ReadEnv(dir)
	if before["MYSQL_PASSWORD"] != after["MYSQL_PASSWORD"] {
		t.Error("re-render changed the database password under an existing project")
	}
	m, _ := project.LoadManifest(dir)
	if m.Answers["uwsgi_processes"] != "8" {
		t.Errorf("re-run answers not recorded: %v", m.Answers)
	}
	uwsgi, _ := os.ReadFile(filepath.Join(dir, "mysite", "uwsgi.ini"))
	if !bytes.Contains(uwsgi, []byte("8")) {
		t.Errorf("uwsgi.ini not updated with the new answer:\n%s", uwsgi)
	}
}

func TestSourceFlag(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "onyx")
	src := filepath.Join(t.TempDir(), "onyx-checkout")
	os.MkdirAll(src, 0o755)
	r := run(t, false, nil, "onyx", dir, "--yes", "--source", src)
	if r.err != nil {
		t.Fatalf("new onyx --source: %v", r.err)
	}
	m, err := project.LoadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	if m.Answers["mode"] != "source" || m.Answers["source_dir"] != src {
		t.Errorf("answers = %v; --source must select the source build from that checkout", m.Answers)
	}
	r = run(t, false, nil, "django", filepath.Join(t.TempDir(), "d"), "--yes", "--source", "/src")
	if r.err == nil || !strings.Contains(r.err.Error(), "applies to onyx") {
		t.Errorf("--source on django: err = %v", r.err)
	}
}

// TestPrivateImagesWithStatedFamily: a private mirror's name says nothing;
// the stated family is kept in the manifest and recorded in compose.yaml.
func TestPrivateImagesWithStatedFamily(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "mysite")
	r := run(t, false, nil, "django", dir, "--yes", "--set", "db=mariadb",
		"--image", "db=corp.example:5000/platform/thing-7:11.8", "--image", "db.family=mariadb",
		"--image", "nginx=corp.example:5000/platform/edge-proxy:1.28")
	if r.err != nil {
		t.Fatalf("new: %v\n%s", r.err, r.errOut)
	}
	m, err := project.LoadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	if m.Answers["image.db.family"] != "mariadb" {
		t.Errorf("manifest answers lack the stated family: %v", m.Answers)
	}
	b, err := os.ReadFile(filepath.Join(dir, "compose.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "x-stackgen: {role: database, family: mariadb}") || !strings.Contains(string(b), "x-stackgen: {role: proxy, family: nginx}") {
		t.Errorf("compose.yaml does not record the roles:\n%s", b)
	}
	// validate on the written directory judges by the recorded roles
	fs, err := validate.Dir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fs {
		t.Errorf("validate %s: %s", dir, f)
	}
}

// The onyx compose project name comes from the folder as compose derives
// it, so an install made without name: keeps its volumes; the memory note
// and the render-time warnings are printed.
func TestOnyxComposeProjectNotesAndWarnings(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "My_Onyx.Prod")
	r := run(t, false, nil, "onyx", dir, "--yes", "--set", "file_store=s3-minio")
	if r.err != nil {
		t.Fatalf("new onyx: %v\n%s", r.err, r.errOut)
	}
	m, _ := project.LoadManifest(dir)
	if got := m.Answers[stack.ComposeProjectAnswer]; got != "my_onyxprod" {
		t.Errorf("compose_project = %q, want my_onyxprod (the folder, as compose normalises it)", got)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "compose.yaml")); !bytes.Contains(b, []byte("\nname: \"my_onyxprod\"\n")) {
		t.Errorf("compose.yaml lacks name: my_onyxprod")
	}
	if !strings.Contains(r.out, "Memory: Onyx (standard) needs about 16 GB") {
		t.Errorf("no memory note after new:\n%s", r.out)
	}
	if !strings.Contains(r.errOut, "stackgen: warning: image.minio") || !strings.Contains(r.errOut, "CVE-2025-62506") {
		t.Errorf("no MinIO warning on stderr:\n%s", r.errOut)
	}
	// An explicit answer wins over the folder.
	dir2 := filepath.Join(t.TempDir(), "x")
	if r := run(t, false, nil, "onyx", dir2, "--yes", "--set", "compose_project=onyx"); r.err != nil {
		t.Fatal(r.err)
	}
	if m, _ := project.LoadManifest(dir2); m.Answers[stack.ComposeProjectAnswer] != "onyx" {
		t.Errorf("compose_project = %q, want the given onyx", m.Answers[stack.ComposeProjectAnswer])
	}
}

// Re-rendering a v2 (Vespa) onyx project with a v4 version stops before
// anything is written, with one line saying what the upgrade involves.
func TestOnyxRerenderRefusesIndexSwitch(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "onyx")
	if r := run(t, false, nil, "onyx", dir, "--yes", "--set", "onyx_version=v2.9.8"); r.err != nil {
		t.Fatal(r.err)
	}
	before, _ := os.ReadFile(filepath.Join(dir, "compose.yaml"))
	r := run(t, false, nil, "onyx", dir, "--yes", "--force", "--set", "onyx_version=v4.6.1")
	if r.err == nil || !strings.Contains(r.err.Error(), "whose search index is Vespa") || strings.Contains(r.err.Error(), "\n") {
		t.Fatalf("err = %v, want the one-line Vespa refusal", r.err)
	}
	if after, _ := os.ReadFile(filepath.Join(dir, "compose.yaml")); !bytes.Equal(before, after) {
		t.Errorf("a refused re-render changed compose.yaml")
	}
	// Asked for explicitly, with the file store kept, it goes ahead.
	r = run(t, false, nil, "onyx", dir, "--yes", "--force", "--set", "onyx_version=v4.6.1", "--set", "reindex_to_opensearch=true", "--set", "file_store=s3-minio")
	if r.err != nil {
		t.Fatalf("the asked-for upgrade: %v", r.err)
	}
	if m, _ := project.LoadManifest(dir); m.Answers["onyx_version"] != "v4.6.1" || m.Answers["file_store"] != "s3-minio" {
		t.Errorf("answers after the upgrade = %v", m.Answers)
	}
}
