// Package upgrade brings a generated project to a new stackgen, new
// answers or new template versions while keeping every edit the user made:
// a 3-way merge per file between what stackgen wrote last time (the base,
// kept under .stackgen/base), the file on disk and the new render. Merge
// and DataRisks are pure; Run reads the project, decides, prints, and
// writes through the project's transaction.
package upgrade

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/stackgen/stackgen/fileset"
	"github.com/stackgen/stackgen/internal/msg"
	"github.com/stackgen/stackgen/internal/smallfile"
	"github.com/stackgen/stackgen/internal/yamlin"
	"github.com/stackgen/stackgen/progress"
	"github.com/stackgen/stackgen/project"
	"github.com/stackgen/stackgen/render"
	"github.com/stackgen/stackgen/stack"
	"github.com/stackgen/stackgen/stacks"
	"github.com/stackgen/stackgen/validate"
)

// Options are the inputs of one upgrade.
type Options struct {
	Dir string
	// Given are the answers to change (--set, --image, --answers); the
	// rest come from the manifest.
	Given stack.Answers
	// DryRun prints the unified diff and writes nothing; Check writes
	// nothing and fails with ErrWouldChange when anything would change.
	DryRun, Check bool
	// Yes applies without asking; without it Confirm asks (nil: refuse).
	Yes     bool
	Confirm func(question string) (bool, error)
	// AllowDataChange lets through the changes DataRisks lists.
	AllowDataChange bool
	// Volumes lists the engine's volumes of a compose project, so a data
	// change is refused only over data that exists (nil, or an error:
	// every volume is taken to hold data).
	Volumes func(ctx context.Context, project string) ([]string, error)
	Version string
	Rand    io.Reader
	// Lookup finds a stack definition (nil: the built-in stacks); tests
	// give one with another template tree, a new "version".
	Lookup func(name string) (*stack.Definition, error)
	// Sink is where the report, the diff and the warnings go.
	Sink progress.Sink
}

// ErrWouldChange is --check's failure: the upgrade would change files or
// leave conflicts.
var ErrWouldChange = msg.Err("upgrade.err.would-change")

// ErrConflicts means the upgrade was written and left conflict markers.
var ErrConflicts = msg.Err("upgrade.err.conflicts")

// Run upgrades opts.Dir and returns the plan it applied (or would apply).
func Run(ctx context.Context, opts Options) (*Plan, error) {
	dir := opts.Dir
	m, err := project.LoadManifest(dir)
	if err != nil {
		return nil, err
	}
	lookup := opts.Lookup
	if lookup == nil {
		lookup = stacks.Registry().Lookup
	}
	d, err := lookup(m.Stack)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, project.ManifestName), err)
	}
	log, err := LoadChangelog(d.Name)
	if err != nil {
		return nil, err
	}
	folder := folderName(dir)
	env, err := project.ReadEnv(dir)
	if err != nil {
		return nil, err
	}
	given := m.AnswersOf()
	for k, v := range opts.Given {
		given[k] = v
	}
	set, answers, err := render.Project(d, given, render.Options{Rand: opts.Rand, KeepSecrets: env, Version: opts.Version, Folder: folder})
	if err != nil {
		return nil, err
	}
	if err := checkData(ctx, opts, d, m.AnswersOf(), answers); err != nil {
		return nil, err
	}
	if findings := validate.Files(set); validate.HasErrors(findings) {
		for _, f := range findings {
			fmt.Fprintln(opts.Sink.ErrOut, findingLine(opts.Sink.L, "upgrade.finding", f))
		}
		return nil, msg.Err("upgrade.err.render-invalid")
	}
	renames := log.Renames(m.TemplateVersion)
	disk, err := readDisk(dir, m, set, renames)
	if err != nil {
		return nil, err
	}
	// The manifest too, so a run that wrote the project meanwhile is seen.
	if b, mode, ok, err := project.ReadFile(dir, project.ManifestName); err != nil {
		return nil, err
	} else if ok {
		disk[project.ManifestName] = Disk{Content: b, Mode: mode}
	}
	bases, noBase, err := readBases(dir, d, m, env, folder, opts.Rand)
	if err != nil {
		return nil, err
	}
	in := Input{Old: m.Files, Bases: bases, Disk: disk, New: set, Renames: renames, Secrets: secretKeys(d), Lang: answers[stack.LangAnswer]}

	plan := Merge(in)

	report(opts.Sink.Out, opts.Sink.L, dir, d, m, log, answers, opts.Version)
	if n := twoWay(plan, noBase); n > 0 {
		fmt.Fprintln(opts.Sink.ErrOut, opts.Sink.L.T("upgrade.two-way", msg.Args{"Count": n}))
	}
	changed := plan.Changed(disk)
	if plan.Conflicts() == 0 {
		warnMerged(opts.Sink.ErrOut, opts.Sink.L, set, plan, disk)
	}
	if opts.DryRun {
		printDiff(opts.Sink.Out, plan, disk, in.Secrets)
	}
	printTable(opts.Sink.Out, opts.Sink.L, &plan, changed)
	if opts.Check {
		if changed || plan.Conflicts() > 0 {
			return &plan, ErrWouldChange
		}
		return &plan, nil
	}
	if opts.DryRun || !changed {
		return &plan, nil
	}
	if dirty(ctx, dir) {
		fmt.Fprintln(opts.Sink.ErrOut, opts.Sink.L.T("upgrade.dirty", msg.Args{"Dir": dir}))
	}
	if !opts.Yes {
		if opts.Confirm == nil {
			return &plan, msg.Err("upgrade.err.no-terminal")
		}
		ok, err := opts.Confirm(opts.Sink.L.T("upgrade.confirm"))
		if err != nil {
			return &plan, err
		}
		if !ok {
			return &plan, msg.Err("upgrade.err.declined")
		}
	}
	if err := ctx.Err(); err != nil {
		return &plan, err
	}
	next := &project.Manifest{Stack: d.Name, Version: opts.Version, Answers: answers}
	if err := Stamp(next, set); err != nil {
		return &plan, err
	}
	if err := apply(dir, m, set, renames, disk, &plan, next); err != nil {
		return &plan, err
	}
	if n := plan.Conflicts(); n > 0 {
		fmt.Fprintln(opts.Sink.Out, opts.Sink.L.T("upgrade.done-conflicts", msg.Args{"Dir": dir, "Count": n}))
		return &plan, ErrConflicts
	}
	fmt.Fprintln(opts.Sink.Out, opts.Sink.L.T("upgrade.done", msg.Args{"Dir": dir}))
	return &plan, nil
}

// checkData refuses, unless allowed, the answer changes that touch data
// (the stack's own re-render check included).
func checkData(ctx context.Context, opts Options, d *stack.Definition, prev, next stack.Answers) error {
	if opts.AllowDataChange {
		return nil
	}
	risks := DataRisks(d, prev, next)
	if len(risks) > 0 && opts.Volumes != nil {
		name := prev[stack.ComposeProjectAnswer]
		if live, err := opts.Volumes(ctx, name); err == nil {
			risks = Live(risks, name, live)
		} else {
			fmt.Fprintln(opts.Sink.ErrOut, opts.Sink.L.T("upgrade.volumes-unknown", msg.Args{"Err": err.Error()}))
		}
	}
	if len(risks) > 0 {
		return errors.New(RefuseMessage(risks))
	}
	if d.Rerender != nil {
		if err := d.Rerender(prev, next); err != nil {
			return err
		}
	}
	return nil
}

// apply writes the plan under the project's lock, after checking that no
// file changed since it was read (an editor saving mid-upgrade).
func apply(dir string, m *project.Manifest, set fileset.Set, renames map[string]string, disk map[string]Disk, plan *Plan, next *project.Manifest) error {
	tx, err := project.Begin(dir)
	if err != nil {
		return err
	}
	defer tx.Close()
	now, err := readDisk(dir, m, set, renames)
	if err != nil {
		return err
	}
	if b, mode, ok, err := project.ReadFile(dir, project.ManifestName); err != nil {
		return err
	} else if ok {
		now[project.ManifestName] = Disk{Content: b, Mode: mode}
	}
	for p, d := range disk {
		if n, ok := now[p]; !ok || !bytes.Equal(n.Content, d.Content) {
			return msg.Err("upgrade.err.raced", msg.Args{"File": filepath.Join(dir, p)})
		}
	}
	var changes []project.Change
	for _, f := range plan.Files {
		if f.Render == nil {
			continue
		}
		changes = append(changes, project.Change{
			File:       fileset.File{Path: f.Path, Mode: f.Mode, Content: f.Content},
			Render:     f.Render,
			RecordOnly: f.Content == nil,
		})
	}
	if err := tx.ApplyUpgrade(changes, plan.Remove, next); err != nil {
		return err
	}
	return tx.Close()
}

// readDisk reads every file the old manifest, the new render or a rename
// names.
func readDisk(dir string, m *project.Manifest, set fileset.Set, renames map[string]string) (map[string]Disk, error) {
	paths := map[string]bool{}
	for p := range m.Files {
		paths[p] = true
	}
	for _, f := range set {
		paths[f.Path] = true
	}
	for o, n := range renames {
		paths[o], paths[n] = true, true
	}
	out := map[string]Disk{}
	for p := range paths {
		b, mode, ok, err := project.ReadFile(dir, p)
		if err != nil {
			return nil, err
		}
		if ok {
			out[p] = Disk{Content: b, Mode: mode}
		}
	}
	return out, nil
}

// readBases finds the base of every file in the manifest: the copy kept
// under .stackgen/base, or else the recorded answers rendered by this
// binary wherever that gives the recorded hash (an exact base, whatever
// the version). noBase lists the files left without one.
func readBases(dir string, d *stack.Definition, m *project.Manifest, env map[string]string, folder string, rnd io.Reader) (map[string][]byte, map[string]bool, error) {
	bases := map[string][]byte{}
	noBase := map[string]bool{}
	for p, sum := range m.Files {
		if p == envPath {
			continue
		}
		b, err := project.ReadBase(dir, sum)
		switch {
		case errors.Is(err, project.ErrNoBase):
			noBase[p] = true
		case err != nil:
			return nil, nil, err
		default:
			bases[sum] = b
		}
	}
	if len(noBase) == 0 {
		return bases, noBase, nil
	}
	old, _, err := render.Project(d, m.AnswersOf(), render.Options{Rand: rnd, KeepSecrets: env, Version: m.Version, Folder: folder})
	if err != nil {
		return bases, noBase, nil // the old answers no longer render: 2-way
	}
	for _, f := range old {
		if sum := project.Hash(f.Content); noBase[f.Path] && sum == m.Files[f.Path] {
			bases[sum] = f.Content
			delete(noBase, f.Path)
		}
	}
	return bases, noBase, nil
}

// twoWay counts the files merged without a base.
func twoWay(p Plan, noBase map[string]bool) int {
	n := 0
	for _, f := range p.Files {
		if noBase[f.Path] && (f.Outcome == Conflict || f.Outcome == Merged) {
			n++
		}
	}
	return n
}

func secretKeys(d *stack.Definition) map[string]bool {
	out := map[string]bool{}
	for _, s := range d.Secrets {
		out[s.Key] = true
	}
	return out
}

func folderName(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return filepath.Base(dir)
	}
	return filepath.Base(abs)
}

// report prints what the upgrade crosses: versions, the changelog entries
// and the answers that change.
func report(w io.Writer, l *msg.Localizer, dir string, d *stack.Definition, m *project.Manifest, log Changelog, answers stack.Answers, version string) {
	fmt.Fprintln(w, l.T("upgrade.report", msg.Args{"Dir": dir, "Stack": d.Name, "From": orUnknown(m.Version), "To": version, "FromTemplates": m.TemplateVersion, "ToTemplates": log.Latest()}))
	for _, e := range log.Since(m.TemplateVersion) {
		fmt.Fprintf(w, "  v%d: %s\n", e.Version, e.Summary)
	}
	old := m.AnswersOf()
	var keys []string
	for k, v := range answers {
		if old[k] != v {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintln(w, l.T("upgrade.report.answer", msg.Args{"Key": k, "Old": strconv.Quote(old[k]), "New": strconv.Quote(answers[k])}))
	}
}

func orUnknown(v string) string {
	if v == "" {
		return "(unknown)"
	}
	return v
}

// printDiff prints the unified diff of every file the plan changes; in
// .env the secrets' values are masked, as the diff goes to a terminal or
// a CI log.
func printDiff(w io.Writer, p Plan, disk map[string]Disk, secrets map[string]bool) {
	for _, f := range p.Files {
		old := disk[f.Path].Content
		if f.From != "" {
			old = disk[f.From].Content
		}
		next := f.Content
		if f.Path == envPath {
			old, next = maskSecrets(old, secrets), maskSecrets(next, secrets)
		}
		switch {
		case f.Outcome == Removed:
			fmt.Fprint(w, Unified(f.Path, old, nil))
		case f.Content != nil:
			fmt.Fprint(w, Unified(f.Path, old, next))
		}
	}
}

// maskSecrets replaces the value of every secret key in a .env text.
func maskSecrets(b []byte, secrets map[string]bool) []byte {
	var out bytes.Buffer
	for _, l := range parseEnvLines(b) {
		if l.key != "" && secrets[l.key] {
			nl := ""
			if strings.HasSuffix(l.text, "\n") {
				nl = "\n"
			}
			out.WriteString(l.key + "=<secret, unchanged or new>" + nl)
			continue
		}
		out.WriteString(l.text)
	}
	return out.Bytes()
}

func printTable(w io.Writer, l *msg.Localizer, p *Plan, changed bool) {
	t := p.Table(l)
	if t == "" {
		fmt.Fprintln(w, l.T("upgrade.nothing"))
		return
	}
	if !changed {
		fmt.Fprintln(w, l.T("upgrade.notes"))
	} else {
		fmt.Fprintln(w, l.T("upgrade.summary"))
	}
	fmt.Fprint(w, t)
}

// dirty reports whether dir is in a git work tree with uncommitted
// changes; no git, or no repository, is not dirty.
func dirty(ctx context.Context, dir string) bool {
	out, err := exec.CommandContext(ctx, "git", "-C", dir, "status", "--porcelain", "--", ".").Output()
	return err == nil && len(bytes.TrimSpace(out)) > 0
}

// ReadAnswers reads an answers file: a YAML mapping of answer keys to
// scalar values (as `stackgen new --answers` takes), with an optional
// image: section.
func ReadAnswers(path string) (stack.Answers, error) {
	b, err := smallfile.ReadFile(path, yamlin.MaxSize)
	if err != nil {
		return nil, msg.Err("upgrade.err.answers-read", msg.Args{"Err": err})
	}
	raw, err := yamlin.Decode(b)
	if err != nil {
		return nil, msg.Err("upgrade.err.answers-yaml", msg.Args{"File": path, "Err": err})

	}
	return stack.AnswersFromYAML(path, raw)
}

// warnMerged validates the project as the upgrade leaves it and prints
// the findings the new render alone does not have: they come from the
// user's edits meeting stackgen's, which the user may mean, so they warn
// and never stop the upgrade.
func warnMerged(w io.Writer, l *msg.Localizer, render fileset.Set, p Plan, disk map[string]Disk) {
	var merged fileset.Set
	for _, f := range p.Files {
		switch {
		case f.Content != nil:
			merged = append(merged, fileset.File{Path: f.Path, Mode: f.Mode, Content: f.Content})
		case f.Outcome == Orphaned:
			merged = append(merged, fileset.File{Path: f.Path, Mode: disk[f.Path].Mode, Content: disk[f.Path].Content})
		}
	}
	merged.Sort()
	key := func(f validate.Finding) string { return f.File + "\x00" + f.Rule + "\x00" + f.Message }
	had := map[string]bool{}
	for _, f := range validate.Files(render) {
		had[key(f)] = true
	}
	for _, f := range validate.Files(merged) {
		if !had[key(f)] {
			fmt.Fprintln(w, findingLine(l, "upgrade.warn-merged", f))
		}
	}
}

// findingLine says a validate finding in one of upgrade's lines.
func findingLine(l *msg.Localizer, id string, f validate.Finding) string {
	message, _ := f.Localized(l)
	return l.T(id, msg.Args{"File": f.File, "Line": f.Line, "Severity": f.Severity.String(), "Rule": f.Rule, "Message": message})
}
