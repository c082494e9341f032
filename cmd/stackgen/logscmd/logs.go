// Package logscmd is `stackgen logs`: the logs of a stack's services,
// through the Engine API.
package logscmd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/spf13/cobra"

	"github.com/stackgen/stackgen/cmd/stackgen/cmdutil"
	"github.com/stackgen/stackgen/engine"
	"github.com/stackgen/stackgen/internal/msg"
)

// Options are logs's inputs.
type Options struct {
	// Swarm acts on the stack deployed with up --swarm (swarm.go).
	Swarm      bool
	IO         *cmdutil.IOStreams
	Engine     func() (*engine.Client, error)
	Dir        string
	Service    string
	Follow     bool
	Tail       string
	Timestamps bool
}

// NewCmdLogs builds the command; runF replaces the work in tests.
func NewCmdLogs(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Engine: f.Engine}
	cmd := &cobra.Command{
		Use:     "logs [dir] [service]",
		Short:   f.IO.L.T("cmd.logs.short"),
		Long:    f.IO.L.T("logs.long"),
		Example: f.IO.L.T("logs.example"),
		Args:    cobra.MaximumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Dir = "."
			if f := cmd.Flags().Lookup(cmdutil.DirFlag); f.Changed {
				// --dir names the project: the arguments are services.
				if len(args) > 1 {
					return &cmdutil.FlagError{Err: opts.IO.L.Errorf("logs.err.dir-services")}
				}
				opts.Dir = f.Value.String()
				if len(args) == 1 {
					opts.Service = args[0]
				}
				args = nil
			}
			switch len(args) {
			case 1:
				if isDir(args[0]) {
					opts.Dir = args[0]
				} else {
					opts.Service = args[0]
				}
			case 2:
				opts.Dir, opts.Service = args[0], args[1]
			}
			if opts.Tail != "all" {
				var n int
				if _, err := fmt.Sscan(opts.Tail, &n); err != nil || n < 0 {
					return &cmdutil.FlagError{Err: f.IO.L.Errorf("logs.err.tail", msg.Args{"Value": fmt.Sprintf("%q", opts.Tail)})}
				}
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			if opts.Swarm {
				return runSwarm(cmd.Context(), opts)
			}
			return run(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&opts.Swarm, "swarm", false, f.IO.L.T("logs.flag.swarm"))
	fl.BoolVarP(&opts.Follow, "follow", "f", false, f.IO.L.T("logs.flag.follow"))
	fl.StringVarP(&opts.Tail, "tail", "n", "all", f.IO.L.T("logs.flag.tail"))
	fl.BoolVarP(&opts.Timestamps, "timestamps", "t", false, f.IO.L.T("logs.flag.timestamps"))
	cmdutil.AddDirFlag(cmd, f.IO.L)
	return cmd
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

func run(ctx context.Context, opts *Options) error {
	eng, err := engine.Connect(ctx, opts.Engine)
	if err != nil {
		return err
	}
	p, err := eng.LoadProject(ctx, opts.Dir)
	if err != nil {
		var ce *engine.ConfigError
		if !errors.As(err, &ce) {
			return err
		}
		p = engine.GuessProject(opts.Dir)
		fmt.Fprintln(opts.IO.ErrOut, opts.IO.L.T("logs.warning.guess", msg.Args{"Err": err, "Project": fmt.Sprintf("%q", p.Name)}))
	}
	cts, err := eng.ProjectContainers(ctx, p.Name)
	if err != nil {
		return err
	}
	var chosen []engine.Container
	for _, c := range cts {
		if opts.Service == "" || c.Service == opts.Service {
			chosen = append(chosen, c)
		}
	}
	if len(chosen) == 0 {
		if opts.Service != "" {
			if _, ok := p.Service(opts.Service); !ok && len(p.Services) > 0 {
				return msg.Err("logs.err.no-service", msg.Args{"Service": strconv.Quote(opts.Service), "Dir": p.Dir, "Services": strings.Join(p.ServiceNames(), ", ")})
			}
			return msg.Err("logs.err.no-container", msg.Args{"Service": strconv.Quote(opts.Service), "Dir": p.Dir})
		}
		return msg.Err("logs.err.no-containers", msg.Args{"Project": strconv.Quote(p.Name), "Dir": p.Dir})
	}
	lo := engine.LogOptions{Tail: opts.Tail, Follow: opts.Follow, Timestamps: opts.Timestamps}
	// One container: its lines as they are. Several: each line prefixed
	// with its service, as compose does.
	width := 0
	for _, c := range chosen {
		width = max(width, len(label(c, chosen)))
	}
	var mu sync.Mutex
	write := func(c engine.Container, all []engine.Container) *prefixWriter {
		return &prefixWriter{mu: &mu, w: opts.IO.Out, prefix: fmt.Sprintf("%-*s | ", width, label(c, all))}
	}
	if opts.Follow {
		// Follow what the stack becomes, not only what it was: containers
		// compose recreates or scales up are picked up as they start.
		var services []string
		if opts.Service != "" {
			services = []string{opts.Service}
		}
		plain := len(chosen) == 1 && opts.Service != ""
		known := append([]engine.Container(nil), chosen...)
		return eng.FollowLogs(ctx, p.Name, services, lo, func(c engine.Container) (io.Writer, io.Writer) {
			if plain {
				return opts.IO.Out, opts.IO.Out
			}
			mu.Lock()
			seen := false
			for _, k := range known {
				seen = seen || k.ID == c.ID
			}
			if !seen {
				known = append(known, c)
			}
			all := append([]engine.Container(nil), known...)
			mu.Unlock()
			pw := write(c, all)
			return pw, pw
		})
	}
	if len(chosen) == 1 {
		return eng.Logs(ctx, chosen[0].ID, lo, opts.IO.Out, opts.IO.Out)
	}
	for _, c := range chosen {
		pw := write(c, chosen)
		if err := eng.Logs(ctx, c.ID, lo, pw, pw); err != nil {
			return err
		}
		pw.Flush()
	}
	return nil
}

// label names a container by its service, and by its name when a service
// has several.
func label(c engine.Container, all []engine.Container) string {
	n := 0
	for _, o := range all {
		if o.Service == c.Service {
			n++
		}
	}
	if n > 1 {
		return c.Name
	}
	return c.Service
}

// prefixWriter writes whole lines, each with a prefix, under a shared lock
// so lines of several containers never mix.
type prefixWriter struct {
	mu     *sync.Mutex
	w      io.Writer
	prefix string
	buf    []byte
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	p.buf = append(p.buf, b...)
	for {
		i := bytes.IndexByte(p.buf, '\n')
		if i < 0 {
			break
		}
		p.mu.Lock()
		_, err := fmt.Fprintf(p.w, "%s%s\n", p.prefix, p.buf[:i])
		p.mu.Unlock()
		p.buf = p.buf[i+1:]
		if err != nil {
			return len(b), err
		}
	}
	return len(b), nil
}

// Flush writes a last line that had no newline.
func (p *prefixWriter) Flush() {
	if len(p.buf) == 0 {
		return
	}
	p.mu.Lock()
	fmt.Fprintf(p.w, "%s%s\n", p.prefix, p.buf)
	p.mu.Unlock()
	p.buf = nil
}
