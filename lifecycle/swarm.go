package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/stackgen/stackgen/internal/msg"
	"github.com/stackgen/stackgen/internal/tail"

	"github.com/stackgen/stackgen/engine"
	"github.com/stackgen/stackgen/progress"
	"github.com/stackgen/stackgen/swarm"
)

// SwarmOptions deploy to the engine's swarm instead of compose (up --swarm).
type SwarmOptions struct {
	On       bool
	Init     bool
	DataNode string
	Registry string
	swarm.Options
}

// upSwarm maps the options to swarm.Up and reports; the work is there.
func upSwarm(ctx context.Context, opts *Options) error {
	ios := opts.Sink
	mode, err := progress.Resolve(opts.Progress, ios.TTY)
	if err != nil {
		return err
	}
	p, err := swarm.LoadProject(opts.Dir, opts.Registry)
	if err != nil {
		return err
	}
	eng, err := engine.Connect(ctx, opts.Engine)
	if err != nil {
		return err
	}
	timeout := opts.Timeout
	if timeout == 0 && p.Def != nil {
		timeout = p.Def.StartTimeout
	}
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	pw := progress.New(mode, ios.ErrOut, ios.Color, opts.now())
	defer pw.Stop()
	said := ios.L // --json keeps English, as up's service states do
	if mode == progress.ModeJSON {
		said = msg.English()
	}
	uo := swarm.UpOptions{
		Options: opts.Swarm.Options, Init: opts.Swarm.Init, DataNode: opts.Swarm.DataNode, Registry: opts.Swarm.Registry,
		NoBuild: opts.NoBuild, Timeout: timeout, Now: opts.Now,
		Log: infoWriter{pw}, L: ios.L,
		OnChange: func(s engine.SwarmService) {
			pw.Event(swarmEvent(said, s))
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

func swarmEvent(l *msg.Localizer, s engine.SwarmService) progress.Event {
	st := progress.Working
	if s.Running >= s.Desired && s.Desired > 0 {
		st = progress.Done
	}
	say := s.Say()
	return progress.Event{ID: s.Name, Status: st, Text: l.T(say.ID, say.Args)}
}

// swarmFailure names each failed service with its task errors and the
// end of its logs.
func swarmFailure(ctx context.Context, ios progress.Sink, eng *engine.Client, p *swarm.ProjectDir, we *engine.SwarmWaitError, timeout fmt.Stringer) error {
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
			printLines(w, ios.L.T("up.lines.last-any"), tail.Lines(logs.String(), 20))
		}
	}
	fmt.Fprintln(w, "\n"+ios.L.T("up.swarm.kept", msg.Args{"Dir": p.Dir, "Stack": p.Name}))
	return ErrReported
}
