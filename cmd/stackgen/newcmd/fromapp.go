package newcmd

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/stackgen/stackgen/appscan"
	"github.com/stackgen/stackgen/cmd/stackgen/cmdutil"
	"github.com/stackgen/stackgen/fileset"
	"github.com/stackgen/stackgen/internal/msg"
	"github.com/stackgen/stackgen/project"
	"github.com/stackgen/stackgen/stack"
	"github.com/stackgen/stackgen/stacks"
)

// fromApp is the user's Django project that `new` deploys (--from APP, or
// detected in the target folder).
type fromApp struct {
	app *appscan.Django
	// rel is APP relative to the stack's folder, with forward slashes.
	rel   string
	added []string
}

// resolveFrom decides the from-app mode before any question: --from APP,
// or, without it, a Django project found in the target folder (the
// current one when none is named) that is not already a stackgen
// project. It sets opts.Dir when --from alone names the folder; nil means
// the generated skeleton. open reads a folder (project.Open), so the
// manifest read here is the one the re-render uses.
func resolveFrom(opts *Options, interactive bool, open func(dir string) (*project.Existing, error)) (*fromApp, error) {
	from := opts.From
	if from == "" {
		if opts.Stack != "" {
			if d, err := stacks.Registry().Lookup(opts.Stack); err != nil || d.Name != stacks.DjangoName {
				return nil, nil
			}
		}
		target := opts.Dir
		if target == "" {
			target = "."
		}
		if e, err := open(target); err == nil && e.Manifest != nil {
			m := e.Manifest
			// A stackgen project is re-rendered from its manifest; one that
			// deploys the user's project reads that project again.
			dir := m.Answers[stacks.AppDirAnswer]
			if dir == "" {
				return nil, nil
			}
			opts.From = filepath.Join(target, filepath.FromSlash(dir))
			if opts.Dir == "" {
				opts.Dir = target
			}
			return resolveFrom(opts, interactive, open)
		}
		if !hasManage(target) {
			return nil, nil
		}
		if interactive {
			ok, err := opts.Factory.Prompter().Confirm(
				opts.IO.L.T("new.from.confirm", msg.Args{"Dir": displayDir(target)}),
				opts.IO.L.T("new.from.confirm-help"),
				true)
			if err != nil {
				return nil, err
			}
			if !ok {
				return nil, nil
			}
		} else {
			fmt.Fprintln(opts.IO.ErrOut, opts.IO.L.T("new.from.detected", msg.Args{"Dir": displayDirArg(target), "Target": target}))
		}
		from = target
		if opts.Dir == "" {
			opts.Dir = target
		}
	}
	if opts.Stack == "" {
		opts.Stack = stacks.DjangoName
	}
	if d, err := stacks.Registry().Lookup(opts.Stack); err != nil || d.Name != stacks.DjangoName {
		return nil, &cmdutil.FlagError{Err: msg.Err("new.from.err.stack", msg.Args{"Stack": stacks.DjangoName})}
	}
	if opts.Dir == "" {
		opts.Dir = from
	}
	rel, err := relInside(opts.Dir, from)
	if err != nil {
		return nil, err
	}
	app, err := appscan.Scan(os.DirFS(from))
	if err != nil {
		if errors.Is(err, appscan.ErrNoProject) {
			return nil, &cmdutil.FlagError{Err: msg.Err("new.from.err.none", msg.Args{"From": from, "Err": err})}
		}
		return nil, msg.Err("cmd.err.flag-value", msg.Args{"Flag": "from", "Value": from, "Err": err})
	}
	// The folder holds the user's files: writing into it is the point, and
	// Plan still never overwrites a file stackgen did not write.
	opts.Force = true
	return &fromApp{app: app, rel: rel}, nil
}

// hasManage tells whether dir has a manage.py at the top or in src/.
func hasManage(dir string) bool {
	for _, p := range []string{"manage.py", filepath.Join("src", "manage.py")} {
		if st, err := os.Stat(filepath.Join(dir, p)); err == nil && st.Mode().IsRegular() {
			return true
		}
	}
	return false
}

// relInside is app relative to dir: the stack's compose.yaml builds it,
// so it must be dir itself or inside it.
func relInside(dir, app string) (string, error) {
	ad, err1 := filepath.Abs(dir)
	aa, err2 := filepath.Abs(app)
	if err := errors.Join(err1, err2); err != nil {
		return "", err
	}
	rel, err := filepath.Rel(ad, aa)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", &cmdutil.FlagError{Err: msg.Err("new.from.err.outside", msg.Args{"App": app, "Dir": dir})}
	}
	return filepath.ToSlash(rel), nil
}

// displayDirArg is displayDir as a placeholder value, said in the
// reader's language.
func displayDirArg(d string) any {
	if d == "." {
		return msg.Sub{ID: "new.from.this-folder"}
	}
	return d
}

func displayDir(d string) string {
	if d == "." {
		return "this folder"
	}
	return d
}

// scannedPython is the python image a scan picks (python:3.X-slim): one
// the project's Python version chose, which a new scan may change.
var scannedPython = regexp.MustCompile(`^python:3\.[0-9]+-slim$`)

// apply sets the from-app answers over the manifest's (the project as it
// is now wins), under what --answers and --set give later. The project
// name, which names the database, stays what the manifest says, and so
// does a python image other than the one a scan picks.
func (f *fromApp) apply(given stack.Answers, fromManifest bool) {
	a, added := stacks.AppAnswers(f.app, f.rel)
	f.added = added
	for k, v := range a {
		if fromManifest {
			if old, ok := given[k]; ok && (k == "project" || (strings.HasPrefix(k, stack.ImagePrefix) && !scannedPython.MatchString(old))) {
				continue // the database's name, or an image the user chose
			}
		}
		given[k] = v
	}
}

// report says what was found, what the image adds and what in the
// settings the deployment overrides.
func (f *fromApp) report(w io.Writer, l *msg.Localizer) {
	a := f.app
	fmt.Fprint(w, l.T("new.from.report.head", msg.Args{"Settings": a.Settings, "WSGI": a.WSGI}))
	if a.Code != "." {
		fmt.Fprint(w, l.T("new.from.report.code", msg.Args{"Dir": a.Code}))
	}
	fmt.Fprintln(w)
	how := string(a.Tool)
	if a.Tool == appscan.Requirements {
		how = "pip -r " + a.Requirements
	}
	fmt.Fprintln(w, l.T("new.from.report.deps", msg.Args{"Files": strings.Join(a.DepFiles, ", "), "How": how}))
	if a.Python != "" {
		fmt.Fprintln(w, l.T("new.from.report.python", msg.Args{"Version": a.Python, "From": a.PythonFrom}))
	}
	if len(f.added) > 0 {
		fmt.Fprintln(w, l.T("new.from.report.added", msg.Args{"Packages": strings.Join(f.added, ", ")}))
	}
	if build, run := appscan.SystemLibs(a.Packages); len(build)+len(run) > 0 {
		fmt.Fprintln(w, l.T("new.from.report.system", msg.Args{"Build": orNone(build), "Run": orNone(run)}))
	}
	if a.Celery != "" {
		fmt.Fprintln(w, l.T("new.from.report.celery", msg.Args{"App": a.Celery}))
	}
	if a.Channels {
		fmt.Fprintln(w, l.T("new.from.report.channels"))
	}
	for _, c := range a.Conflicts {
		loc := c.File
		if c.Line > 0 {
			loc = fmt.Sprintf("%s:%d", c.File, c.Line)
		}
		fmt.Fprintln(w, l.T("new.from.report.conflict", msg.Args{"What": c.What, "Loc": loc, "Fix": c.Fix}))
	}
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, " ")
}

// withProject is the render plus the project files it refers to (manage.py,
// the settings module, the dependency files), read from disk: the checks
// of a render judge the build context and imports the deployment relies
// on, not the rest of the user's tree.
func (f *fromApp) withProject(dir string, set fileset.Set) (fileset.Set, error) {
	out := append(fileset.Set(nil), set...)
	refs := append([]string{path.Join(f.app.Code, "manage.py"), f.app.SettingsFile}, f.app.DepFiles...)
	for _, r := range refs {
		p := path.Join(f.rel, r)
		if _, ok := out.Get(p); ok {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(p)))
		if err != nil {
			return nil, msg.Err("cmd.err.flag", msg.Args{"Flag": "from", "Err": err})
		}
		out = append(out, fileset.File{Path: p, Mode: 0o644, Content: b})
	}
	out.Sort()
	return out, nil
}

// warnKeptEnv says what to do when the project folder already had a .env
// of the user's (django-environ's, say): it is kept, but compose reads the
// stack's secrets from .env, so `up` would fail until they are merged.
func (f *fromApp) warnKeptEnv(w io.Writer, l *msg.Localizer, dir string, steps []project.Step) {
	for _, st := range steps {
		if st.Action == project.Keep && st.File.Path == ".env" {
			fmt.Fprintln(w, l.T("new.from.kept-env", msg.Args{"Env": filepath.Join(dir, ".env"), "Dest": filepath.Join(dir, st.Dest)}))
		}
	}
}
