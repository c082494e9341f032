package golden

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/google/go-cmp/cmp"

	"github.com/stackgen/stackgen/render"
	"github.com/stackgen/stackgen/stack"
	"github.com/stackgen/stackgen/stacks"
	"github.com/stackgen/stackgen/swarm"
)

// swarmCases are the stack files pinned byte for byte, one per stack (and
// the MariaDB variant, whose health check reads no password): each is the
// golden project of the same name, converted by `stackgen export swarm`.
var swarmCases = []struct {
	name    string
	stack   string
	answers stack.Answers
}{
	{"django-defaults", "django-uwsgi", nil},
	{"django-mariadb", "django-uwsgi", stack.Answers{"db": "mariadb"}},
	{"onyx-defaults", "onyx", nil},
	// the stack file's header and notes follow the project's lang answer
	{"django-zh", "django-uwsgi", stack.Answers{"lang": "zh"}},
	{"keras-baked-public", "keras-webpy", stack.Answers{"bake_model": "true", "bind_address": "0.0.0.0"}},
}

func TestSwarmStackFiles(t *testing.T) {
	reg := stacks.Registry()
	for _, c := range swarmCases {
		t.Run(c.name, func(t *testing.T) {
			d, err := reg.Lookup(c.stack)
			if err != nil {
				t.Fatal(err)
			}
			set, answers, err := render.Project(d, c.answers, render.Options{Rand: fixedRand(), Version: "golden"})
			if err != nil {
				t.Fatal(err)
			}
			res, err := swarm.Convert(swarm.Input{Def: d, Answers: answers, Files: set, Name: "golden"})
			if err != nil {
				t.Fatal(err)
			}
			file := filepath.Join("testdata", "swarm", c.name+".stack.yaml"+ext)
			if *update {
				if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(file, res.StackFile, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("%v (run `go test ./golden -update` to create it)", err)
			}
			if diff := cmp.Diff(strings.Split(strings.ReplaceAll(string(want), "\r\n", "\n"), "\n"), strings.Split(string(res.StackFile), "\n")); diff != "" {
				t.Errorf("%s differs from golden (-golden +converted); if intended, run `go test ./golden -update`:\n%s", file, diff)
			}
			// No secret of .env in the stack file, in any form.
			env, _ := set.Get(".env")
			for _, s := range d.Secrets {
				for _, line := range strings.Split(string(env.Content), "\n") {
					if v, ok := strings.CutPrefix(line, s.Key+"="); ok {
						v = strings.Trim(v, "'")
						if len(v) >= 8 && bytes.Contains(res.StackFile, []byte(v)) {
							t.Errorf("the value of %s is in the stack file", s.Key)
						}
					}
				}
			}
			loadStackFile(t, res.StackFile)
			dockerStackConfig(t, res.StackFile)
		})
	}
}

// loadStackFile loads the stack file with the Compose spec's loader with
// no environment at all: a stack file that still needed .env would fail
// here on its first ${VAR:?}. It also checks the Swarm fields came through.
func loadStackFile(t *testing.T, b []byte) {
	t.Helper()
	p, err := loader.LoadWithContext(context.Background(), types.ConfigDetails{
		WorkingDir:  "/nonexistent",
		ConfigFiles: []types.ConfigFile{{Filename: "/nonexistent/stack.yaml", Content: b}},
		Environment: map[string]string{},
	}, func(o *loader.Options) { o.SetProjectName("golden", true) })
	if err != nil {
		t.Fatalf("compose-go cannot load the stack file: %v", err)
	}
	published := 0
	for name, s := range p.Services {
		if s.Deploy == nil || s.Deploy.RestartPolicy == nil {
			t.Errorf("service %s has no deploy.restart_policy", name)
		}
		if s.Deploy != nil && s.Deploy.Mode != "replicated-job" && s.Deploy.UpdateConfig == nil {
			t.Errorf("service %s has no update_config", name)
		}
		if len(s.DependsOn) > 0 || s.Build != nil || s.Restart != "" {
			t.Errorf("service %s keeps compose-only keys (depends_on, build, restart)", name)
		}
		for _, v := range s.Volumes {
			if v.Type == types.VolumeTypeBind {
				t.Errorf("service %s bind-mounts %s, which does not exist on other nodes", name, v.Source)
			}
		}
		for _, e := range s.Environment {
			if e != nil && strings.Contains(*e, "${") {
				t.Errorf("service %s: unresolved variable in %q", name, *e)
			}
		}
		if len(s.Ports) > 0 {
			published++
			if s.Deploy.Labels["dev.stackgen.role"] == swarm.RoleData {
				t.Errorf("stateful service %s publishes a port", name)
			}
		}
	}
	if published != 1 {
		t.Errorf("%d services publish ports, want exactly the proxy", published)
	}
}

// dockerStackConfig runs the Docker CLI's own stack loader when a CLI that
// has `docker stack config` is on PATH (it needs no engine).
func dockerStackConfig(t *testing.T, b []byte) {
	t.Helper()
	if _, err := exec.LookPath("docker"); err != nil {
		t.Log("docker CLI not on PATH: `docker stack config` not run (compose-go loaded the file)")
		return
	}
	f := filepath.Join(t.TempDir(), "stack.yaml")
	if err := os.WriteFile(f, b, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "docker", "stack", "config", "-c", f)
	cmd.Env = append(os.Environ(), "DOCKER_HOST=unix:///nonexistent.sock")
	out, err := cmd.CombinedOutput()
	if err != nil {
		if strings.Contains(string(out), "unknown command") || strings.Contains(string(out), "is not a docker command") {
			t.Logf("this docker CLI has no `stack config`: not run (%s)", strings.TrimSpace(string(out)))
			return
		}
		t.Fatalf("docker stack config refuses the stack file: %v\n%s", err, out)
	}
}
