package k8s

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/stackgen/stackgen/fileset"
	"github.com/stackgen/stackgen/internal/msg"
)

// Chart writes a Helm chart for django-uwsgi or keras-webpy: the same
// objects as Manifests, with values for replicas, images, resources, the
// entry (ingress host and class, or a Service type), storage class and
// sizes, and the Secret's name. The migrate Job becomes a post-install and
// pre-upgrade hook. Secrets stay out of the chart: it reads an existing
// Secret (made from secret.env, written beside the chart and listed in
// .helmignore so `helm package` leaves it out).
func Chart(p Source, o Options) (fileset.Set, error) {
	if err := CheckOptions(o); err != nil {
		return nil, err
	}
	real, err := builderFor(p, o)
	if err != nil {
		return nil, err
	}
	realObjs, err := real.objects(real)
	if err != nil {
		return nil, err
	}
	// The same build with placeholders where the chart takes a value.
	ph, err := builderFor(p, o)
	if err != nil {
		return nil, err
	}
	ph.o.StorageClass = "__SC__"
	ph.o.MediaAccessMode = "__MEDIAMODE__"
	for _, ob := range realObjs {
		if ob.file == "ingress.yaml" {
			ph.o.IngressClass = "__INGCLASS__"
		}
	}
	ph.o.SecretName = "__SECRET__"
	for k := range ph.images {
		ph.images[k] = "__IMG_" + k + "__"
	}
	phObjs, err := ph.objects(ph)
	if err != nil {
		return nil, err
	}
	if len(phObjs) != len(realObjs) {
		return nil, fmt.Errorf("internal: the chart's objects differ from the manifests'")
	}

	values := chartValues{
		Replicas:  map[string]int32{},
		Images:    real.images,
		Resources: map[string]corev1.ResourceRequirements{},
		SecretName: func() string {
			if o.SecretName != "" {
				return o.SecretName
			}
			return DefaultSecretName
		}(),
	}
	values.Storage.ClassName = o.StorageClass
	values.Storage.MediaAccessMode = real.o.MediaAccessMode
	values.Storage.Sizes = map[string]string{}
	values.Service.Type = real.entryType()

	byFile := map[string][]any{}
	var files []string
	hasIngress := false
	for i, ob := range phObjs {
		if ob.file == "namespace.yaml" {
			continue // Helm installs into the release's namespace
		}
		collectValues(&values, realObjs[i].obj)
		m, err := toMap(ob.obj)
		if err != nil {
			return nil, err
		}
		if err := templatize(m, real); err != nil {
			return nil, err
		}
		if m["kind"] == "Ingress" {
			hasIngress = true
			values.Ingress.Enabled = true
			values.Ingress.ClassName = o.IngressClass
			values.Ingress.Host = ingressHost(realObjs[i].obj)
		}
		if _, ok := byFile[ob.file]; !ok {
			files = append(files, ob.file)
		}
		byFile[ob.file] = append(byFile[ob.file], m)
	}

	var set fileset.Set
	for _, f := range files {
		doc, err := marshalDocs(byFile[f])
		if err != nil {
			return nil, err
		}
		// Braces in the content (a config's text) are literal for Helm.
		text := placeholders(templateEscaper.Replace(string(doc)))
		if f == "ingress.yaml" {
			text = "{{- if .Values.ingress.enabled }}\n" + text + "{{- end }}\n"
		}
		set = append(set, fileset.File{Path: "templates/" + f, Mode: 0o644, Content: []byte(text)})
	}
	// Only the images the pods run are values (the base images are
	// build-time only).
	for k := range values.Images {
		used := false
		for _, f := range set {
			if strings.Contains(string(f.Content), fmt.Sprintf("index .Values.images %q", k)) {
				used = true
			}
		}
		if !used {
			delete(values.Images, k)
		}
	}
	chartYAML, err := yaml.Marshal(map[string]any{
		"apiVersion":  "v2",
		"name":        chartName(real.app),
		"description": real.p.Stack.Description + " (" + real.app + "), written by stackgen export",
		"type":        "application",
		"version":     "0.1.0",
		"appVersion":  real.p.Answers["app_version"],
	})
	if err != nil {
		return nil, err
	}
	vals, err := values.marshal(hasIngress, real)
	if err != nil {
		return nil, err
	}
	set = append(set,
		fileset.File{Path: "Chart.yaml", Mode: 0o644, Content: chartYAML},
		fileset.File{Path: "values.yaml", Mode: 0o644, Content: vals},
		fileset.File{Path: ".helmignore", Mode: 0o644, Content: []byte(comment(fileLang(real.p.Answers).T("k8s.file.helmignore")) + SecretEnvFile + "\n.gitignore\n")},
	)
	secret, err := real.secretFiles()
	if err != nil {
		return nil, err
	}
	set = append(set, secret...)
	set.Sort()
	return set, nil
}

// chartValues is the chart's values.yaml.
type chartValues struct {
	Replicas  map[string]int32                       `json:"replicas"`
	Images    map[string]string                      `json:"images"`
	Resources map[string]corev1.ResourceRequirements `json:"resources"`
	Storage   struct {
		ClassName       string            `json:"className"`
		MediaAccessMode string            `json:"mediaAccessMode"`
		Sizes           map[string]string `json:"sizes"`
	} `json:"storage"`
	Ingress struct {
		Enabled   bool   `json:"enabled"`
		ClassName string `json:"className"`
		Host      string `json:"host"`
	} `json:"ingress"`
	Service struct {
		Type string `json:"type"`
	} `json:"service"`
	SecretName string `json:"secretName"`
}

func (v chartValues) marshal(hasIngress bool, b *builder) ([]byte, error) {
	body, err := marshalDocs([]any{v})
	if err != nil {
		return nil, err
	}
	l := fileLang(b.p.Answers)
	var h strings.Builder
	h.WriteString(comment(l.T("k8s.file.helm-values", msg.Args{"App": b.app})))
	h.WriteString("#\n#   kubectl create namespace " + b.o.Namespace + "\n")
	if b.generatesSecret() {
		h.WriteString("#   kubectl -n " + b.o.Namespace + " create secret generic " + v.SecretName + " --from-env-file=secret.env\n")
	} else if !b.noSecret {
		h.WriteString(comment("  " + l.T("k8s.file.helm-secret-exists", msg.Args{"Secret": v.SecretName, "Keys": strings.Join(b.secretKeys, ", ")})))
	}
	h.WriteString("#   helm install " + b.app + " . -n " + b.o.Namespace + "\n#\n")
	h.WriteString(comment(l.T("k8s.file.helm-replicas")))
	h.WriteString(comment(l.T("k8s.file.helm-storage")))
	if hasIngress {
		h.WriteString(comment(l.T("k8s.file.helm-ingress")))
	} else {
		h.WriteString(comment(l.T("k8s.file.helm-no-ingress", msg.Args{"Note": entryNote(b)})))
	}
	h.WriteString(comment(l.T("k8s.file.helm-secret")))
	return append([]byte(h.String()), body...), nil
}

func entryNote(b *builder) msg.Sub {
	if b.p.Stack.Name == "django-uwsgi" && b.p.Answers.Bool("https") {
		return msg.Sub{ID: "k8s.file.entry-https"}
	}
	return msg.Sub{ID: "k8s.file.entry-internal"}
}

// chartName is a chart name Helm accepts: lower-case letters, digits, '-'.
func chartName(app string) string {
	return strings.ReplaceAll(strings.ToLower(app), "_", "-")
}

func toMap(o any) (map[string]any, error) {
	j, err := json.Marshal(o)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	err = json.Unmarshal(j, &m)
	return m, err
}

// collectValues reads the defaults of replicas, resources and claim sizes
// from the real objects.
func collectValues(v *chartValues, o any) {
	res := func(cs []corev1.Container) {
		for _, c := range cs {
			v.Resources[c.Name] = c.Resources
		}
	}
	switch x := o.(type) {
	case *appsv1.Deployment:
		v.Replicas[x.Name] = *x.Spec.Replicas
		res(x.Spec.Template.Spec.Containers)
	case *appsv1.StatefulSet:
		res(x.Spec.Template.Spec.Containers)
		for _, c := range x.Spec.VolumeClaimTemplates {
			q := c.Spec.Resources.Requests[corev1.ResourceStorage]
			v.Storage.Sizes[x.Name] = q.String()
		}
	case *corev1.PersistentVolumeClaim:
		q := x.Spec.Resources.Requests[corev1.ResourceStorage]
		v.Storage.Sizes[x.Name] = q.String()
	}
}

func ingressHost(o any) string {
	m, _ := toMap(o)
	rules, _ := dig(m, "spec", "rules").([]any)
	if len(rules) > 0 {
		if r, ok := rules[0].(map[string]any); ok {
			h, _ := r["host"].(string)
			return h
		}
	}
	return ""
}

func dig(m map[string]any, keys ...string) any {
	var cur any = m
	for _, k := range keys {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = mm[k]
	}
	return cur
}

// templatize puts placeholders where values go that the typed objects
// cannot hold as strings: replicas, resources, claim sizes, the entry's
// Service type, the ingress host, the Job's hook.
func templatize(m map[string]any, b *builder) error {
	name, _ := dig(m, "metadata", "name").(string)
	spec, _ := m["spec"].(map[string]any)
	containers := func(pod map[string]any) {
		cs, _ := pod["containers"].([]any)
		for _, c := range cs {
			if cm, ok := c.(map[string]any); ok {
				cm["resources"] = "__RES_" + cm["name"].(string) + "__"
			}
		}
	}
	switch m["kind"] {
	case "Deployment":
		spec["replicas"] = "__REPL_" + name + "__"
		if pod, ok := dig(spec, "template", "spec").(map[string]any); ok {
			containers(pod)
		}
	case "StatefulSet":
		if pod, ok := dig(spec, "template", "spec").(map[string]any); ok {
			containers(pod)
		}
		vcts, _ := spec["volumeClaimTemplates"].([]any)
		for _, v := range vcts {
			if vm, ok := v.(map[string]any); ok {
				setSize(vm, name)
			}
		}
	case "PersistentVolumeClaim":
		setSize(m, name)
	case "Service":
		if name == entryService(b) {
			spec["type"] = "__SVCTYPE__"
		}
	case "Ingress":
		rules, _ := spec["rules"].([]any)
		for _, r := range rules {
			if rm, ok := r.(map[string]any); ok {
				rm["host"] = "__HOST__"
			}
		}
	case "Job":
		md := m["metadata"].(map[string]any)
		md["name"] = "__RELEASE__-migrate"
		md["annotations"] = map[string]any{
			// On install the database starts with the release, so the Job
			// runs after it; on upgrade, before the new pods.
			"helm.sh/hook":               "post-install,pre-upgrade",
			"helm.sh/hook-delete-policy": "before-hook-creation",
			"helm.sh/hook-weight":        "0",
		}
	}
	return nil
}

func setSize(claim map[string]any, owner string) {
	if req, ok := dig(claim, "spec", "resources", "requests").(map[string]any); ok {
		req["storage"] = "__SIZE_" + owner + "__"
	}
}

// entryService is the Service in front: nginx, or the model API.
func entryService(b *builder) string {
	if b.p.Stack.Name == "keras-webpy" {
		return "model"
	}
	return "nginx"
}

// templateEscaper makes every brace pair of generated content literal in a
// Helm template; one pass, so its own output is not rescanned.
var templateEscaper = strings.NewReplacer("{{", `{{ "{{" }}`, "}}", `{{ "}}" }}`)

var (
	phResources = regexp.MustCompile(`(?m)^(\s*)resources: __RES_([a-z0-9-]+)__$`)
	phSC        = regexp.MustCompile(`(?m)^(\s*)storageClassName: __SC__$`)
	phIngClass  = regexp.MustCompile(`(?m)^(\s*)ingressClassName: __INGCLASS__$`)
	phHost      = regexp.MustCompile(`(?m)^(\s*)- host: __HOST__$`)
	phToken     = regexp.MustCompile(`__(IMG|REPL|SIZE)_([a-z0-9_-]+)__`)
)

// placeholders turns the placeholders into template actions. Every value
// goes through quote (strings) or toYaml, so a value can never break the
// YAML around it.
func placeholders(s string) string {
	s = phResources.ReplaceAllStringFunc(s, func(m string) string {
		g := phResources.FindStringSubmatch(m)
		return fmt.Sprintf("%sresources:\n%s  {{- toYaml (index .Values.resources %q) | nindent %d }}", g[1], g[1], g[2], len(g[1])+2)
	})
	s = phSC.ReplaceAllString(s, "$1{{- with .Values.storage.className }}\n${1}storageClassName: {{ . | quote }}\n$1{{- end }}")
	s = phIngClass.ReplaceAllString(s, "$1{{- with .Values.ingress.className }}\n${1}ingressClassName: {{ . | quote }}\n$1{{- end }}")
	s = phHost.ReplaceAllString(s, "$1- {{- with .Values.ingress.host }}\n$1  host: {{ . | quote }}\n$1  {{- end }}")
	s = phToken.ReplaceAllStringFunc(s, func(m string) string {
		g := phToken.FindStringSubmatch(m)
		switch g[1] {
		case "IMG":
			return fmt.Sprintf("{{ index .Values.images %q | quote }}", g[2])
		case "REPL":
			return fmt.Sprintf("{{ index .Values.replicas %q | int }}", g[2])
		default:
			return fmt.Sprintf("{{ index .Values.storage.sizes %q | quote }}", g[2])
		}
	})
	r := strings.NewReplacer(
		"__MEDIAMODE__", "{{ .Values.storage.mediaAccessMode | quote }}",
		"__SECRET__", "{{ .Values.secretName | quote }}",
		"__SVCTYPE__", "{{ .Values.service.type | quote }}",
		"__RELEASE__-migrate", "{{ printf \"%s-migrate\" .Release.Name | trunc 63 | quote }}",
	)
	return r.Replace(s)
}
