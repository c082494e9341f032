package exportcmd

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/docker/docker/api/types/image"

	"github.com/stackgen/stackgen/cmd/stackgen/cmdutil"
	"github.com/stackgen/stackgen/engine"
	"github.com/stackgen/stackgen/engine/enginetest"
	"github.com/stackgen/stackgen/k8s"
	"github.com/stackgen/stackgen/stack"
)

const testRegistry = "127.0.0.1:5000"

// fakePushEngine is an engine that has the given local images; after a
// push of REGISTRY/NAME:TAG it reports a digest made from NAME, as the
// engine records RepoDigests.
func fakePushEngine(local ...string) (*engine.Client, *enginetest.Runner) {
	have := map[string]bool{}
	for _, r := range local {
		have[r] = true
	}
	api := &enginetest.API{ImageInspectFn: func(_ context.Context, ref string) (image.InspectResponse, error) {
		if have[ref] {
			return image.InspectResponse{ID: "sha256:local"}, nil
		}
		if rest, ok := strings.CutPrefix(ref, testRegistry+"/"); ok {
			name, _, _ := strings.Cut(rest, ":")
			return image.InspectResponse{RepoDigests: []string{testRegistry + "/" + name + "@" + digestOf(name)}}, nil
		}
		return image.InspectResponse{}, errors.New("No such image: " + ref)
	}}
	runner := &enginetest.Runner{Answer: func([]string, io.Writer, io.Writer) error { return nil }}
	return &engine.Client{API: api, Compose: runner}, runner
}

// digestOf is a fixed, distinct digest per image name.
func digestOf(name string) string {
	return "sha256:" + strings.Repeat(string("0123456789abcdef"[len(name)%16]), 64)
}

func execExportWith(t *testing.T, eng *engine.Client, args ...string) (string, error) {
	t.Helper()
	ios, _, out, errOut := cmdutil.Test()
	cmd := NewCmdExport(&cmdutil.Factory{IO: ios, Engine: func() (*engine.Client, error) { return eng, nil }})
	cmd.SetArgs(args)
	cmd.SetOut(out)
	cmd.SetErr(errOut)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	err := cmd.Execute()
	return out.String(), err
}

var imageLine = regexp.MustCompile(`(?m)^\s*image: (\S+)$`)

// The images django-uwsgi builds (web, nginx) are pushed and every
// manifest names them by digest; the database and Redis keep their
// public references; --image wins for its key.
func TestExportKubernetesRegistryPushesBuiltImagesByDigest(t *testing.T) {
	dir := newProject(t, "django-uwsgi", nil)
	p, _, err := loadProject(dir)
	if err != nil {
		t.Fatal(err)
	}
	images := p.Stack.ResolveImages(p.Answers)
	web, proxy := images["web"], images["proxy"]
	eng, runner := fakePushEngine(web, proxy)
	out := filepath.Join(t.TempDir(), "k")
	if _, err := execExportWith(t, eng, "k8s", dir, "-o", out, "--registry", testRegistry); err != nil {
		t.Fatal(err)
	}
	webName, webTag, _ := stack.SplitRef(web)
	webName = webName[strings.LastIndex(webName, "/")+1:]
	wantWeb := testRegistry + "/" + webName + ":" + webTag + "@" + digestOf(webName)
	seen := map[string]bool{}
	entries, _ := os.ReadDir(out)
	for _, e := range entries {
		b, _ := os.ReadFile(filepath.Join(out, e.Name()))
		for _, m := range imageLine.FindAllStringSubmatch(string(b), -1) {
			seen[strings.Trim(m[1], `"`)] = true
		}
	}
	if !seen[wantWeb] {
		t.Errorf("no manifest runs %s; images: %v", wantWeb, seen)
	}
	if seen[web] || seen[proxy] {
		t.Errorf("a manifest still names the local image: %v", seen)
	}
	// The database and Redis images are public: they are not pushed.
	public := 0
	for k := range seen {
		if !strings.HasPrefix(k, testRegistry) {
			public++
		}
	}
	if public == 0 {
		t.Errorf("every image was rewritten to the registry: %v", seen)
	}
	var calls []string
	for _, c := range runner.Calls {
		calls = append(calls, strings.Join(c, " "))
	}
	if len(calls) != 4 || !runner.Ran("push", testRegistry+"/"+webName+":"+webTag) || !runner.Ran("tag", proxy) {
		t.Errorf("docker calls: %v, want tag and push of web and nginx only", calls)
	}

	// --image names web: only nginx is pushed.
	eng, runner = fakePushEngine(web, proxy)
	if _, err := execExportWith(t, eng, "k8s", dir, "-o", filepath.Join(t.TempDir(), "k2"), "--registry", testRegistry, "--image", "web=registry.example/site-web:2.0"); err != nil {
		t.Fatal(err)
	}
	if runner.Ran("tag", web) || !runner.Ran("tag", proxy) {
		t.Errorf("docker calls %v: web was given by --image and must not be pushed", runner.Calls)
	}
}

// An image that was never built stops the export in one line, before any
// push and before any file is written.
func TestExportKubernetesRegistryNeedsTheBuiltImages(t *testing.T) {
	dir := newProject(t, "django-uwsgi", nil)
	eng, runner := fakePushEngine() // nothing built
	out := filepath.Join(t.TempDir(), "k")
	_, err := execExportWith(t, eng, "k8s", dir, "-o", out, "--registry", testRegistry)
	if err == nil || !strings.Contains(err.Error(), "build it first") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("err = %v, want one line saying to build first", err)
	}
	if len(runner.Calls) != 0 {
		t.Errorf("docker ran %v", runner.Calls)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("%s was written: %v", out, err)
	}
}

// Onyx built from source: the pushed images reach the chart's values as
// repository and TAG@DIGEST (the chart joins them with ":").
func TestExportKubernetesRegistryOnyxSource(t *testing.T) {
	dir := newProject(t, "onyx", stack.Answers{"mode": "source", "source_dir": "../onyx"})
	p, _, err := loadProject(dir)
	if err != nil {
		t.Fatal(err)
	}
	images := p.Stack.ResolveImages(p.Answers)
	eng, _ := fakePushEngine(images["backend"], images["web_server"], images["model_server"])
	out := filepath.Join(t.TempDir(), "k")
	if _, err := execExportWith(t, eng, "k8s", dir, "-o", out, "--registry", testRegistry); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(out, k8s.OnyxValuesFile))
	if err != nil {
		t.Fatal(err)
	}
	name, tag, _ := stack.SplitRef(images["backend"])
	name = name[strings.LastIndex(name, "/")+1:]
	want := "repository: " + testRegistry + "/" + name + "\n    tag: " + tag + "@" + digestOf(name)
	if !strings.Contains(string(b), want) {
		t.Errorf("values do not name the pushed backend by digest (%q):\n%s", want, b)
	}
}

func TestExportKubernetesRegistryFlagIsAHost(t *testing.T) {
	dir := newProject(t, "django-uwsgi", nil)
	for _, bad := range []string{"http://127.0.0.1:5000", "127.0.0.1:5000/team", "registry"} {
		_, err := execExport(t, "k8s", dir, "--registry", bad)
		if err == nil || !strings.Contains(err.Error(), "--registry") {
			t.Errorf("--registry %s: err %v", bad, err)
		}
	}
}
