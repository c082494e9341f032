package deploycmd

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
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
	"github.com/stackgen/stackgen/internal/savetar"
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
		{[]string{"--package", "--split", "4G", "--sign", "k.key"}, "", func(o *Options) bool { return o.splitSet == 4<<30-1 && o.SignKey == "k.key" }},
		{[]string{"--package", "--split", "700M"}, "", func(o *Options) bool { return o.splitSet == 700<<20 }},
		{[]string{"--package", "--split", "4.5G"}, "--split: \"4.5G\" is not a size", nil},
		{[]string{"--package", "--split", "12K"}, "smaller than a part can be", nil},
		{[]string{"--bundle", "b.zip", "--split", "4G"}, "--split goes with --package", nil},
		{[]string{"--bundle", "b.zip", "--sign", "k.key"}, "--sign goes with --package", nil},
		{[]string{"--package", "--verify-key", "RWQ"}, "--verify-key goes with --bundle", nil},
		{[]string{"--bundle", "b.zip", "--verify-key", "a.pub", "--verify-key", "b.pub"}, "", func(o *Options) bool { return len(o.VerifyKeys) == 2 }},
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
// then has. Its save is shaped like the engine's (internal/savetar): the
// classic store's layout, or with containerd set the containerd store's
// OCI layout, whose image IDs are not the config digests. Its load, like
// the classic store's, needs a layer's file only when it lacks the layer.
type fakeImages struct {
	enginetest.API
	mu         sync.Mutex
	images     map[string]image.InspectResponse
	saved      []savetar.Image
	save       []byte
	loads      [][]byte
	arch       string
	containerd bool
}

func (f *fakeImages) setImages(imgs ...savetar.Image) {
	f.saved = imgs
	if f.containerd {
		f.save = savetar.OCI(true, imgs...)
	} else {
		f.save = savetar.Classic(imgs...)
	}
	f.images = map[string]image.InspectResponse{}
	for _, im := range imgs {
		f.images[im.Tags[0]] = f.inspectOf(im.Config(), im.DiffIDs())
	}
}

func (f *fakeImages) inspectOf(cfg []byte, layers []string) image.InspectResponse {
	id := savetar.Digest(cfg)
	if f.containerd {
		id = savetar.Digest(append([]byte("manifest of "), cfg...))
	}
	return image.InspectResponse{ID: id, Os: "linux", Architecture: f.arch, Size: 100, RootFS: image.RootFS{Type: "layers", Layers: layers}}
}

func (f *fakeImages) ImageSave(ctx context.Context, refs []string, _ ...client.ImageSaveOption) (io.ReadCloser, error) {
	return io.NopCloser(bytes.NewReader(f.save)), nil
}

func (f *fakeImages) ImageList(ctx context.Context, _ image.ListOptions) ([]image.Summary, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []image.Summary
	for ref := range f.images {
		out = append(out, image.Summary{ID: ref})
	}
	return out, nil
}

func (f *fakeImages) ImageLoad(ctx context.Context, r io.Reader, _ ...client.ImageLoadOption) (image.LoadResponse, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return image.LoadResponse{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.loads = append(f.loads, b)
	files := map[string][]byte{}
	tr := tar.NewReader(bytes.NewReader(b))
	for {
		h, err := tr.Next()
		if err != nil {
			break
		}
		files[h.Name], _ = io.ReadAll(tr)
	}
	have := map[string]bool{}
	for _, im := range f.images {
		for _, c := range engine.ChainIDs(im.RootFS.Layers) {
			have[c] = true
		}
	}
	var man []struct {
		Config   string
		RepoTags []string
		Layers   []string
	}
	if err := json.Unmarshal(files["manifest.json"], &man); err != nil {
		return image.LoadResponse{}, fmt.Errorf("no manifest.json: %w", err)
	}
	for _, e := range man {
		var cfg struct {
			RootFS struct {
				DiffIDs []string `json:"diff_ids"`
			} `json:"rootfs"`
		}
		json.Unmarshal(files[e.Config], &cfg)
		for i, c := range engine.ChainIDs(cfg.RootFS.DiffIDs) {
			if _, ok := files[e.Layers[i]]; !ok && !have[c] {
				return image.LoadResponse{}, fmt.Errorf("open %s: no such file or directory", e.Layers[i])
			}
		}
		for _, t := range e.RepoTags {
			f.images[t] = f.inspectOf(files[e.Config], cfg.RootFS.DiffIDs)
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

// The fake project's two images: a web image on a base layer and a
// database image.
var (
	baseLayer = bytes.Repeat([]byte("python base layer\n"), 5000)
	webImage  = savetar.Image{Tags: []string{"mysite-web:1.0"}, Layers: [][]byte{baseLayer, []byte("app code v1")}}
	dbImage   = savetar.Image{Tags: []string{"example/db:11"}, Layers: [][]byte{bytes.Repeat([]byte("db layer\n"), 4000)}, Env: "db"}
)

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
	api := &fakeImages{arch: "amd64"}
	api.setImages(webImage, dbImage)
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
	if want := "example/db:11@" + savetar.Digest(dbImage.Config()) + " mysite-web:1.0@" + savetar.Digest(webImage.Config()); strings.Join(names, " ") != want {
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
	if len(api.loads) != 1 || len(api.loads[0]) != len(api.save) {
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

// A bundle made on the containerd image store (its IDs are manifest
// digests) installs on the classic store (IDs are config digests), and
// the reverse: the images are identified by config digest and layers.
func TestBundlesCrossImageStores(t *testing.T) {
	for _, c := range []struct{ name, from, to string }{{"containerd to classic", "containerd", "classic"}, {"classic to containerd", "classic", "containerd"}} {
		t.Run(c.name, func(t *testing.T) {
			dir, api, o, errOut := newFakeEnv(t)
			api.containerd = c.from == "containerd"
			api.setImages(webImage, dbImage)
			out := filepath.Join(t.TempDir(), "mysite.zip")
			o.Package, o.Dir, o.Output, o.NoBuild = true, dir, out, true
			if err := Run(context.Background(), o); err != nil {
				t.Fatalf("package: %v\n%s", err, errOut)
			}
			api.containerd = c.to == "containerd"
			api.images = map[string]image.InspectResponse{}
			inst := *o
			inst.Package, inst.Bundle, inst.TargetDir, inst.Yes, inst.NoUp = false, out, filepath.Join(t.TempDir(), "offline"), true, true
			if err := Run(context.Background(), &inst); err != nil {
				t.Fatalf("install: %v\n%s", err, errOut)
			}
			if id := api.images["mysite-web:1.0"].ID; (id == savetar.Digest(webImage.Config())) == api.containerd {
				t.Fatalf("the fake target store gave ID %s: the test does not cross stores", id)
			}
		})
	}
}

// The second delivery: after a code-only change, --since carries only the
// new layer; the host that has the first installs it, a fresh host is
// refused before anything is loaded or written, one line per missing
// layer.
func TestUpdateBundleInstallsOnlyWhereTheLayersAre(t *testing.T) {
	dir, api, o, errOut := newFakeEnv(t)
	full := filepath.Join(t.TempDir(), "mysite.zip")
	o.Package, o.Dir, o.Output, o.NoBuild = true, dir, full, true
	if err := Run(context.Background(), o); err != nil {
		t.Fatalf("package: %v\n%s", err, errOut)
	}
	web2 := webImage
	web2.Layers = [][]byte{baseLayer, []byte("app code v2")}
	api.setImages(web2, dbImage)
	update := filepath.Join(t.TempDir(), "update.zip")
	up := *o
	up.Output, up.Since, up.Codec = update, full, "" // the default codec
	if err := Run(context.Background(), &up); err != nil {
		t.Fatalf("package --since: %v\n%s", err, errOut)
	}
	if !strings.Contains(errOut.String(), "Update bundle: left out 2 layers") {
		t.Errorf("no word about the layers left out:\n%s", errOut)
	}
	if v, err := bundle.Verify(update, nil); err != nil || v.Manifest.Codec != bundle.Gzip || v.Manifest.Unpacker != nil {
		t.Errorf("an update bundle should be gzip without the unpacker image: %v", err)
	} else {
		v.Close()
	}

	// A fresh host: refused, naming each missing layer, nothing done.
	api.images = map[string]image.InspectResponse{}
	api.loads = nil
	inst := *o
	target := filepath.Join(t.TempDir(), "fresh")
	inst.Package, inst.Since, inst.Bundle, inst.TargetDir, inst.Yes, inst.NoUp = false, "", update, target, true, true
	err := Run(context.Background(), &inst)
	if err == nil || !strings.Contains(err.Error(), "image mysite-web:1.0: layer "+savetar.Digest(baseLayer)[:19]) || !strings.Contains(err.Error(), "image example/db:11: layer") || !strings.Contains(err.Error(), "nothing was loaded or written") {
		t.Fatalf("install on a fresh host: %v", err)
	}
	if len(api.loads) != 0 {
		t.Error("a refused update loaded images")
	}
	if _, err := os.Stat(target); err == nil {
		t.Error("a refused update wrote files")
	}

	// The host that installed the full bundle takes the update.
	inst.Bundle, inst.TargetDir = full, filepath.Join(t.TempDir(), "v1")
	if err := Run(context.Background(), &inst); err != nil {
		t.Fatalf("install full: %v\n%s", err, errOut)
	}
	inst.Bundle, inst.TargetDir = update, filepath.Join(t.TempDir(), "v2")
	if err := Run(context.Background(), &inst); err != nil {
		t.Fatalf("install update: %v\n%s", err, errOut)
	}
	if got := api.images["mysite-web:1.0"].RootFS.Layers; len(got) != 2 || got[1] != savetar.Digest([]byte("app code v2")) {
		t.Errorf("after the update the web image has layers %v", got)
	}
	if n := len(api.loads); n != 2 || len(api.loads[1]) >= len(api.loads[0])/2 {
		t.Errorf("the update's load (%d bytes) is not much smaller than the full one's", len(api.loads[len(api.loads)-1]))
	}
}

func TestSinceAndPlatformRefuseBadInputFirst(t *testing.T) {
	dir, _, o, _ := newFakeEnv(t)
	o.Package, o.Dir, o.Output, o.NoBuild = true, dir, filepath.Join(t.TempDir(), "x.zip"), true
	bad := filepath.Join(t.TempDir(), "old.json")
	os.WriteFile(bad, []byte(`{"format_version":1,"project":"mysite","images":[{"name":"a:1","id":"sha256:1"}],"image_archive":"images/images.tar.gz","codec":"gzip",
 "files":[{"path":"images/images.tar.gz","size":1,"sha256":"`+strings.Repeat("a", 64)+`","mode":"0644"}]}`), 0o644)
	for _, c := range []struct {
		since, platform, want string
	}{
		{since: bad, want: "has no layer list"},
		{since: filepath.Join(t.TempDir(), "nope.zip"), want: "no such file"},
		{platform: "linux/arm64", want: "not --platform linux/arm64"},
	} {
		oo := *o
		oo.Since, oo.Platform = c.since, c.platform
		if err := Run(context.Background(), &oo); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("--since %q --platform %q: %v, want %q", c.since, c.platform, err, c.want)
		}
		if _, err := os.Stat(oo.Output); err == nil {
			t.Fatal("a bundle was written")
		}
	}
}

// Any compose project packs and installs, not only stackgen's: one with no
// .stackgen.yml, no secrets and no .env.example installs without a .env
// (an empty one used to fail the install's own validation: env-not-ignored).
func TestPackageAndInstallAPlainComposeProject(t *testing.T) {
	dir, api, o, errOut := newFakeEnv(t)
	for _, f := range []string{".stackgen.yml", ".env", ".env.example", ".gitignore"} {
		csRemove(t, filepath.Join(dir, f))
	}
	out := filepath.Join(t.TempDir(), "plain.zip")
	o.Package, o.Dir, o.Output, o.NoBuild = true, dir, out, true
	if err := Run(context.Background(), o); err != nil {
		t.Fatalf("package: %v\n%s", err, errOut)
	}
	api.images = map[string]image.InspectResponse{}
	inst := *o
	target := filepath.Join(t.TempDir(), "plain")
	inst.Package, inst.Bundle, inst.TargetDir, inst.Yes, inst.NoUp = false, out, target, true, true
	if err := Run(context.Background(), &inst); err != nil {
		t.Fatalf("install: %v\n%s", err, errOut)
	}
	if _, err := os.Stat(filepath.Join(target, ".env")); err == nil {
		t.Error("an empty .env was written for a project without secrets")
	}
	if b, _ := os.ReadFile(filepath.Join(target, "conf/app.ini")); string(b) != "[app]\n" {
		t.Errorf("conf/app.ini = %q", b)
	}
}

func csRemove(t *testing.T, p string) {
	t.Helper()
	if err := os.Remove(p); err != nil {
		t.Fatal(err)
	}
}
