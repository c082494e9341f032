package deploycmd

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"

	"github.com/stackgen/stackgen/bundle"
	"github.com/stackgen/stackgen/cmd/stackgen/cmdutil"
	"github.com/stackgen/stackgen/engine"
	"github.com/stackgen/stackgen/engine/enginetest"
	"github.com/stackgen/stackgen/project"
)

func TestFlags(t *testing.T) {
	cases := []struct {
		args    []string
		wantErr string
		check   func(*Options) bool
	}{
		{nil, "choose one of --package", nil},
		{[]string{"--package", "--bundle", "x.zip"}, "choose one of", nil},
		{[]string{"--package", "site"}, "", func(o *Options) bool { return o.Package && o.Dir == "site" && o.Format == "zip" }},
		{[]string{"--package", "-o", "b.tar.gz", "--format", "tar.gz", "--include-env"}, "", func(o *Options) bool {
			return o.Output == "b.tar.gz" && o.Format == "tar.gz" && o.IncludeEnv
		}},
		{[]string{"--package", "--format", "rar"}, "--format", nil},
		{[]string{"--package", "--codec", "lz4"}, "--codec", nil},
		{[]string{"--package", "-o", "-"}, "never to standard output", nil},
		{[]string{"--package", "--dir", "x"}, "", func(o *Options) bool { return o.Dir == "x" && o.TargetDir == "" }},
		{[]string{"--package", "y", "--dir", "x"}, "given twice", nil},
		{[]string{"--bundle", "b.zip", "--dir", "/srv/site"}, "", func(o *Options) bool { return o.Bundle == "b.zip" && o.TargetDir == "/srv/site" }},
		{[]string{"--bundle", "b.zip", "-o", "x.zip"}, "--output goes with --package", nil},
		{[]string{"--bundle", "b.zip", "--include-env"}, "--include-env goes with --package", nil},
		{[]string{"--bundle", "b.zip", "site"}, "goes with --package", nil},
		{[]string{"--bundle", "b.zip", "--progress", "fancy"}, "--progress", nil},
		{[]string{"--unpack"}, "", func(o *Options) bool { return o.Unpack }},
		// 0 leaves the wait to up: the stack's own start timeout, not 5 minutes.
		{[]string{"--bundle", "b.zip"}, "", func(o *Options) bool { return o.Timeout == 0 }},
		{[]string{"--bundle", "b.zip", "--timeout", "900"}, "", func(o *Options) bool { return o.Timeout == 15*time.Minute }},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			ios, _, _, _ := cmdutil.Test()
			f := &cmdutil.Factory{IO: ios, Version: "test"}
			var got *Options
			cmd := NewCmdDeploy(f, func(_ context.Context, o *Options) error { got = o; return nil })
			cmd.SetArgs(tc.args)
			cmd.SetOut(io.Discard)
			cmd.SetErr(io.Discard)
			err := cmd.Execute()
			if tc.wantErr != "" {
				var fe *cmdutil.FlagError
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !errors.As(err, &fe) {
					t.Fatalf("got %v, want a flag error with %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !tc.check(got) {
				t.Errorf("options %+v", got)
			}
		})
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// fakeImages is an engine that saves and loads images: what it loads, it
// then has.
type fakeImages struct {
	enginetest.API
	mu     sync.Mutex
	images map[string]image.InspectResponse
	save   []byte
	loads  [][]byte
	arch   string
}

func (f *fakeImages) ImageSave(ctx context.Context, refs []string, _ ...client.ImageSaveOption) (io.ReadCloser, error) {
	return io.NopCloser(bytes.NewReader(f.save)), nil
}

func (f *fakeImages) ImageLoad(ctx context.Context, r io.Reader, _ ...client.ImageLoadOption) (image.LoadResponse, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return image.LoadResponse{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.loads = append(f.loads, b)
	// The fake "docker save" tar names the images it holds.
	tr := tar.NewReader(bytes.NewReader(b))
	for {
		h, err := tr.Next()
		if err != nil {
			break
		}
		if ref, id, ok := strings.Cut(h.Name, "="); ok {
			f.images[strings.ReplaceAll(ref, "_", "/")] = image.InspectResponse{ID: id, Os: "linux", Architecture: f.arch}
		}
	}
	return image.LoadResponse{Body: io.NopCloser(strings.NewReader(`{"stream":"Loaded image"}`))}, nil
}

func (f *fakeImages) ImageInspect(ctx context.Context, ref string, _ ...client.ImageInspectOption) (image.InspectResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r, ok := f.images[ref]; ok {
		return r, nil
	}
	return image.InspectResponse{}, fmt.Errorf("no such image: %s: %w", ref, cerrdefs.ErrNotFound)
}

const configJSON = `{"name":"mysite","services":{
 "web":{"image":"mysite-web:1.0","build":{"context":"."},"volumes":[{"type":"bind","source":"%[1]s/conf/app.ini","target":"/etc/app.ini","read_only":true}]},
 "db":{"image":"example/db:11"}}}`

// newFakeEnv is a project dir, a fake engine that holds its two images,
// and options wired to them.
func newFakeEnv(t *testing.T) (string, *fakeImages, *Options, *bytes.Buffer) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "mysite")
	for rel, content := range map[string]string{
		"compose.yaml":  "services: {}\n",
		".env":          "DJANGO_SECRET_KEY=build-host-secret\n",
		".env.example":  "# keys\nDJANGO_SECRET_KEY=\nMYSQL_PASSWORD=\nMYSQL_ROOT_PASSWORD=\nREDIS_PASSWORD=\nDJANGO_DEBUG='False'\n",
		"conf/app.ini":  "[app]\n",
		".gitignore":    ".env\n",
		".stackgen.yml": "stack: django-uwsgi\nanswers:\n  project: mysite\n  http_port: \"8080\"\nfiles:\n  .gitignore: x\n",
	} {
		p := filepath.Join(dir, rel)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte(content), 0o644)
	}
	var save bytes.Buffer
	tw := tar.NewWriter(&save)
	for _, n := range []string{"mysite-web:1.0=sha256:aaa", "example_db:11=sha256:bbb"} {
		tw.WriteHeader(&tar.Header{Name: n, Mode: 0o644, Size: 4})
		tw.Write([]byte("data"))
	}
	tw.Close()
	api := &fakeImages{
		images: map[string]image.InspectResponse{
			"mysite-web:1.0": {ID: "sha256:aaa", Os: "linux", Architecture: "amd64", Size: 100},
			"example/db:11":  {ID: "sha256:bbb", Os: "linux", Architecture: "amd64", Size: 200},
		},
		save: save.Bytes(),
		arch: "amd64",
	}
	api.PingFn = func(context.Context) (types.Ping, error) { return types.Ping{}, nil }
	api.ServerVersionFn = func(context.Context) (types.Version, error) {
		return types.Version{Version: "20.10.24", APIVersion: "1.41", Os: "linux", Arch: api.arch}, nil
	}
	runner := &enginetest.Runner{Answer: func(args []string, stdout, stderr io.Writer) error {
		if enginetest.ComposeVerb(args) == "config" && contains(args, "--images") {
			io.WriteString(stdout, "example/db:11\nmysite-web:1.0\n")
			return nil
		}
		return enginetest.Compose(fmt.Sprintf(configJSON, dir), nil)(args, stdout, stderr)
	}}
	eng := &engine.Client{API: api, Compose: runner, Now: time.Now}
	ios, _, _, errOut := cmdutil.Test()
	o := &Options{
		IO:       ios,
		Factory:  &cmdutil.Factory{IO: ios, Version: "test", Rand: bytes.NewReader(bytes.Repeat([]byte{7}, 4096))},
		Engine:   func() (*engine.Client, error) { return eng, nil },
		Format:   "zip",
		Codec:    "gzip",
		Progress: "plain",
		Timeout:  time.Minute,
	}
	return dir, api, o, errOut
}

func TestPackageThenInstall(t *testing.T) {
	dir, api, o, errOut := newFakeEnv(t)
	out := filepath.Join(t.TempDir(), "mysite.zip")
	o.Package, o.Dir, o.Output, o.NoBuild = true, dir, out, true
	if err := Run(context.Background(), o); err != nil {
		t.Fatalf("package: %v\n%s", err, errOut)
	}
	v, err := bundle.Verify(out, nil)
	if err != nil {
		t.Fatal(err)
	}
	m := v.Manifest
	v.Close()
	var names []string
	for _, im := range m.Images {
		names = append(names, im.Name+"@"+im.ID)
	}
	if strings.Join(names, " ") != "example/db:11@sha256:bbb mysite-web:1.0@sha256:aaa" {
		t.Errorf("images %v", names)
	}
	if m.Stack != "django-uwsgi" || m.Project != "mysite" || m.Migrate == nil || len(m.SecretKeys) == 0 || m.URL == "" {
		t.Errorf("manifest lacks the stack's details: %+v", m)
	}
	if _, ok := m.File("conf/app.ini"); !ok {
		t.Error("the read-only mounted config was not packed")
	}
	if _, ok := m.File(".env"); ok {
		t.Error(".env packed without --include-env")
	}
	if !strings.Contains(errOut.String(), "SHA-256") {
		t.Errorf("no summary:\n%s", errOut)
	}

	// The images leave the engine; the bundle brings them back.
	api.images = map[string]image.InspectResponse{}
	target := filepath.Join(t.TempDir(), "offline")
	var upDir string
	inst := *o
	inst.Package, inst.Bundle, inst.TargetDir, inst.Yes = false, out, target, true
	inst.Up = func(ctx context.Context, dir string, _ *Options) error { upDir = dir; return nil }
	if err := Run(context.Background(), &inst); err != nil {
		t.Fatalf("install: %v\n%s", err, errOut)
	}
	if len(api.loads) != 1 || !bytes.Equal(api.loads[0], api.save) {
		t.Fatalf("the engine was sent %d loads, not the saved tar", len(api.loads))
	}
	if upDir != target {
		t.Errorf("up ran in %q, want %q", upDir, target)
	}
	st, err := os.Stat(filepath.Join(target, ".env"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf(".env: %v %v", err, st)
	}
	env, _ := os.ReadFile(filepath.Join(target, ".env"))
	vals := project.ParseEnv(string(env))
	for _, k := range []string{"DJANGO_SECRET_KEY", "MYSQL_PASSWORD", "MYSQL_ROOT_PASSWORD", "REDIS_PASSWORD"} {
		if len(vals[k]) < 32 || vals[k] == "build-host-secret" {
			t.Errorf("%s = %q: not a fresh secret", k, vals[k])
		}
	}
	if vals["DJANGO_DEBUG"] != "False" {
		t.Errorf("the example's non-secret values were not kept: %q", env)
	}
	if b, _ := os.ReadFile(filepath.Join(target, "conf/app.ini")); string(b) != "[app]\n" {
		t.Errorf("conf/app.ini = %q", b)
	}

	// Installing again into the same directory is refused before loading.
	if err := Run(context.Background(), &inst); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("second install into %s: %v", target, err)
	}
	if len(api.loads) != 1 {
		t.Error("a refused install loaded images")
	}

	// A bundle for another platform is refused before loading.
	api.arch = "arm64"
	inst.TargetDir = filepath.Join(t.TempDir(), "arm")
	if err := Run(context.Background(), &inst); err == nil || !strings.Contains(err.Error(), "linux/amd64") {
		t.Errorf("install on arm64: %v", err)
	}
	if len(api.loads) != 1 {
		t.Error("a refused install loaded images")
	}

	// A damaged bundle is refused before loading, naming the file.
	api.arch = "amd64"
	b, _ := os.ReadFile(out)
	bad := filepath.Join(t.TempDir(), "bad.zip")
	os.WriteFile(bad, b[:len(b)/2], 0o644)
	inst.Bundle, inst.TargetDir = bad, filepath.Join(t.TempDir(), "bad")
	if err := Run(context.Background(), &inst); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("damaged bundle: %v", err)
	}
	if len(api.loads) != 1 {
		t.Error("a damaged bundle loaded images")
	}
}

func TestPackageIncludeEnvWarnsAndIsPrivate(t *testing.T) {
	dir, _, o, errOut := newFakeEnv(t)
	out := filepath.Join(t.TempDir(), "mysite.tar.gz")
	o.Package, o.Dir, o.Output, o.NoBuild, o.IncludeEnv, o.Format = true, dir, out, true, true, "tar.gz"
	if err := Run(context.Background(), o); err != nil {
		t.Fatalf("package: %v\n%s", err, errOut)
	}
	if !strings.Contains(errOut.String(), "warning: --include-env") {
		t.Errorf("no warning:\n%s", errOut)
	}
	st, _ := os.Stat(out)
	if st.Mode().Perm() != 0o600 {
		t.Errorf("bundle with secrets has mode %v", st.Mode().Perm())
	}
	v, err := bundle.Verify(out, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	if f, ok := v.Manifest.File(".env"); !ok || f.Mode != "0600" {
		t.Errorf(".env in the bundle: %+v %v", f, ok)
	}
}

func TestMissingImageNamesIt(t *testing.T) {
	dir, api, o, _ := newFakeEnv(t)
	delete(api.images, "example/db:11")
	o.Package, o.Dir, o.Output, o.NoBuild = true, dir, filepath.Join(t.TempDir(), "x.zip"), true
	err := Run(context.Background(), o)
	if err == nil || !strings.Contains(err.Error(), "example/db:11 is not in the engine") {
		t.Errorf("got %v", err)
	}
	if _, err := os.Stat(o.Output); err == nil {
		t.Error("a bundle was written")
	}
}

func TestUnpackRefusesATerminal(t *testing.T) {
	ios, _, _, _ := cmdutil.Test()
	ios.SetTTY(false, true, false)
	if err := Run(context.Background(), &Options{IO: ios, Unpack: true}); err == nil {
		t.Error("--unpack wrote binary to a terminal")
	}
}

// A bundle's compose files are judged before anything is loaded: errors of
// `stackgen validate` and host access (without --allow-privileged) refuse
// the install, and nothing is loaded or written.
func TestInstallJudgesTheBundlesComposeFilesFirst(t *testing.T) {
	cases := []struct {
		name, compose string
		allow         bool
		want          string
	}{
		{"privileged", "services:\n  web:\n    image: mysite-web:1.0\n    privileged: true\n", false, "service web is privileged"},
		{"docker socket", "services:\n  web:\n    image: mysite-web:1.0\n    volumes:\n      - /var/run/docker.sock:/var/run/docker.sock\n", false, "mounts the Docker socket"},
		{"host root", "services:\n  web:\n    image: mysite-web:1.0\n    volumes:\n      - /:/host\n", false, "the host's root file system"},
		{"host network", "services:\n  web:\n    image: mysite-web:1.0\n    network_mode: host\n", false, "network_mode: host"},
		{"validation error", "services:\n  web:\n    image: mysite-web:latest\n", false, "fails validation"},
		{"privileged, allowed", "services:\n  web:\n    image: mysite-web:1.0\n    privileged: true\n", true, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir, api, o, errOut := newFakeEnv(t)
			if err := os.WriteFile(filepath.Join(dir, "compose.yaml"), []byte(c.compose), 0o644); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(t.TempDir(), "mysite.zip")
			o.Package, o.Dir, o.Output, o.NoBuild = true, dir, out, true
			if err := Run(context.Background(), o); err != nil {
				t.Fatalf("package: %v\n%s", err, errOut)
			}
			target := filepath.Join(t.TempDir(), "offline")
			inst := *o
			inst.Package, inst.Bundle, inst.TargetDir, inst.Yes, inst.AllowPrivileged = false, out, target, true, c.allow
			inst.Up = func(context.Context, string, *Options) error { return nil }
			err := Run(context.Background(), &inst)
			if c.want == "" {
				if err != nil {
					t.Fatalf("install with --allow-privileged: %v\n%s", err, errOut)
				}
				if len(api.loads) != 1 {
					t.Errorf("loads = %d, want 1", len(api.loads))
				}
				return
			}
			if err == nil || !strings.Contains(err.Error()+errOut.String(), c.want) || !strings.Contains(err.Error(), "nothing was loaded or written") || strings.Contains(err.Error(), "\n") {
				t.Fatalf("install = %v, want one line refusing with %q\n%s", err, c.want, errOut)
			}
			if len(api.loads) != 0 {
				t.Error("a refused bundle loaded images")
			}
			if _, err := os.Lstat(target); err == nil {
				t.Error("a refused bundle wrote the target")
			}
		})
	}
}

func TestAllowPrivilegedGoesWithBundle(t *testing.T) {
	f := &cmdutil.Factory{IO: func() *cmdutil.IOStreams { ios, _, _, _ := cmdutil.Test(); return ios }()}
	cmd := NewCmdDeploy(f, func(context.Context, *Options) error { return nil })
	cmd.SetArgs([]string{"--package", "--allow-privileged"})
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	if err := cmd.Execute(); err == nil || !strings.Contains(err.Error(), "--allow-privileged goes with --bundle") {
		t.Fatalf("err = %v", err)
	}
}

// A bundle carries the project's swarm/stack.yaml; installing it with
// --swarm starts it on the swarm and says the other nodes need the images.
func TestPackageThenInstallOnASwarm(t *testing.T) {
	dir, api, o, errOut := newFakeEnv(t)
	if err := os.MkdirAll(filepath.Join(dir, "swarm"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "swarm", "stack.yaml"), []byte("services: {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "mysite.zip")
	o.Package, o.Dir, o.Output, o.NoBuild = true, dir, out, true
	if err := Run(context.Background(), o); err != nil {
		t.Fatalf("package: %v\n%s", err, errOut)
	}
	v, err := bundle.Verify(out, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, carried := v.Manifest.File("swarm/stack.yaml")
	v.Close()
	if !carried {
		t.Error("the bundle does not carry swarm/stack.yaml")
	}
	api.images = map[string]image.InspectResponse{}
	inst := *o
	inst.Package, inst.Bundle, inst.TargetDir, inst.Yes, inst.Swarm = false, out, filepath.Join(t.TempDir(), "offline"), true, true
	var swarmUp bool
	inst.Up = func(_ context.Context, _ string, o *Options) error { swarmUp = o.Swarm; return nil }
	if err := Run(context.Background(), &inst); err != nil {
		t.Fatalf("install: %v\n%s", err, errOut)
	}
	if !swarmUp {
		t.Error("up was not asked for the swarm")
	}
	if !strings.Contains(errOut.String(), "loaded on this node only") {
		t.Errorf("no word about the other nodes:\n%s", errOut)
	}
}
