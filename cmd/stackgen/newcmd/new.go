// Package newcmd implements `stackgen new`: gather answers (prompts, flags,
// an answers file), render the stack in memory, validate it, and write it.
package newcmd

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/stackgen/stackgen/internal/currency"

	"github.com/spf13/cobra"

	"github.com/stackgen/stackgen/cmd/stackgen/cmdutil"
	"github.com/stackgen/stackgen/fileset"
	"github.com/stackgen/stackgen/internal/msg"
	"github.com/stackgen/stackgen/project"
	"github.com/stackgen/stackgen/render"
	"github.com/stackgen/stackgen/stack"
	"github.com/stackgen/stackgen/stacks"
	"github.com/stackgen/stackgen/upgrade"
	"github.com/stackgen/stackgen/validate"
)

// Options are the parsed flags and arguments of `stackgen new`.
type Options struct {
	IO       *cmdutil.IOStreams
	Factory  *cmdutil.Factory
	Stack    string
	Dir      string
	Yes      bool
	Sets     []string
	Images   []string
	Answers  string
	Mirror   string
	PipIndex string
	Source   string
	// From is an existing Django project to deploy (--from APP).
	From string
	// Model is a trained Keras model to deploy (--model FILE).
	Model  string
	DryRun bool
	Force  bool
	// Up, when set, deploys the project after writing it.
	Up func(ctx context.Context, dir string) error
}

// UpFunc deploys a written project (stackgen up); root wires it in.
type UpFunc func(ctx context.Context, f *cmdutil.Factory, dir string) error

// NewCmdNew builds the command; runF replaces the work in tests of flag parsing.
func NewCmdNew(f *cmdutil.Factory, up UpFunc, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Factory: f}
	var doUp bool
	reg := stacks.Registry()
	l := f.IO.L
	cmd := &cobra.Command{
		Use:     "new [stack] [dir]",
		Short:   l.T("cmd.new.short"),
		Long:    l.T("new.long", msg.Args{"Stacks": strings.Join(reg.Names(), ", ")}),
		Example: l.T("new.example"),
		Args:    cobra.MaximumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				opts.Stack = args[0]
			}
			if len(args) > 1 {
				opts.Dir = args[1]
			}
			if doUp {
				if up == nil {
					return &cmdutil.FlagError{Err: l.Errorf("new.err.no-up")}
				}
				opts.Up = func(ctx context.Context, dir string) error { return up(ctx, f, dir) }
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.BoolVarP(&opts.Yes, "yes", "y", false, l.T("new.flag.yes"))
	fl.StringArrayVar(&opts.Sets, "set", nil, l.T("new.flag.set"))
	fl.StringArrayVar(&opts.Images, "image", nil, l.T("new.flag.image"))
	fl.StringVar(&opts.Answers, "answers", "", l.T("new.flag.answers"))
	fl.StringVar(&opts.Mirror, "registry-mirror", "", l.T("new.flag.mirror"))
	fl.StringVar(&opts.PipIndex, "pip-index-url", "", l.T("new.flag.pip-index"))
	fl.StringVar(&opts.From, "from", "", l.T("new.flag.from"))
	fl.StringVar(&opts.Model, "model", "", l.T("new.flag.model"))
	fl.StringVar(&opts.Source, "source", "", l.T("new.flag.source"))
	fl.BoolVar(&opts.DryRun, "dry-run", false, l.T("new.flag.dry-run"))
	fl.BoolVar(&opts.Force, "force", false, l.T("new.flag.force"))
	if up != nil {
		fl.BoolVar(&doUp, "up", false, l.T("new.flag.up"))
	}
	// `stackgen new STACK --help` also lists that stack's answers, so they
	// can be given with --set without running the prompts first.
	defaultHelp := cmd.HelpFunc()
	cmd.SetHelpFunc(func(c *cobra.Command, args []string) {
		defaultHelp(c, args)
		if pos := c.Flags().Args(); len(pos) > 0 {
			if d, err := reg.Lookup(pos[0]); err == nil {
				fmt.Fprintln(c.OutOrStdout())
				cmdutil.PrintAnswers(c.OutOrStdout(), l, d)
			}
		}
	})
	return cmd
}

// Run does the work of `stackgen new`.
func Run(ctx context.Context, opts *Options) error {
	// what is rendered is validated before it is written
	validate.Warm()
	reg := stacks.Registry()
	l := opts.IO.L
	interactive := opts.IO.CanPrompt() && !opts.Yes
	var folders openFolders
	app, err := resolveFrom(opts, interactive, folders.open)
	if err != nil {
		return err
	}
	// A target that cannot be used fails before the first question, not
	// after the last one.
	existing := &project.Existing{Env: map[string]string{}}
	if opts.Dir != "" {
		var err error
		if existing, err = folders.open(opts.Dir); err != nil {
			return err
		}
		if err := existing.Check(opts.Force); err != nil {
			return err
		}
	}
	if opts.Model != "" && opts.Stack == "" {
		opts.Stack = "keras-webpy"
	}
	d, err := chooseStack(reg, opts, interactive)
	if err != nil {
		return err
	}
	if opts.Factory.Host != nil {
		d.ApplyHost(opts.Factory.Host())
	}
	model, err := resolveModel(opts, d)
	if err != nil {
		return err
	}
	folder := folderName(opts.Dir)

	given := stack.Answers{}
	var prev stack.Answers // the answers of the project being re-rendered
	if m := existing.Manifest; m != nil {
		if m.Stack != d.Name {
			return l.Errorf("new.err.other-stack", msg.Args{"Dir": opts.Dir, "Have": m.Stack, "Want": d.Name})
		}
		// A re-run starts from the answers the project was made with.
		prev = stack.Answers{}
		for k, v := range m.Answers {
			given[k], prev[k] = v, v
		}
	}
	if app != nil {
		app.apply(given, prev != nil)
		app.report(opts.IO.Out, l)
	}
	if model != nil {
		model.apply(given)
		model.report(opts.IO.Out, l)
	}
	// A mistake in --answers, --set or --image is a usage error (exit 2),
	// as every other flag's is.
	if opts.Answers != "" {
		if err := readAnswersFile(opts.Answers, d, opts.Dir, given); err != nil {
			return &cmdutil.FlagError{Err: err}
		}
	}
	if err := cmdutil.ParsePairs(l, "set", "", opts.Sets, given); err != nil {
		return err
	}
	if err := cmdutil.ParsePairs(l, "image", stack.ImagePrefix, opts.Images, given); err != nil {
		return err
	}
	if opts.Mirror != "" {
		given[stack.MirrorAnswer] = opts.Mirror
	}
	if opts.PipIndex != "" {
		given[stack.PipIndexAnswer] = opts.PipIndex
	}
	if opts.Source != "" {
		if _, ok := d.Question(stack.SourceDirAnswer); !ok {
			return &cmdutil.FlagError{Err: l.Errorf("new.err.source-stack", msg.Args{"Stack": d.Name})}
		}
		given[stack.SourceModeAnswer], given[stack.SourceDirAnswer] = stack.SourceMode, opts.Source
	}
	// Check what was given before asking anything, so a typo in --set
	// fails at once instead of after a dozen questions. Interactively, a
	// value may depend on a question not asked yet, so only names are
	// checked then, and the one Resolve of the run follows the questions.
	var answers stack.Answers
	if interactive {
		if hasUnknownKey(d, given) {
			return &cmdutil.FlagError{Err: d.CheckKeys(given)}
		}
		if given, err = ask(opts.Factory.Prompter(), l, d, folder, given); err != nil {
			return err
		}
		if answers, err = d.ResolveIn(folder, given); err != nil {
			return err
		}
	} else {
		if answers, err = d.ResolveIn(folder, given); err != nil {
			return &cmdutil.FlagError{Err: err}
		}
		if !opts.Yes {
			if missing := unansweredKeys(d, folder, given); len(missing) > 0 {
				return &cmdutil.FlagError{Err: l.Errorf("new.err.no-terminal", msg.Args{"Missing": strings.Join(missing, ", ")})}
			}
		}
	}

	keep := existing.Env
	set, err := render.Resolved(d, answers, render.Options{Rand: opts.Factory.Rand, KeepSecrets: keep, Version: opts.Factory.Version, Folder: folder})
	if err != nil {
		return err
	}
	if prev != nil && d.Rerender != nil {
		if err := d.Rerender(prev, answers); err != nil {
			return err
		}
	}
	checked := set
	if app != nil {
		if checked, err = app.withProject(opts.Dir, set); err != nil {
			return err
		}
	}
	// The render is validated while its files are staged on disk (the
	// write waits for the verdict before it commits). Everything printed
	// and every error come in the order they would without the overlap:
	// first the findings, which win over any later error, then the
	// warnings, then what the write says.
	found := make(chan []validate.Finding, 1)
	go func() { found <- validate.Files(checked) }()
	verdict := sync.OnceValue(func() error {
		if err := reportRendered(opts.IO, <-found); err != nil {
			return err
		}
		var stackWarnings []msg.Sub
		if d.Warnings != nil {
			stackWarnings = d.Warnings(answers, d.ResolveImages(answers))
		}
		imageWarnings(opts.IO, d, given, answers, stackWarnings)
		for _, w := range stackWarnings {
			fmt.Fprintln(opts.IO.ErrOut, l.T("new.warning", msg.Args{"Text": w}))
		}
		return nil
	})
	// after reports err, unless the render itself was refused
	after := func(err error) error {
		if v := verdict(); v != nil {
			return v
		}
		return err
	}

	dir := opts.Dir
	if dir == "" {
		dir = defaultDir(d, answers)
	}
	if err := checkSourceDir(l, dir, answers); err != nil {
		return after(err)
	}
	if opts.DryRun {
		if err := verdict(); err != nil {
			return err
		}
		plan := func() ([]project.Step, error) { return project.Plan(dir, set, opts.Force) }
		if existing.Dir == dir {
			plan = func() ([]project.Step, error) { return existing.Plan(set, opts.Force) }
		}
		steps, err := plan()
		if err != nil {
			return err
		}
		printPlan(opts.IO, dir, steps)
		return nil
	}
	// Ctrl-C while rendering (root turns SIGINT into a cancelled context)
	// stops here, before the first file is written.
	if err := ctx.Err(); err != nil {
		return after(err)
	}
	m := &project.Manifest{Stack: d.Name, Version: opts.Factory.Version, Answers: answers}
	// Which template version wrote each file, for a later upgrade.
	if err := upgrade.Stamp(m, set); err != nil {
		return after(err)
	}
	steps, err := project.WriteGated(dir, set, opts.Force, m, verdict)
	if err != nil {
		return after(err)
	}
	if model != nil {
		if err := model.install(opts.IO.Out, l, dir); err != nil {
			return err
		}
	}
	printSummary(opts.IO, d, dir, steps, set, answers)
	if app != nil {
		app.warnKeptEnv(opts.IO.ErrOut, l, dir, steps)
	}
	if d.Notes != nil {
		for _, n := range d.Notes(answers) {
			fmt.Fprintln(opts.IO.Out, l.T(n.ID, n.Args))
		}
	}
	if opts.Up != nil {
		return opts.Up(ctx, dir)
	}
	return nil
}

// openFolders reads each folder `new` looks at once (project.Open): the
// from-app detection's read of the target is the re-render's.
type openFolders map[string]openedFolder

type openedFolder struct {
	e   *project.Existing
	err error
}

func (o *openFolders) open(dir string) (*project.Existing, error) {
	if *o == nil {
		*o = openFolders{}
	}
	if r, ok := (*o)[dir]; ok {
		return r.e, r.err
	}
	e, err := project.Open(dir)
	(*o)[dir] = openedFolder{e, err}
	return e, err
}

// folderName is the base name of the folder a project is written to, from
// which the per-folder answers (the compose project, Django's project)
// take their defaults; "" when no folder was named.
func folderName(dir string) string {
	if dir == "" {
		return ""
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return filepath.Base(dir)
	}
	return filepath.Base(abs)
}

// checkSourceDir refuses a source build from a checkout that is not there:
// otherwise the mistake shows only at `up`, as a build error. A relative
// path is relative to the project, as compose reads it.
func checkSourceDir(l *msg.Localizer, dir string, a stack.Answers) error {
	src := a[stack.SourceDirAnswer]
	if a[stack.SourceModeAnswer] != stack.SourceMode || src == "" {
		return nil
	}
	p := src
	if !filepath.IsAbs(p) {
		p = filepath.Join(dir, p)
	}
	st, err := os.Stat(p)
	if err != nil || !st.IsDir() {
		return &cmdutil.FlagError{Err: l.Errorf("new.err.source-dir", msg.Args{"Src": src, "Path": p})}
	}
	return nil
}

func chooseStack(reg *stack.Registry, opts *Options, interactive bool) (*stack.Definition, error) {
	if opts.Stack != "" {
		d, err := reg.Lookup(opts.Stack)
		if err != nil {
			return nil, &cmdutil.FlagError{Err: err}
		}
		return d, nil
	}
	if !interactive {
		return nil, &cmdutil.FlagError{Err: opts.IO.L.Errorf("new.err.name-stack", msg.Args{"Stacks": strings.Join(reg.Names(), ", ")})}
	}
	var labels []string
	byLabel := map[string]*stack.Definition{}
	for _, d := range reg.All() {
		l := d.Name + " — " + cmdutil.StackDescription(opts.IO.L, d)

		labels = append(labels, l)
		byLabel[l] = d
	}
	choice, err := opts.Factory.Prompter().Select(opts.IO.L.T("new.ask.stack"), "", labels, labels[0])
	if err != nil {
		return nil, err
	}
	return byLabel[choice], nil
}

func hasUnknownKey(d *stack.Definition, a stack.Answers) bool {
	for k := range a {
		if _, ok := d.Question(k); !ok && !d.IsImageKey(k) && !d.IsImageFamilyKey(k) {
			return true
		}
	}
	return false
}

// reportRendered prints the findings of the validation rules on the
// rendered files and refuses the render if one is an error: a template
// bug must never reach the user's disk.
func reportRendered(ios *cmdutil.IOStreams, findings []validate.Finding) error {
	l := ios.L
	// The same line, fix included, as `stackgen validate` prints.
	for _, f := range findings {
		if f.Rule == currencyRule {
			continue // said once per answer by imageWarnings, with what to pick
		}
		fmt.Fprintln(ios.ErrOut, l.T("new.rendered-finding", msg.Args{"Finding": f.Format(l)}))
	}
	if validate.HasErrors(findings) {
		return l.Errorf("new.err.render-invalid")
	}
	return nil
}

// currencyRule is validate's image-currency rule, whose findings `new`
// words per answer instead.
const currencyRule = "image-currency"

// imageWarnings prints one line per image the user pinned (--image,
// --set image.KEY=...) that the currency table flags: end of life, a
// known CVE, a licence change, and what to pick instead. Defaults are
// kept on supported lines by a test; an image the stack's own warnings
// already name (Onyx's MinIO, with the stack's alternatives) is theirs.
func imageWarnings(ios *cmdutil.IOStreams, d *stack.Definition, given, answers stack.Answers, stackWarnings []msg.Sub) {
	images := d.ResolveImages(answers)
	keys := make([]string, 0, len(images))
	for k := range images {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if given[stack.ImagePrefix+k] == "" || mentioned(stackWarnings, images[k]) {
			continue
		}
		if w, ok := currency.Warning(stack.ImagePrefix+k, images[k]); ok {
			fmt.Fprintln(ios.ErrOut, ios.L.T("new.warning", msg.Args{"Text": w}))
		}
	}
}

// mentioned reports whether a stack's warning already names ref (in any
// language the reference reads the same).
func mentioned(lines []msg.Sub, ref string) bool {
	for _, l := range lines {
		if strings.Contains(msg.English().T(l.ID, l.Args), ref) {
			return true
		}
	}
	return false
}

func defaultDir(d *stack.Definition, a stack.Answers) string {
	if d.DefaultDir != nil {
		if dir := d.DefaultDir(a); dir != "" {
			return dir
		}
	}
	return d.Name
}

func printPlan(ios *cmdutil.IOStreams, dir string, steps []project.Step) {
	w := ios.Out
	fmt.Fprintln(w, ios.L.T("new.plan.head", msg.Args{"Dir": dir}))
	for _, st := range steps {
		fmt.Fprintf(w, "  %-9s %04o %8d  %s\n", st.Action, st.File.Mode.Perm(), len(st.File.Content), st.Dest)
	}
	fmt.Fprintf(w, "  %-9s %04o %8s  %s\n", "manifest", 0o644, "-", project.ManifestName)
}

func printSummary(ios *cmdutil.IOStreams, d *stack.Definition, dir string, steps []project.Step, set fileset.Set, a stack.Answers) {
	w, l := ios.Out, ios.L
	counts := map[project.Action]int{}
	for _, st := range steps {
		counts[st.Action]++
	}
	fmt.Fprintln(w, l.T("new.summary.wrote", msg.Args{"Stack": d.Name, "Dir": dir, "Created": counts[project.Create], "Updated": counts[project.Update], "Unchanged": counts[project.Unchanged]}))
	if kept := project.Kept(steps); len(kept) > 0 {
		fmt.Fprintln(w, l.T("new.summary.kept", msg.Args{"Count": len(kept), "Suffix": project.NewSuffix}))
		for _, k := range kept {
			fmt.Fprintf(w, "  %s\n", filepath.Join(dir, k))
		}
	}
	// Only what is true: a stack without secrets for these answers (keras
	// without an API token) writes no .env.
	if _, ok := set.Get(".env"); ok {
		fmt.Fprintln(w, l.T("new.summary.secrets", msg.Args{"Path": filepath.Join(dir, ".env")}))
	}
	if missing := project.MissingUserFiles(dir, d, a); len(missing) > 0 {
		fmt.Fprintln(w, l.T("new.summary.user-files"))
		for _, f := range missing {
			fmt.Fprintf(w, "  %s: %s\n", filepath.Join(dir, filepath.FromSlash(f.Path)), f.What)
		}
	}
	fmt.Fprintln(w, l.T("new.summary.next", msg.Args{"Cd": cdPrefix(dir)}))
}

// cdPrefix is "cd DIR && " quoted for a POSIX shell, or "" when DIR is the
// current directory.
func cdPrefix(dir string) string {
	if abs, err := filepath.Abs(dir); err == nil {
		if wd, err := os.Getwd(); err == nil && abs == wd {
			return ""
		}
	}
	return "cd " + render.ShellQuote(dir) + " && "
}
