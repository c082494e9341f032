package upcmd

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/stackgen/stackgen/cmd/stackgen/cmdutil"
	"github.com/stackgen/stackgen/internal/msg"
	"github.com/stackgen/stackgen/lifecycle"
	"github.com/stackgen/stackgen/swarm"
)

func addSwarmFlags(cmd *cobra.Command, l *msg.Localizer, o *lifecycle.SwarmOptions) {
	fl := cmd.Flags()
	fl.BoolVar(&o.On, "swarm", false, l.T("up.flag.swarm"))
	fl.BoolVar(&o.Init, "init", false, l.T("up.flag.init"))
	fl.StringVar(&o.DataNode, "data-node", "", l.T("up.flag.data-node"))
	fl.StringVar(&o.Registry, "registry", "", l.T("up.flag.registry"))
	fl.IntVar(&o.Replicas, "replicas", swarm.DefaultReplicas, l.T("up.flag.replicas"))
	fl.StringVar(&o.PublishMode, "publish-mode", "ingress", l.T("up.flag.publish-mode"))
	fl.BoolVar(&o.Encrypt, "encrypt", false, l.T("up.flag.encrypt"))
}

func checkSwarm(o *lifecycle.SwarmOptions) error {
	if !o.On && (o.Init || o.DataNode != "" || o.Encrypt || o.Registry != "") {
		return &cmdutil.FlagError{Err: msg.Err("up.err.swarm-only")}
	}
	if strings.ContainsAny(o.Registry, "/ ") {
		return &cmdutil.FlagError{Err: msg.Err("export.err.registry-host", msg.Args{"Value": fmt.Sprintf("%q", o.Registry)})}
	}
	if o.Replicas < 1 {
		return &cmdutil.FlagError{Err: msg.Err("export.err.replicas")}
	}
	return nil
}
