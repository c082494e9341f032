// Package backupcmd implements `stackgen backup`: dump every state the
// stack declares (databases, Redis, upload volumes) from the running stack
// into a timestamped folder with a checksummed manifest.
package backupcmd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/stackgen/stackgen/backup"
	"github.com/stackgen/stackgen/cmd/stackgen/cmdutil"
	"github.com/stackgen/stackgen/engine"
	"github.com/stackgen/stackgen/internal/units"
	"github.com/stackgen/stackgen/project"
	"github.com/stackgen/stackgen/stack"
	"github.com/stackgen/stackgen/stacks"
)

// Options are the parsed flags and arguments of `stackgen backup`.
type Options struct {
	IO      *cmdutil.IOStreams
	Engine  func() (*engine.Client, error)
	Now     func() time.Time
	Version string

	// Dir is the project directory (default ".").
	Dir string
	// Out receives the backup folder (default <Dir>/backups).
	Out string
	// Keep, when above 0, deletes this project's oldest backups in Out
	// beyond the newest Keep.
	Keep int
}

// NewCmdBackup builds the command; runF replaces the work in tests of flag
// parsing.
func NewCmdBackup(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Engine: f.Engine, Now: f.Now, Version: f.Version}
	cmd := &cobra.Command{
		Use:   "backup [dir]",
		Short: "Back up the stack's databases, Redis and upload volumes while it runs",
		Long: `Back up every piece of data the stack keeps, while it keeps serving:

  MySQL/MariaDB  a consistent dump (--single-transaction) of its databases
  Postgres       pg_dump in custom format
  Redis          the RDB snapshot, after a fresh BGSAVE has finished
  files          a tar of each upload volume

Dumps run inside the service containers (no TTY, credentials from the
containers' own environment) and go into <dir>/backups/<UTC time>/ (or -o DIR)
with manifest.json and SHA256SUMS. The folder appears only once every file is
complete. Restore with 'stackgen restore FOLDER'.`,
		Example: `  stackgen backup
  stackgen backup mysite -o /srv/backups --keep 7`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			pos := ""
			if len(args) == 1 {
				pos = args[0]
			}
			dir, err := cmdutil.ProjectDir(cmd, pos)
			if err != nil {
				return err
			}
			opts.Dir = dir
			if opts.Keep < 0 {
				return cmdutil.FlagErrorf("--keep must be 1 or more (it counts the backups to keep)")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Out, "output", "o", "", "folder that receives the backup folder (default <dir>/backups)")
	cmd.Flags().IntVar(&opts.Keep, "keep", 0, "after the backup, delete this project's oldest backups in the output folder beyond the newest `N`")
	cmdutil.AddDirFlag(cmd, "")
	return cmd
}

// Project is a generated project with its declared state.
type Project struct {
	Dir    string
	Stack  string
	States []stack.State
}

// LoadProject reads dir's .stackgen.yml and asks its stack what data it
// keeps. It needs no Docker.
func LoadProject(dir string) (*Project, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	m, err := project.LoadManifest(abs)
	if err != nil {
		return nil, err
	}
	def, err := stacks.Registry().Lookup(m.Stack)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(abs, project.ManifestName), err)
	}
	if def.State == nil {
		return nil, fmt.Errorf("the %s stack declares no data to back up", def.Name)
	}
	states := def.State(m.AnswersOf())
	if err := backup.CheckStates(states); err != nil {
		return nil, fmt.Errorf("the %s stack: %w", def.Name, err)
	}
	return &Project{Dir: abs, Stack: def.Name, States: states}, nil
}

// Targets finds the running container of every state's service.
func Targets(ctx context.Context, eng *engine.Client, composeProject string, states []stack.State) ([]backup.Target, error) {
	var out []backup.Target
	for _, st := range states {
		ct, err := eng.ServiceContainer(ctx, composeProject, st.Service)
		if err != nil {
			return nil, err
		}
		out = append(out, backup.Target{State: st, ContainerID: ct.ID, Container: ct.Name, Image: ct.Image})
	}
	return out, nil
}

// Run makes the backup.
func Run(ctx context.Context, opts *Options) error {
	proj, err := LoadProject(opts.Dir)
	if err != nil {
		return err
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
	targets, err := Targets(ctx, eng, p.Name, proj.States)
	if err != nil {
		return fmt.Errorf("%w (a backup reads from the running stack)", err)
	}
	out := opts.Out
	if out == "" {
		out = filepath.Join(proj.Dir, "backups")
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	start := time.Now()
	fmt.Fprintf(opts.IO.ErrOut, "Backing up %s (%s) while it runs\n", p.Name, proj.Stack)
	dir, m, err := backup.Create(ctx, eng, backup.Options{
		OutDir: out, Stack: proj.Stack, Project: p.Name, StackgenVersion: opts.Version,
		Now: now(), Targets: targets, Progress: NewProgress(opts.IO),
	})
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return cmdutil.ErrCancel
		}
		return err
	}
	var total int64
	for _, f := range m.Files {
		total += f.Size
	}
	fmt.Fprintf(opts.IO.ErrOut, "Backup complete: %d files, %s in %s\n", len(m.Files), units.Bytes(total), time.Since(start).Round(10*time.Millisecond))
	fmt.Fprintln(opts.IO.Out, dir)
	if opts.Keep > 0 {
		entries, err := backup.List(out)
		if err != nil {
			return err
		}
		for _, e := range backup.Prune(entries, opts.Keep, proj.Stack, p.Name) {
			if e.Dir == dir {
				continue
			}
			if err := os.RemoveAll(e.Dir); err != nil {
				return fmt.Errorf("removing an old backup (--keep %d): %w", opts.Keep, err)
			}
			fmt.Fprintf(opts.IO.ErrOut, "Removed old backup %s (--keep %d)\n", e.Dir, opts.Keep)
		}
	}
	return nil
}
