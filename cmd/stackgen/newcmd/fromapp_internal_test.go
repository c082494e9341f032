package newcmd

import (
	"crypto/rand"
	"os"
	"path/filepath"
	"testing"

	"github.com/stackgen/stackgen/cmd/stackgen/cmdutil"
	"github.com/stackgen/stackgen/project"
	"github.com/stackgen/stackgen/prompt"
	"github.com/stackgen/stackgen/prompt/prompttest"
)

// On a terminal, `new django DIR` inside a Django project asks before
// deploying it; no keeps the skeleton.
func TestResolveFromAsksOnATerminal(t *testing.T) {
	dir := t.TempDir()
	for p, c := range map[string]string{
		"manage.py":         `os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site1.settings")`,
		"site1/settings.py": "STATIC_ROOT = 'static'\n",
		"site1/wsgi.py":     "",
		"requirements.txt":  "Django==5.2\n",
	} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, p), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, answer := range []string{"y", "n"} {
		t.Run(answer, func(t *testing.T) {
			ios, _, _, errOut := cmdutil.Test()
			p := prompttest.NewScripted(t, prompttest.Step{Match: dir + " holds a Django project", Answer: answer})
			opts := &Options{IO: ios, Stack: "django", Dir: dir,
				Factory: &cmdutil.Factory{IO: ios, Rand: rand.Reader, Prompter: func() prompt.Prompter { return p }}}
			app, err := resolveFrom(opts, true, project.Open)
			if err != nil {
				t.Fatal(err)
			}
			if got := app != nil; got != (answer == "y") {
				t.Fatalf("answer %s: from-app mode %v", answer, got)
			}
			if answer == "y" && (app.rel != "." || app.app.Settings != "site1.settings" || !opts.Force) {
				t.Errorf("app %+v, force %v", app, opts.Force)
			}
			if errOut.Len() != 0 {
				t.Errorf("a terminal run asks instead of announcing: %q", errOut.String())
			}
		})
	}
}

// The from-app detection and the re-render share one read of the target:
// a second open of the same folder is the first one's result, even after
// the folder changed on disk.
func TestOpenFoldersReadsEachFolderOnce(t *testing.T) {
	dir := t.TempDir()
	var folders openFolders
	first, err := folders.open(dir)
	if err != nil || first.Manifest != nil {
		t.Fatalf("an empty folder: %+v, %v", first, err)
	}
	b, _ := (&project.Manifest{Stack: "django-uwsgi", Answers: map[string]string{}}).Marshal()
	if err := os.WriteFile(filepath.Join(dir, project.ManifestName), b, 0o644); err != nil {
		t.Fatal(err)
	}
	again, err := folders.open(dir)
	if err != nil || again != first {
		t.Errorf("the second open read the folder again: %+v, %v", again, err)
	}
	other, err := folders.open(filepath.Join(dir, "sub"))
	if err != nil || other == first {
		t.Errorf("another folder shared the first one's read: %+v, %v", other, err)
	}
}
