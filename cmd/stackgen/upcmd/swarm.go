package upcmd

import (
	"context"
	"errors"
	"fmt"
	"github.com/stackgen/stackgen/internal/msg"
	"strings"

	"github.com/spf13/cobra"

	"github.com/stackgen/stackgen/cmd/stackgen/cmdutil"
	"github.com/stackgen/stackgen/engine"
	"github.com/stackgen/stackgen/engine/progress"
	"github.com/stackgen/stackgen/swarm"
)

// SwarmOptions are up's --swarm flags.
type SwarmOptions struct {
	On       bool
	Init     bool
	DataNode string
	Registry string
	swarm.Options
}

func addSwarmFlags(cmd *cobra.Command, l *msg.Localizer, o *SwarmOptions) {
	fl := cmd.Flags()
	fl.BoolVar(&o.On, "swarm", false, l.T("up.flag.swarm"))
	fl.BoolVar(&o.Init, "init", false, l.T("up.flag.init"))
	fl.StringVar(&o.DataNode, "data-node", "", l.T("up.flag.data-node"))
	fl.StringVar(&o.Registry, "registry", "", l.T("up.flag.registry"))
	fl.IntVar(&o.Replicas, "replicas", swarm.DefaultReplicas, l.T("up.flag.replicas"))
	fl.StringVar(&o.PublishMode, "publish-mode", "ingress", l.T("up.flag.publish-mode"))
	fl.BoolVar(&o.Encrypt, "encrypt", false, l.T("up.flag.encrypt"))
}

func (o *SwarmOptions) check() error {
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

// runSwarm maps the flags to swarm.Up and reports; the work is there.
func runSwarm(ctx context.Context, opts *Options) error {
	ios := opts.IO
	mode, err := progress.Resolve(opts.Progress, ios.IsStderrTTY())
	if err != nil {
		return &cmdutil.FlagError{Err: err}
	}
	p, err := swarm.LoadProject(opts.Dir, opts.Registry)
	if err != nil {
		return err
	}
	if opts.Engine == nil {
		opts.Engine = engine.New
	}
	eng, err := opts.Engine()
	if err != nil {
		return err
	}
	if _, err := eng.Check(ctx); err != nil {
		return err
	}
	timeout := opts.Timeout
	if timeout == 0 && p.Def != nil {
		timeout = p.Def.StartTimeout
	}
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	pw := progress.New(mode, ios.ErrOut, ios.ColorEnabled(), opts.now())
	defer pw.Stop()
	uo := swarm.UpOptions{
		Options: opts.Swarm.Options, Init: opts.Swarm.Init, DataNode: opts.Swarm.DataNode, Registry: opts.Swarm.Registry,
		NoBuild: opts.NoBuild, Timeout: timeout, Now: opts.Now,
		Log: infoWriter{pw},
		OnChange: func(s engine.SwarmService) {
			pw.Event(swarmEvent(s))
		},
	}
	if opts.Verbose {
		uo.Output = ios.ErrOut
	}
	res, err := swarm.Up(ctx, eng, p, uo)
	pw.Stop()
	if err != nil {
		var we *engine.SwarmWaitError
		if errors.As(err, &we) {
			return swarmFailure(ctx, ios, eng, p, we, timeout)
		}
		return err
	}
	fmt.Fprintln(ios.ErrOut, ios.L.T("up.swarm.ready", msg.Args{"Stack": p.Name, "Seconds": fmt.Sprintf("%.1f", res.Ready.Seconds()), "File": res.StackFile}))
	if len(res.Pruned) > 0 {
		fmt.Fprintln(ios.ErrOut, ios.L.T("up.swarm.pruned", msg.Args{"Names": strings.Join(res.Pruned, ", ")}))
	}
	if p.Def != nil && p.Def.URL != nil {
		fmt.Fprintln(ios.Out, p.Def.URL(p.Answers))
	}
	return nil
}

type infoWriter struct{ pw progress.Writer }

func (w infoWriter) Write(b []byte) (int, error) {
	w.pw.Info("%s", strings.TrimRight(string(b), "\n"))
	return len(b), nil
}

func swarmEvent(s engine.SwarmService) progress.Event {
	st := progress.Working
	text := fmt.Sprintf("%d/%d running", s.Running, s.Desired)
	if s.Job {
		text = fmt.Sprintf("%d/%d completed", s.Running, s.Desired)
	}
	if s.Running >= s.Desired && s.Desired > 0 {
		st = progress.Done
	}
	if s.Update != "" {
		text += ", update " + s.Update
	}
	if len(s.TaskErrors) > 0 {
		text += "; " + s.TaskErrors[0]
	}
	return progress.Event{ID: s.Name, Status: st, Text: text}
}

// swarmFailure names each failed service with its task errors and the
// end of its logs.
func swarmFailure(ctx context.Context, ios *cmdutil.IOStreams, eng *engine.Client, p *swarm.Project, we *engine.SwarmWaitError, timeout fmt.Stringer) error {
	w := ios.ErrOut
	var headline any = we
	if we.Timeout && len(we.Failed) == 0 {
		headline = msg.Sub{ID: "up.failed.timeout", Args: msg.Args{"Timeout": timeout.String(), "Err": we}}
	}
	fmt.Fprintln(w, ios.L.T("up.swarm.failed", msg.Args{"Headline": headline}))
	explain := append(append([]engine.SwarmService{}, we.Failed...), we.Pending...)
	if len(explain) > 3 {
		explain = explain[:3]
	}
	for _, s := range explain {
		fmt.Fprintf(w, "\n%s:\n", s.Name)
		for _, e := range s.TaskErrors {
			fmt.Fprintln(w, ios.L.T("up.swarm.task", msg.Args{"Err": e}))
		}
		var logs strings.Builder
		if err := eng.ServiceLogs(ctx, p.Name, s.Name, false, "20", &logs); err == nil && logs.Len() > 0 {
			printLines(w, ios.L.T("up.lines.last-any"), lastLines(logs.String(), 20))
		}
	}
	fmt.Fprintln(w, "\n"+ios.L.T("up.swarm.kept", msg.Args{"Dir": p.Dir, "Stack": p.Name}))
	return &cmdutil.ExitError{Code: 1, Err: cmdutil.ErrSilent}
}
