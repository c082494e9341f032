package newcmd_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stackgen/stackgen/engine"
	"github.com/stackgen/stackgen/project"
	"github.com/stackgen/stackgen/prompt/prompttest"
	"github.com/stackgen/stackgen/stack"
	"github.com/stackgen/stackgen/stacks"
)

// composeConfig runs the real `docker compose config` (it needs no engine)
// in dir, or skips when the docker CLI or its compose plugin is missing.
func composeConfig(t *testing.T, dir string, args ...string) []byte {
	t.Helper()
	if err := exec.Command("docker", "compose", "version").Run(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("docker compose is not installed: %v", err)
		}
		t.Skipf("docker compose is not installed: %v", err)
	}
	cmd := exec.Command("docker", append([]string{"compose", "config"}, args...)...)
	cmd.Dir = dir
	// The test's own environment must not name the project.
	cmd.Env = append(os.Environ(), "COMPOSE_PROJECT_NAME=")
	var errOut bytes.Buffer
	cmd.Stderr = &errOut
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("docker compose config in %s: %v\n%s", dir, err, errOut.String())
	}
	return out
}

func TestFolderNamesGiveValidComposeProjects(t *testing.T) {
	cases := []struct {
		stack, folder, want string
	}{
		{"django", "我的网站", stack.ComposeProjectName("我的网站", "django-uwsgi")},
		{"django", "My Site", "mysite"},
		{"keras", "Модель", stack.ComposeProjectName("Модель", "keras-webpy")},
		{"onyx", "Onyx Prod", "onyxprod"},
	}
	base := t.TempDir()
	for _, c := range cases {
		t.Run(c.folder, func(t *testing.T) {
			dir := filepath.Join(base, c.folder)
			if r := run(t, false, nil, c.stack, dir, "--yes"); r.err != nil {
				t.Fatalf("new: %v\n%s", r.err, r.errOut)
			}
			// status, logs and down guess the name without compose.
			if got := engine.GuessProject(dir).Name; got != c.want {
				t.Errorf("GuessProject = %q, want %q", got, c.want)
			}
			var cfg struct {
				Name string `json:"name"`
			}
			if err := json.Unmarshal(composeConfig(t, dir, "--format", "json"), &cfg); err != nil {
				t.Fatal(err)
			}
			if cfg.Name != c.want {
				t.Errorf("docker compose config names the project %q, want %q", cfg.Name, c.want)
			}
		})
	}
	if a, b := stack.ComposeProjectName("我的网站", "django-uwsgi"), stack.ComposeProjectName("我的博客", "django-uwsgi"); a == b {
		t.Errorf("two Chinese folder names share the project %q", a)
	}
}

func TestDefaultProjectsInTwoFoldersBuildDistinctImages(t *testing.T) {
	base := t.TempDir()
	images := map[string]string{}
	for _, name := range []string{"shop", "Blog Site"} {
		dir := filepath.Join(base, name)
		if r := run(t, false, nil, "django", dir, "--yes"); r.err != nil {
			t.Fatal(r.err)
		}
		m, err := project.LoadManifest(dir)
		if err != nil {
			t.Fatal(err)
		}
		if want := stack.PythonIdentFrom(name); m.Answers["project"] != want {
			t.Errorf("%s: project %q, want %q from the folder", name, m.Answers["project"], want)
		}
		for _, ref := range strings.Fields(string(composeConfig(t, dir, "--images"))) {
			if other, dup := images[ref]; dup {
				t.Errorf("%s and %s both use image %s", other, name, ref)
			}
			if !strings.Contains(ref, "-web:") && !strings.Contains(ref, "-nginx:") {
				continue
			}
			images[ref] = name
		}
	}
	if len(images) != 4 {
		t.Errorf("built images %v, want web and nginx per project", images)
	}
}

func TestNextStepsSayOnlyWhatIsTrue(t *testing.T) {
	base := t.TempDir()
	t.Run("keras without a token", func(t *testing.T) {
		dir := filepath.Join(base, "model one")
		r := run(t, false, nil, "keras", dir, "--yes")
		if r.err != nil {
			t.Fatal(r.err)
		}
		if _, err := os.Stat(filepath.Join(dir, ".env")); err == nil {
			t.Fatal("keras without a token wrote a .env")
		}
		if strings.Contains(r.out, "Secrets are in") {
			t.Errorf("claims a .env that was not written:\n%s", r.out)
		}
		if !strings.Contains(r.out, filepath.Join(dir, "models", "model.keras")) {
			t.Errorf("does not say where the model goes:\n%s", r.out)
		}
		if !strings.Contains(r.out, "cd '"+dir+"' && stackgen up") {
			t.Errorf("cd is not quoted for the shell:\n%s", r.out)
		}
	})
	t.Run("keras with its model in place", func(t *testing.T) {
		dir := filepath.Join(base, "m2")
		os.MkdirAll(filepath.Join(dir, "models"), 0o755)
		os.WriteFile(filepath.Join(dir, "models", "model.keras"), []byte("PK"), 0o644)
		r := run(t, false, nil, "keras", dir, "--yes", "--force", "--set", "api_token=true")
		if r.err != nil {
			t.Fatal(r.err)
		}
		if strings.Contains(r.out, "put in place") || !strings.Contains(r.out, "Secrets are in") {
			t.Errorf("wrong next steps with the model present and a token:\n%s", r.out)
		}
	})
	t.Run("django https names the certificate", func(t *testing.T) {
		dir := filepath.Join(base, "tls")
		r := run(t, false, nil, "django", dir, "--yes", "--set", "https=true")
		if r.err != nil {
			t.Fatal(r.err)
		}
		for _, f := range []string{"fullchain.pem", "privkey.pem"} {
			if !strings.Contains(r.out, filepath.Join(dir, "compose", "nginx", "ssl", f)) {
				t.Errorf("next steps do not name ssl/%s:\n%s", f, r.out)
			}
		}
	})
	t.Run("current directory", func(t *testing.T) {
		dir := filepath.Join(base, "here")
		os.MkdirAll(dir, 0o755)
		t.Chdir(dir)
		r := run(t, false, nil, "django", ".", "--yes")
		if r.err != nil {
			t.Fatal(r.err)
		}
		if strings.Contains(r.out, "cd ") || !strings.Contains(r.out, "Next: stackgen up") {
			t.Errorf("writing into . still says cd:\n%s", r.out)
		}
	})
}

func TestReplayFromStackgenYml(t *testing.T) {
	base := t.TempDir()
	old := filepath.Join(base, "old")
	if r := run(t, false, nil, "django", old, "--yes", "--set", "db=mariadb", "--set", "project=shop", "--set", "language_code=zh-hans"); r.err != nil {
		t.Fatal(r.err)
	}
	neu := filepath.Join(base, "new")
	r := run(t, false, nil, "django", neu, "--answers", filepath.Join(old, project.ManifestName))
	if r.err != nil {
		t.Fatalf("replay: %v", r.err)
	}
	a, _ := project.LoadManifest(old)
	b, err := project.LoadManifest(neu)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range a.Answers {
		if k == stack.ComposeProjectAnswer {
			continue
		}
		if b.Answers[k] != v {
			t.Errorf("answer %s: replayed %q, want %q", k, b.Answers[k], v)
		}
	}
	if b.Answers[stack.ComposeProjectAnswer] != "new" || a.Answers[stack.ComposeProjectAnswer] != "old" {
		t.Errorf("compose projects %q and %q: the replay must get its own", a.Answers[stack.ComposeProjectAnswer], b.Answers[stack.ComposeProjectAnswer])
	}
	r = run(t, false, nil, "keras", filepath.Join(base, "k"), "--answers", filepath.Join(old, project.ManifestName))
	if r.err == nil || !strings.Contains(r.err.Error(), "django-uwsgi project") {
		t.Errorf("replaying django answers into keras: %v", r.err)
	}
}

func TestHelpListsEveryAnswerOfTheStack(t *testing.T) {
	for _, d := range stacks.Registry().All() {
		t.Run(d.Name, func(t *testing.T) {
			r := run(t, false, nil, d.Name, "--help")
			if r.err != nil {
				t.Fatal(r.err)
			}
			for _, key := range d.KnownKeys() {
				if !strings.Contains(r.out, "\n  "+key+"  (") && !strings.Contains(r.out, "\n  "+key+"\n") && !strings.Contains(r.out, "\n  "+key+"  ") {
					t.Errorf("--help does not list %s", key)
				}
			}
		})
	}
	r := run(t, false, nil, "django", "--help")
	for _, want := range []string{"publish_db", "language_code", `one of: mysql, mariadb`, "not asked"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("django help lacks %q", want)
		}
	}
	// Without a stack the help is the general one.
	if r := run(t, false, nil, "--help"); strings.Contains(r.out, "publish_db") {
		t.Error("help without a stack lists one stack's answers")
	}
}

func TestInteractiveChecksTargetBeforeAsking(t *testing.T) {
	full := filepath.Join(t.TempDir(), "full")
	os.MkdirAll(full, 0o755)
	os.WriteFile(filepath.Join(full, "mine.txt"), []byte("x"), 0o644)
	// No scripted answers: any question fails the test.
	r := run(t, true, prompttest.NewScripted(t), "django", full)
	if r.err == nil || !strings.Contains(r.err.Error(), "not empty") {
		t.Errorf("err = %v, want the non-empty target refused before the questions", r.err)
	}
}

func TestCancelledNewWritesNothing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "site")
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // Ctrl-C arrived while rendering
	r := runCtx(t, ctx, false, nil, "onyx", dir, "--yes")
	if !errors.Is(r.err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled (exit 130)", r.err)
	}
	if _, err := os.Stat(dir); err == nil {
		t.Errorf("%s was created by a cancelled run", dir)
	}
}

func TestSourceThatIsNotThereIsRefused(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "onyx")
	r := run(t, false, nil, "onyx", dir, "--yes", "--source", "/nonexistent/onyx")
	if r.err == nil || !strings.Contains(r.err.Error(), "--source /nonexistent/onyx: no such directory") || strings.Contains(r.err.Error(), "\n") {
		t.Fatalf("err = %v, want one line refusing the missing checkout", r.err)
	}
	if _, err := os.Stat(dir); err == nil {
		t.Error("the project was written although the checkout is missing")
	}
}
