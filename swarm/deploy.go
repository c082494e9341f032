package swarm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/stackgen/stackgen/engine"
	"github.com/stackgen/stackgen/fileset"
	"github.com/stackgen/stackgen/project"
	"github.com/stackgen/stackgen/stack"
	"github.com/stackgen/stackgen/stacks"

	"github.com/stackgen/stackgen/internal/msg"
)

// Engine is what the orchestration needs from the engine package
// (*engine.Client); tests fake it.
type Engine interface {
	SwarmState(ctx context.Context) (engine.SwarmNode, error)
	SwarmInit(ctx context.Context) error
	LoadProject(ctx context.Context, dir string) (*engine.ComposeProject, error)
	Build(ctx context.Context, p *engine.ComposeProject, progress string, stdout, stderr io.Writer) error
	ImageID(ctx context.Context, ref string) (string, error)
	PushImage(ctx context.Context, ref, registry string, out io.Writer) (string, error)
	EnsureSecrets(ctx context.Context, stack string, objs []engine.SwarmObject) ([]string, error)
	EnsureConfigs(ctx context.Context, stack string, objs []engine.SwarmObject) ([]string, error)
	EnsureNodeLabel(ctx context.Context, label, node, self string) (string, error)
	StackDeploy(ctx context.Context, file, stack string, stdout, stderr io.Writer) error
	WaitSwarm(ctx context.Context, opts engine.SwarmWaitOptions) ([]engine.SwarmService, error)
	PruneObjects(ctx context.Context, stack string, keep map[string]bool) ([]string, error)
	StackServices(ctx context.Context, stack string) ([]engine.SwarmService, error)
	ServiceLogs(ctx context.Context, stack, service string, follow bool, tail string, w io.Writer) error
	RemoveStack(ctx context.Context, stack string, volumes bool) ([]string, error)
}

var _ Engine = (*engine.Client)(nil)

// ProjectDir is a project directory read for conversion.
type ProjectDir struct {
	Dir     string
	Name    string
	Def     *stack.Definition
	Answers stack.Answers
	Files   fileset.Set
}

// LoadProject reads dir: its files, its manifest's stack (if any) and the
// stack name on the swarm (the compose project's name).
func LoadProject(dir string, reg *stack.Registry) (*ProjectDir, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	files, err := fileset.ReadDir(abs)
	if err != nil {
		return nil, err
	}
	p := &ProjectDir{Dir: abs, Name: engine.GuessProject(abs).Name, Files: files}
	m, err := project.LoadManifest(abs)
	switch {
	case errors.Is(err, project.ErrNoManifest):
		return p, nil
	case err != nil:
		return nil, err
	}
	if reg == nil {
		reg = stacks.Registry()
	}
	def, err := reg.Lookup(m.Stack)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", project.ManifestName, err)
	}
	p.Def, p.Answers = def, m.AnswersOf()
	return p, nil
}

// Options are the answers a conversion takes beyond the project.
type Options struct {
	Replicas    int
	Encrypt     bool
	PublishMode string
}

// Export converts the project; the caller writes the stack file.
func Export(p *ProjectDir, o Options) (*Result, error) {
	return Convert(Input{Def: p.Def, Answers: p.Answers, Files: p.Files, Name: p.Name, Replicas: o.Replicas, Encrypt: o.Encrypt, PublishMode: o.PublishMode})
}

// builtImages returns the local image IDs of the services compose builds.
func builtImages(ctx context.Context, eng Engine, cp *engine.ComposeProject) (map[string]string, error) {
	ids := map[string]string{}
	for _, s := range cp.Services {
		if !s.Build || s.Image == "" {
			continue
		}
		id, err := eng.ImageID(ctx, s.Image)
		if err != nil {
			return nil, msg.Err("swarm.err.not-built", msg.Args{"Service": s.Name, "Err": err})
		}
		ids[s.Name] = id
	}
	return ids, nil
}

// WriteStackFile writes b to path (relative to the project's dir) with
// mode 0644: it holds no secret.
func WriteStackFile(dir, path string, b []byte) (string, error) {
	if !filepath.IsAbs(path) {
		path = filepath.Join(dir, path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return "", err
	}
	return path, os.Rename(tmp, path)
}

// UpOptions drive one deploy.
type UpOptions struct {
	Options
	// Init makes a single-node swarm when the engine is in none.
	Init bool
	// DataNode names the node the stateful services are pinned to
	// (default: the one already labelled, else this one).
	DataNode string
	NoBuild  bool
	// Registry (HOST[:PORT]) receives the built images; the stack file
	// then names them by digest, so every node pulls the same image.
	Registry string
	Timeout  time.Duration
	// Log receives the steps, one line each, in L's language (English
	// when L is nil).
	Log io.Writer
	L   *msg.Localizer
	// Output receives docker's own output (build, stack deploy).
	Output   io.Writer
	OnChange func(engine.SwarmService)
	Now      func() time.Time
}

// UpResult is a successful deploy.
type UpResult struct {
	StackFile string
	Services  []engine.SwarmService
	Pruned    []string
	// Ready is how long the deploy took, from the stack deploy to ready.
	Ready time.Duration
}

// Up converts, creates the secrets and configs, labels the data node,
// deploys and waits; old secrets and configs go once the update is done.
func Up(ctx context.Context, eng Engine, p *ProjectDir, o UpOptions) (*UpResult, error) {
	now := o.Now
	if now == nil {
		now = time.Now
	}
	logf := func(id string, args ...msg.Args) {
		if o.Log != nil {
			fmt.Fprintln(o.Log, o.L.T(id, args...))
		}
	}
	if _, err := Export(p, o.Options); err != nil {
		return nil, err // refuse before touching the engine
	}
	node, err := eng.SwarmState(ctx)
	if errors.Is(err, engine.ErrNoSwarm) && o.Init {
		logf("swarm.log.init")
		if err := eng.SwarmInit(ctx); err != nil {
			return nil, msg.Err("swarm.err.init", msg.Args{"Err": err})
		}
		node, err = eng.SwarmState(ctx)
	}
	if err != nil {
		return nil, err
	}
	if node.Nodes > 1 && o.Registry == "" {
		logf("swarm.log.images-here", msg.Args{"Nodes": node.Nodes})
	}
	cp, err := eng.LoadProject(ctx, p.Dir)
	if err != nil {
		return nil, err
	}
	if !o.NoBuild {
		logf("swarm.log.build")
		out := o.Output
		if out == nil {
			out = io.Discard
		}
		if err := eng.Build(ctx, cp, "plain", out, out); err != nil {
			return nil, msg.Err("swarm.err.build", msg.Args{"Err": err})
		}
	}
	ids, err := builtImages(ctx, eng, cp)
	if err != nil {
		return nil, err
	}
	refs := map[string]string{}
	if o.Registry != "" {
		for _, s := range cp.Services {
			if _, built := ids[s.Name]; !built {
				continue
			}
			logf("swarm.log.push", msg.Args{"Image": s.Image, "Registry": o.Registry})
			ref, err := eng.PushImage(ctx, s.Image, o.Registry, o.Output)
			if err != nil {
				return nil, err
			}
			refs[s.Name] = ref
		}
	}
	res, err := Convert(Input{Def: p.Def, Answers: p.Answers, Files: p.Files, Name: p.Name, Replicas: o.Replicas, Encrypt: o.Encrypt, PublishMode: o.PublishMode, ImageIDs: ids, Images: refs})
	if err != nil {
		return nil, err
	}
	file, err := WriteStackFile(p.Dir, DefaultFile, res.StackFile)
	if err != nil {
		return nil, err
	}
	keep := map[string]bool{}
	var secrets, configs []engine.SwarmObject
	for _, s := range res.Secrets {
		secrets = append(secrets, engine.SwarmObject{Name: s.Name, Data: s.Data, Labels: map[string]string{"dev.stackgen.key": s.Key}})
		keep[s.Name] = true
	}
	for _, s := range res.Configs {
		configs = append(configs, engine.SwarmObject{Name: s.Name, Data: s.Data, Labels: map[string]string{"dev.stackgen.key": s.Key}})
		keep[s.Name] = true
	}
	if _, err := eng.EnsureSecrets(ctx, p.Name, secrets); err != nil {
		return nil, err
	}
	if _, err := eng.EnsureConfigs(ctx, p.Name, configs); err != nil {
		return nil, err
	}
	for _, s := range res.Services {
		if s.Role == RoleData {
			host, err := eng.EnsureNodeLabel(ctx, res.DataLabel, o.DataNode, node.NodeID)
			if err != nil {
				return nil, err
			}
			logf("swarm.log.pinned", msg.Args{"Node": host, "Label": res.DataLabel})
			break
		}
	}
	start := now()
	logf("swarm.log.deploy", msg.Args{"Stack": p.Name})
	out := o.Output
	if out == nil {
		out = io.Discard
	}
	if err := eng.StackDeploy(ctx, file, p.Name, out, out); err != nil {
		return nil, msg.Err("swarm.err.stack-deploy", msg.Args{"Err": err})
	}
	timeout := o.Timeout
	if timeout == 0 {
		timeout = 10 * time.Minute
	}
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var names []string
	for _, s := range res.Services {
		names = append(names, s.Name)
	}
	states, err := eng.WaitSwarm(wctx, engine.SwarmWaitOptions{Stack: p.Name, Services: names, Since: start.Add(-time.Second), OnChange: o.OnChange})
	if err != nil {
		return &UpResult{StackFile: file, Services: states}, err
	}
	pruned, err := eng.PruneObjects(ctx, p.Name, keep)
	if err != nil {
		logf("swarm.log.prune-failed", msg.Args{"Err": err})
	}
	return &UpResult{StackFile: file, Services: states, Pruned: pruned, Ready: now().Sub(start)}, nil
}

// Status lists the stack's services.
func Status(ctx context.Context, eng Engine, p *ProjectDir) ([]engine.SwarmService, error) {
	return eng.StackServices(ctx, p.Name)
}

// Logs streams one service's logs.
func Logs(ctx context.Context, eng Engine, p *ProjectDir, service string, follow bool, tail string, w io.Writer) error {
	return eng.ServiceLogs(ctx, p.Name, service, follow, tail, w)
}

// Down removes the stack (its volumes on this node too, with volumes).
func Down(ctx context.Context, eng Engine, p *ProjectDir, volumes bool) ([]string, error) {
	return eng.RemoveStack(ctx, p.Name, volumes)
}
