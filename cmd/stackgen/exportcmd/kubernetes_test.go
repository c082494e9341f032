package exportcmd

import (
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stackgen/stackgen/cmd/stackgen/cmdutil"
	"github.com/stackgen/stackgen/k8s"
	"github.com/stackgen/stackgen/project"
	"github.com/stackgen/stackgen/render"
	"github.com/stackgen/stackgen/stack"
	"github.com/stackgen/stackgen/stacks"
)

// newProject writes a generated project into a temp dir, as `stackgen new`
// leaves it.
func newProject(t *testing.T, name string, given stack.Answers) string {
	t.Helper()
	d, err := stacks.Registry().Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	set, answers, err := render.Project(d, given, render.Options{Rand: rand.Reader, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "proj")
	if _, err := project.Write(dir, set, false, &project.Manifest{Stack: d.Name, Version: "test", Answers: answers}); err != nil {
		t.Fatal(err)
	}
	return dir
}

func execExport(t *testing.T, args ...string) (string, error) {
	t.Helper()
	ios, _, out, errOut := cmdutil.Test()
	cmd := NewCmdExport(&cmdutil.Factory{IO: ios})
	cmd.SetArgs(args)
	cmd.SetOut(out)
	cmd.SetErr(errOut)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	err := cmd.Execute()
	return out.String(), err
}

func TestExportKubernetesWritesManifestsAndPrivateSecretEnv(t *testing.T) {
	dir := newProject(t, "django-uwsgi", nil)
	out := filepath.Join(t.TempDir(), "k")
	if _, err := execExport(t, "k8s", dir, "-o", out, "--ingress-class", "nginx"); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(filepath.Join(out, k8s.SecretEnvFile))
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("secret.env mode %o, want 0600", info.Mode().Perm())
	}
	ing, err := os.ReadFile(filepath.Join(out, "ingress.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	docs, err := k8s.DecodeStrict(ing)
	if err != nil || len(docs) != 1 || !strings.Contains(string(ing), "ingressClassName: nginx") {
		t.Fatalf("ingress.yaml %q: %v", ing, err)
	}
	// The project's own edit reaches the ConfigMap.
	conf := filepath.Join(dir, "compose", "redis", "redis.conf")
	b, _ := os.ReadFile(conf)
	if err := os.WriteFile(conf, append(b, "# tuned: maxclients 500\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := execExport(t, "kubernetes", dir, "-o", out); err != nil {
		t.Fatal(err)
	}
	cm, _ := os.ReadFile(filepath.Join(out, "config.yaml"))
	if !strings.Contains(string(cm), "tuned: maxclients 500") {
		t.Errorf("the edited redis.conf did not reach config.yaml")
	}
}

func TestExportKubernetesBadInputWritesNothing(t *testing.T) {
	dir := newProject(t, "django-uwsgi", stack.Answers{"https": "true"})
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"bad image flag", []string{"--image", "web"}, "KEY=REF"},
		{"latest", []string{"--image", "web=mysite-web:latest"}, "not pinned"},
		{"service type", []string{"--service-type", "ExternalName"}, "--service-type"},
		{"tls behind ingress", []string{"--ingress-class", "nginx"}, "terminates TLS"},
	} {
		t.Run(c.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "k")
			_, err := execExport(t, append([]string{"k8s", dir, "-o", out}, c.args...)...)
			if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error %v: want one line naming %q", err, c.want)
			}
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Errorf("%s was created", out)
			}
		})
	}
	if _, err := execExport(t, "k8s", t.TempDir()); err == nil || !strings.Contains(err.Error(), ".stackgen.yml") {
		t.Errorf("a folder without a manifest: %v", err)
	}
}

func TestExportHelmAndOnyxDefaultFolders(t *testing.T) {
	dir := newProject(t, "keras-webpy", stack.Answers{"api_token": "true"})
	out, err := execExport(t, "k8s", dir, "--helm")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"Chart.yaml", "values.yaml", "templates/model.yaml", ".helmignore"} {
		if _, err := os.Stat(filepath.Join(dir, "chart", f)); err != nil {
			t.Errorf("chart/%s: %v", f, err)
		}
	}
	if info, err := os.Stat(filepath.Join(dir, "chart", k8s.SecretEnvFile)); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("chart/secret.env: %v %v", info, err)
	}
	if !strings.Contains(out, "helm install") {
		t.Errorf("output: %s", out)
	}
	onyx := newProject(t, "onyx", stack.Answers{"onyx_version": "v2.9.8"})
	out, err = execExport(t, "kubernetes", onyx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(onyx, "kubernetes", k8s.OnyxValuesFile)); err != nil || !strings.Contains(out, "version "+k8s.OnyxChartVersion) {
		t.Errorf("onyx: %v, output %s", err, out)
	}
	onyx4 := newProject(t, "onyx", nil)
	out, err = execExport(t, "kubernetes", onyx4)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(onyx4, "kubernetes", k8s.OnyxValuesFile)); err != nil || !strings.Contains(out, "version "+k8s.OnyxV4ChartVersion) {
		t.Errorf("onyx v4: %v, output %s", err, out)
	}
}
