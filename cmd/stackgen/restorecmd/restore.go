// Package restorecmd implements `stackgen restore`: check a backup folder
// completely, confirm, stop the services that write, put every state back,
// and start the stack again with the same health wait as `stackgen up`.
package restorecmd

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/stackgen/stackgen/backup"
	"github.com/stackgen/stackgen/cmd/stackgen/cmdutil"
	"github.com/stackgen/stackgen/engine"
	"github.com/stackgen/stackgen/internal/msg"
	"github.com/stackgen/stackgen/internal/units"
	"github.com/stackgen/stackgen/lifecycle"
	"github.com/stackgen/stackgen/prompt"
	"github.com/stackgen/stackgen/stack"
)

// Options are the parsed flags and arguments of `stackgen restore`.
type Options struct {
	IO       *cmdutil.IOStreams
	Engine   func() (*engine.Client, error)
	Prompter func() prompt.Prompter

	Backup string
	Dir    string
	Yes    bool
	// Timeout bounds the health wait after the restore.
	Timeout time.Duration

	// StartStack starts the whole stack and waits until it is healthy:
	// `stackgen up --no-build` (nil: compose up + engine.WaitHealthy).
	StartStack func(ctx context.Context, eng *engine.Client, p *engine.ComposeProject) error

	// Identity is an age identity file that opens the backup's secrets;
	// PassphraseFile a file holding the passphrase they were sealed with.
	Identity       string
	PassphraseFile string
	// Verify restores into a throwaway copy of the project instead, counts
	// what came back, and removes the copy.
	Verify bool
	// Rand is the source of fresh secrets for a restore without the key.
	Rand io.Reader
	// build: the project was just unpacked from the backup, so its images
	// may have to be built.
	build bool
}

// NewCmdRestore builds the command; runF replaces the work in tests of
// flag parsing.
func NewCmdRestore(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Engine: f.Engine, Prompter: f.Prompter, Rand: f.Rand}
	opts.StartStack = func(ctx context.Context, eng *engine.Client, p *engine.ComposeProject) error {
		// The same start and health wait as `stackgen up` (and its
		// migrations, which bring an older backup's schema up to date);
		// its URL goes to stderr with the rest of restore's report.
		sink := f.IO.Sink()
		sink.Out = sink.ErrOut
		return lifecycle.Up(ctx, lifecycle.Options{Sink: sink, Engine: f.Engine, Now: f.Now, Dir: p.Dir, NoBuild: !opts.build, Timeout: opts.Timeout})
	}
	cmd := &cobra.Command{
		Use:     "restore BACKUP [dir]",
		Short:   f.IO.L.T("cmd.restore.short"),
		Long:    f.IO.L.T("restore.long"),
		Example: f.IO.L.T("restore.example"),
		Args:    cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Backup = args[0]
			dir, err := cmdutil.DirArg(cmd, args[1:])
			if err != nil {
				return err
			}
			opts.Dir = dir
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, f.IO.L.T("restore.flag.yes"))
	cmd.Flags().StringVar(&opts.Identity, "identity", "", f.IO.L.T("restore.flag.identity"))
	cmd.Flags().StringVar(&opts.PassphraseFile, "passphrase-file", "", f.IO.L.T("restore.flag.passphrase-file"))
	cmd.Flags().BoolVar(&opts.Verify, "verify", false, f.IO.L.T("restore.flag.verify"))
	cmdutil.DurationVar(cmd.Flags(), &opts.Timeout, "timeout", 0, f.IO.L.T(cmdutil.TimeoutUsageID))
	cmdutil.AddDirFlag(cmd, f.IO.L)
	return cmd
}

// isDatabase: restored through its running server, so never stopped.
func isDatabase(k stack.StateKind) bool {
	return k == stack.StateMySQL || k == stack.StateMariaDB || k == stack.StatePostgres
}

// Run restores.
func Run(ctx context.Context, opts *Options) error {
	ew := opts.IO.ErrOut
	if opts.Verify {
		return verifyRun(ctx, opts)
	}
	if fresh, err := freshTarget(opts.Dir); err != nil {
		return err
	} else if fresh {
		if err := unpackProject(opts); err != nil {
			return err
		}
	}
	proj, err := backup.LoadSource(opts.Dir)
	if err != nil {
		return err
	}
	// Everything about the backup is checked before Docker is touched.
	l := opts.IO.L
	fmt.Fprintln(ew, l.T("restore.checking", msg.Args{"Backup": opts.Backup}))
	m, err := backup.Verify(opts.Backup)
	if err != nil {
		return err
	}
	warnings, err := backup.Match(m, proj.Stack, proj.States)
	if err != nil {
		return err
	}
	for _, w := range warnings {
		fmt.Fprintln(ew, l.T("status.warning", msg.Args{"Text": w}))
	}
	var total int64
	for _, f := range m.Files {
		total += f.Size
	}
	fmt.Fprintln(ew, l.T("restore.backup-ok", msg.Args{"Project": m.Project, "Stack": m.Stack, "Created": m.Created.Local().Format("2006-01-02 15:04:05"), "Version": m.StackgenVersion, "Files": len(m.Files), "Size": units.Bytes(total)}))

	// Asked before Docker is touched, too: a refusal changes nothing.
	if !opts.Yes {
		if !opts.IO.CanPrompt() {
			return &cmdutil.ExitError{Code: 2, Err: msg.Err("restore.err.confirm", msg.Args{"Project": filepath.Base(proj.Dir)})}
		}
		ok, err := opts.Prompter().Confirm(l.T("restore.confirm.replace", msg.Args{"Project": filepath.Base(proj.Dir), "States": stateList(proj.States)}), l.T("restore.confirm.replace-help"), false)
		if err != nil {
			return err
		}
		if !ok {
			return cmdutil.ErrCancel
		}
	}

	eng, err := opts.Engine()
	if err != nil {
		return err
	}
	if _, err := eng.Check(ctx); err != nil {
		return err
	}
	p, err := eng.LoadProject(ctx, proj.Dir)
	if err != nil {
		return err
	}
	if m.Project != "" && m.Project != p.Name {
		fmt.Fprintln(ew, l.T("restore.note.other-project", msg.Args{"From": fmt.Sprintf("%q", m.Project), "Into": fmt.Sprintf("%q", p.Name)}))
	}

	start := time.Now()
	startStack := opts.StartStack
	if startStack == nil {
		startStack = func(ctx context.Context, eng *engine.Client, p *engine.ComposeProject) error {
			return lifecycle.StartAndWait(ctx, eng, p, opts.Timeout, opts.IO.ErrOut)
		}
	}
	// The databases are restored through their running servers, and the
	// helpers need the services' containers: start the stack if it is down.
	if _, err := backup.Targets(ctx, eng, p.Name, proj.States); err != nil {
		if err := confirmStart(opts, p.Name, err); err != nil {
			return err
		}
		fmt.Fprintln(ew, l.T("restore.starting-first"))
		if err := startStack(ctx, eng, p); err != nil {
			return msg.Err("restore.err.start-first", msg.Args{"Err": err})
		}
	}
	targets, err := backup.Targets(ctx, eng, p.Name, proj.States)
	if err != nil {
		return err
	}
	redis := map[string]backup.RedisConfig{}
	for _, t := range targets {
		if t.State.Kind == stack.StateRedis {
			cfg, err := backup.ProbeRedis(ctx, eng, t.ContainerID)
			if err != nil {
				return msg.Err("backup.err.service", msg.Args{"Service": t.State.Service, "Err": err})
			}
			redis[t.State.Service] = cfg
		}
	}

	stop := writers(p, proj.States)
	fmt.Fprintln(ew, l.T("restore.stopping", msg.Args{"Services": strings.Join(stop, ", ")}))
	if err := eng.StopServices(ctx, p, stop, nil, ew); err != nil {
		return msg.Err("restore.err.stop", msg.Args{"Err": err})
	}
	fmt.Fprintln(ew, l.T("restore.restoring"))
	err = backup.Restore(ctx, eng, backup.RestoreOptions{
		Dir: opts.Backup, Manifest: m, Targets: targets, Redis: redis, Progress: backup.LineProgress(opts.IO.ErrOut, opts.IO.IsStderrTTY(), l),
	})
	if err != nil {
		return msg.Err("restore.err.restore", msg.Args{"Err": err, "Services": strings.Join(stop, ", ")})
	}
	fmt.Fprintln(ew, l.T("restore.starting"))
	if err := startStack(ctx, eng, p); err != nil {
		return msg.Err("restore.err.unhealthy", msg.Args{"Err": err})
	}
	fmt.Fprintln(ew, l.T("restore.done", msg.Args{"Project": p.Name, "Backup": opts.Backup, "Took": time.Since(start).Round(100 * time.Millisecond).String()}))
	return nil
}

// confirmStart gets consent to start a stack that is down, which the
// replacement of its data did not ask for: starting may pull images and
// runs every service. --yes gives it; a terminal asks; otherwise refuse.
func confirmStart(opts *Options, name string, why error) error {
	ew := opts.IO.ErrOut
	fmt.Fprintln(ew, opts.IO.L.T("restore.not-running", msg.Args{"Stack": name, "Why": why}))
	if opts.Yes {
		return nil
	}
	if !opts.IO.CanPrompt() {
		return &cmdutil.ExitError{Code: 2, Err: msg.Err("restore.err.confirm-start", msg.Args{"Stack": name})}
	}
	ok, err := opts.Prompter().Confirm(opts.IO.L.T("restore.confirm.start", msg.Args{"Stack": name}), opts.IO.L.T("restore.confirm.start-help"), false)
	if err != nil {
		return err
	}
	if !ok {
		return cmdutil.ErrCancel
	}
	return nil
}

// writers are the services stopped during a restore: every service except
// the database servers the dumps are fed to. Redis is stopped too (its
// file is replaced), and so is every service that mounts a files state.
func writers(p *engine.ComposeProject, states []stack.State) []string {
	keep := map[string]bool{}
	for _, st := range states {
		if isDatabase(st.Kind) {
			keep[st.Service] = true
		}
	}
	var out []string
	for _, s := range p.Services {
		if !keep[s.Name] {
			out = append(out, s.Name)
		}
	}
	sort.Strings(out)
	return out
}

func stateList(states []stack.State) string {
	var parts []string
	for _, st := range states {
		if st.Kind == stack.StateFiles {
			parts = append(parts, st.Service+" "+st.Path)
		} else {
			parts = append(parts, st.Service)
		}
	}
	return strings.Join(parts, ", ")
}
