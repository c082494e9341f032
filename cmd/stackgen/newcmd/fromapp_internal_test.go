package newcmd

import (
	"crypto/rand"
	"os"
	"path/filepath"
	"testing"

	"github.com/stackgen/stackgen/cmd/stackgen/cmdutil"
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
			app, err := resolveFrom(opts, true)
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
