package doctorcmd

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/registry"
	"github.com/docker/docker/api/types/system"

	"github.com/stackgen/stackgen/cmd/stackgen/cmdutil"
	"github.com/stackgen/stackgen/engine"
	"github.com/stackgen/stackgen/engine/enginetest"
	"github.com/stackgen/stackgen/internal/currency"
	"github.com/stackgen/stackgen/project"
	"github.com/stackgen/stackgen/stack"
	"github.com/stackgen/stackgen/stacks"
)

const configJSON = `{"name":"site","services":{"nginx":{"image":"nginx:1.26","ports":[{"host_ip":"127.0.0.1","target":80,"published":"8080","protocol":"tcp"}]},
"web":{"image":"web:1","ports":[{"target":8000,"published":"8000","protocol":"tcp"}]}}}`

type closer struct{}

func (closer) Close() error { return nil }

func options(t *testing.T, api *enginetest.API, busy string) *Options {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "compose.yaml"), []byte("services: {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ios, _, _, _ := cmdutil.Test()
	runner := &enginetest.Runner{Answer: enginetest.Compose(configJSON, nil)}
	return &Options{IO: ios, Dir: dir,
		Engine: func() (*engine.Client, error) { return &engine.Client{API: api, Compose: runner}, nil },
		Listen: func(network, addr string) (io.Closer, error) {
			if addr == busy {
				return nil, errors.New("bind: address already in use")
			}
			return closer{}, nil
		},
		FreeBytes: func(string) (uint64, error) { return 40 << 30, nil },
	}
}

func byName(checks []Check) map[string]Check {
	m := map[string]Check{}
	for _, c := range checks {
		m[c.Name] = c
	}
	return m
}

func TestDoctorAllGood(t *testing.T) {
	api := &enginetest.API{}
	api.ImageInspectFn = func(context.Context, string) (image.InspectResponse, error) {
		return image.InspectResponse{ID: "sha256:1"}, nil
	}
	api.Up()
	api.SetContainers()
	api.InfoFn = func(context.Context) (system.Info, error) {
		return system.Info{MemTotal: 8 << 30, NCPU: 4, DockerRootDir: "/var/lib/docker"}, nil
	}
	opts := options(t, api, "")
	if err := run(context.Background(), opts); err != nil {
		t.Fatalf("%v\n%s", err, opts.IO.Out)
	}
	got := byName(Checks(context.Background(), opts))
	for name, want := range map[string]string{
		"engine": "Docker Engine 20.10.24 (API 1.41)", "compose": "Docker Compose 2.26.1", "buildx": "buildx 0.13.1",
		"disk": "40.0 GiB free under /var/lib/docker", "memory": "8.0 GiB available to the engine, 4 CPUs",
		"port 8080": "127.0.0.1:8080 is free (nginx)", "port 8000": ":8000 is free (web)",
		"image nginx:1.26": "present on the engine",
	} {
		if c := got[name]; c.Status != Pass || !strings.Contains(c.Detail, want) {
			t.Errorf("%s: %+v, want ok with %q", name, c, want)
		}
	}
}

func TestDoctorFailsWithTheFix(t *testing.T) {
	api := &enginetest.API{}
	api.PingFn = func(context.Context) (types.Ping, error) { return types.Ping{}, errors.New("connection refused") }
	opts := options(t, api, "127.0.0.1:8080")
	err := run(context.Background(), opts)
	var exit *cmdutil.ExitError
	if !errors.As(err, &exit) || exit.Code != 1 {
		t.Fatalf("error %v, want exit 1", err)
	}
	got := byName(Checks(context.Background(), opts))
	if c := got["engine"]; c.Status != Fail || !strings.Contains(c.Fix, "sudo systemctl start docker") {
		t.Errorf("engine: %+v", c)
	}
	if c := got["disk"]; c.Status != Skip {
		t.Errorf("disk without engine: %+v", c)
	}
	if c := got["port 8080"]; c.Status != Fail || !strings.Contains(c.Fix, "sport = :8080") {
		t.Errorf("port 8080: %+v", c)
	}
	if c := got["port 8000"]; c.Status != Pass {
		t.Errorf("port 8000: %+v", c)
	}
	out := opts.IO.Out.(interface{ String() string }).String()
	if !strings.Contains(out, "FAIL  engine") || !strings.Contains(out, "fix: start the daemon") {
		t.Errorf("report:\n%s", out)
	}
}

func TestDoctorPortHeldByTheStackItself(t *testing.T) {
	api := &enginetest.API{}
	api.Up()
	api.SetContainers(enginetest.Ctr{ID: "n1", Project: "site", Service: "nginx", State: "running", Ports: []string{"127.0.0.1:8080->80/tcp"}})
	api.InfoFn = func(context.Context) (system.Info, error) {
		return system.Info{MemTotal: 8 << 30, DockerRootDir: "/x"}, nil
	}
	opts := options(t, api, "127.0.0.1:8080")
	got := byName(Checks(context.Background(), opts))
	if c := got["port 8080"]; c.Status != Pass || !strings.Contains(c.Detail, "held by this stack's nginx") {
		t.Errorf("port 8080: %+v", c)
	}
}

// A host that cannot pull: doctor must not say ok. The stack's own needs
// (Onyx: 10 GiB of memory, 32 GiB of disk) and the files only the user
// can supply are checked too.
func TestDoctorOfflineHostAndStackNeeds(t *testing.T) {
	api := &enginetest.API{
		ImageInspectFn: func(_ context.Context, ref string) (image.InspectResponse, error) {
			return image.InspectResponse{}, cerrdefs.ErrNotFound
		},
		DistributionFn: func(_ context.Context, ref string) (registry.DistributionInspect, error) {
			return registry.DistributionInspect{}, errors.New(`Get "https://` + engine.RegistryHost(ref) + `/v2/": dial tcp: lookup: no such host`)
		},
	}
	api.Up()
	api.SetContainers()
	api.InfoFn = func(context.Context) (system.Info, error) {
		return system.Info{MemTotal: 8 << 30, NCPU: 4, DockerRootDir: "/var/lib/docker"}, nil
	}
	opts := options(t, api, "")
	answers, err := stacks.Onyx().Resolve(stack.Answers{"https": "true"})
	if err != nil {
		t.Fatal(err)
	}
	m := &project.Manifest{Stack: "onyx", Answers: answers}
	b, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(opts.Dir, project.ManifestName), b, 0o644)
	got := byName(Checks(context.Background(), opts))
	if c := got["image nginx:1.26"]; c.Status != Fail || !strings.Contains(c.Detail, "cannot pull") || !strings.Contains(c.Fix, "--registry-mirror") || !strings.Contains(c.Fix, "deploy --bundle") {
		t.Errorf("image on an offline host: %+v", c)
	}
	if c := got["memory"]; c.Status != Fail || !strings.Contains(c.Detail, "need about 10.0 GiB") {
		t.Errorf("memory for onyx: %+v", c)
	}
	if c := got["image onyxdotapp/onyx-backend:"+answers["onyx_version"]]; c.Status != Fail {
		t.Errorf("the stack's own images are not checked: %+v", c)
	}
	if c := got["disk"]; c.Status != Pass {
		t.Errorf("40 GiB free for onyx's 32: %+v", c)
	}
	if c := got["file docker/nginx/ssl/fullchain.pem"]; c.Status != Fail || !strings.Contains(c.Fix, "ssl") {
		t.Errorf("missing certificate with https: %+v", c)
	}
}

// TestDoctorCurrencyTableAge: doctor says how old the image-currency table
// is by the injected clock, and warns (without failing) past six months.
func TestDoctorCurrencyTableAge(t *testing.T) {
	written, err := time.Parse("2006-01-02", currency.Written)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		now    time.Time
		status Status
		want   string
	}{
		{written.AddDate(0, 0, 10), Pass, "image-currency table of " + currency.Written + " (10 days old)"},
		{written.AddDate(0, 7, 0), Warn, "older than six months"},
	} {
		api := &enginetest.API{}
		api.PingFn = func(context.Context) (types.Ping, error) { return types.Ping{}, errors.New("connection refused") }
		opts := options(t, api, "")
		opts.Now = func() time.Time { return c.now }
		got := byName(Checks(context.Background(), opts))["currency"]
		if got.Status != c.status || !strings.Contains(got.Detail, c.want) {
			t.Errorf("at %s: %+v, want %s with %q", c.now.Format("2006-01-02"), got, c.status, c.want)
		}
		if c.status == Warn && got.Fix == "" {
			t.Errorf("a stale table needs a fix: %+v", got)
		}
	}
}
