// Package newcmd implements `stackgen new`: gather answers (prompts, flags,
// an answers file), render the stack in memory, validate it, and write it.
package newcmd

import (
	"context"
	"fmt"
	"github.com/stackgen/stackgen/internal/currency"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/stackgen/stackgen/cmd/stackgen/cmdutil"
	"github.com/stackgen/stackgen/fileset"
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
	cmd := &cobra.Command{
		Use:   "new [stack] [dir]",
		Short: "Write a new stack: compose file, configs, Dockerfiles, scripts and secrets",
		Long: `Write every file of a stack into dir, secure by default.

On a terminal, stackgen asks for what is missing; otherwise every answer
must come from --yes (defaults), --set, --image or --answers.

Stacks: ` + strings.Join(reg.Names(), ", ") + ` (aliases: django, keras, model).
'stackgen new STACK --help' lists the answers of that stack (keys, defaults,
choices), including those never asked on a terminal.

Replay: --answers OLD/.stackgen.yml takes another project's answers (its
compose project name is derived again from the new folder).`,
		Example: `  stackgen new django
  stackgen new django-uwsgi mysite --yes
  stackgen new django mysite --set db=mariadb --set domain=example.com --yes
  stackgen new django mysite --yes --image python=registry.example.com/python:3.13-slim`,
		Args: cobra.MaximumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				opts.Stack = args[0]
			}
			if len(args) > 1 {
				opts.Dir = args[1]
			}
			if doUp {
				if up == nil {
					return cmdutil.FlagErrorf("--up is not available in this build")
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
	fl.BoolVarP(&opts.Yes, "yes", "y", false, "accept the default for every question not answered otherwise")
	fl.StringArrayVar(&opts.Sets, "set", nil, "set an answer, KEY=VALUE (repeatable)")
	fl.StringArrayVar(&opts.Images, "image", nil, "replace an image, KEY=REF, e.g. db=mariadb:11.8; KEY.family=FAMILY states what a renamed image is, e.g. db.family=mariadb (repeatable)")
	fl.StringVar(&opts.Answers, "answers", "", "read answers from a YAML file")
	fl.StringVar(&opts.Mirror, "registry-mirror", "", "pull Docker Hub images through this registry HOST")
	fl.StringVar(&opts.PipIndex, "pip-index-url", "", "install Python packages from this index URL (writes pip.conf)")
	fl.StringVar(&opts.From, "from", "", "deploy your existing Django project in APP (django-uwsgi); the stack is written into DIR, which is APP or holds it")
	fl.StringVar(&opts.Model, "model", "", "deploy your trained Keras model FILE (.keras or .h5; keras-webpy): copied into models/, its input shape read for the README")
	fl.StringVar(&opts.Source, "source", "", "build from a source checkout in DIR instead of published images (onyx)")
	fl.BoolVar(&opts.DryRun, "dry-run", false, "print the files that would be written (path, mode, size) and write nothing")
	fl.BoolVar(&opts.Force, "force", false, "write into a non-empty directory (files you changed are kept; new versions go beside them)")
	if up != nil {
		fl.BoolVar(&doUp, "up", false, "build and start the stack after writing it (stackgen up)")
	}
	// `stackgen new STACK --help` also lists that stack's answers, so they
	// can be given with --set without running the prompts first.
	defaultHelp := cmd.HelpFunc()
	cmd.SetHelpFunc(func(c *cobra.Command, args []string) {
		defaultHelp(c, args)
		if pos := c.Flags().Args(); len(pos) > 0 {
			if d, err := reg.Lookup(pos[0]); err == nil {
				fmt.Fprintln(c.OutOrStdout())
				cmdutil.PrintAnswers(c.OutOrStdout(), d)
			}
		}
	})
	return cmd
}

// Run does the work of `stackgen new`.
func Run(ctx context.Context, opts *Options) error {
	reg := stacks.Registry()
	interactive := opts.IO.CanPrompt() && !opts.Yes
	app, err := resolveFrom(opts, interactive)
	if err != nil {
		return err
	}
	// A target that cannot be used fails before the first question, not
	// after the last one.
	existing := &project.Existing{Env: map[string]string{}}
	if opts.Dir != "" {
		var err error
		if existing, err = project.Open(opts.Dir, opts.Force); err != nil {
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
	model, err := resolveModel(opts, d)
	if err != nil {
		return err
	}
	folder := folderName(opts.Dir)

	given := stack.Answers{}
	var prev stack.Answers // the answers of the project being re-rendered
	if m := existing.Manifest; m != nil {
		if m.Stack != d.Name {
			return fmt.Errorf("%s holds a %s project; refusing to write %s into it (choose another directory)", opts.Dir, m.Stack, d.Name)
		}
		// A re-run starts from the answers the project was made with.
		prev = stack.Answers{}
		for k, v := range m.Answers {
			given[k], prev[k] = v, v
		}
	}
	if app != nil {
		app.apply(given, prev != nil)
		app.report(opts.IO.Out)
	}
	if model != nil {
		model.apply(given)
		model.report(opts.IO.Out)
	}
	// A mistake in --answers, --set or --image is a usage error (exit 2),
	// as every other flag's is.
	if opts.Answers != "" {
		if err := readAnswersFile(opts.Answers, d, opts.Dir, given); err != nil {
			return &cmdutil.FlagError{Err: err}
		}
	}
	if err := parsePairs("set", "", opts.Sets, given); err != nil {
		return &cmdutil.FlagError{Err: err}
	}
	if err := parsePairs("image", stack.ImagePrefix, opts.Images, given); err != nil {
		return &cmdutil.FlagError{Err: err}
	}
	if opts.Mirror != "" {
		given[stack.MirrorAnswer] = opts.Mirror
	}
	if opts.PipIndex != "" {
		given[stack.PipIndexAnswer] = opts.PipIndex
	}
	if opts.Source != "" {
		if _, ok := d.Question(stack.SourceDirAnswer); !ok {
			return cmdutil.FlagErrorf("--source: the %s stack has no source build; it applies to onyx", d.Name)
		}
		given[stack.SourceModeAnswer], given[stack.SourceDirAnswer] = stack.SourceMode, opts.Source
	}
	// Check what was given before asking anything, so a typo in --set
	// fails at once instead of after a dozen questions. Interactively, a
	// value may depend on a question not asked yet, so only names are
	// checked then; Resolve checks every value after the questions.
	if _, err := d.ResolveIn(folder, given); err != nil && (!interactive || hasUnknownKey(d, given)) {
		return &cmdutil.FlagError{Err: err}
	}

	switch {
	case interactive:
		if given, err = ask(opts.Factory.Prompter(), d, folder, given); err != nil {
			return err
		}
	case !opts.Yes:
		if missing := unansweredKeys(d, folder, given); len(missing) > 0 {
			return cmdutil.FlagErrorf("no terminal to ask questions on: pass --yes to accept the defaults, or answer with --set KEY=VALUE (unanswered: %s)", strings.Join(missing, ", "))
		}
	}

	keep := existing.Env
	set, answers, err := render.Project(d, given, render.Options{Rand: opts.Factory.Rand, KeepSecrets: keep, Version: opts.Factory.Version, Folder: folder})
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
	if err := checkRendered(opts.IO.ErrOut, checked); err != nil {
		return err
	}
	var stackWarnings []string
	if d.Warnings != nil {
		stackWarnings = d.Warnings(answers, d.ResolveImages(answers))
	}
	imageWarnings(opts.IO.ErrOut, d, given, answers, stackWarnings)
	for _, w := range stackWarnings {
		fmt.Fprintf(opts.IO.ErrOut, "stackgen: warning: %s\n", w)
	}

	dir := opts.Dir
	if dir == "" {
		dir = defaultDir(d, answers)
	}
	if err := checkSourceDir(dir, answers); err != nil {
		return err
	}
	if opts.DryRun {
		steps, err := project.Plan(dir, set, opts.Force)
		if err != nil {
			return err
		}
		printPlan(opts.IO.Out, dir, steps)
		return nil
	}
	// Ctrl-C while rendering (root turns SIGINT into a cancelled context)
	// stops here, before the first file is written.
	if err := ctx.Err(); err != nil {
		return err
	}
	m := &project.Manifest{Stack: d.Name, Version: opts.Factory.Version, Answers: answers}
	// Which template version wrote each file, for a later upgrade.
	if err := upgrade.Stamp(m, set); err != nil {
		return err
	}
	steps, err := project.Write(dir, set, opts.Force, m)
	if err != nil {
		return err
	}
	if model != nil {
		if err := model.install(opts.IO.Out, dir); err != nil {
			return err
		}
	}
	printSummary(opts.IO.Out, d, dir, steps, set, answers)
	if app != nil {
		app.warnKeptEnv(opts.IO.ErrOut, dir, steps)
	}
	if d.Notes != nil {
		for _, n := range d.Notes(answers) {
			fmt.Fprintln(opts.IO.Out, n)
		}
	}
	if opts.Up != nil {
		return opts.Up(ctx, dir)
	}
	return nil
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
func checkSourceDir(dir string, a stack.Answers) error {
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
		return cmdutil.FlagErrorf("--source %s: no such directory (%s); give the path of an Onyx checkout (git clone of onyx-dot-app/onyx), absolute or relative to the project", src, p)
	}
	return nil
}

func chooseStack(reg *stack.Registry, opts *Options, interactive bool) (*stack.Definition, error) {
	if opts.Stack != "" {
		d, err := reg.Lookup(opts.Stack)
		if err != nil {
			return nil, cmdutil.FlagErrorf("%v", err)
		}
		return d, nil
	}
	if !interactive {
		return nil, cmdutil.FlagErrorf("name a stack: stackgen new STACK [DIR], with STACK one of %s", strings.Join(reg.Names(), ", "))
	}
	var labels []string
	byLabel := map[string]*stack.Definition{}
	for _, d := range reg.All() {
		l := d.Name + " — " + d.Description
		labels = append(labels, l)
		byLabel[l] = d
	}
	choice, err := opts.Factory.Prompter().Select("Which stack do you want to deploy?", "", labels, labels[0])
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

// checkRendered runs the validation rules on the rendered files: a
// template bug must never reach the user's disk.
func checkRendered(w io.Writer, set fileset.Set) error {
	findings := validate.Files(set)
	// The same line, fix included, as `stackgen validate` prints.
	for _, f := range findings {
		if f.Rule == currencyRule {
			continue // said once per answer by imageWarnings, with what to pick
		}
		fmt.Fprintf(w, "stackgen: %s\n", f)
	}
	if validate.HasErrors(findings) {
		return fmt.Errorf("the rendered stack failed validation (a stackgen bug: please report it with the lines above); nothing was written")
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
func imageWarnings(w io.Writer, d *stack.Definition, given, answers stack.Answers, stackWarnings []string) {
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
		if line, ok := currency.Warning(stack.ImagePrefix+k, images[k]); ok {
			fmt.Fprintf(w, "stackgen: warning: %s\n", line)
		}
	}
}

func mentioned(lines []string, ref string) bool {
	for _, l := range lines {
		if strings.Contains(l, ref) {
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

func printPlan(w io.Writer, dir string, steps []project.Step) {
	fmt.Fprintf(w, "Would write into %s:\n", dir)
	for _, st := range steps {
		fmt.Fprintf(w, "  %-9s %04o %8d  %s\n", st.Action, st.File.Mode.Perm(), len(st.File.Content), st.Dest)
	}
	fmt.Fprintf(w, "  %-9s %04o %8s  %s\n", "manifest", 0o644, "-", project.ManifestName)
}

func printSummary(w io.Writer, d *stack.Definition, dir string, steps []project.Step, set fileset.Set, a stack.Answers) {
	counts := map[project.Action]int{}
	for _, st := range steps {
		counts[st.Action]++
	}
	fmt.Fprintf(w, "Wrote %s stack into %s (%d created, %d updated, %d unchanged).\n", d.Name, dir, counts[project.Create], counts[project.Update], counts[project.Unchanged])
	if kept := project.Kept(steps); len(kept) > 0 {
		fmt.Fprintf(w, "Kept %d file(s) you changed; the new version of each is beside it with %s:\n", len(kept), project.NewSuffix)
		for _, k := range kept {
			fmt.Fprintf(w, "  %s\n", filepath.Join(dir, k))
		}
	}
	// Only what is true: a stack without secrets for these answers (keras
	// without an API token) writes no .env.
	if _, ok := set.Get(".env"); ok {
		fmt.Fprintf(w, "Secrets are in %s (mode 0600, git-ignored).\n", filepath.Join(dir, ".env"))
	}
	if missing := project.MissingUserFiles(dir, d, a); len(missing) > 0 {
		fmt.Fprintln(w, "Before the first start, put in place:")
		for _, f := range missing {
			fmt.Fprintf(w, "  %s: %s\n", filepath.Join(dir, filepath.FromSlash(f.Path)), f.What)
		}
	}
	fmt.Fprintf(w, "Next: %sstackgen up   (or: docker compose up -d --build)\n", cdPrefix(dir))
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
