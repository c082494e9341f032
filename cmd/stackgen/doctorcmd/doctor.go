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

	"github.com/spf13/cobra"

	"github.com/stackgen/stackgen/cmd/stackgen/cmdutil"
	"github.com/stackgen/stackgen/engine"
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
			pos := ""
			if len(args) == 1 {
				pos = args[0]
			}
			dir, err := cmdutil.ProjectDir(cmd, pos)
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
	cmdutil.AddDirFlag(cmd, "")
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
		if err := enc.Encode(checks); err != nil {
			return err
		}
	} else {
		tw := tabwriter.NewWriter(opts.IO.Out, 0, 4, 2, ' ', 0)
		for _, c := range checks {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", c.Status, c.Name, c.Detail)
			if c.Fix != "" {
				fmt.Fprintf(tw, "\t\tfix: %s\n", c.Fix)
			}
		}
		tw.Flush()
	}
	if failed > 0 {
		if !opts.JSON {
			fmt.Fprintf(opts.IO.ErrOut, "%d check%s failed\n", failed, map[bool]string{true: "s", false: ""}[failed > 1])
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
	var out []Check
	if opts.Engine == nil {
		opts.Engine = engine.New
	}
	eng, err := opts.Engine()
	if err != nil {
		return append(out, Check{Name: "engine", Status: Fail, Detail: err.Error(), Fix: "check DOCKER_HOST and DOCKER_CERT_PATH"})
	}
	ver, err := eng.Check(ctx)
	engineUp := err == nil
	switch {
	case err != nil:
		out = append(out, Check{Name: "engine", Status: Fail, Detail: "cannot reach the Docker engine at " + eng.API.DaemonHost(),
			Fix: fixOf(err)})
	case apiOlder(ver.APIVersion, MinAPI):
		out = append(out, Check{Name: "engine", Status: Fail,
			Detail: fmt.Sprintf("Docker Engine %s (API %s) is too old", ver.Version, ver.APIVersion),
			Fix:    "upgrade to Docker Engine 20.10 (API 1.41) or newer"})
	default:
		out = append(out, Check{Name: "engine", Status: Pass,
			Detail: fmt.Sprintf("Docker Engine %s (API %s) at %s", ver.Version, ver.APIVersion, ver.Host)})
	}

	if v, err := eng.ComposeVersion(ctx); err != nil {
		out = append(out, Check{Name: "compose", Status: Fail, Detail: "docker compose v2 is not available", Fix: fixOf(err)})
	} else {
		out = append(out, Check{Name: "compose", Status: Pass, Detail: "Docker Compose " + v})
	}
	if v, err := eng.BuildxVersion(ctx); err != nil {
		out = append(out, Check{Name: "buildx", Status: Fail, Detail: "the buildx plugin is missing: builds fall back to the legacy builder, which rejects RUN --mount",
			Fix: "install docker-buildx-plugin (Debian 13+: docker-buildx); Docker Desktop includes it"})
	} else {
		out = append(out, Check{Name: "buildx", Status: Pass, Detail: "BuildKit builds (buildx " + v + ")"})
	}

	def, answers := stackOf(opts.Dir)
	need := needsOf(def)
	if !engineUp {
		out = append(out,
			Check{Name: "disk", Status: Skip, Detail: "needs the engine"},
			Check{Name: "memory", Status: Skip, Detail: "needs the engine"})
	} else if res, err := eng.Resources(ctx); err != nil {
		out = append(out, Check{Name: "resources", Status: Fail, Detail: "the engine did not describe itself: " + err.Error(), Fix: "check the daemon's log"})
	} else {
		out = append(out, diskCheck(eng, res, free, need), memoryCheck(res, need))
	}

	if _, ok := engine.FindComposeFile(opts.Dir); !ok {
		return append(out, Check{Name: "ports", Status: Skip, Detail: "no compose.yaml in " + opts.Dir + ": pass the stack's directory to check its ports"})
	}
	p, err := eng.LoadProject(ctx, opts.Dir)
	if err != nil {
		return append(out, Check{Name: "project", Status: Fail, Detail: err.Error(), Fix: strings.Join(append(engine.Hints(opts.Dir, err.Error()), "fix the compose file or .env"), "; ")})
	}
	out = append(out, portChecks(ctx, eng, engineUp, p, listen)...)
	out = append(out, fileChecks(opts.Dir, def, answers)...)
	out = append(out, imageChecks(ctx, eng, engineUp, cmdutil.NeededImages(p, def, answers))...)
	if c, ok := backupCheck(opts.Dir, time.Now()); ok {
		out = append(out, c)
	}
	return out
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
		c := Check{Name: "file " + f.Path, Status: Pass, Detail: "present"}
		for _, m := range project.MissingUserFiles(dir, d, a) {
			if m.Path == f.Path {
				c = Check{Name: "file " + f.Path, Status: Fail, Detail: "missing: " + f.What, Fix: "put the file at " + filepath.Join(dir, filepath.FromSlash(f.Path))}
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
		return []Check{{Name: "images", Status: Skip, Detail: "needs the engine"}}
	}
	var out []Check
	for _, r := range eng.ImagesAvailable(ctx, images) {
		name := "image " + r.Image
		switch {
		case r.Err != nil:
			out = append(out, Check{Name: name, Status: Fail, Detail: r.Err.Error(), Fix: fixOf(r.Err)})
		case r.Present:
			out = append(out, Check{Name: name, Status: Pass, Detail: "present on the engine"})
		default:
			out = append(out, Check{Name: name, Status: Pass, Detail: "not present; its registry " + engine.RegistryHost(r.Image) + " answers, so it can be pulled"})
		}
	}
	return out
}

// fixOf returns the advice an error carries, or its message.
func fixOf(err error) string {
	var f interface{ Fix() string }
	if errors.As(err, &f) {
		return f.Fix()
	}
	return err.Error()
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
		return Check{Name: "disk", Status: Skip, Detail: "the engine is remote: check its free space there (docker system df)"}
	}
	n, err := free(res.RootDir)
	if err != nil {
		// Docker Desktop: the data directory lives in its VM.
		return Check{Name: "disk", Status: Skip, Detail: fmt.Sprintf("cannot measure %s from here (%v); on Docker Desktop see Settings > Resources", res.RootDir, errors.Unwrap(err))}
	}
	if n < uint64(need.DiskBytes) {
		return Check{Name: "disk", Status: Fail, Detail: fmt.Sprintf("%s free under %s; this stack's images, build cache and volumes need about %s", gib(n), res.RootDir, gib(uint64(need.DiskBytes))),
			Fix: "free space ('docker system prune' removes stopped containers, unused networks, dangling images and build cache) or move the engine's data-root"}
	}
	return Check{Name: "disk", Status: Pass, Detail: fmt.Sprintf("%s free under %s", gib(n), res.RootDir)}
}

func memoryCheck(res engine.Resources, need stack.Needs) Check {
	if res.MemTotal < need.MemoryBytes {
		return Check{Name: "memory", Status: Fail, Detail: fmt.Sprintf("%s available to the engine; this stack's services need about %s", gib(uint64(res.MemTotal)), gib(uint64(need.MemoryBytes))),
			Fix: "give Docker more memory (Docker Desktop: Settings > Resources > Memory) or use a bigger machine"}
	}
	return Check{Name: "memory", Status: Pass, Detail: fmt.Sprintf("%s available to the engine, %d CPUs", gib(uint64(res.MemTotal)), res.NCPU)}
}

// portChecks checks that the host ports the stack publishes are free, or
// already held by the stack itself.
func portChecks(ctx context.Context, eng *engine.Client, engineUp bool, p *engine.Project, listen func(string, string) (io.Closer, error)) []Check {
	if engineUp && !eng.IsLocal() {
		return []Check{{Name: "ports", Status: Skip, Detail: "the engine is remote: its ports are on " + eng.API.DaemonHost()}}
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
				out = append(out, Check{Name: name, Status: Pass, Detail: fmt.Sprintf("held by this stack's %s (%s)", svc, pt)})
				continue
			}
			network := "tcp"
			if pt.Protocol == "udp" {
				network = "udp"
			}
			addr := net.JoinHostPort(pt.HostIP, port)
			l, err := listen(network, addr)
			if err != nil {
				out = append(out, Check{Name: name, Status: Fail,
					Detail: fmt.Sprintf("%s (%s %s) is in use by another program", addr, s.Name, pt),
					Fix:    fmt.Sprintf("find it with \"sudo ss -ltnp 'sport = :%s'\" and stop it, or publish %s on another port (compose.yaml / stackgen new --force with another port)", port, s.Name)})
				continue
			}
			l.Close()
			out = append(out, Check{Name: name, Status: Pass, Detail: fmt.Sprintf("%s is free (%s)", addr, s.Name)})
		}
	}
	if len(out) == 0 {
		out = append(out, Check{Name: "ports", Status: Pass, Detail: "the stack publishes no host port"})
	}
	return out
}
