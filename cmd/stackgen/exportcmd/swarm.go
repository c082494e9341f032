package exportcmd

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/stackgen/stackgen/cmd/stackgen/cmdutil"
	"github.com/stackgen/stackgen/internal/msg"
	"github.com/stackgen/stackgen/swarm"
)

// SwarmOptions are `export swarm`'s inputs.
type SwarmOptions struct {
	IO  *cmdutil.IOStreams
	Dir string
	// Output is the stack file's path, relative to Dir ("-": stdout).
	Output string
	swarm.Options
}

func init() { register(func(f *cmdutil.Factory) *cobra.Command { return NewCmdSwarm(f, nil) }) }

// NewCmdSwarm builds `export swarm`; runF replaces the work in tests.
func NewCmdSwarm(f *cmdutil.Factory, runF func(context.Context, *SwarmOptions) error) *cobra.Command {
	opts := &SwarmOptions{IO: f.IO}
	cmd := &cobra.Command{
		Use:     "swarm [dir]",
		Short:   f.IO.L.T("cmd.export-swarm.short"),
		Long:    f.IO.L.T("export-swarm.long"),
		Example: f.IO.L.T("export-swarm.example"),
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Dir = "."
			if len(args) == 1 {
				opts.Dir = args[0]
			}
			if opts.Replicas < 0 {
				return &cmdutil.FlagError{Err: f.IO.L.Errorf("export.err.replicas")}
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runSwarm(opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&opts.Output, "output", "o", swarm.DefaultFile, f.IO.L.T("export-swarm.flag.output"))
	AddSwarmFlags(cmd, f.IO.L, &opts.Options)
	return cmd
}

// AddSwarmFlags adds the conversion's answers (up --swarm shares them).
func AddSwarmFlags(cmd *cobra.Command, l *msg.Localizer, o *swarm.Options) {
	fl := cmd.Flags()
	fl.IntVar(&o.Replicas, "replicas", swarm.DefaultReplicas, l.T("export-swarm.flag.replicas"))
	fl.StringVar(&o.PublishMode, "publish-mode", "ingress", l.T("export-swarm.flag.publish-mode"))
	fl.BoolVar(&o.Encrypt, "encrypt", false, l.T("export-swarm.flag.encrypt"))
}

func runSwarm(opts *SwarmOptions) error {
	p, err := swarm.LoadProject(opts.Dir, nil)
	if err != nil {
		return err
	}
	res, err := swarm.Export(p, opts.Options)
	if err != nil {
		return err
	}
	if opts.Output == "-" {
		_, err := opts.IO.Out.Write(res.StackFile)
		return err
	}
	path, err := swarm.WriteStackFile(p.Dir, opts.Output, res.StackFile)
	if err != nil {
		return err
	}
	fmt.Fprintln(opts.IO.ErrOut, opts.IO.L.T("export.swarm.wrote", msg.Args{"Path": path, "Stack": p.Name, "Services": len(res.Services), "Secrets": len(res.Secrets), "Configs": len(res.Configs)}))
	fmt.Fprintln(opts.IO.Out, path)
	return nil
}
