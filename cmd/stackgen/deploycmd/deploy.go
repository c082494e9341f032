// Package deploycmd is `stackgen deploy`: --package makes an offline bundle
// of a project (every image in one compressed save, the files, the load
// scripts, checksums), --bundle installs one on a host with no registry
// (verify everything, load, lay out the files, write .env, stackgen up).
package deploycmd

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/stackgen/stackgen/bundle"
	"github.com/stackgen/stackgen/cmd/stackgen/cmdutil"
	"github.com/stackgen/stackgen/cmd/stackgen/upcmd"
	"github.com/stackgen/stackgen/engine"
	"github.com/stackgen/stackgen/prompt"
)

// Options are deploy's parsed flags and arguments.
type Options struct {
	IO      *cmdutil.IOStreams
	Factory *cmdutil.Factory
	Engine  func() (*engine.Client, error)
	Now     func() time.Time

	// --package [dir]
	Package    bool
	Dir        string
	Output     string
	Format     string
	Codec      string
	Level      int
	IncludeEnv bool
	Unpacker   string
	NoBuild    bool

	// --bundle FILE
	Bundle    string
	TargetDir string
	Yes       bool
	NoUp      bool
	// Swarm starts the installed stack on this engine's swarm (up --swarm).
	Swarm   bool
	Timeout time.Duration
	// AllowPrivileged lets a bundle's services have the host (privileged,
	// host network, the host's root or the Docker socket mounted).
	AllowPrivileged bool

	// --unpack (hidden): the unpacker image's entrypoint.
	Unpack bool

	// Progress is auto, tty, plain or quiet.
	Progress string
	// Up starts the installed project: `stackgen up` without a build (the
	// images came in the bundle). Tests replace it.
	Up func(ctx context.Context, dir string, o *Options) error
}

// up runs `stackgen up` on the installed project.
func up(ctx context.Context, dir string, o *Options) error {
	uo := upcmd.Options{NoBuild: true, Timeout: o.Timeout, Progress: o.Progress}
	if o.Swarm {
		uo.Swarm = upcmd.SwarmOptions{On: true}
	}
	return upcmd.Run(ctx, o.Factory, dir, uo)
}

// NewCmdDeploy builds the command; runF replaces the work in tests of
// flag parsing.
func NewCmdDeploy(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Factory: f, Engine: f.Engine, Now: f.Now, Up: up}
	cmd := &cobra.Command{
		Use:   "deploy (--package [dir] [-o FILE] | --bundle FILE [--dir DIR])",
		Short: f.IO.L.T("cmd.deploy.short"),
		Long: `With --package, build the project's images and write one archive that holds
every image its compose files use (one layer-deduplicated save, compressed in
a single streaming pass), the compose files, the configs they mount,
.env.example (never .env unless --include-env), the scripts, load-and-start
scripts for bash and PowerShell, a README for the offline host and a
manifest with the SHA-256 of every file.

With --bundle, on the offline host: check every file's SHA-256 and run
'stackgen validate' on the project before loading anything (services that are
privileged, use the host network, or mount the host's root or the Docker
socket are refused without --allow-privileged), load the images, write the files into --dir, write .env
with fresh secrets when the bundle has none, then start the stack as
'stackgen up' does (wait until healthy, migrations).

The host receiving the bundle needs only Docker: the load-and-start scripts
inside do the same without stackgen.`,
		Example: `  stackgen deploy --package mysite                 # writes mysite.zip
  stackgen deploy --package mysite -o /media/usb/mysite.tar.gz --format tar.gz
  stackgen deploy --bundle mysite.zip              # on the offline host
  stackgen deploy --bundle mysite.zip --dir /srv/mysite`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Dir = args[0]
			}
			if opts.Package && opts.TargetDir != "" {
				// --dir is the project directory on every verb.
				dir, err := cmdutil.ProjectDir(cmd, opts.Dir)
				if err != nil {
					return err
				}
				opts.Dir, opts.TargetDir = dir, ""
			}
			if err := checkFlags(cmd, opts, args); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&opts.Package, "package", false, "write an offline bundle of the project in [dir] (default: the current directory)")
	fl.StringVarP(&opts.Output, "output", "o", "", "with --package: the bundle's file name (default: PROJECT.zip or PROJECT.tar.gz)")
	fl.StringVar(&opts.Format, "format", string(bundle.Zip), "with --package: zip or tar.gz")
	fl.StringVar(&opts.Codec, "codec", "", "with --package: the images' compression, zstd or gzip (default: zstd when the unpacker can be built, else gzip)")
	fl.IntVar(&opts.Level, "level", 0, "with --package: compression level (zstd 1-11, gzip 1-9; default: the measured choice)")
	fl.BoolVar(&opts.IncludeEnv, "include-env", false, "with --package: also pack .env, the project's real secrets (the bundle is then as secret as they are)")
	fl.StringVar(&opts.Unpacker, "unpacker", "", "with --package: a static linux stackgen binary for the images' architecture, for the unpacker image (default: this stackgen, when it is one)")
	fl.BoolVar(&opts.NoBuild, "no-build", false, "with --package: pack the images as they are, without 'docker compose build' first")
	fl.StringVar(&opts.Bundle, "bundle", "", "install the bundle FILE: verify, load the images, write the files, start")
	fl.StringVar(&opts.TargetDir, cmdutil.DirFlag, "", "the project directory: with --package the project to pack (the same as [dir]); with --bundle the directory to install into (default: ./PROJECT), new or empty")
	fl.BoolVarP(&opts.Yes, "yes", "y", false, "with --bundle: generate the .env secrets without asking")
	fl.BoolVar(&opts.AllowPrivileged, "allow-privileged", false, "with --bundle: install even if a service is privileged, uses the host network, or mounts the host's root or the Docker socket")
	fl.BoolVar(&opts.NoUp, "no-up", false, "with --bundle: load and write the files, but do not start the stack")
	fl.BoolVar(&opts.Swarm, "swarm", false, "with --bundle: start it on this engine's swarm (stackgen up --swarm); the images are loaded on this node only")
	cmdutil.DurationVar(fl, &opts.Timeout, "timeout", 0, "with --bundle: "+upcmd.TimeoutUsage)
	fl.StringVar(&opts.Progress, "progress", "auto", "progress output: auto, tty, plain or quiet")
	fl.BoolVar(&opts.Unpack, "unpack", false, "decompress a zstd or gzip stream from stdin to stdout (the unpacker image runs this)")
	_ = fl.MarkHidden("unpack")
	return cmd
}

func checkFlags(cmd *cobra.Command, o *Options, args []string) error {
	modes := 0
	for _, on := range []bool{o.Package, o.Bundle != "", o.Unpack} {
		if on {
			modes++
		}
	}
	if modes != 1 {
		return cmdutil.FlagErrorf("choose one of --package [dir] (on the build host) or --bundle FILE (on the offline host)")
	}
	changed := func(names ...string) string {
		for _, n := range names {
			if cmd.Flags().Changed(n) {
				return n
			}
		}
		return ""
	}
	if !o.Package {
		if n := changed("output", "format", "codec", "level", "include-env", "unpacker", "no-build"); n != "" {
			return cmdutil.FlagErrorf("--%s goes with --package", n)
		}
		if len(args) > 0 {
			return cmdutil.FlagErrorf("the directory argument goes with --package; with --bundle choose the target with --dir")
		}
	}
	if o.Bundle == "" {
		if n := changed("yes", "no-up", "timeout", "allow-privileged", "swarm"); n != "" {
			return cmdutil.FlagErrorf("--%s goes with --bundle", n)
		}
	}
	if _, err := bundle.ParseFormat(o.Format); err != nil {
		return &cmdutil.FlagError{Err: fmt.Errorf("--format: %w", err)}
	}
	if o.Codec != "" {
		if _, err := bundle.ParseCodec(o.Codec); err != nil {
			return &cmdutil.FlagError{Err: fmt.Errorf("--codec: %w", err)}
		}
	}
	if o.Output == "-" {
		return cmdutil.FlagErrorf("-o -: a bundle is written to a file (atomically), never to standard output; give a file name")
	}
	switch o.Progress {
	case "auto", "tty", "plain", "quiet":
	default:
		return cmdutil.FlagErrorf("--progress: choose auto, tty, plain or quiet")
	}
	return nil
}

// Run does the work of `stackgen deploy`.
func Run(ctx context.Context, o *Options) error {
	var err error
	switch {
	case o.Unpack:
		err = unpackRun(o)
	case o.Package:
		err = packageRun(ctx, o)
	default:
		err = installRun(ctx, o)
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, prompt.ErrInterrupt) {
		return cmdutil.ErrCancel
	}
	return err
}

func (o *Options) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

// unpackRun is the unpacker image's entrypoint: compressed bundle images
// on stdin, the plain `docker save` tar on stdout for `docker load`.
func unpackRun(o *Options) error {
	if o.IO.IsStdoutTTY() {
		return cmdutil.FlagErrorf("--unpack writes a binary tar: redirect standard output (... | docker load)")
	}
	if _, err := bundle.Unpack(o.IO.Out, o.IO.In); err != nil {
		return fmt.Errorf("unpacking the image archive: %w", err)
	}
	return nil
}
