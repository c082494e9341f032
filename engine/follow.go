package engine

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/docker/docker/api/types/events"
	"github.com/docker/docker/api/types/filters"

	"github.com/stackgen/stackgen/internal/msg"
)

// LogSink gives the writers for one container's lines; it is called once
// per container (and again when a stopped container is started anew).
type LogSink func(Container) (stdout, stderr io.Writer)

// FollowLogs prints the logs of the project's containers whose service is
// in services (every service when empty) and keeps following them until
// ctx ends, picking up containers created or started after it began: a
// scale-up, a container compose recreated, one the restart policy brought
// back. It returns nil when ctx ends.
func (c *Client) FollowLogs(ctx context.Context, project string, services []string, opts LogOptions, sink LogSink) error {
	want := func(svc string) bool {
		if len(services) == 0 {
			return true
		}
		for _, s := range services {
			if s == svc {
				return true
			}
		}
		return false
	}
	// The log streams end with ctx; the event subscription may be renewed.
	f := &follower{c: c, opts: opts, sink: sink, active: map[string]bool{}}
	defer f.wg.Wait()
	sub := &starts{c: c, project: project}
	defer sub.stop()
	msgs, errs := sub.start(ctx)
	cts, err := c.ProjectContainers(ctx, project)
	if err != nil {
		return err
	}
	for _, ct := range cts {
		if want(ct.Service) {
			f.follow(ctx, ct, opts.Tail, time.Time{})
		}
	}
	lost := 0
	for {
		select {
		case <-ctx.Done():
			return nil
		case m := <-msgs:
			if strings.EqualFold(m.Actor.Attributes[LabelOneoff], "true") || !want(m.Actor.Attributes[LabelService]) {
				continue
			}
			ct, err := c.Inspect(ctx, m.Actor.ID)
			if err != nil {
				if isNotFound(err) {
					continue
				}
				return err
			}
			f.started(ctx, ct)
		case err := <-errs:
			if ctx.Err() != nil {
				return nil
			}
			lost++
			if lost > 3 {
				return msg.Err("engine.err.events-lost", msg.Args{"Err": err})
			}
			msgs, errs = sub.start(ctx)
		}
	}
}

// starts is a subscription to a project's container starts.
type starts struct {
	c       *Client
	project string
	cancel  context.CancelFunc
}

func (s *starts) start(ctx context.Context) (<-chan events.Message, <-chan error) {
	s.stop()
	sctx, cancel := context.WithCancel(ctx)
	s.cancel = cancel
	since := s.c.now().Add(-time.Second)
	return s.c.API.Events(sctx, events.ListOptions{
		Since: fmt.Sprintf("%d.%09d", since.Unix(), since.Nanosecond()),
		Filters: filters.NewArgs(
			filters.Arg("type", string(events.ContainerEventType)),
			filters.Arg("label", LabelProject+"="+s.project),
			filters.Arg("event", string(events.ActionStart)),
		),
	})
}

func (s *starts) stop() {
	if s.cancel != nil {
		s.cancel()
		s.cancel = nil
	}
}

type follower struct {
	c    *Client
	opts LogOptions
	sink LogSink
	wg   sync.WaitGroup
	mu   sync.Mutex
	// active: a log stream is open for the container; known: it had one.
	active map[string]bool
}

// started takes in a container the engine (re)started: a new one shows
// everything it wrote, a known one what it wrote since this start.
func (f *follower) started(ctx context.Context, ct Container) {
	f.mu.Lock()
	_, known := f.active[ct.ID]
	f.mu.Unlock()
	if known {
		f.follow(ctx, ct, "all", ct.StartedAt)
		return
	}
	f.follow(ctx, ct, "all", time.Time{})
}

// follow opens a log stream for ct unless one is open. When the stream
// ends (the container stopped) and the container runs again, it follows
// the new start, whether or not its start event was seen while the old
// stream was still open.
func (f *follower) follow(ctx context.Context, ct Container, tail string, since time.Time) {
	f.mu.Lock()
	if f.active[ct.ID] {
		f.mu.Unlock()
		return
	}
	f.active[ct.ID] = true
	f.mu.Unlock()
	stdout, stderr := f.sink(ct)
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		o := f.opts
		o.Follow, o.Tail, o.Since = true, tail, since
		_ = f.c.Logs(ctx, ct.ID, o, stdout, stderr)
		if fl, ok := stdout.(interface{ Flush() }); ok {
			fl.Flush()
		}
		f.mu.Lock()
		f.active[ct.ID] = false
		f.mu.Unlock()
		if ctx.Err() != nil {
			return
		}
		now, err := f.c.Inspect(ctx, ct.ID)
		if err == nil && now.State == "running" && now.StartedAt.After(ct.StartedAt) {
			f.follow(ctx, now, "all", now.StartedAt)
		}
	}()
}
