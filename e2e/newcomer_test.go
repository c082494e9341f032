package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stackgen/stackgen/e2e/e2etest"
)

// unpullable names a registry that can never answer (.invalid is reserved
// for that), standing in for every registry of an offline host.
const unpullable = "stackgen-test.invalid"

// TestOfflinePullFailureNamesImage runs up and doctor on a real engine
// with images it can neither find nor pull, at the two places a pull
// happens: compose pulling a service's image, and the build's FROM. Each
// time stackgen must name the image and the three ways out instead of
// BuildKit's or compose's bare "no such host". It creates no container or
// image: nothing can be pulled.
func TestOfflinePullFailureNamesImage(t *testing.T) {
	e2etest.RequireCompose(t)
	bin := filepath.Join(t.TempDir(), "stackgen")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/stackgen").CombinedOutput(); err != nil {
		t.Fatalf("go build stackgen: %v\n%s", err, out)
	}
	base := t.TempDir()
	sg := func(args ...string) (string, string, int) {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Dir = base
		cmd.Env = append(os.Environ(), "NO_COLOR=1", "COMPOSE_PROJECT_NAME=")
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		started := time.Now()
		err := cmd.Run()
		t.Logf("stackgen %s: %.1f s", strings.Join(args, " "), time.Since(started).Seconds())
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return out.String(), errOut.String(), code
	}
	waysOut := []string{"--registry-mirror", "--image KEY=REF", "--pip-index-url", "deploy --package", "deploy --bundle"}
	expect := func(what, text string, want ...string) {
		t.Helper()
		for _, w := range append(want, waysOut...) {
			if !strings.Contains(text, w) {
				t.Errorf("%s lacks %q:\n%s", what, w, text)
			}
		}
	}

	t.Run("compose pull", func(t *testing.T) {
		ref := unpullable + "/nothing:1"
		dir := filepath.Join(base, "pull")
		os.MkdirAll(dir, 0o755)
		compose := fmt.Sprintf("name: stackgen-e2e-offline-%d\nservices:\n  app:\n    image: %s\n", time.Now().UnixNano()%1_000_000, ref)
		if err := os.WriteFile(filepath.Join(dir, "compose.yaml"), []byte(compose), 0o644); err != nil {
			t.Fatal(err)
		}
		out, _, code := sg("doctor", dir)
		if code == 0 || !strings.Contains(out, "FAIL  image "+ref) {
			t.Errorf("doctor on an unpullable image: exit %d\n%s", code, out)
		}
		expect("doctor", out, "cannot pull it")
		_, errOut, code := sg("up", dir, "--progress", "plain", "--timeout", "120")
		if code == 0 {
			t.Fatalf("up with an unpullable image succeeded:\n%s", errOut)
		}
		expect("up", errOut, "hint: the engine does not have image "+ref)
	})

	t.Run("build FROM", func(t *testing.T) {
		ref := unpullable + "/python:3.13-slim"
		dir := filepath.Join(base, "build")
		if _, errOut, code := sg("new", "keras", dir, "--yes", "--image", "python="+ref); code != 0 {
			t.Fatalf("new: exit %d\n%s", code, errOut)
		}
		os.WriteFile(filepath.Join(dir, "models", "model.keras"), []byte("PK"), 0o644)
		_, errOut, code := sg("up", dir, "--progress", "plain")
		if code == 0 {
			t.Fatalf("up with an unpullable base image succeeded:\n%s", errOut)
		}
		expect("up", errOut, "building the images failed: the engine cannot pull "+ref)
	})
}

// TestDefaultProjectsBuildDistinctImages builds the nginx image of two
// django projects made with every default in two folders, on one engine:
// each gets its own image name (after its compose project), so building
// the second does not take the first one's name. Only the nginx image is
// built (from the nginx stand-in): the point is the names.
func TestDefaultProjectsBuildDistinctImages(t *testing.T) {
	nginx := e2etest.RequireImages(t, e2etest.Nginx)[0]
	e2etest.RequireCompose(t)
	bin := filepath.Join(t.TempDir(), "stackgen")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/stackgen").CombinedOutput(); err != nil {
		t.Fatalf("go build stackgen: %v\n%s", err, out)
	}
	suffix := fmt.Sprint(time.Now().UnixNano() % 1_000_000)
	var refs []string
	for _, name := range []string{"e2e-distinct-a-" + suffix, "e2e-distinct-b-" + suffix} {
		dir := filepath.Join(t.TempDir(), name)
		if out, err := exec.Command(bin, "new", "django", dir, "--yes", "--image", "nginx="+nginx).CombinedOutput(); err != nil {
			t.Fatalf("new: %v\n%s", err, out)
		}
		ref := name + "-nginx:1.0"
		refs = append(refs, ref)
		t.Cleanup(func() { exec.Command("docker", "image", "rm", ref).Run() })
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		cmd := exec.CommandContext(ctx, "docker", "compose", "build", "nginx")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "COMPOSE_PROJECT_NAME=")
		out, err := cmd.CombinedOutput()
		cancel()
		if err != nil {
			t.Fatalf("docker compose build nginx in %s: %v\n%s", name, err, out)
		}
	}
	for _, ref := range refs {
		if out, err := exec.Command("docker", "image", "inspect", "--format", "{{.Id}}", ref).CombinedOutput(); err != nil {
			t.Errorf("image %s is missing after both builds: %v %s", ref, err, out)
		}
	}
}
