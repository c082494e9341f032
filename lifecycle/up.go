// Package lifecycle brings a generated stack to life: build, start, wait
// until every service is ready, apply migrations, find the URL, and, on
// failure, say which service failed and why, removing nothing. up,
// restore, new --up and deploy --bundle all call it.
package lifecycle

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/stackgen/stackgen/internal/msg"
	"github.com/stackgen/stackgen/internal/tail"

	"github.com/stackgen/stackgen/engine"
	"github.com/stackgen/stackgen/progress"
	"github.com/stackgen/stackgen/project"
	"github.com/stackgen/stackgen/stack"
	"github.com/stackgen/stackgen/stacks"
	"github.com/stackgen/stackgen/swarm"
)

// ErrReported means the failure has been explained on the sink's ErrOut
// already: the command exits 1 without printing it again.
var ErrReported = errors.New("failure reported above")

// DefaultTimeout bounds the wait for health when no timeout is given.
const DefaultTimeout = 5 * time.Minute

// StartTimeout is the one default for how long a stack may take to become
// ready, whichever command starts it: its definition's StartTimeout, or
// DefaultTimeout for a stack without one and a plain compose project.
func StartTimeout(def *stack.Definition) time.Duration {
	if def != nil && def.StartTimeout > 0 {
		return def.StartTimeout
	}
	return DefaultTimeout
}

// StartTimeoutOf is StartTimeout for the project in dir.
func StartTimeoutOf(dir string) time.Duration {
	def, _, _, err := stackOf(dir, nil)
	if err != nil {
		return DefaultTimeout
	}
	return StartTimeout(def)
}

// Options are Up's inputs.
type Options struct {
	// Sink receives the progress, the report and the URL.
	Sink   progress.Sink
	Engine func() (*engine.Client, error)
	Now    func() time.Time
	// Registry resolves the manifest's stack (nil: stacks.Registry()).
	Registry *stack.Registry

	Dir string
	// Timeout bounds the wait for every service to be ready (0: the
	// stack's StartTimeout).
	Timeout time.Duration
	// Progress is auto, tty, plain, json or quiet.
	Progress string
	// Verbose shows compose's output and the timings.
	Verbose bool
	// NoBuild skips `docker compose build`.
	NoBuild bool
	// Swarm deploys to the engine's swarm instead (swarm.go).
	Swarm SwarmOptions
}

// composeGrace is how long a failed up lets `docker compose up` finish on
// its own before interrupting it.
const composeGrace = 5 * time.Second

func (o *Options) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

// stackOf reads dir's manifest, if any, and finds its stack definition.
// A directory without a manifest is a plain compose project: no
// migrations, and the URL comes from the published ports.
func stackOf(dir string, reg *stack.Registry) (*stack.Definition, stack.Answers, error, error) {
	m, err := project.LoadManifest(dir)
	if errors.Is(err, project.ErrNoManifest) {
		return nil, nil, nil, nil
	}
	if err != nil {
		return nil, nil, nil, err
	}
	if reg == nil {
		reg = stacks.Registry()
	}
	def, err := reg.Lookup(m.Stack)
	if err != nil {
		return nil, nil, msg.Err("lifecycle.warn.unknown-stack", msg.Args{"Manifest": project.ManifestName, "Stack": strconv.Quote(m.Stack)}), nil
	}
	return def, m.AnswersOf(), nil, nil
}

// Up builds, starts and waits for the project in opts.Dir, applies its
// migrations and prints its URL on Out, as `stackgen up` does; with
// opts.Swarm.On it deploys to the engine's swarm instead. A failure it
// has explained on ErrOut comes back as ErrReported.
func Up(ctx context.Context, opts Options) error {
	if opts.Swarm.On {
		if opts.Swarm.Replicas == 0 {
			opts.Swarm.Replicas = swarm.DefaultReplicas
		}
		return upSwarm(ctx, &opts)
	}
	return up(ctx, &opts)
}

func up(ctx context.Context, opts *Options) error {
	start := opts.now()
	ios := opts.Sink
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return err
	}
	mode, err := progress.Resolve(opts.Progress, ios.TTY)
	if err != nil {
		return err
	}
	def, answers, warning, err := stackOf(dir, opts.Registry)
	if err != nil {
		return err
	}
	timeout := opts.Timeout
	if timeout == 0 {
		timeout = StartTimeout(def)
	}
	if opts.Engine == nil {
		opts.Engine = engine.New
	}
	eng, err := opts.Engine()
	if err != nil {
		return err
	}
	ver, err := eng.Check(ctx)
	if err != nil {
		return err
	}
	composeVer, err := eng.ComposeVersion(ctx)
	if err != nil {
		return err
	}

	// Human progress goes to stderr; JSON progress to stdout, for programs.
	progOut := ios.ErrOut
	if mode == progress.ModeJSON {
		progOut = ios.Out
	}
	pw := progress.New(mode, progOut, ios.Color, start)
	defer pw.Stop()
	if warning != nil {
		pw.Info("%s", ios.L.T("status.warning", msg.Args{"Text": warning}))
	}
	if opts.Verbose || mode == progress.ModePlain {
		pw.Info("Docker Engine %s (API %s) at %s; Docker Compose %s", ver.Version, ver.APIVersion, ver.Host, composeVer)
	}
	p, err := eng.LoadProject(ctx, dir)
	if err != nil {
		var ce *engine.ConfigError
		if errors.As(err, &ce) {
			pw.Stop()
			printHints(ios.ErrOut, ios.L, engine.Hints(dir, err.Error()))
		}
		return err
	}

	if !opts.NoBuild && p.NeedsBuild() {
		pw.Info("Building images (docker compose build)...")
		buildOut := ios.ErrOut
		if mode == progress.ModeQuiet {
			buildOut = io.Discard
		}
		if err := eng.Build(ctx, p, progress.ComposeMode(mode), buildOut, buildOut); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			pw.Stop()
			var ce *engine.CommandError
			text := ""
			if errors.As(err, &ce) {
				text = ce.Stderr
			}
			hints, unpullable := failureHints(ctx, eng, dir, NeededImages(p, def, answers), text)
			printHints(ios.ErrOut, ios.L, hints)
			if len(unpullable) > 0 {
				return msg.Err("lifecycle.err.build-unpullable", msg.Args{"Images": strings.Join(unpullable, ", ")})
			}
			return msg.Err("lifecycle.err.build", msg.Args{"Err": err})
		}
	}

	// compose up runs while the wait follows the engine's events, so
	// progress shows as it happens; its output is kept for the report.
	upLog := &tail.Buffer{}
	var upOut io.Writer = upLog
	if opts.Verbose && mode == progress.ModePlain {
		upOut = io.MultiWriter(upLog, ios.ErrOut)
	}
	waitStart := opts.now()
	// a service's state in the reader's language; --json keeps Detail's
	// English, which programs read
	said := ios.L
	if mode == progress.ModeJSON {
		said = msg.English()
	}
	res, werr := startAndWait(ctx, eng, p, timeout, waitStart, upOut, upOut, func(s engine.ServiceState) { pw.Event(serviceEvent(said, s)) })
	if werr != nil {
		pw.Stop()
		return failure(ctx, ios, mode, eng, p, werr, upLog.String(), timeout, NeededImages(p, def, answers))
	}

	// migrated is said to the reader; migratedJSON keeps English for
	// programs
	migrated, migratedJSON := "", ""
	if def != nil && def.Migrate != nil {
		m := def.Migrate
		pw.Event(progress.Event{ID: "migrations", Status: progress.Working, Text: m.What + ": " + strings.Join(m.Command, " ")})
		summary, out, err := migrate(ctx, eng, p, m)
		if err != nil {
			pw.Event(progress.Event{ID: "migrations", Status: progress.Failed, Text: err.Error()})
			pw.Stop()
			fmt.Fprintln(ios.ErrOut, ios.L.T("up.migrate.failed", msg.Args{"What": m.What, "Service": fmt.Sprintf("%q", m.Service), "Err": err}))
			printLines(ios.ErrOut, ios.L.T("up.lines.output"), tail.Lines(out, 30))
			fmt.Fprintln(ios.ErrOut, ios.L.T("up.migrate.kept", msg.Args{"Service": m.Service, "Command": strings.Join(m.Command, " "), "Dir": dir}))
			if mode == progress.ModeJSON {
				writeJSON(ios.Out, map[string]any{"status": "failed", "error": err.Error(), "step": "migrations"})
			}
			return ErrReported
		}
		said := ios.L.T(summary.ID, summary.Args)
		migrated = m.What + ": " + said
		migratedJSON = m.What + ": " + msg.English().T(summary.ID, summary.Args)
		pw.Event(progress.Event{ID: "migrations", Status: progress.Done, Text: said})
	}

	url := ""
	if def != nil && def.URL != nil {
		url = def.URL(answers)
	} else {
		url = portsURL(p)
	}
	total := res.ReadyAt.Sub(start)
	delay := res.ReadyAt.Sub(res.LastEngineReady)
	pw.Stop()
	if mode == progress.ModeJSON {
		writeJSON(ios.Out, map[string]any{
			"status": "ready", "url": url, "project": p.Name,
			"ready_after_s": seconds(total), "wait_s": seconds(res.ReadyAt.Sub(waitStart)),
			"last_service": res.LastService, "engine_last_ready": res.LastEngineReady,
			"ready_delay_ms": float64(delay.Microseconds()) / 1000, "migrations": migratedJSON,
			"services": res.Services,
		})
		return nil
	}
	if mode != progress.ModeQuiet {
		fmt.Fprintln(ios.ErrOut, ios.L.T("up.ready", msg.Args{"Stack": p.Name, "Seconds": fmt.Sprintf("%.1f", total.Seconds()), "Migrated": migrated}))
		if opts.Verbose {
			fmt.Fprintln(ios.ErrOut, ios.L.T("up.timing", msg.Args{"Service": res.LastService, "At": res.LastEngineReady.Format("15:04:05.000"), "Delay": fmt.Sprintf("%.1f", float64(delay.Microseconds())/1000)}))
		}
	}
	if url != "" {
		fmt.Fprintln(ios.Out, url)
	}
	return nil
}

func serviceEvent(l *msg.Localizer, s engine.ServiceState) progress.Event {
	st := progress.Waiting
	switch s.Phase {
	case engine.PhaseReady:
		st = progress.Done
	case engine.PhaseFailed:
		st = progress.Failed
	case engine.PhaseStarting, engine.PhaseCreated:
		st = progress.Working
	}
	return progress.Event{ID: s.Service, Status: st, Text: detail(l, s)}
}

// detail is a service's state said in l's language.
func detail(l *msg.Localizer, s engine.ServiceState) string {
	if s.Say.ID == "" {
		return s.Detail
	}
	return l.T(s.Say.ID, s.Say.Args)
}

var (
	djangoApplied  = regexp.MustCompile(`(?m)^\s*Applying \S+\.\.\.`)
	alembicApplied = regexp.MustCompile(`(?m)Running upgrade \S* ?-> \S+`)
)

// migrate runs the stack's migration command in its service and sums up
// what it did.
func migrate(ctx context.Context, eng *engine.Client, p *engine.ComposeProject, m *stack.Exec) (msg.Sub, string, error) {
	ct, err := eng.ServiceContainer(ctx, p.Name, m.Service)
	if err != nil {
		return msg.Sub{}, "", err
	}
	var out bytes.Buffer
	code, err := eng.Exec(ctx, ct.ID, m.Command, &out, &out)
	if err != nil {
		return msg.Sub{}, out.String(), err
	}
	if code != 0 {
		return msg.Sub{}, out.String(), msg.Err("lifecycle.err.exit-code", msg.Args{"Command": strings.Join(m.Command, " "), "Code": code})
	}
	return migrationSummary(out.String()), out.String(), nil
}

// migrationSummary says in a few words what a migration run did, as a
// message to say in the reader's language.
func migrationSummary(out string) msg.Sub {
	if n := len(djangoApplied.FindAllString(out, -1)); n > 0 {
		return msg.Sub{ID: "lifecycle.migrated.django", Args: msg.Args{"Count": n}}
	}
	if n := len(alembicApplied.FindAllString(out, -1)); n > 0 {
		return msg.Sub{ID: "lifecycle.migrated.alembic", Args: msg.Args{"Count": n}}
	}
	if strings.Contains(out, "No migrations to apply") {
		return msg.Sub{ID: "lifecycle.migrated.none"}
	}
	return msg.Sub{ID: "lifecycle.migrated.done"}
}

// portsURL guesses a URL for a project without a manifest: its first port
// published for HTTP.
func portsURL(p *engine.ComposeProject) string {
	for _, s := range p.Services {
		for _, pt := range s.Ports {
			if pt.Protocol != "tcp" {
				continue
			}
			host := pt.HostIP
			if host == "" || host == "0.0.0.0" || host == "::" {
				host = "localhost"
			}
			return fmt.Sprintf("http://%s:%d/", host, pt.Published)
		}
	}
	return ""
}

// failure prints what failed and why, and returns the exit error.
func failure(ctx context.Context, ios progress.Sink, mode string, eng *engine.Client, p *engine.ComposeProject, werr error, upOut string, timeout time.Duration, images []string) error {
	w, l := ios.ErrOut, ios.L
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	var we *engine.WaitError
	errors.As(werr, &we)
	var headline any = werr
	if we != nil && we.Timeout && len(we.Failed) == 0 {
		headline = msg.Sub{ID: "up.failed.timeout", Args: msg.Args{"Timeout": timeout.String(), "Err": werr}}
	}
	fmt.Fprintln(w, l.T("up.failed", msg.Args{"Headline": headline}))

	// The services to explain: the failed ones, else those not ready that
	// have a container.
	var explain []engine.ServiceState
	if we != nil {
		explain = append(explain, we.Failed...)
		if len(explain) == 0 {
			for _, s := range we.Pending {
				if s.ContainerID != "" {
					explain = append(explain, s)
				}
			}
		}
	}
	if len(explain) > 3 {
		explain = explain[:3]
	}
	texts := []string{upOut}
	if we != nil && we.UpErr != nil {
		fmt.Fprintln(w, "\n"+l.T("up.compose-said"))
		printLines(w, "", tail.Lines(upOut, 15))
	}
	for _, s := range explain {
		fmt.Fprintf(w, "\n%s: %s", s.Service, detail(l, s))
		if s.Container != "" {
			fmt.Fprint(w, l.T("up.container", msg.Args{"Container": s.Container}))
		}
		fmt.Fprintln(w)
		if s.ContainerID == "" {
			continue
		}
		lines, err := eng.LastLogLines(rctx, s.ContainerID, 30)
		if err != nil {
			fmt.Fprintln(w, l.T("up.logs.unreadable", msg.Args{"Err": err}))
		} else if len(lines) == 0 {
			fmt.Fprintln(w, l.T("up.logs.none"))
		} else {
			printLines(w, l.T("up.lines.last", msg.Args{"Count": len(lines)}), lines)
			texts = append(texts, strings.Join(lines, "\n"))
		}
		if ct, err := eng.Inspect(rctx, s.ContainerID); err == nil && len(ct.HealthLog) > 0 {
			var hl []string
			for _, h := range ct.HealthLog {
				out := strings.Join(strings.Fields(h.Output), " ")
				if len(out) > 200 {
					out = out[:200] + "..."
				}
				hl = append(hl, fmt.Sprintf("%s exit %d: %s", h.End.Local().Format("15:04:05"), h.ExitCode, out))
				texts = append(texts, h.Output)
			}
			printLines(w, l.T("up.lines.health"), hl)
		}
	}
	if we != nil && we.UpErr != nil {
		// compose up failed itself, often pulling an image: say which.
		hints, _ := failureHints(rctx, eng, p.Dir, images, texts...)
		printHints(w, l, hints)
	} else {
		printHints(w, l, engine.Hints(p.Dir, texts...))
	}
	fmt.Fprintln(w, "\n"+l.T("up.kept", msg.Args{"Dir": p.Dir}))
	if mode == progress.ModeJSON {
		out := map[string]any{"status": "failed", "error": werr.Error(), "project": p.Name}
		if we != nil {
			out["failed"], out["pending"], out["timeout"] = we.Failed, we.Pending, we.Timeout
		}
		writeJSON(ios.Out, out)
	}
	return ErrReported
}

// failureHints explains a failed build or start: first the images the
// engine can neither find nor pull (each probed through the engine, within
// engine.ProbeTimeout per registry), because BuildKit's and compose's own
// words for that ("no such host") name neither the image nor a way out;
// then what the failure's text shows. On a terminal that text is not kept
// (compose writes its live view straight to it), so the probe is what
// recognises a pull failure there.
func failureHints(ctx context.Context, eng *engine.Client, dir string, images []string, texts ...string) (out []msg.Sub, unpullable []string) {
	for _, r := range eng.ImagesAvailable(ctx, images) {
		var pe *engine.PullError
		if errors.As(r.Err, &pe) {
			out = append(out, msg.Sub{ID: "engine.hint.unpullable", Args: msg.Args{"Err": pe, "Fix": pe.Fix()}})
			unpullable = append(unpullable, pe.Image)
		}
	}
	for _, h := range engine.Hints(dir, texts...) {
		// The probe already named the images with the ways out.
		if len(out) > 0 && (h.ID == engine.HintPull || h.ID == engine.HintRegistry) {
			continue
		}
		out = append(out, h)
	}
	return out, unpullable
}

func printLines(w io.Writer, title string, lines []string) {
	if title != "" {
		fmt.Fprintf(w, "  %s:\n", title)
	}
	for _, l := range lines {
		fmt.Fprintf(w, "    | %s\n", l)
	}
}

func printHints(w io.Writer, l *msg.Localizer, hints []msg.Sub) {
	for _, h := range hints {
		fmt.Fprintln(w, l.T("up.hint", msg.Args{"Hint": h}))
	}
}

func writeJSON(w io.Writer, v any) {
	enc := json.NewEncoder(w)
	_ = enc.Encode(v)
}

func seconds(d time.Duration) float64 { return float64(d.Milliseconds()) / 1000 }
