package swarm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stackgen/stackgen/engine"
)

// fakeEngine records the calls Up makes, in order.
type fakeEngine struct {
	calls   []string
	inSwarm bool
	waitErr error
	labels  map[string]string
}

func (f *fakeEngine) call(s string) { f.calls = append(f.calls, s) }

func (f *fakeEngine) SwarmState(context.Context) (engine.SwarmNode, error) {
	f.call("state")
	if !f.inSwarm {
		return engine.SwarmNode{}, fmt.Errorf("%w: join one", engine.ErrNoSwarm)
	}
	return engine.SwarmNode{NodeID: "n1", Manager: true, Nodes: 1}, nil
}
func (f *fakeEngine) SwarmInit(context.Context) error { f.call("init"); f.inSwarm = true; return nil }
func (f *fakeEngine) LoadProject(_ context.Context, dir string) (*engine.ComposeProject, error) {
	return &engine.ComposeProject{Dir: dir, Services: []engine.Service{{Name: "web", Image: "site-web:1.0", Build: true}, {Name: "db", Image: "mysql:8.4"}}}, nil
}
func (f *fakeEngine) Build(context.Context, *engine.ComposeProject, string, io.Writer, io.Writer) error {
	f.call("build")
	return nil
}
func (f *fakeEngine) ImageID(_ context.Context, ref string) (string, error) {
	return "sha256:" + ref, nil
}
func (f *fakeEngine) PushImage(_ context.Context, ref, registry string, _ io.Writer) (string, error) {
	f.call("push:" + ref + "->" + registry)
	return registry + "/site-web@sha256:0123", nil
}
func (f *fakeEngine) EnsureSecrets(_ context.Context, _ string, objs []engine.SwarmObject) ([]string, error) {
	f.call(fmt.Sprintf("secrets:%d", len(objs)))
	return nil, nil
}
func (f *fakeEngine) EnsureConfigs(_ context.Context, _ string, objs []engine.SwarmObject) ([]string, error) {
	f.call(fmt.Sprintf("configs:%d", len(objs)))
	return nil, nil
}
func (f *fakeEngine) EnsureNodeLabel(_ context.Context, label, node, self string) (string, error) {
	f.call("label:" + label + "@" + self)
	return "host1", nil
}
func (f *fakeEngine) StackDeploy(_ context.Context, file, stack string, _, _ io.Writer) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	if !strings.Contains(string(b), "dev.stackgen.image-id: sha256:site-web:1.0") {
		return errors.New("the deployed stack file lacks the built image's ID label")
	}
	f.call("deploy:" + stack)
	return nil
}
func (f *fakeEngine) WaitSwarm(_ context.Context, o engine.SwarmWaitOptions) ([]engine.SwarmService, error) {
	f.call("wait:" + strings.Join(o.Services, ","))
	return nil, f.waitErr
}
func (f *fakeEngine) PruneObjects(_ context.Context, _ string, keep map[string]bool) ([]string, error) {
	f.call(fmt.Sprintf("prune:keep%d", len(keep)))
	return nil, nil
}
func (f *fakeEngine) StackServices(context.Context, string) ([]engine.SwarmService, error) {
	return nil, nil
}
func (f *fakeEngine) ServiceLogs(context.Context, string, string, bool, string, io.Writer) error {
	return nil
}
func (f *fakeEngine) RemoveStack(context.Context, string, bool) ([]string, error) { return nil, nil }

func testProject(t *testing.T) *ProjectDir {
	in := renderStack(t, "django-uwsgi", nil)
	return &ProjectDir{Dir: t.TempDir(), Name: in.Name, Def: in.Def, Answers: in.Answers, Files: in.Files}
}

func TestUp(t *testing.T) {
	want := "state build secrets:5 configs:4 label:stackgen.site.data@n1 deploy:site wait:db,redis,web,web-migrate,nginx prune:keep9"
	cases := []struct {
		name    string
		inSwarm bool
		init    bool
		waitErr error
		calls   string
		err     string
	}{
		{"in a swarm", true, false, nil, want, ""},
		{"no swarm, --init", false, true, nil, "state init " + want, ""},
		{"no swarm", false, false, nil, "state", "not part of a swarm"},
		// A failed wait keeps the old secrets and configs: the rolled-back
		// tasks still use them.
		{"wait fails", true, false, &engine.SwarmWaitError{}, strings.TrimSuffix(want, " prune:keep9"), ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := testProject(t)
			f := &fakeEngine{inSwarm: c.inSwarm, waitErr: c.waitErr}
			_, err := Up(context.Background(), f, p, UpOptions{Init: c.init})
			if got := strings.Join(f.calls, " "); got != c.calls {
				t.Errorf("calls:\n  %s\nwant\n  %s", got, c.calls)
			}
			switch {
			case c.waitErr != nil:
				if !errors.Is(err, c.waitErr) {
					t.Errorf("error %v, want the wait's", err)
				}
			case c.err != "":
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Errorf("error %v, want %q", err, c.err)
				}
			case err != nil:
				t.Fatal(err)
			}
			if c.err == "" {
				if _, err := os.Stat(filepath.Join(p.Dir, DefaultFile)); err != nil {
					t.Errorf("no stack file written: %v", err)
				}
			}
		})
	}
}

// With --registry the built images are pushed and the stack file names
// them by digest.
func TestUpPushesToTheRegistry(t *testing.T) {
	p := testProject(t)
	f := &fakeEngine{inSwarm: true}
	res, err := Up(context.Background(), f, p, UpOptions{Registry: "10.0.0.1:5000"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(f.calls, " "), "push:site-web:1.0->10.0.0.1:5000") {
		t.Errorf("calls %v", f.calls)
	}
	b, _ := os.ReadFile(res.StackFile)
	if !strings.Contains(string(b), "image: 10.0.0.1:5000/site-web@sha256:0123") {
		t.Errorf("the stack file does not name the pushed digest")
	}
}

func TestUpRefusesBeforeTouchingTheEngine(t *testing.T) {
	p := testProject(t)
	p.Answers["publish_db"] = "true"
	f := &fakeEngine{inSwarm: true}
	if _, err := Up(context.Background(), f, p, UpOptions{}); err == nil || !strings.Contains(err.Error(), "publish_db") {
		t.Fatalf("error %v, want the publish_db refusal", err)
	}
	if len(f.calls) != 0 {
		t.Errorf("the engine was called: %v", f.calls)
	}
}
