// Package backupcmd implements `stackgen backup`: dump every state the
// stack declares (databases, Redis, upload volumes) from the running stack
// into a timestamped folder with a checksummed manifest.
package backupcmd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/stackgen/stackgen/backup"
	"github.com/stackgen/stackgen/cmd/stackgen/cmdutil"
	"github.com/stackgen/stackgen/engine"
	"github.com/stackgen/stackgen/internal/msg"
	"github.com/stackgen/stackgen/internal/units"
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
	// EncryptTo is an age public key, or a file of them, for the secrets;
	// PassphraseFile a file holding a passphrase instead.
	EncryptTo      string
	PassphraseFile string
	// Live copies file volumes without pausing their writer.
	Live bool
	// CopyTo is a folder each new backup is copied to and verified in.
	CopyTo string
	// Schedule installs a scheduled backup (daily, hourly, cron) instead
	// of backing up now; NoInstall only writes its files.
	Schedule  string
	NoInstall bool
	// Save records the options given as the project's defaults.
	Save bool
	// List shows the project's backups instead of making one.
	List bool
	// Stackgen is the binary a schedule runs (default: this one).
	Stackgen string
	// Installer installs schedule files (nil: the host's systemd or cron).
	Installer Installer
	flags     map[string]bool
}

// NewCmdBackup builds the command; runF replaces the work in tests of flag
// parsing.
func NewCmdBackup(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Engine: f.Engine, Now: f.Now, Version: f.Version}
	cmd := &cobra.Command{
		Use:     "backup [dir]",
		Short:   f.IO.L.T("cmd.backup.short"),
		Long:    f.IO.L.T("backup.long"),
		Example: f.IO.L.T("backup.example"),
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir, err := cmdutil.DirArg(cmd, args)
			if err != nil {
				return err
			}
			opts.Dir = dir
			if opts.Keep < 0 {
				return &cmdutil.FlagError{Err: f.IO.L.Errorf("backup.err.keep")}
			}
			if opts.EncryptTo != "" && opts.PassphraseFile != "" {
				return &cmdutil.FlagError{Err: f.IO.L.Errorf("backup.err.exclusive")}
			}
			if opts.Schedule != "" {
				if _, err := backup.ParseSchedule(opts.Schedule); err != nil {
					return &cmdutil.FlagError{Err: err}
				}
				if opts.PassphraseFile != "" {
					return &cmdutil.FlagError{Err: f.IO.L.Errorf("backup.err.schedule-passphrase")}
				}
			}
			opts.flags = map[string]bool{}
			cmd.Flags().Visit(func(f *pflag.Flag) { opts.flags[f.Name] = true })
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&opts.Out, "output", "o", "", f.IO.L.T("backup.flag.output"))
	fl.IntVar(&opts.Keep, "keep", 0, f.IO.L.T("backup.flag.keep"))
	fl.StringVar(&opts.EncryptTo, "encrypt-to", "", f.IO.L.T("backup.flag.encrypt-to"))
	fl.StringVar(&opts.PassphraseFile, "passphrase-file", "", f.IO.L.T("backup.flag.passphrase-file"))
	fl.BoolVar(&opts.Live, "live", false, f.IO.L.T("backup.flag.live"))
	fl.StringVar(&opts.CopyTo, "copy-to", "", f.IO.L.T("backup.flag.copy-to"))
	fl.StringVar(&opts.Schedule, "schedule", "", f.IO.L.T("backup.flag.schedule"))
	fl.BoolVar(&opts.NoInstall, "no-install", false, f.IO.L.T("backup.flag.no-install"))
	fl.BoolVar(&opts.Save, "save", false, f.IO.L.T("backup.flag.save"))
	fl.BoolVar(&opts.List, "list", false, f.IO.L.T("backup.flag.list"))
	cmdutil.AddDirFlag(cmd, f.IO.L)
	return cmd
}

// Run makes the backup (or lists, or schedules).
func Run(ctx context.Context, opts *Options) error {
	proj, err := backup.LoadSource(opts.Dir)
	if err != nil {
		return err
	}
	set, err := backup.LoadSettings(proj.Dir)
	if err != nil {
		return err
	}
	opts.applySettings(set)
	if opts.Save || opts.Schedule != "" {
		if err := opts.save(proj.Dir, set); err != nil {
			return err
		}
	}
	if opts.List {
		return list(opts, proj)
	}
	if opts.Schedule != "" {
		return schedule(ctx, opts, proj)
	}
	rcpt, err := opts.recipients()
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
	targets, err := backup.Targets(ctx, eng, p.Name, proj.States)
	if err != nil {
		return msg.Err("backup.err.targets", msg.Args{"Err": err})
	}
	out := opts.outDir(proj.Dir)
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	start := time.Now()
	l := opts.IO.L
	fmt.Fprintln(opts.IO.ErrOut, l.T("backup.start", msg.Args{"Project": p.Name, "Stack": proj.Stack}))
	dir, m, err := backup.Create(ctx, eng, backup.Options{
		OutDir: out, Stack: proj.Stack, Project: p.Name, StackgenVersion: opts.Version,
		Now: now(), Targets: targets, Progress: backup.LineProgress(opts.IO.ErrOut, opts.IO.IsStderrTTY(), opts.IO.L),
		ProjectDir: proj.Dir, Skip: skipPaths(proj.Dir, out), EncryptTo: rcpt, Live: opts.Live,
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
	fmt.Fprintln(opts.IO.ErrOut, l.T("backup.done", msg.Args{"Files": len(m.Files), "Size": units.Bytes(total), "Took": time.Since(start).Round(10 * time.Millisecond).String()}))
	if m.Secrets == nil {
		if left, err := backup.SecretFilesOf(proj.Dir, skipPaths(proj.Dir, out)); err == nil && len(left) > 0 {
			fmt.Fprintln(opts.IO.ErrOut, l.T("backup.no-secrets", msg.Args{"Files": strings.Join(left, ", ")}))
		}
	}
	fmt.Fprintln(opts.IO.Out, dir)
	if opts.CopyTo != "" {
		c, err := backup.CopyTo(dir, opts.CopyTo)
		if err != nil {
			return msg.Err("backup.err.copy", msg.Args{"Dir": dir, "Err": err})
		}
		fmt.Fprintln(opts.IO.ErrOut, l.T("backup.copied", msg.Args{"Dir": c}))
	}
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
				return msg.Err("backup.err.prune", msg.Args{"Keep": opts.Keep, "Err": err})
			}
			fmt.Fprintln(opts.IO.ErrOut, l.T("backup.pruned", msg.Args{"Dir": e.Dir, "Keep": opts.Keep}))
		}
	}
	return nil
}
