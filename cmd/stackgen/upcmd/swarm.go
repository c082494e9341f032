package upcmd

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/stackgen/stackgen/cmd/stackgen/cmdutil"
	"github.com/stackgen/stackgen/lifecycle"
	"github.com/stackgen/stackgen/swarm"
)

func addSwarmFlags(cmd *cobra.Command, o *lifecycle.SwarmOptions) {
	fl := cmd.Flags()
	fl.BoolVar(&o.On, "swarm", false, "deploy to this engine's Docker Swarm (writes swarm/stack.yaml, creates its secrets and configs)")
	fl.BoolVar(&o.Init, "init", false, "with --swarm: create a single-node swarm when the engine is in none")
	fl.StringVar(&o.DataNode, "data-node", "", "with --swarm: the node (ID or host name) the stateful services are pinned to (default: the labelled one, else this one)")
	fl.StringVar(&o.Registry, "registry", "", "with --swarm: push the built images to this registry (HOST[:PORT]) and deploy them by digest, so every node can pull them")
	fl.IntVar(&o.Replicas, "replicas", swarm.DefaultReplicas, "with --swarm: replicas of each web-tier service")
	fl.StringVar(&o.PublishMode, "publish-mode", "ingress", "with --swarm: how the proxy's ports are published: ingress (every node answers; needs IPVS in the kernel) or host (the node running the proxy)")
	fl.BoolVar(&o.Encrypt, "encrypt", false, "with --swarm: encrypt the internal data networks (IPsec)")
}

func checkSwarm(o *lifecycle.SwarmOptions) error {
	if !o.On && (o.Init || o.DataNode != "" || o.Encrypt || o.Registry != "") {
		return cmdutil.FlagErrorf("--init, --data-node, --registry and --encrypt go with --swarm")
	}
	if strings.ContainsAny(o.Registry, "/ ") {
		return cmdutil.FlagErrorf("--registry %q: give HOST[:PORT] only (the images keep their names)", o.Registry)
	}
	if o.Replicas < 1 {
		return cmdutil.FlagErrorf("--replicas must be at least 1")
	}
	return nil
}
