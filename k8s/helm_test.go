package k8s

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"text/template"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"sigs.k8s.io/yaml"

	"github.com/stackgen/stackgen/fileset"
	"github.com/stackgen/stackgen/stack"
)

// renderChart renders the chart's templates as `helm template` would for
// what they use: text/template with the few Helm functions the generated
// templates call (quote, toYaml, nindent, int, trunc), .Values from
// values.yaml merged with overrides, and .Release.Name. Helm itself cannot
// be installed here from a package registry (see the README); the e2e test
// runs the real `helm template` and `helm lint` when a Helm binary is cached.
func renderChart(t *testing.T, chart fileset.Set, overrides map[string]any) fileset.Set {
	t.Helper()
	vf, ok := find(chart, "values.yaml")
	if !ok {
		t.Fatal("no values.yaml")
	}
	var values map[string]any
	if err := yaml.Unmarshal(vf.Content, &values); err != nil {
		t.Fatal(err)
	}
	merge(values, overrides)
	funcs := template.FuncMap{
		"quote": func(v any) string { return strconv.Quote(fmt.Sprint(v)) },
		"toYaml": func(v any) string {
			b, err := yaml.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			return strings.TrimSuffix(string(b), "\n")
		},
		"nindent": func(n int, s string) string {
			pad := strings.Repeat(" ", n)
			return "\n" + pad + strings.ReplaceAll(s, "\n", "\n"+pad)
		},
		"int": func(v any) int {
			switch x := v.(type) {
			case float64:
				return int(x)
			case int:
				return x
			}
			n, _ := strconv.Atoi(fmt.Sprint(v))
			return n
		},
		"trunc": func(n int, s string) string {
			if len(s) > n {
				return s[:n]
			}
			return s
		},
	}
	data := map[string]any{"Values": values, "Release": map[string]any{"Name": "rel", "Namespace": "ns"}}
	var out fileset.Set
	for _, f := range chart {
		if !strings.HasPrefix(f.Path, "templates/") {
			continue
		}
		tpl, err := template.New(f.Path).Funcs(funcs).Option("missingkey=error").Parse(string(f.Content))
		if err != nil {
			t.Fatalf("%s: %v", f.Path, err)
		}
		var b bytes.Buffer
		if err := tpl.Execute(&b, data); err != nil {
			t.Fatalf("%s: %v", f.Path, err)
		}
		if len(bytes.TrimSpace(b.Bytes())) == 0 {
			continue // Helm drops templates that render empty
		}
		out = append(out, fileset.File{Path: strings.TrimPrefix(f.Path, "templates/"), Mode: 0o644, Content: b.Bytes()})
	}
	return out
}

func merge(dst, src map[string]any) {
	for k, v := range src {
		if sm, ok := v.(map[string]any); ok {
			if dm, ok := dst[k].(map[string]any); ok {
				merge(dm, sm)
				continue
			}
		}
		dst[k] = v
	}
}

func TestChartRendersToStrictlyValidObjects(t *testing.T) {
	for _, c := range []struct {
		name      string
		stack     string
		answers   stack.Answers
		opts      Options
		overrides map[string]any
		check     func(t *testing.T, docs []Doc)
	}{
		{"django-defaults", "django-uwsgi", nil, Options{}, nil, func(t *testing.T, docs []Doc) {
			ing := findObj[*networkingv1.Ingress](docs, "nginx")
			if ing == nil || ing.Spec.IngressClassName != nil || ing.Spec.Rules[0].Host != "" {
				t.Errorf("ingress %+v", ing)
			}
		}},
		{"django-overrides", "django-uwsgi", nil, Options{IngressClass: "nginx"}, map[string]any{
			"replicas":  map[string]any{"web": 3},
			"images":    map[string]any{"web": "registry.example/mysite-web:2.0"},
			"storage":   map[string]any{"className": "fast", "sizes": map[string]any{"db": "50Gi"}},
			"ingress":   map[string]any{"host": "shop.example.com"},
			"resources": map[string]any{"web": map[string]any{"limits": map[string]any{"memory": "2Gi"}, "requests": map[string]any{"cpu": "1", "memory": "1Gi"}}},
		}, func(t *testing.T, docs []Doc) {
			web := findObj[*appsv1.Deployment](docs, "web")
			if *web.Spec.Replicas != 3 || web.Spec.Template.Spec.Containers[0].Image != "registry.example/mysite-web:2.0" {
				t.Errorf("web replicas %d image %s", *web.Spec.Replicas, web.Spec.Template.Spec.Containers[0].Image)
			}
			if web.Spec.Template.Spec.InitContainers[0].Image != "registry.example/mysite-web:2.0" {
				t.Errorf("init containers keep the old image")
			}
			if m := web.Spec.Template.Spec.Containers[0].Resources.Limits.Memory().String(); m != "2Gi" {
				t.Errorf("web memory limit %s", m)
			}
			db := findObj[*appsv1.StatefulSet](docs, "db")
			vct := db.Spec.VolumeClaimTemplates[0].Spec
			if *vct.StorageClassName != "fast" || vct.Resources.Requests.Storage().String() != "50Gi" {
				t.Errorf("db claim %+v", vct)
			}
			ing := findObj[*networkingv1.Ingress](docs, "nginx")
			if *ing.Spec.IngressClassName != "nginx" || ing.Spec.Rules[0].Host != "shop.example.com" {
				t.Errorf("ingress %+v", ing.Spec)
			}
		}},
		{"django-loadbalancer-no-ingress", "django-uwsgi", nil, Options{}, map[string]any{
			"ingress": map[string]any{"enabled": false}, "service": map[string]any{"type": "LoadBalancer"},
		}, func(t *testing.T, docs []Doc) {
			if findObj[*networkingv1.Ingress](docs, "nginx") != nil {
				t.Errorf("ingress rendered although disabled")
			}
			if s := findObj[*corev1.Service](docs, "nginx"); s.Spec.Type != corev1.ServiceTypeLoadBalancer {
				t.Errorf("nginx Service type %s", s.Spec.Type)
			}
		}},
		{"django-https", "django-uwsgi", stack.Answers{"https": "true", "domain": "example.com"}, Options{SecretName: "prod-secrets"}, nil, func(t *testing.T, docs []Doc) {
			if s := findObj[*corev1.Service](docs, "nginx"); s.Spec.Type != corev1.ServiceTypeLoadBalancer || len(s.Spec.Ports) != 2 {
				t.Errorf("nginx Service %+v", s.Spec)
			}
		}},
		{"keras-gpu-token", "keras-webpy", stack.Answers{"gpu": "true", "api_token": "true"}, Options{}, map[string]any{"replicas": map[string]any{"model": 2}}, func(t *testing.T, docs []Doc) {
			if m := findObj[*appsv1.Deployment](docs, "model"); *m.Spec.Replicas != 2 {
				t.Errorf("model replicas %d", *m.Spec.Replicas)
			}
		}},
		{"keras-public", "keras-webpy", stack.Answers{"bind_address": "0.0.0.0"}, Options{}, nil, func(t *testing.T, docs []Doc) {
			if findObj[*networkingv1.Ingress](docs, "model") == nil {
				t.Errorf("no ingress for a public API")
			}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, secrets := renderProject(t, c.stack, c.answers)
			chart, err := Chart(p, c.opts)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range chart {
				for k, v := range secrets {
					if f.Path != SecretEnvFile && bytes.Contains(f.Content, []byte(v)) {
						t.Errorf("%s holds the value of %s", f.Path, k)
					}
				}
			}
			if hi, _ := find(chart, ".helmignore"); !bytes.Contains(hi.Content, []byte("\nsecret.env\n")) {
				t.Errorf(".helmignore does not leave secret.env out of the package")
			}
			rendered := renderChart(t, chart, c.overrides)
			docs := decodeAll(t, rendered)
			checkReferences(t, docs, chartSecret(c.opts))
			if job := findKind(docs, "Job"); job != nil && job.Name != "rel-migrate" {
				t.Errorf("migrate Job named %s", job.Name)
			}
			c.check(t, docs)
		})
	}
}

func TestChartKeepsBracesInConfigsLiteral(t *testing.T) {
	p, _ := renderProject(t, "django-uwsgi", nil)
	mfs := p.Files.(fstest.MapFS)
	conf := "# {{ .Values.secretName }} and }} {{ stay text\n"
	mfs["compose/redis/redis.conf"] = &fstest.MapFile{Data: []byte(conf)}
	chart, err := Chart(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range decodeAll(t, renderChart(t, chart, nil)) {
		if cm, ok := d.Object.(*corev1.ConfigMap); ok && strings.HasPrefix(cm.Name, "redis-conf-") {
			if cm.Data["redis.conf"] != conf {
				t.Fatalf("redis.conf rendered as %q", cm.Data["redis.conf"])
			}
			return
		}
	}
	t.Fatal("no redis ConfigMap")
}

func chartSecret(o Options) string {
	if o.SecretName != "" {
		return o.SecretName
	}
	return DefaultSecretName
}

func findObj[T interface{ GetName() string }](docs []Doc, name string) T {
	var zero T
	for _, d := range docs {
		if o, ok := d.Object.(T); ok && o.GetName() == name {
			return o
		}
	}
	return zero
}

func findKind(docs []Doc, kind string) *Doc {
	for i := range docs {
		if docs[i].Kind == kind {
			return &docs[i]
		}
	}
	return nil
}
