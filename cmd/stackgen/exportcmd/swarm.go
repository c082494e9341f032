package exportcmd

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/stackgen/stackgen/cmd/stackgen/cmdutil"
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
		Use:   "swarm [dir]",
		Short: f.IO.L.T("cmd.export-swarm.short"),
		Long: `Write a stack file for 'docker stack deploy' that needs no .env: settings are
written resolved, every secret becomes a Swarm secret (content-hashed name,
mounted as a file, read through *_FILE), config files become Swarm configs,
only the proxy is published, stateful services run one replica pinned to a
node label, the web tier rolls out start-first and rolls back on failure,
and migrations run as a Swarm job.

'stackgen up --swarm' writes the same file, creates the secrets and configs
and deploys it; this command only writes it, for review or for your own
pipeline.`,
		Example: `  stackgen export swarm mysite
  stackgen export swarm mysite --replicas 3 --encrypt -o -`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Dir = "."
			if len(args) == 1 {
				opts.Dir = args[0]
			}
			if opts.Replicas < 0 {
				return cmdutil.FlagErrorf("--replicas must be at least 1")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runSwarm(opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&opts.Output, "output", "o", swarm.DefaultFile, "where to write the stack file, relative to the project (- for stdout)")
	AddSwarmFlags(cmd, &opts.Options)
	return cmd
}

// AddSwarmFlags adds the conversion's answers (up --swarm shares them).
func AddSwarmFlags(cmd *cobra.Command, o *swarm.Options) {
	fl := cmd.Flags()
	fl.IntVar(&o.Replicas, "replicas", swarm.DefaultReplicas, "replicas of each web-tier service")
	fl.StringVar(&o.PublishMode, "publish-mode", "ingress", "how the proxy's ports are published: ingress (every node answers; needs IPVS in the kernel) or host (the node running the proxy)")
	fl.BoolVar(&o.Encrypt, "encrypt", false, "encrypt the internal data networks (IPsec; the nodes must pass ESP, IP protocol 50)")
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
	fmt.Fprintf(opts.IO.ErrOut, "Wrote %s: stack %s, %d services, %d secrets and %d configs to create (stackgen up --swarm does).\n",
		path, p.Name, len(res.Services), len(res.Secrets), len(res.Configs))
	fmt.Fprintln(opts.IO.Out, path)
	return nil
}
