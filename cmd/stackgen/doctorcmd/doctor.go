// Package doctorcmd is `stackgen doctor`: is this machine ready to run a
// stack? Each check passes or fails with the fix.
package doctorcmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/stackgen/stackgen/internal/currency"

	"github.com/spf13/cobra"

	"github.com/stackgen/stackgen/cmd/stackgen/cmdutil"
	"github.com/stackgen/stackgen/engine"
	"github.com/stackgen/stackgen/internal/msg"
	"github.com/stackgen/stackgen/lifecycle"
	"github.com/stackgen/stackgen/project"
	"github.com/stackgen/stackgen/stack"
	"github.com/stackgen/stackgen/stacks"
)

// Thresholds below which a check fails.
const (
	MinFreeDisk = 5 << 30 // images, build cache and volumes of a stack
	MinMemory   = 2 << 30
	// MinAPI is Engine 20.10's API, the oldest Compose v2 works well with.
	MinAPI = "1.41"
)

// Options are doctor's inputs.
type Options struct {
	IO     *cmdutil.IOStreams
	Engine func() (*engine.Client, error)
	Dir    string
	JSON   bool
	// Listen checks that a host port is free (tests replace it).
	Listen func(network, addr string) (io.Closer, error)
	// FreeBytes measures free disk space (tests replace it).
	FreeBytes func(path string) (uint64, error)
	// Now is the clock (tests replace it); the image-currency table's age
	// and the backups' are measured against it.
	Now func() time.Time
}

// Status of one check.
type Status string

const (
	Pass Status = "ok"
	Fail Status = "FAIL"
	Skip Status = "skip"
)

// Check is one line of the report.
type Check struct {
	Name   string `json:"name"`
	Status Status `json:"status"`
	Detail string `json:"detail"`
	Fix    string `json:"fix,omitempty"`
	// text says Detail and Fix in another language (see say)
	text *checkText
}

// NewCmdDoctor builds the command; runF replaces the work in tests.
func NewCmdDoctor(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Engine: f.Engine}
	cmd := &cobra.Command{
		Use:   "doctor [dir]",
		Short: f.IO.L.T("cmd.doctor.short"),
		Long:  f.IO.L.T("doctor.long"),
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir, err := cmdutil.DirArg(cmd, args)
			if err != nil {
				return err
			}
			opts.Dir = dir
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return run(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, f.IO.L.T("doctor.flag.json"))
	cmdutil.AddDirFlag(cmd, f.IO.L)
	return cmd
}

func run(ctx context.Context, opts *Options) error {
	checks := Checks(ctx, opts)
	failed := 0
	for _, c := range checks {
		if c.Status == Fail {
			failed++
		}
	}
	if opts.JSON {
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(jsonChecks(opts.IO.L, checks)); err != nil {
			return err
		}
	} else {
		tw := tabwriter.NewWriter(opts.IO.Out, 0, 4, 2, ' ', 0)
		for _, c := range checks {
			detail, fix := c.localized(opts.IO.L)
			fmt.Fprintf(tw, "%s\t%s\t%s\n", c.Status, c.Name, detail)
			if fix != "" {
				fmt.Fprintln(tw, opts.IO.L.T("doctor.fix-line", msg.Args{"Fix": fix}))
			}
		}
		tw.Flush()
	}
	if failed > 0 {
		if !opts.JSON {
			fmt.Fprintln(opts.IO.ErrOut, opts.IO.L.T("doctor.failed", msg.Args{"Count": failed}))
		}
		return &cmdutil.ExitError{Code: 1, Err: cmdutil.ErrSilent}
	}
	return nil
}

// Checks runs every check.
func Checks(ctx context.Context, opts *Options) []Check {
	listen := opts.Listen
	if listen == nil {
		listen = func(network, addr string) (io.Closer, error) { return net.Listen(network, addr) }
	}
	free := opts.FreeBytes
	if free == nil {
		free = freeBytes
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	// first, and whatever the engine: it is about stackgen itself
	out := []Check{currencyCheck(now())}
	if opts.Engine == nil {
		opts.Engine = engine.New
	}
	eng, err := opts.Engine()
	if err != nil {
		return append(out, say("engine", Fail, "doctor.raw", msg.Args{"Text": err.Error()}).fix("doctor.engine.fix-env"))
	}
	ver, err := eng.Check(ctx)
	engineUp := err == nil
	switch {
	case err != nil:
		out = append(out, withFix(say("engine", Fail, "doctor.engine.unreachable", msg.Args{"Host": eng.API.DaemonHost()}), err))
	case apiOlder(ver.APIVersion, MinAPI):
		out = append(out, say("engine", Fail, "doctor.engine.old", msg.Args{"Version": ver.Version, "API": ver.APIVersion}).fix("doctor.engine.fix-upgrade"))
	default:
		out = append(out, say("engine", Pass, "doctor.engine.ok", msg.Args{"Version": ver.Version, "API": ver.APIVersion, "Host": ver.Host}))
	}

	if v, err := eng.ComposeVersion(ctx); err != nil {
		out = append(out, withFix(say("compose", Fail, "doctor.compose.missing", nil), err))
	} else {
		out = append(out, say("compose", Pass, "doctor.compose.ok", msg.Args{"Version": v}))
	}
	if v, err := eng.BuildxVersion(ctx); err != nil {
		out = append(out, say("buildx", Fail, "doctor.buildx.missing", nil).fix("doctor.buildx.fix-install"))
	} else {
		out = append(out, say("buildx", Pass, "doctor.buildx.ok", msg.Args{"Version": v}))
	}

	def, answers := stackOf(opts.Dir)
	need := needsOf(def)
	if !engineUp {
		out = append(out,
			say("disk", Skip, "doctor.needs-engine", nil),
			say("memory", Skip, "doctor.needs-engine", nil))
	} else if res, err := eng.Resources(ctx); err != nil {
		out = append(out, say("resources", Fail, "doctor.resources.failed", msg.Args{"Err": err.Error()}).fix("doctor.resources.fix-log"))
	} else {
		out = append(out, diskCheck(eng, res, free, need), memoryCheck(res, need))
	}

	if _, ok := engine.FindComposeFile(opts.Dir); !ok {
		return append(out, say("ports", Skip, "doctor.ports.no-compose", msg.Args{"Dir": opts.Dir}))
	}
	p, err := eng.LoadProject(ctx, opts.Dir)
	if err != nil {
		return append(out, say("project", Fail, "doctor.raw", msg.Args{"Text": err.Error()}).fix("doctor.project.fix", msg.Args{"Hints": engine.HintList(engine.Hints(opts.Dir, err.Error()), "")}))
	}
	out = append(out, portChecks(ctx, eng, engineUp, p, listen)...)
	out = append(out, fileChecks(opts.Dir, def, answers)...)
	out = append(out, imageChecks(ctx, eng, engineUp, lifecycle.NeededImages(p, def, answers))...)
	if c, ok := backupCheck(opts.Dir, now()); ok {
		out = append(out, c)
	}
	return out
}

// currencyCheck reports the age of the image-currency table validate and
// new judge pins by, and warns once it is older than six months: lines it
// calls supported may have reached their end of life since.
func currencyCheck(now time.Time) Check {
	days := int(currency.Age(now).Hours() / 24)
	args := msg.Args{"Written": currency.Written, "Days": days}
	if currency.Stale(now) {
		return say("currency", Warn, "doctor.currency.stale", args).fix("doctor.currency.fix")
	}
	return say("currency", Pass, "doctor.currency.ok", args)
}

// stackOf finds the stack of a stackgen project in dir (nil for a plain
// compose project, or one whose manifest this stackgen cannot read).
func stackOf(dir string) (*stack.Definition, stack.Answers) {
	m, err := project.LoadManifest(dir)
	if err != nil {
		return nil, nil
	}
	d, err := stacks.Registry().Lookup(m.Stack)
	if err != nil {
		return nil, nil
	}
	return d, m.AnswersOf()
}

// needsOf is what the stack asks of the engine, never below the general
// minimum of any stack.
func needsOf(d *stack.Definition) stack.Needs {
	n := stack.Needs{MemoryBytes: MinMemory, DiskBytes: MinFreeDisk}
	if d != nil {
		n.MemoryBytes = max(n.MemoryBytes, d.Needs.MemoryBytes)
		n.DiskBytes = max(n.DiskBytes, d.Needs.DiskBytes)
	}
	return n
}

// fileChecks reports the files only the user can supply (the model, the
// certificate) that are missing: without them the first start fails.
func fileChecks(dir string, d *stack.Definition, a stack.Answers) []Check {
	if d == nil || d.UserFiles == nil {
		return nil
	}
	var out []Check
	for _, f := range d.UserFiles(a) {
		c := say("file "+f.Path, Pass, "doctor.file.present", nil)
		for _, m := range project.MissingUserFiles(dir, d, a) {
			if m.Path == f.Path {
				c = say("file "+f.Path, Fail, "doctor.file.missing", msg.Args{"What": f.What, "Path": filepath.Join(dir, filepath.FromSlash(f.Path))}).fix("doctor.file.fix")
			}
		}
		out = append(out, c)
	}
	return out
}

// imageChecks reports, per image the project pulls, whether the engine has
// it or can pull it (a registry probe through the engine, bounded per
// registry): doctor must not say ok on a host that cannot pull anything.
func imageChecks(ctx context.Context, eng *engine.Client, engineUp bool, images []string) []Check {
	if !engineUp {
		return []Check{say("images", Skip, "doctor.needs-engine", nil)}
	}
	var out []Check
	for _, r := range eng.ImagesAvailable(ctx, images) {
		name := "image " + r.Image
		switch {
		case r.Err != nil:
			out = append(out, withFix(say(name, Fail, "doctor.raw", msg.Args{"Text": r.Err}), r.Err))
		case r.Present:
			out = append(out, say(name, Pass, "doctor.image.present", nil))
		default:
			out = append(out, say(name, Pass, "doctor.image.pullable", msg.Args{"Registry": engine.RegistryHost(r.Image)}))
		}
	}
	return out
}

// withFix gives c the advice err carries (a catalogue message, said in
// the reader's language), or err's own words.
func withFix(c Check, err error) Check {
	var f interface{ Fix() msg.Sub }
	if errors.As(err, &f) {
		fix := f.Fix()
		return c.fix(fix.ID, fix.Args)
	}
	return c.hint(err.Error())
}

// apiOlder compares "1.41"-style versions.
func apiOlder(v, min string) bool {
	parse := func(s string) (int, int) {
		a, b, _ := strings.Cut(s, ".")
		x, _ := strconv.Atoi(a)
		y, _ := strconv.Atoi(b)
		return x, y
	}
	x1, y1 := parse(v)
	x2, y2 := parse(min)
	return x1 < x2 || (x1 == x2 && y1 < y2)
}

func gib(b uint64) string { return fmt.Sprintf("%.1f GiB", float64(b)/(1<<30)) }

func diskCheck(eng *engine.Client, res engine.Resources, free func(string) (uint64, error), need stack.Needs) Check {
	if !eng.IsLocal() || res.RootDir == "" {
		return say("disk", Skip, "doctor.disk.remote", nil)
	}
	n, err := free(res.RootDir)
	if err != nil {
		// Docker Desktop: the data directory lives in its VM.
		return say("disk", Skip, "doctor.disk.unmeasured", msg.Args{"Dir": res.RootDir, "Err": fmt.Sprint(errors.Unwrap(err))})
	}
	if n < uint64(need.DiskBytes) {
		return say("disk", Fail, "doctor.disk.low", msg.Args{"Free": gib(n), "Dir": res.RootDir, "Need": gib(uint64(need.DiskBytes))}).fix("doctor.disk.fix")
	}
	return say("disk", Pass, "doctor.disk.ok", msg.Args{"Free": gib(n), "Dir": res.RootDir})
}

func memoryCheck(res engine.Resources, need stack.Needs) Check {
	if res.MemTotal < need.MemoryBytes {
		return say("memory", Fail, "doctor.memory.low", msg.Args{"Total": gib(uint64(res.MemTotal)), "Need": gib(uint64(need.MemoryBytes))}).fix("doctor.memory.fix")
	}
	return say("memory", Pass, "doctor.memory.ok", msg.Args{"Total": gib(uint64(res.MemTotal)), "CPUs": res.NCPU})
}

// portChecks checks that the host ports the stack publishes are free, or
// already held by the stack itself.
func portChecks(ctx context.Context, eng *engine.Client, engineUp bool, p *engine.ComposeProject, listen func(string, string) (io.Closer, error)) []Check {
	if engineUp && !eng.IsLocal() {
		return []Check{say("ports", Skip, "doctor.ports.remote", msg.Args{"Host": eng.API.DaemonHost()})}
	}
	// Ports the stack's own running containers hold are not a conflict.
	own := map[string]string{}
	if engineUp {
		if cts, err := eng.ProjectContainers(ctx, p.Name); err == nil {
			for _, c := range cts {
				if c.State != "running" {
					continue
				}
				for _, pt := range c.Ports {
					hostPart, _, _ := strings.Cut(pt, "->")
					if i := strings.LastIndex(hostPart, ":"); i >= 0 {
						own[hostPart[i+1:]] = c.Service
					}
				}
			}
		}
	}
	var out []Check
	for _, s := range p.Services {
		for _, pt := range s.Ports {
			name := fmt.Sprintf("port %d", pt.Published)
			port := strconv.Itoa(pt.Published)
			if svc, ok := own[port]; ok {
				out = append(out, say(name, Pass, "doctor.port.own", msg.Args{"Service": svc, "Port": fmt.Sprint(pt)}))
				continue
			}
			network := "tcp"
			if pt.Protocol == "udp" {
				network = "udp"
			}
			addr := net.JoinHostPort(pt.HostIP, port)
			l, err := listen(network, addr)
			if err != nil {
				out = append(out, say(name, Fail, "doctor.port.busy", msg.Args{"Addr": addr, "Service": s.Name, "Port": fmt.Sprint(pt), "Number": port}).fix("doctor.port.fix"))
				continue
			}
			l.Close()
			out = append(out, say(name, Pass, "doctor.port.free", msg.Args{"Addr": addr, "Service": s.Name}))
		}
	}
	if len(out) == 0 {
		out = append(out, say("ports", Pass, "doctor.ports.none", nil))
	}
	return out
}
