// Package deploycmd is `stackgen deploy`: --package makes an offline bundle
// of a project (every image in one compressed save, the files, the load
// scripts, checksums), --bundle installs one on a host with no registry
// (verify everything, load, lay out the files, write .env, stackgen up).
package deploycmd

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/stackgen/stackgen/bundle"
	"github.com/stackgen/stackgen/cmd/stackgen/cmdutil"
	"github.com/stackgen/stackgen/engine"
	"github.com/stackgen/stackgen/internal/msg"
	"github.com/stackgen/stackgen/lifecycle"
	"github.com/stackgen/stackgen/prompt"
	"github.com/stackgen/stackgen/sign"
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
	// Platform (--platform os/arch) is the target's platform, the one
	// platform of multi-platform images the bundle carries (default: the
	// images' own, as the build engine runs them).
	Platform string
	// Since (--since OLD) makes an update bundle: only the layers the
	// older bundle (or its stackgen-bundle.json) lacks.
	Since string
	// --split SIZE and --sign KEY (crossing machines: USB-sized parts,
	// a minisign signature).
	Split    string
	SignKey  string
	splitSet int64

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
	// VerifyKeys are minisign public keys (RW... or .pub files) one of
	// which must have signed the bundle.
	VerifyKeys []string
	// TrustDir holds the .stackgen.yml whose bundle rules the install
	// obeys; "" is the current directory. Tests set it.
	TrustDir string

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
	uo := lifecycle.Options{Sink: o.IO.Sink(), Engine: o.Engine, Now: o.Now, Dir: dir, NoBuild: true, Timeout: o.Timeout, Progress: o.Progress}
	if o.Swarm {
		uo.Swarm = lifecycle.SwarmOptions{On: true}
	}
	return lifecycle.Up(ctx, uo)
}

// NewCmdDeploy builds the command; runF replaces the work in tests of
// flag parsing.
func NewCmdDeploy(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Factory: f, Engine: f.Engine, Now: f.Now, Up: up}
	cmd := &cobra.Command{
		Use:     "deploy (--package [dir] [-o FILE] | --bundle FILE [--dir DIR])",
		Short:   f.IO.L.T("cmd.deploy.short"),
		Long:    f.IO.L.T("deploy.long"),
		Example: f.IO.L.T("deploy.example"),
		Args:    cobra.MaximumNArgs(1),
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
	fl.BoolVar(&opts.Package, "package", false, f.IO.L.T("deploy.flag.package"))
	fl.StringVarP(&opts.Output, "output", "o", "", f.IO.L.T("deploy.flag.output"))
	fl.StringVar(&opts.Format, "format", string(bundle.Zip), f.IO.L.T("deploy.flag.format"))
	fl.StringVar(&opts.Codec, "codec", "", f.IO.L.T("deploy.flag.codec"))
	fl.IntVar(&opts.Level, "level", 0, f.IO.L.T("deploy.flag.level"))
	fl.BoolVar(&opts.IncludeEnv, "include-env", false, f.IO.L.T("deploy.flag.include-env"))
	fl.StringVar(&opts.Unpacker, "unpacker", "", f.IO.L.T("deploy.flag.unpacker"))
	fl.BoolVar(&opts.NoBuild, "no-build", false, f.IO.L.T("deploy.flag.no-build"))
	// Today's Docker and the second delivery.
	fl.StringVar(&opts.Platform, "platform", "", f.IO.L.T("deploy.flag.platform"))
	fl.StringVar(&opts.Since, "since", "", f.IO.L.T("deploy.flag.since", msg.Args{"Manifest": bundle.ManifestName}))
	// Crossing machines: parts and signatures.
	fl.StringVar(&opts.Split, "split", "", f.IO.L.T("deploy.flag.split"))
	fl.StringVar(&opts.SignKey, "sign", "", f.IO.L.T("deploy.flag.sign"))
	fl.StringArrayVar(&opts.VerifyKeys, "verify-key", nil, f.IO.L.T("deploy.flag.verify-key"))
	fl.StringVar(&opts.Bundle, "bundle", "", f.IO.L.T("deploy.flag.bundle"))
	fl.StringVar(&opts.TargetDir, cmdutil.DirFlag, "", f.IO.L.T("deploy.flag.dir"))
	fl.BoolVarP(&opts.Yes, "yes", "y", false, f.IO.L.T("deploy.flag.yes"))
	fl.BoolVar(&opts.AllowPrivileged, "allow-privileged", false, f.IO.L.T("deploy.flag.allow-privileged"))
	fl.BoolVar(&opts.NoUp, "no-up", false, f.IO.L.T("deploy.flag.no-up"))
	fl.BoolVar(&opts.Swarm, "swarm", false, f.IO.L.T("deploy.flag.swarm"))
	cmdutil.DurationVar(fl, &opts.Timeout, "timeout", 0, f.IO.L.T("deploy.flag.timeout", msg.Args{"Usage": f.IO.L.T(cmdutil.TimeoutUsageID)}))
	cmdutil.AddProgressFlag(fl, f.IO.L, &opts.Progress, cmdutil.TransferModes)
	fl.BoolVar(&opts.Unpack, "unpack", false, f.IO.L.T("deploy.flag.unpack"))
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
		return &cmdutil.FlagError{Err: o.IO.L.Errorf("deploy.err.mode")}
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
		if n := changed("output", "format", "codec", "level", "include-env", "unpacker", "no-build", "platform", "since", "split", "sign"); n != "" {
			return &cmdutil.FlagError{Err: o.IO.L.Errorf("deploy.err.package-only", msg.Args{"Flag": n})}
		}
		if len(args) > 0 {
			return &cmdutil.FlagError{Err: o.IO.L.Errorf("deploy.err.dir-arg")}
		}
	}
	if o.Bundle == "" {
		if n := changed("yes", "no-up", "timeout", "allow-privileged", "swarm", "verify-key"); n != "" {
			return &cmdutil.FlagError{Err: o.IO.L.Errorf("deploy.err.bundle-only", msg.Args{"Flag": n})}
		}
	}
	if _, err := bundle.ParseFormat(o.Format); err != nil {
		return &cmdutil.FlagError{Err: msg.Err("cmd.err.flag", msg.Args{"Flag": "format", "Err": err})}
	}
	if o.Codec != "" {
		if _, err := bundle.ParseCodec(o.Codec); err != nil {
			return &cmdutil.FlagError{Err: msg.Err("cmd.err.flag", msg.Args{"Flag": "codec", "Err": err})}
		}
	}
	if o.Platform != "" {
		if os, arch, ok := strings.Cut(o.Platform, "/"); !ok || os == "" || arch == "" {
			return &cmdutil.FlagError{Err: o.IO.L.Errorf("deploy.err.platform", msg.Args{"Value": fmt.Sprintf("%q", o.Platform)})}
		}
	}
	if o.Split != "" {
		n, err := bundle.ParseSize(o.Split)
		if err != nil {
			return &cmdutil.FlagError{Err: msg.Err("cmd.err.flag", msg.Args{"Flag": "split", "Err": err})}
		}
		o.splitSet = n
	}
	if o.Output == "-" {
		return &cmdutil.FlagError{Err: o.IO.L.Errorf("deploy.err.stdout")}
	}
	return cmdutil.CheckProgress(o.Progress, cmdutil.TransferModes)
}

// Run does the work of `stackgen deploy`.
func Run(ctx context.Context, o *Options) error {
	var err error
	switch {
	case o.Unpack:
		err = unpackRun(o)
	case o.Package:
		err = bundle.Pack(ctx, bundle.PackOptions{
			Sink: o.IO.Sink(), Progress: o.Progress, Engine: o.Engine, Now: o.Now, Version: o.version(),
			Dir: o.Dir, Output: o.Output, Format: o.Format, Codec: o.Codec, Level: o.Level,
			IncludeEnv: o.IncludeEnv, Unpacker: o.Unpacker, NoBuild: o.NoBuild,
			Platform: o.Platform, Since: o.Since,
			Split: o.splitSet, SignKey: o.SignKey,
		})
	default:
		keys, kerr := verifyKeys(o.VerifyKeys)
		if kerr != nil {
			return kerr
		}
		err = bundle.Install(ctx, bundle.InstallOptions{
			Sink: o.IO.Sink(), Progress: o.Progress, Engine: o.Engine,
			Bundle: o.Bundle, TargetDir: o.TargetDir, NoUp: o.NoUp, Swarm: o.Swarm, AllowPrivileged: o.AllowPrivileged,
			VerifyKeys: keys, TrustDir: o.TrustDir,
			Secrets: o.secrets,
			Start:   func(ctx context.Context, dir string) error { return o.Up(ctx, dir, o) },
		})
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, prompt.ErrInterrupt) {
		return cmdutil.ErrCancel
	}
	return err
}

// verifyKeys reads --verify-key's public keys (RW... lines or files).
func verifyKeys(args []string) ([]*sign.PublicKey, error) {
	var keys []*sign.PublicKey
	for _, a := range args {
		k, err := bundle.LoadPublicKey(a, ".")
		if err != nil {
			return nil, &cmdutil.FlagError{Err: msg.Err("deploy.err.verify-key", msg.Args{"Err": err})}
		}
		keys = append(keys, k)
	}
	return keys, nil
}

func (o *Options) version() string {
	if o.Factory != nil {
		return o.Factory.Version
	}
	return ""
}

// unpackRun is the unpacker image's entrypoint: compressed bundle images
// on stdin, the plain `docker save` tar on stdout for `docker load`.
func unpackRun(o *Options) error {
	if o.IO.IsStdoutTTY() {
		return &cmdutil.FlagError{Err: o.IO.L.Errorf("deploy.err.unpack-tty")}
	}
	if _, err := bundle.Unpack(o.IO.Out, o.IO.In); err != nil {
		return msg.Err("deploy.err.unpack", msg.Args{"Err": err})
	}
	return nil
}
