// Package statuscmd is `stackgen status`: each service of a stack with its
// container's state, health, exit code and published ports.
package statuscmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/stackgen/stackgen/cmd/stackgen/cmdutil"
	"github.com/stackgen/stackgen/engine"
	"github.com/stackgen/stackgen/internal/msg"
)

// Options are status's inputs.
type Options struct {
	// Swarm acts on the stack deployed with up --swarm (swarm.go).
	Swarm  bool
	IO     *cmdutil.IOStreams
	Engine func() (*engine.Client, error)
	Now    func() time.Time
	Dir    string
	JSON   bool
}

// NewCmdStatus builds the command; runF replaces the work in tests.
func NewCmdStatus(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Engine: f.Engine, Now: f.Now}
	cmd := &cobra.Command{
		Use:     "status [dir]",
		Short:   f.IO.L.T("cmd.status.short"),
		Args:    cobra.MaximumNArgs(1),
		Example: f.IO.L.T("status.example"),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir, err := cmdutil.DirArg(cmd, args)
			if err != nil {
				return err
			}
			opts.Dir = dir
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			if opts.Swarm {
				return runSwarm(cmd.Context(), opts)
			}
			return run(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Swarm, "swarm", false, f.IO.L.T("status.flag.swarm"))
	cmd.Flags().BoolVar(&opts.JSON, "json", false, f.IO.L.T("status.flag.json"))
	cmdutil.AddDirFlag(cmd, f.IO.L)
	return cmd
}

// Row is one container (or a service without one) in the output.
type Row struct {
	Service   string    `json:"service"`
	Container string    `json:"container,omitempty"`
	State     string    `json:"state"`
	Health    string    `json:"health,omitempty"`
	ExitCode  *int      `json:"exit_code,omitempty"`
	Ports     []string  `json:"ports,omitempty"`
	StartedAt time.Time `json:"started_at,omitzero"`
	Image     string    `json:"image,omitempty"`
}

// Output is the JSON document status prints.
type Output struct {
	Project  string `json:"project"`
	Dir      string `json:"dir"`
	Services []Row  `json:"services"`
	// Warning is set when compose could not load the project and the
	// project name was guessed.
	Warning string `json:"warning,omitempty"`
	// warning is Warning as a catalogue message, to print in the reader's
	// language (the JSON keeps the English)
	warning error
}

func run(ctx context.Context, opts *Options) error {
	eng, err := engine.Connect(ctx, opts.Engine)
	if err != nil {
		return err
	}
	out := Output{}
	p, err := eng.LoadProject(ctx, opts.Dir)
	if err != nil {
		var ce *engine.ConfigError
		if !errors.As(err, &ce) {
			return err
		}
		// Still show what runs: status matters most when something is wrong.
		p = engine.GuessProject(opts.Dir)
		if p.Name == "" {
			// No name to look containers up by (a folder named 我的网站 and
			// no name: in compose.yaml): say so rather than list nothing.
			return engine.WithHints(opts.Dir, err)
		}
		out.warning = msg.Err("status.warn.guessed", msg.Args{"Err": err, "Project": strconv.Quote(p.Name)})
		out.Warning = out.warning.Error()
	}
	out.Project, out.Dir = p.Name, p.Dir
	services, err := eng.Status(ctx, p)
	if err != nil {
		return err
	}
	for _, s := range services {
		if len(s.Containers) == 0 {
			out.Services = append(out.Services, Row{Service: s.Service, State: "not created"})
			continue
		}
		for _, c := range s.Containers {
			r := Row{Service: s.Service, Container: c.Name, State: c.State, Health: c.Health,
				Ports: c.Ports, StartedAt: c.StartedAt, Image: c.Image}
			if c.State == "exited" || c.State == "dead" {
				code := c.ExitCode
				r.ExitCode = &code
			}
			out.Services = append(out.Services, r)
		}
	}
	if opts.JSON {
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	if out.warning != nil {
		fmt.Fprintln(opts.IO.ErrOut, opts.IO.L.T("status.warning", msg.Args{"Text": out.warning}))
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	if len(out.Services) == 0 {
		fmt.Fprintln(opts.IO.ErrOut, opts.IO.L.T("status.empty", msg.Args{"Project": out.Project, "Dir": out.Dir}))
		return nil
	}
	printTable(opts.IO.Out, opts.IO.L, out, now())
	return nil
}

func printTable(w io.Writer, l *msg.Localizer, out Output, now time.Time) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, l.T("status.header"))
	for _, r := range out.Services {
		state := r.State
		switch {
		case r.ExitCode != nil:
			state = fmt.Sprintf("exited (%d)", *r.ExitCode)
		case r.State == "running" && !r.StartedAt.IsZero():
			state = "running " + age(now.Sub(r.StartedAt))
		}
		health := r.Health
		if health == "" {
			health = "-"
		}
		ports := strings.Join(r.Ports, ", ")
		if ports == "" {
			ports = "-"
		}
		container := r.Container
		if container == "" {
			container = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Service, state, health, ports, container)
	}
	tw.Flush()
}

// age is a short duration: 45s, 12m, 3h, 2d.
func age(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}
