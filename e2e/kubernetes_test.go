package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stackgen/stackgen/fileset"
	"github.com/stackgen/stackgen/k8s"
	"github.com/stackgen/stackgen/project"
	"github.com/stackgen/stackgen/render"
	"github.com/stackgen/stackgen/stack"
	"github.com/stackgen/stackgen/stacks"
)

// The Kubernetes check hands `stackgen export kubernetes` output to a real
// kube-apiserver (built from the Go module proxy by
// .ci/build-kube-apiserver.sh, backed by Debian's etcd). Nothing here can
// run pods: what is proven is that the API server accepts every object
// (schema, defaulting, validation, admission incl. Pod Security) and
// stores what was written.
//
// The build takes many minutes on 2 cores, so this test runs only where
// the cached binary exists and skips otherwise, under CI too (the issue's
// rule: the strict-decoding unit tests are the always-on gate).

// kubeVersion is the release .ci/build-kube-apiserver.sh builds by default.
const kubeVersion = "v1.37.2"

// kubeAPIServer finds the cached binary ($STACKGEN_KUBE_APISERVER first).
func kubeAPIServer() string {
	if p := os.Getenv("STACKGEN_KUBE_APISERVER"); p != "" {
		return p
	}
	root := os.Getenv("STACKGEN_E2E_CACHE")
	if root == "" {
		root = "/var/cache/stackgen-e2e"
	}
	return filepath.Join(root, "kube-apiserver-"+kubeVersion, "kube-apiserver")
}

type kubeEnv struct {
	kubeconfig string
	kubectlBin string
}

func requireKube(t *testing.T) *kubeEnv {
	t.Helper()
	bin := kubeAPIServer()
	if _, err := os.Stat(bin); err != nil {
		t.Skipf("no kube-apiserver at %s: build it once with .ci/build-kube-apiserver.sh (many minutes; not part of .ci/run)", bin)
	}
	etcd, err := exec.LookPath("etcd")
	if err != nil {
		t.Skip("no etcd on PATH: apt-get install etcd-server")
	}
	// The kubectl built with the API server (same release, kustomize built
	// in), else one on PATH.
	kubectl := filepath.Join(filepath.Dir(bin), "kubectl")
	if _, err := os.Stat(kubectl); err != nil {
		if kubectl, err = exec.LookPath("kubectl"); err != nil {
			t.Skip("no kubectl beside the kube-apiserver or on PATH: .ci/build-kube-apiserver.sh builds one")
		}
	}
	dir := t.TempDir()
	clientPort, peerPort, apiPort := freePort(t), freePort(t), freePort(t)
	start(t, dir, "etcd", etcd,
		"--data-dir", filepath.Join(dir, "etcd"),
		"--listen-client-urls", fmt.Sprintf("http://127.0.0.1:%d", clientPort),
		"--advertise-client-urls", fmt.Sprintf("http://127.0.0.1:%d", clientPort),
		"--listen-peer-urls", fmt.Sprintf("http://127.0.0.1:%d", peerPort),
		"--initial-advertise-peer-urls", fmt.Sprintf("http://127.0.0.1:%d", peerPort),
		"--initial-cluster", fmt.Sprintf("default=http://127.0.0.1:%d", peerPort),
	)

	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "sa.key"), pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}))
	write(t, filepath.Join(dir, "sa.pub"), pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}))
	tok := make([]byte, 24)
	_, _ = rand.Read(tok)
	token := base64.RawURLEncoding.EncodeToString(tok)
	write(t, filepath.Join(dir, "tokens.csv"), []byte(token+`,e2e-admin,1,"system:masters"`+"\n"))

	start(t, dir, "kube-apiserver", bin,
		"--etcd-servers", fmt.Sprintf("http://127.0.0.1:%d", clientPort),
		"--bind-address", "127.0.0.1",
		"--secure-port", fmt.Sprint(apiPort),
		"--cert-dir", filepath.Join(dir, "certs"),
		"--service-account-key-file", filepath.Join(dir, "sa.pub"),
		"--service-account-signing-key-file", filepath.Join(dir, "sa.key"),
		"--service-account-issuer", "https://kubernetes.default.svc",
		"--token-auth-file", filepath.Join(dir, "tokens.csv"),
		"--authorization-mode", "RBAC",
		"--service-cluster-ip-range", "10.96.0.0/16",
	)
	server := fmt.Sprintf("https://127.0.0.1:%d", apiPort)
	waitReady(t, server, token)
	kc := filepath.Join(dir, "kubeconfig")
	write(t, kc, []byte(fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: e2e
  cluster:
    server: %s
    insecure-skip-tls-verify: true
users:
- name: e2e
  user:
    token: %s
contexts:
- name: e2e
  context:
    cluster: e2e
    user: e2e
current-context: e2e
`, server, token)))
	return &kubeEnv{kubeconfig: kc, kubectlBin: kubectl}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func write(t *testing.T, p string, b []byte) {
	t.Helper()
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// start runs a server process for the test's lifetime, its output in a
// log file shown when the test fails.
func start(t *testing.T, dir, name, bin string, args ...string) {
	t.Helper()
	logPath := filepath.Join(dir, name+".log")
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		logf.Close()
		if t.Failed() {
			b, _ := os.ReadFile(logPath)
			t.Logf("%s log (last 3000 bytes):\n%s", name, tail(b, 3000))
		}
	})
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

func waitReady(t *testing.T, server, token string) {
	t.Helper()
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	deadline := time.Now().Add(90 * time.Second) // generous bound for a hang; ready in ~20 s
	var last string
	for time.Now().Before(deadline) {
		req, _ := http.NewRequest(http.MethodGet, server+"/readyz", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := c.Do(req)
		if err == nil {
			b := new(bytes.Buffer)
			_, _ = b.ReadFrom(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
			last = fmt.Sprintf("%d %s", resp.StatusCode, b.String())
		} else {
			last = err.Error()
		}
		time.Sleep(time.Second)
	}
	t.Fatalf("kube-apiserver not ready at %s: %s", server, last)
}

// kubectl runs kubectl against the test's API server.
func (k *kubeEnv) kubectl(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, k.kubectlBin, append([]string{"--kubeconfig", k.kubeconfig}, args...)...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	return o.String(), e.String(), err
}

func (k *kubeEnv) must(t *testing.T, args ...string) string {
	t.Helper()
	out, errOut, err := k.kubectl(t, args...)
	if err != nil {
		t.Fatalf("kubectl %s: %v\n%s%s", strings.Join(args, " "), err, out, errOut)
	}
	return out
}

// exportTo renders a project, writes it as `stackgen new` does, exports
// it and returns the export folder.
func exportTo(t *testing.T, name string, given stack.Answers, o k8s.Options) (string, fileset.Set) {
	t.Helper()
	p, dir := writeProject(t, name, given)
	out, err := k8s.Manifests(p, o)
	if err != nil {
		t.Fatal(err)
	}
	exp := filepath.Join(dir, "kubernetes")
	writeFiles(t, exp, out)
	return exp, out
}

type kubeObject struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name      string `json:"name"`
		Namespace string `json:"namespace"`
	} `json:"metadata"`
	Data map[string]string `json:"data"`
	Spec json.RawMessage   `json:"spec"`
}

func TestKubernetesManifestsRealAPIServer(t *testing.T) {
	k := requireKube(t)
	cases := []struct {
		name    string
		stack   string
		answers stack.Answers
		opts    k8s.Options
	}{
		{"django-defaults", "django-uwsgi", nil, k8s.Options{IngressClass: "nginx", StorageClass: "standard"}},
		{"django-mariadb-https", "django-uwsgi", stack.Answers{"db": "mariadb", "https": "true", "domain": "example.com"}, k8s.Options{}},
		{"keras-gpu-token", "keras-webpy", stack.Answers{"gpu": "true", "api_token": "true"}, k8s.Options{}},
		{"keras-public", "keras-webpy", stack.Answers{"bind_address": "0.0.0.0", "bake_model": "true"}, k8s.Options{ServiceType: k8s.ServiceNodePort}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.opts.Namespace = "e2e-" + c.name
			dir, set := exportTo(t, c.stack, c.answers, c.opts)
			built := filepath.Join(t.TempDir(), "built.yaml")
			write(t, built, []byte(k.must(t, "kustomize", dir)))

			// The Namespace first (a dry run cannot create the namespace its
			// objects need), then the whole kustomization as a server-side
			// dry run, which must store nothing.
			k.must(t, "apply", "--server-side", "--field-manager", "stackgen-e2e", "-f", filepath.Join(dir, "namespace.yaml"))
			_, dryErr := k.dryApply(t, built)
			if dryErr != "" && strings.Contains(dryErr, `"baseline:`) {
				t.Errorf("the Pod Security baseline the namespace enforces would refuse a pod template:\n%s", dryErr)
			}
			if out, _, err := k.kubectl(t, "get", "-f", built, "--ignore-not-found", "-o", "name"); err != nil || strings.Count(out, "\n") != 1 {
				t.Fatalf("after the dry run the server holds more than the namespace: %q (%v)", out, err)
			}

			out, errOut, err := k.kubectl(t, "apply", "--server-side", "--field-manager", "stackgen-e2e", "-k", dir)
			if err != nil {
				t.Fatalf("server-side apply: %v\n%s%s", err, out, errOut)
			}
			t.Logf("apply: %s%s", out, errOut)

			// Read every object back.
			var list struct {
				Items []kubeObject `json:"items"`
			}
			if err := json.Unmarshal([]byte(k.must(t, "get", "-f", built, "-o", "json")), &list); err != nil {
				t.Fatal(err)
			}
			want := countDocs(t, built)
			if len(list.Items) != want {
				t.Fatalf("read back %d objects, applied %d", len(list.Items), want)
			}
			secretEnv := map[string]string{}
			if f, ok := findFile(set, k8s.SecretEnvFile); ok {
				secretEnv = project.ParseEnv(string(f.Content))
			}
			for _, o := range list.Items {
				if o.Kind != "Namespace" && o.Metadata.Namespace != c.opts.Namespace {
					t.Errorf("%s %s is in namespace %q", o.Kind, o.Metadata.Name, o.Metadata.Namespace)
				}
				if o.Kind == "Secret" {
					for key, v := range secretEnv {
						got, _ := base64.StdEncoding.DecodeString(o.Data[key])
						if string(got) != v {
							t.Errorf("Secret %s key %s does not hold secret.env's value", o.Metadata.Name, key)
						}
					}
					if len(o.Data) != len(secretEnv) {
						t.Errorf("Secret %s has %d keys, secret.env %d", o.Metadata.Name, len(o.Data), len(secretEnv))
					}
				}
			}
			// A second apply changes nothing (server-side apply is idempotent
			// for these manifests: no field fights with defaulting).
			out = k.must(t, "apply", "--server-side", "--field-manager", "stackgen-e2e", "-k", dir)
			for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
				if !strings.HasSuffix(l, "serverside-applied") && !strings.HasSuffix(l, "unchanged") {
					t.Errorf("second apply: %q", l)
				}
			}
		})
	}

	// The chart, through the real Helm when a build of it is cached
	// (.ci/build-helm.sh): lint, template, then the same server-side apply.
	for _, hc := range []struct {
		name    string
		stack   string
		answers stack.Answers
		set     []string
		check   func(t *testing.T, ns string)
	}{
		{"helm-django-mariadb", "django-uwsgi", stack.Answers{"db": "mariadb"}, []string{"replicas.web=2", "ingress.host=shop.example.com"}, func(t *testing.T, ns string) {
			if out := k.must(t, "-n", ns, "get", "deployment", "web", "-o", "jsonpath={.spec.replicas}"); out != "2" {
				t.Errorf("web replicas read back %q, want 2", out)
			}
			if out := k.must(t, "-n", ns, "get", "ingress", "nginx", "-o", "jsonpath={.spec.rules[0].host}"); out != "shop.example.com" {
				t.Errorf("ingress host read back %q", out)
			}
		}},
		{"helm-keras-loadbalancer", "keras-webpy", stack.Answers{"gpu": "true", "api_token": "true", "bind_address": "0.0.0.0"}, []string{"ingress.enabled=false", "service.type=LoadBalancer", "images.model=registry.example/keras-docker:2.0"}, func(t *testing.T, ns string) {
			if out := k.must(t, "-n", ns, "get", "service", "model", "-o", "jsonpath={.spec.type}"); out != "LoadBalancer" {
				t.Errorf("model Service type %q", out)
			}
			if out := k.must(t, "-n", ns, "get", "deployment", "model", "-o", "jsonpath={.spec.template.spec.containers[0].image}"); out != "registry.example/keras-docker:2.0" {
				t.Errorf("model image %q", out)
			}
		}},
	} {
		// The chart, through the real Helm when a build of it is cached
		// (.ci/build-helm.sh): lint, template, then the same server-side apply.
		t.Run(hc.name, func(t *testing.T) {
			helm := helmBinary()
			if helm == "" {
				t.Skip("no Helm: build it once with .ci/build-helm.sh (Debian has no helm package); the chart's rendering is covered by the k8s unit tests")
			}
			ns := "e2e-" + hc.name
			chartDir := exportChart(t, hc.stack, hc.answers, k8s.Options{Helm: true, Namespace: ns})
			run := func(args ...string) string {
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
				defer cancel()
				out, err := exec.CommandContext(ctx, helm, args...).CombinedOutput()
				if err != nil {
					t.Fatalf("helm %s: %v\n%s", strings.Join(args, " "), err, out)
				}
				return string(out)
			}
			t.Logf("helm lint: %s", run("lint", "--strict", chartDir))
			args := []string{"template", "rel", chartDir, "-n", ns}
			for _, s := range hc.set {
				args = append(args, "--set", s)
			}
			rendered := run(args...)
			docs, err := k8s.DecodeStrict([]byte(rendered))
			if err != nil {
				t.Fatalf("helm template output: %v", err)
			}
			t.Logf("helm template: %d objects", len(docs))
			file := filepath.Join(t.TempDir(), "chart.yaml")
			write(t, file, []byte(rendered))
			k.must(t, "create", "namespace", ns)
			k.dryApply(t, file, "-n", ns)
			k.must(t, "apply", "--server-side", "--field-manager", "stackgen-e2e", "-n", ns, "-f", file)
			hc.check(t, ns)
		})
	}

	// onyx: the values are for Onyx's chart (not available offline); the
	// NetworkPolicies written beside them go to the API server.
	t.Run("onyx-extras", func(t *testing.T) {
		const ns = "e2e-onyx"
		dir := exportChart(t, "onyx", stack.Answers{"onyx_version": "v2.9.8"}, k8s.Options{})
		np := filepath.Join(dir, "networkpolicy.yaml")
		k.must(t, "create", "namespace", ns)
		k.dryApply(t, np, "-n", ns)
		k.must(t, "apply", "--server-side", "--field-manager", "stackgen-e2e", "-n", ns, "-f", np)
		if out := k.must(t, "-n", ns, "get", "networkpolicy", "-o", "name"); strings.Count(out, "\n") != 2 {
			t.Errorf("read back %q", out)
		}
	})

	t.Run("unknown-field-refused", func(t *testing.T) {
		bad := filepath.Join(t.TempDir(), "bad.yaml")
		write(t, bad, []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bad\n  namespace: default\ndatta:\n  k: v\n"))
		out, errOut, err := k.kubectl(t, "apply", "--server-side", "--dry-run=server", "-f", bad)
		if err == nil || !strings.Contains(errOut, "datta") {
			t.Fatalf("an unknown field was accepted: %s%s", out, errOut)
		}
	})
}

// helmBinary finds a Helm: $STACKGEN_HELM, the cached build, or PATH.
func helmBinary() string {
	if p := os.Getenv("STACKGEN_HELM"); p != "" {
		return p
	}
	root := os.Getenv("STACKGEN_E2E_CACHE")
	if root == "" {
		root = "/var/cache/stackgen-e2e"
	}
	if p := filepath.Join(root, "helm-"+helmVersion, "helm"); fileExists(p) {
		return p
	}
	p, _ := exec.LookPath("helm")
	return p
}

// helmVersion is the release .ci/build-helm.sh builds by default.
const helmVersion = "v3.22.0"

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// exportChart writes a project and its chart and returns the chart folder.
func exportChart(t *testing.T, name string, given stack.Answers, o k8s.Options) string {
	t.Helper()
	p, dir := writeProject(t, name, given)
	chart, err := k8s.Export(p, o)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "chart")
	writeFiles(t, out, chart)
	return out
}

// dryApply is a server-side dry run; it fails the test when the server
// refuses an object and returns kubectl's warnings.
func (k *kubeEnv) dryApply(t *testing.T, file string, args ...string) (string, string) {
	t.Helper()
	out, errOut, err := k.kubectl(t, append([]string{"apply", "--server-side", "--dry-run=server", "--field-manager", "stackgen-e2e", "-f", file}, args...)...)
	if err != nil {
		t.Fatalf("server-side dry run refused: %v\n%s%s", err, out, errOut)
	}
	return out, errOut
}

func countDocs(t *testing.T, file string) int {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, d := range strings.Split(string(b), "\n---\n") {
		if strings.Contains(d, "kind:") {
			n++
		}
	}
	return n
}

func findFile(set fileset.Set, p string) (fileset.File, bool) {
	for _, f := range set {
		if f.Path == p {
			return f, true
		}
	}
	return fileset.File{}, false
}

// writeProject renders a stack and writes it as `stackgen new` does.
func writeProject(t *testing.T, name string, given stack.Answers) (k8s.Source, string) {
	t.Helper()
	d, err := stacks.Registry().Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	set, answers, err := render.Project(d, given, render.Options{Rand: rand.Reader, Version: "e2e"})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "proj")
	if _, err := project.Write(dir, set, false, &project.Manifest{Stack: d.Name, Version: "e2e", Answers: answers}); err != nil {
		t.Fatal(err)
	}
	return k8s.Source{Stack: d, Answers: answers, Files: os.DirFS(dir)}, dir
}

// writeFiles writes an export's files under dir.
func writeFiles(t *testing.T, dir string, set fileset.Set) {
	t.Helper()
	for _, f := range set {
		p := filepath.Join(dir, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f.Content, f.Mode); err != nil {
			t.Fatal(err)
		}
	}
}
