package k8s

import (
	"bytes"
	"math/rand/v2"
	"path"
	"strings"
	"testing"
	"testing/fstest"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"

	"github.com/stackgen/stackgen/fileset"
	"github.com/stackgen/stackgen/render"
	"github.com/stackgen/stackgen/stack"
	"github.com/stackgen/stackgen/stacks"
)

// renderProject renders a stack as `stackgen new` would and returns it as
// export reads it, with its secrets.
func renderProject(t *testing.T, name string, given stack.Answers) (Source, map[string]string) {
	t.Helper()
	d, err := stacks.Registry().Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	var seed [32]byte
	copy(seed[:], "stackgen k8s tests fixed seed!!!")
	set, answers, err := render.Project(d, given, render.Options{Rand: rand.NewChaCha8(seed), Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	mfs := fstest.MapFS{}
	for _, f := range set {
		mfs[f.Path] = &fstest.MapFile{Data: f.Content, Mode: f.Mode}
	}
	secrets := map[string]string{}
	if env, ok := mfs[".env"]; ok {
		for _, s := range d.Secrets {
			for _, l := range strings.Split(string(env.Data), "\n") {
				if v, ok := strings.CutPrefix(l, s.Key+"="); ok {
					secrets[s.Key] = strings.Trim(v, "'\"")
				}
			}
		}
	}
	return Source{Stack: d, Answers: answers, Files: mfs}, secrets
}

// manifestCases are the main answer and option combinations.
var manifestCases = []struct {
	name    string
	stack   string
	answers stack.Answers
	opts    Options
}{
	{"django-defaults", "django-uwsgi", nil, Options{}},
	{"django-mariadb", "django-uwsgi", stack.Answers{"db": "mariadb"}, Options{IngressClass: "nginx", StorageClass: "fast-ssd"}},
	{"django-https", "django-uwsgi", stack.Answers{"https": "true", "domain": "example.com", "https_port": "8443"}, Options{}},
	{"django-nodeport-rwo", "django-uwsgi", stack.Answers{"project": "shop"}, Options{ServiceType: ServiceNodePort, MediaAccessMode: ReadWriteOnce, Namespace: "prod"}},
	{"django-existing-secret", "django-uwsgi", nil, Options{SecretName: "mysite-prod"}},
	{"django-image-override", "django-uwsgi", nil, Options{Images: map[string]string{"web": "registry.example:5000/mysite-web@sha256:" + strings.Repeat("a", 64)}}},
	{"keras-defaults", "keras-webpy", nil, Options{}},
	{"keras-gpu-token", "keras-webpy", stack.Answers{"gpu": "true", "gpu_count": "2", "api_token": "true"}, Options{}},
	{"keras-baked-public", "keras-webpy", stack.Answers{"bake_model": "true", "bind_address": "0.0.0.0"}, Options{IngressClass: "traefik"}},
	{"keras-loadbalancer", "keras-webpy", stack.Answers{"bind_address": "0.0.0.0"}, Options{ServiceType: ServiceLoadBalancer}},
}

func exportCase(t *testing.T, name string, given stack.Answers, o Options) (fileset.Set, map[string]string) {
	t.Helper()
	p, secrets := renderProject(t, name, given)
	set, err := Manifests(p, o)
	if err != nil {
		t.Fatal(err)
	}
	return set, secrets
}

// decodeAll strictly decodes every manifest of set.
func decodeAll(t *testing.T, set fileset.Set) []Doc {
	t.Helper()
	var all []Doc
	for _, f := range set {
		if path.Ext(f.Path) != ".yaml" || f.Path == "kustomization.yaml" {
			continue
		}
		docs, err := DecodeStrict(f.Content)
		if err != nil {
			t.Fatalf("%s: %v", f.Path, err)
		}
		if len(docs) == 0 {
			t.Errorf("%s holds no object", f.Path)
		}
		all = append(all, docs...)
	}
	return all
}

func TestManifestsDecodeStrictlyAndHangTogether(t *testing.T) {
	for _, c := range manifestCases {
		t.Run(c.name, func(t *testing.T) {
			set, secrets := exportCase(t, c.stack, c.answers, c.opts)
			docs := decodeAll(t, set)
			checkReferences(t, docs, c.opts.SecretName)
			// Never a secret value in a file that may be committed.
			for _, f := range set {
				if f.Path == SecretEnvFile {
					continue
				}
				for k, v := range secrets {
					if bytes.Contains(f.Content, []byte(v)) {
						t.Errorf("%s holds the value of %s", f.Path, k)
					}
				}
			}
			se, hasSecretEnv := find(set, SecretEnvFile)
			switch {
			case c.opts.SecretName != "" || len(secrets) == 0:
				if hasSecretEnv {
					t.Errorf("secret.env written although no Secret is generated")
				}
			case !hasSecretEnv:
				t.Fatalf("no secret.env")
			default:
				if se.Mode.Perm() != 0o600 {
					t.Errorf("secret.env mode %o, want 0600", se.Mode.Perm())
				}
				for k, v := range secrets {
					if !bytes.Contains(se.Content, []byte("\n"+k+"="+v+"\n")) {
						t.Errorf("secret.env lacks %s", k)
					}
				}
				gi, _ := find(set, ".gitignore")
				if !bytes.Contains(gi.Content, []byte("\nsecret.env\n")) {
					t.Errorf(".gitignore does not ignore secret.env")
				}
			}
		})
	}
}

func find(set fileset.Set, p string) (fileset.File, bool) {
	for _, f := range set {
		if f.Path == p {
			return f, true
		}
	}
	return fileset.File{}, false
}

// checkReferences proves the objects refer to each other correctly: every
// mounted ConfigMap and claim exists, every Service selects a workload's
// pods, every Secret key read is one the Secret has, every stateful
// workload keeps its data in a claim, every container has the three
// probes or is a Job/init container.
func checkReferences(t *testing.T, docs []Doc, secretName string) {
	t.Helper()
	configMaps, claims := map[string]bool{}, map[string]bool{}
	var pods []struct {
		kind, name string
		labels     map[string]string
		spec       corev1.PodSpec
	}
	var services []*corev1.Service
	for _, d := range docs {
		switch o := d.Object.(type) {
		case *corev1.ConfigMap:
			configMaps[o.Name] = true
		case *corev1.PersistentVolumeClaim:
			claims[o.Name] = true
		case *corev1.Service:
			services = append(services, o)
		case *appsv1.Deployment:
			pods = append(pods, struct {
				kind, name string
				labels     map[string]string
				spec       corev1.PodSpec
			}{d.Kind, o.Name, o.Spec.Template.Labels, o.Spec.Template.Spec})
		case *appsv1.StatefulSet:
			for _, vct := range o.Spec.VolumeClaimTemplates {
				claims[vct.Name] = true
			}
			if len(o.Spec.VolumeClaimTemplates) == 0 {
				t.Errorf("StatefulSet %s has no volumeClaimTemplate", o.Name)
			}
			if o.Spec.Replicas == nil || *o.Spec.Replicas != 1 {
				t.Errorf("StatefulSet %s: want one replica", o.Name)
			}
			pods = append(pods, struct {
				kind, name string
				labels     map[string]string
				spec       corev1.PodSpec
			}{d.Kind, o.Name, o.Spec.Template.Labels, o.Spec.Template.Spec})
		case *batchv1.Job:
			pods = append(pods, struct {
				kind, name string
				labels     map[string]string
				spec       corev1.PodSpec
			}{d.Kind, o.Name, o.Spec.Template.Labels, o.Spec.Template.Spec})
		case *networkingv1.NetworkPolicy:
			// A peer with no selector is refused by the API server ("must
			// specify a peer"); an empty podSelector ({}: every pod) must
			// survive the marshalling.
			for _, r := range o.Spec.Ingress {
				for _, p := range r.From {
					if p.PodSelector == nil && p.NamespaceSelector == nil && p.IPBlock == nil {
						t.Errorf("NetworkPolicy %s has a peer without a selector", o.Name)
					}
				}
			}
		case *networkingv1.Ingress:
			for _, r := range o.Spec.Rules {
				for _, p := range r.HTTP.Paths {
					if !serviceExists(services, p.Backend.Service.Name) && !laterService(docs, p.Backend.Service.Name) {
						t.Errorf("Ingress %s routes to missing Service %s", o.Name, p.Backend.Service.Name)
					}
				}
			}
		}
	}
	for _, p := range pods {
		for _, v := range p.spec.Volumes {
			if v.ConfigMap != nil && !configMaps[v.ConfigMap.Name] {
				t.Errorf("%s %s mounts missing ConfigMap %s", p.kind, p.name, v.ConfigMap.Name)
			}
			if v.PersistentVolumeClaim != nil && !claims[v.PersistentVolumeClaim.ClaimName] {
				t.Errorf("%s %s mounts missing claim %s", p.kind, p.name, v.PersistentVolumeClaim.ClaimName)
			}
		}
		if p.spec.SecurityContext == nil || p.spec.SecurityContext.SeccompProfile == nil {
			t.Errorf("%s %s has no seccomp profile", p.kind, p.name)
		}
		all := append(append([]corev1.Container{}, p.spec.InitContainers...), p.spec.Containers...)
		for _, c := range all {
			if c.Image == "" || strings.HasSuffix(c.Image, ":latest") {
				t.Errorf("%s %s container %s: image %q is not pinned", p.kind, p.name, c.Name, c.Image)
			}
			if c.SecurityContext == nil || c.SecurityContext.AllowPrivilegeEscalation == nil || *c.SecurityContext.AllowPrivilegeEscalation {
				t.Errorf("%s %s container %s allows privilege escalation", p.kind, p.name, c.Name)
			}
			if c.Resources.Requests.Memory().IsZero() || c.Resources.Limits.Memory().IsZero() {
				t.Errorf("%s %s container %s has no memory request and limit", p.kind, p.name, c.Name)
			}
			for _, e := range c.Env {
				if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
					want := DefaultSecretName
					if secretName != "" {
						want = secretName
					}
					if e.ValueFrom.SecretKeyRef.Name != want {
						t.Errorf("%s %s reads Secret %s, want %s", p.kind, p.name, e.ValueFrom.SecretKeyRef.Name, want)
					}
				}
			}
		}
		if p.kind == "Job" {
			continue
		}
		for _, c := range p.spec.Containers {
			if c.StartupProbe == nil || c.ReadinessProbe == nil || c.LivenessProbe == nil {
				t.Fatalf("%s %s container %s lacks a probe", p.kind, p.name, c.Name)
			}
			// The liveness probe must not kill a start the startup probe
			// still allows, and it must be gentler than readiness.
			if c.LivenessProbe.TCPSocket == nil {
				t.Errorf("%s %s: liveness is not the gentle TCP check", p.kind, p.name)
			}
			if c.LivenessProbe.FailureThreshold*c.LivenessProbe.PeriodSeconds <= c.ReadinessProbe.FailureThreshold*c.ReadinessProbe.PeriodSeconds {
				t.Errorf("%s %s: liveness is not gentler than readiness", p.kind, p.name)
			}
		}
	}
	for _, s := range services {
		matched := false
		for _, p := range pods {
			if p.kind != "Job" && selects(s.Spec.Selector, p.labels) {
				matched = true
			}
		}
		if !matched {
			t.Errorf("Service %s selects no workload's pods", s.Name)
		}
		if s.Labels["app.kubernetes.io/component"] == "db" || s.Labels["app.kubernetes.io/component"] == "redis" {
			if s.Spec.ClusterIP != corev1.ClusterIPNone || s.Spec.Type != "" {
				t.Errorf("data-tier Service %s is not headless and internal", s.Name)
			}
		}
	}
}

func serviceExists(svcs []*corev1.Service, name string) bool {
	for _, s := range svcs {
		if s.Name == name {
			return true
		}
	}
	return false
}

func laterService(docs []Doc, name string) bool {
	for _, d := range docs {
		if s, ok := d.Object.(*corev1.Service); ok && s.Name == name {
			return true
		}
	}
	return false
}

func selects(sel, labels map[string]string) bool {
	if len(sel) == 0 {
		return false
	}
	for k, v := range sel {
		if labels[k] != v {
			return false
		}
	}
	return true
}

func TestDecodeStrictRefusesUnknownFieldsAndKinds(t *testing.T) {
	for name, doc := range map[string]string{
		"typo":      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndatta:\n  k: v\n",
		"nested":    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: a\nspec:\n  replica: 1\n",
		"duplicate": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  name: b\n",
		"kind":      "apiVersion: v1\nkind: Frobnicator\nmetadata:\n  name: a\n",
	} {
		if _, err := DecodeStrict([]byte(doc)); err == nil {
			t.Errorf("%s: decoded without error", name)
		}
	}
	docs, err := DecodeStrict([]byte("# c\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: b\n"))
	if err != nil || len(docs) != 2 || docs[1].Name != "b" || docs[1].Line != 8 {
		t.Fatalf("docs %+v, err %v", docs, err)
	}
}

func TestConfigMapNameFollowsContent(t *testing.T) {
	p, _ := renderProject(t, "django-uwsgi", nil)
	before, err := Manifests(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	mfs := p.Files.(fstest.MapFS)
	f := mfs["compose/nginx/nginx.conf"]
	mfs["compose/nginx/nginx.conf"] = &fstest.MapFile{Data: append(append([]byte{}, f.Data...), "# edited\n"...)}
	after, err := Manifests(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	nginxCM := func(set fileset.Set) (cm, mounted string) {
		for _, d := range decodeAll(t, set) {
			switch o := d.Object.(type) {
			case *corev1.ConfigMap:
				if strings.HasPrefix(o.Name, "nginx-conf-") {
					cm = o.Name
				}
			case *appsv1.Deployment:
				if o.Name == "nginx" {
					mounted = o.Spec.Template.Spec.Volumes[0].ConfigMap.Name
				}
			}
		}
		return cm, mounted
	}
	cm1, m1 := nginxCM(before)
	cm2, m2 := nginxCM(after)
	if cm1 == "" || cm1 != m1 || cm2 != m2 || cm1 == cm2 {
		t.Fatalf("before %s (mounted %s), after %s (mounted %s): the name must follow the content", cm1, m1, cm2, m2)
	}
}

func TestProbesKeepASlowStartAlive(t *testing.T) {
	h := health{interval: 15, timeout: 10, retries: 3, startPeriod: 120}
	startup, ready, live := probes(h, execCheck("true"), 8000)
	if got := startup.PeriodSeconds * startup.FailureThreshold; got < 2*h.startPeriod {
		t.Errorf("startup budget %ds is shorter than twice the start period", got)
	}
	if ready.PeriodSeconds != 15 || ready.FailureThreshold != 3 || ready.TimeoutSeconds != 10 {
		t.Errorf("readiness %+v does not follow the health check", ready)
	}
	if live.TCPSocket == nil || live.TCPSocket.Port.IntValue() != 8000 || live.PeriodSeconds != 30 || live.FailureThreshold != 6 {
		t.Errorf("liveness %+v is not the gentle TCP check", live)
	}
}

func TestBadInputIsOneLineAndWritesNothing(t *testing.T) {
	django, _ := renderProject(t, "django-uwsgi", nil)
	https, _ := renderProject(t, "django-uwsgi", stack.Answers{"https": "true"})
	onyx, _ := renderProject(t, "onyx", nil)
	noEnv, _ := renderProject(t, "django-uwsgi", nil)
	delete(noEnv.Files.(fstest.MapFS), ".env")
	noHosts, _ := renderProject(t, "django-uwsgi", nil)
	envFile := noHosts.Files.(fstest.MapFS)[".env"]
	var kept []string
	for _, l := range strings.Split(string(envFile.Data), "\n") {
		if !strings.HasPrefix(l, "DJANGO_ALLOWED_HOSTS=") {
			kept = append(kept, l)
		}
	}
	noHosts.Files.(fstest.MapFS)[".env"] = &fstest.MapFile{Data: []byte(strings.Join(kept, "\n")), Mode: 0o600}
	noConf, _ := renderProject(t, "django-uwsgi", nil)
	delete(noConf.Files.(fstest.MapFS), "compose/redis/redis.conf")
	fromApp, _ := renderProject(t, "django-uwsgi", stack.Answers{"app_dir": ".", "app_settings": "config.settings", "app_wsgi": "config.wsgi:application"})
	for _, c := range []struct {
		name string
		p    Source
		o    Options
		want string
	}{
		{"service type", django, Options{ServiceType: "External"}, "--service-type"},
		{"both entries", django, Options{ServiceType: ServiceNodePort, IngressClass: "nginx"}, "give one of them"},
		{"namespace", django, Options{Namespace: "My_NS"}, "--namespace"},
		{"access mode", django, Options{MediaAccessMode: "ReadOnlyMany"}, "--media-access-mode"},
		{"latest image", django, Options{Images: map[string]string{"web": "mysite-web:latest"}}, "not pinned"},
		{"unknown image", django, Options{Images: map[string]string{"webb": "mysite-web:2"}}, "no such image"},
		{"https behind ingress", https, Options{IngressClass: "nginx"}, "terminates TLS"},
		{"onyx through Manifests", onyx, Options{}, "own Helm chart"},
		{"no .env", noEnv, Options{}, ".env"},
		{"no config", noConf, Options{}, "compose/redis/redis.conf"},
		{"a required setting missing from .env", noHosts, Options{}, ".env: DJANGO_ALLOWED_HOSTS is missing"},
		{"your own Django project", fromApp, Options{}, "does not convert yet"},
	} {
		t.Run(c.name, func(t *testing.T) {
			set, err := Manifests(c.p, c.o)
			if err == nil || set != nil {
				t.Fatalf("want an error, got %d files", len(set))
			}
			if !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q: want one line naming %q", err, c.want)
			}
		})
	}
}

// TestDjangoChoicesRefused: the manifests are written for MySQL/MariaDB,
// uWSGI and Redis; a project with another choice gets one line naming it,
// and no files.
func TestDjangoChoicesRefused(t *testing.T) {
	for _, a := range []stack.Answers{{"db": "postgres"}, {"wsgi": "gunicorn"}, {"cache": "valkey"}} {
		p, _ := renderProject(t, "django-uwsgi", a)
		set, err := Export(p, Options{})
		if err == nil || len(set) != 0 || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), "export kubernetes supports") {
			t.Errorf("%v: export gave %d files, error %v; want a one-line refusal", a, len(set), err)
		}
	}
}
