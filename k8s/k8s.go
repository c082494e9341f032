// Package k8s turns a generated project (its stack definition, answers and
// files) into Kubernetes manifests with a kustomization, a Helm chart, or,
// for onyx, a values file for Onyx's own chart. It is pure: files in, files
// out; writing and flags belong to the export command.
//
// Objects are built from the k8s.io/api types, so every field exists in the
// API's schema by construction; the tests decode the output strictly again
// and the e2e test hands it to a real kube-apiserver.
package k8s

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"

	"github.com/stackgen/stackgen/fileset"
	"github.com/stackgen/stackgen/project"
	"github.com/stackgen/stackgen/stack"

	"github.com/stackgen/stackgen/internal/msg"
)

// Service types the entry may use instead of an Ingress.
const (
	ServiceClusterIP    = "ClusterIP"
	ServiceLoadBalancer = "LoadBalancer"
	ServiceNodePort     = "NodePort"
)

// Access modes of the shared media volume.
const (
	ReadWriteMany = "ReadWriteMany"
	ReadWriteOnce = "ReadWriteOnce"
)

// SecretEnvFile is the kustomize secretGenerator source export writes
// (mode 0600, git-ignored by the .gitignore written beside it).
const SecretEnvFile = "secret.env"

// DefaultSecretName is the Secret the manifests read (kustomize appends a
// content hash, so pods roll when a secret changes).
const DefaultSecretName = "app-secrets"

// Options are the choices of an export that are not stack answers.
type Options struct {
	// Namespace of every object (default: the project's name).
	Namespace string
	// IngressClass, when the entry is an Ingress, is its ingressClassName.
	IngressClass string
	// ServiceType, when not empty, makes the entry's Service of this type
	// (LoadBalancer or NodePort) instead of writing an Ingress.
	ServiceType string
	// StorageClass of every claim ("" = the cluster's default class).
	StorageClass string
	// MediaAccessMode of the volume web and nginx share (ReadWriteMany by
	// default; ReadWriteOnce works when both pods run on one node).
	MediaAccessMode string
	// SecretName, when set, references an existing Secret instead of
	// generating one from secret.env.
	SecretName string
	// Images overrides image references by the stack's image key (e.g. a
	// pushed reference with a digest).
	Images map[string]string
	// Helm writes a chart instead of plain manifests (onyx always gets the
	// values file of Onyx's own chart).
	Helm bool
}

// Source is a generated project as export reads it.
type Source struct {
	Stack   *stack.Definition
	Answers stack.Answers
	// Files holds the project's files (.env and the configs), read as the
	// user keeps them: edits to nginx.conf or my.cnf reach the ConfigMaps.
	Files fs.FS
}

var dnsLabel = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

// CheckOptions reports the first option that cannot work, in one line.
func CheckOptions(o Options) error {
	if o.Namespace != "" && (len(o.Namespace) > 63 || !dnsLabel.MatchString(o.Namespace)) {
		return msg.Err("k8s.err.namespace", msg.Args{"Namespace": o.Namespace})
	}
	switch o.ServiceType {
	case "", ServiceLoadBalancer, ServiceNodePort:
	default:
		return msg.Err("k8s.err.service-type", msg.Args{"Type": o.ServiceType})
	}
	if o.ServiceType != "" && o.IngressClass != "" {
		return msg.Err("k8s.err.entry-twice")
	}
	if o.IngressClass != "" && !dnsSubdomain(o.IngressClass) {
		return msg.Err("k8s.err.class-name", msg.Args{"Flag": "--ingress-class", "Value": o.IngressClass})
	}
	if o.StorageClass != "" && !dnsSubdomain(o.StorageClass) {
		return msg.Err("k8s.err.class-name", msg.Args{"Flag": "--storage-class", "Value": o.StorageClass})
	}
	switch o.MediaAccessMode {
	case "", ReadWriteMany, ReadWriteOnce:
	default:
		return msg.Err("k8s.err.access-mode", msg.Args{"Mode": o.MediaAccessMode})
	}
	if o.SecretName != "" && !dnsSubdomain(o.SecretName) {
		return msg.Err("k8s.err.secret-name", msg.Args{"Name": o.SecretName})
	}
	for k, ref := range o.Images {
		if err := stack.CheckImageRef(ref); err != nil {
			return msg.Err("k8s.err.image", msg.Args{"Key": k, "Err": err})
		}
	}
	return nil
}

func dnsSubdomain(s string) bool {
	if len(s) > 253 {
		return false
	}
	for _, part := range strings.Split(s, ".") {
		if !dnsLabel.MatchString(part) {
			return false
		}
	}
	return true
}

// Export writes what the project's stack deploys with on Kubernetes: for
// onyx the values file of Onyx's own chart, for the other stacks plain
// manifests with a kustomization, or a chart with o.Helm.
func Export(p Source, o Options) (fileset.Set, error) {
	if p.Stack != nil && p.Stack.Name == "onyx" {
		return OnyxValues(p, o)
	}
	if o.Helm {
		return Chart(p, o)
	}
	return Manifests(p, o)
}

// Manifests writes the plain manifests and kustomization of p.
func Manifests(p Source, o Options) (fileset.Set, error) {
	if err := CheckOptions(o); err != nil {
		return nil, err
	}
	b, err := builderFor(p, o)
	if err != nil {
		return nil, err
	}
	return b.manifests()
}

// builderFor returns the stack's object builder.
func builderFor(p Source, o Options) (*builder, error) {
	if p.Stack == nil {
		return nil, msg.Err("k8s.err.no-stack")
	}
	env, err := readEnv(p)
	if err != nil {
		return nil, err
	}
	b := &builder{p: p, o: o, env: env, images: p.Stack.ResolveImages(p.Answers)}
	for k, v := range o.Images {
		if _, ok := b.images[k]; !ok {
			return nil, msg.Err("k8s.err.unknown-image", msg.Args{"Key": k, "Stack": p.Stack.Name, "Images": strings.Join(sortedKeys(b.images), ", ")})
		}
		b.images[k] = v
	}
	switch p.Stack.Name {
	case "django-uwsgi":
		b.app = p.Answers["project"]
		b.objects = djangoObjects
	case "keras-webpy":
		b.app = p.Answers["model_name"]
		b.objects = kerasObjects
	default:
		return nil, msg.Err("k8s.err.no-manifests", msg.Args{"Stack": p.Stack.Name})
	}
	if b.o.Namespace == "" {
		b.o.Namespace = strings.ReplaceAll(strings.ToLower(b.app), "_", "-")
	}
	if !dnsLabel.MatchString(b.o.Namespace) || len(b.o.Namespace) > 63 {
		return nil, msg.Err("k8s.err.project-namespace", msg.Args{"Name": b.app})
	}
	if b.o.MediaAccessMode == "" {
		b.o.MediaAccessMode = ReadWriteMany
	}
	return b, nil
}

// readEnv reads the project's .env: the secrets for secret.env and the
// settings the containers get. A stack without one (keras-webpy without a
// token) has none.
func readEnv(p Source) (map[string]string, error) {
	raw, err := fs.ReadFile(p.Files, ".env")
	if err != nil {
		if len(p.Stack.Secrets) > 0 && needsEnv(p) {
			return nil, msg.Err("k8s.err.no-dotenv", msg.Args{"Cause": err.Error()})
		}
		return map[string]string{}, nil
	}
	return project.ParseEnv(string(raw)), nil
}

func needsEnv(p Source) bool {
	if p.Stack.Name == "keras-webpy" {
		return p.Answers.Bool("api_token")
	}
	return true
}

// builder holds one export's inputs and derived names.
type builder struct {
	p       Source
	o       Options
	env     map[string]string
	images  map[string]string
	app     string
	objects func(*builder) ([]object, error)
	// secretKeys are the .env keys that go to the Secret, in order.
	secretKeys []string
	// noSecret: these answers use no secret, so no Secret is generated.
	noSecret bool
}

// object is one manifest document and the file it goes to.
type object struct {
	file string
	obj  any
}

// secretName is the Secret the pods read.
func (b *builder) secretName() string {
	if b.o.SecretName != "" {
		return b.o.SecretName
	}
	return DefaultSecretName
}

// generatesSecret: the Secret comes from secret.env through kustomize.
func (b *builder) generatesSecret() bool { return b.o.SecretName == "" && !b.noSecret }

// envValue is a non-secret setting from .env; a missing one is an error
// that names the file and the key.
func (b *builder) envValue(key string) (string, error) {
	v, ok := b.env[key]
	if !ok {
		return "", msg.Err("k8s.err.env-missing", msg.Args{"Key": key})
	}
	return v, nil
}

// secretRef is an environment variable read from the Secret.
func (b *builder) secretRef(name, key string) corev1.EnvVar {
	return corev1.EnvVar{Name: name, ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
		LocalObjectReference: corev1.LocalObjectReference{Name: b.secretName()}, Key: key,
	}}}
}

func (b *builder) manifests() (fileset.Set, error) {
	objs, err := b.objects(b)
	if err != nil {
		return nil, err
	}
	byFile := map[string][]any{}
	var files []string
	for _, o := range objs {
		if _, ok := byFile[o.file]; !ok {
			files = append(files, o.file)
		}
		byFile[o.file] = append(byFile[o.file], o.obj)
	}
	var set fileset.Set
	for _, f := range files {
		doc, err := marshalDocs(byFile[f])
		if err != nil {
			return nil, err
		}
		set = append(set, fileset.File{Path: f, Mode: 0o644, Content: doc})
	}
	kust, err := b.kustomization(files)
	if err != nil {
		return nil, err
	}
	set = append(set, fileset.File{Path: "kustomization.yaml", Mode: 0o644, Content: kust})
	secret, err := b.secretFiles()
	if err != nil {
		return nil, err
	}
	set = append(set, secret...)
	set.Sort()
	return set, nil
}

// secretFiles are the Secret's source, 0600, and the .gitignore that keeps
// it out of a repository, when the export makes the Secret itself.
func (b *builder) secretFiles() ([]fileset.File, error) {
	if !b.generatesSecret() {
		return nil, nil
	}
	se, err := b.secretEnv()
	if err != nil {
		return nil, err
	}
	return []fileset.File{
		{Path: SecretEnvFile, Mode: 0o600, Content: se},
		{Path: ".gitignore", Mode: 0o644, Content: []byte(comment(fileLang(b.p.Answers).T("k8s.file.gitignore")) + SecretEnvFile + "\n")},
	}, nil
}

// secretEnv is the secretGenerator's source: KEY=VALUE lines, which
// kustomize reads literally (no quotes, no escapes), so a value that
// kustomize would change is refused.
func (b *builder) secretEnv() ([]byte, error) {
	var s strings.Builder
	s.WriteString(comment(fileLang(b.p.Answers).T("k8s.file.secret-env")))
	for _, k := range b.secretKeys {
		v, ok := b.env[k]
		if !ok || v == "" {
			return nil, msg.Err("k8s.err.env-empty", msg.Args{"Key": k})
		}
		if strings.ContainsAny(v, "\r\n") || strings.TrimSpace(v) != v {
			return nil, msg.Err("k8s.err.env-value", msg.Args{"Key": k})
		}
		fmt.Fprintf(&s, "%s=%s\n", k, v)
	}
	return []byte(s.String()), nil
}

// kustomization lists the resources and the Secret's generator. Its
// content is checked by kubectl (kustomize) in the e2e test; it is written
// as a map because the kustomize types are not a dependency here.
func (b *builder) kustomization(files []string) ([]byte, error) {
	k := map[string]any{
		"apiVersion": "kustomize.config.k8s.io/v1beta1",
		"kind":       "Kustomization",
		"namespace":  b.o.Namespace,
		"resources":  files,
		"labels": []any{map[string]any{
			"pairs":            map[string]string{"app.kubernetes.io/managed-by": "stackgen"},
			"includeSelectors": false,
		}},
	}
	if b.generatesSecret() {
		k["secretGenerator"] = []any{map[string]any{
			"name": DefaultSecretName,
			"type": "Opaque",
			"envs": []string{SecretEnvFile},
		}}
	}
	out, err := yaml.Marshal(k)
	if err != nil {
		return nil, err
	}
	l := fileLang(b.p.Answers)
	header := comment(l.T("k8s.file.kustomize-apply"))
	if b.o.SecretName != "" && !b.noSecret {
		header += comment(l.T("k8s.file.kustomize-secret", msg.Args{"Secret": b.o.SecretName, "Namespace": b.o.Namespace, "Keys": strings.Join(b.secretKeys, ", ")}))
	}
	return append([]byte(header), out...), nil
}

// marshalDocs writes objects as one multi-document YAML file, without the
// empty status and null timestamps the typed structs carry.
func marshalDocs(objs []any) ([]byte, error) {
	var out []byte
	for i, o := range objs {
		j, err := json.Marshal(o)
		if err != nil {
			return nil, err
		}
		var m map[string]any
		if err := json.Unmarshal(j, &m); err != nil {
			return nil, err
		}
		delete(m, "status") // never set by export: it is the cluster's to write
		prune(m)
		y, err := yaml.Marshal(m)
		if err != nil {
			return nil, err
		}
		if i > 0 {
			out = append(out, "---\n"...)
		}
		out = append(out, y...)
	}
	return out, nil
}

// prune drops what the typed structs always write but that says nothing:
// null values (creationTimestamp: null) and empty status blocks. Other
// empty maps stay: podSelector: {} and emptyDir: {} mean something.
func prune(m map[string]any) {
	for k, v := range m {
		switch x := v.(type) {
		case nil:
			delete(m, k)
		case map[string]any:
			prune(x)
			if k == "status" && len(x) == 0 {
				delete(m, k)
			}
		case []any:
			for _, e := range x {
				if em, ok := e.(map[string]any); ok {
					prune(em)
				}
			}
		}
	}
}

// labels of one component.
func (b *builder) labels(component string) map[string]string {
	return map[string]string{
		"app.kubernetes.io/name":      component,
		"app.kubernetes.io/instance":  b.app,
		"app.kubernetes.io/component": component,
		"app.kubernetes.io/part-of":   b.p.Stack.Name,
	}
}

// selector is the stable subset of labels a workload selects its pods by.
func (b *builder) selector(component string) *metav1.LabelSelector {
	return &metav1.LabelSelector{MatchLabels: map[string]string{
		"app.kubernetes.io/name":     component,
		"app.kubernetes.io/instance": b.app,
	}}
}

func (b *builder) meta(name, component string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Labels: b.labels(component)}
}

// configMap is a ConfigMap named name-<content hash>, so a pod that mounts
// it rolls when the content changes; the name is returned for the mount.
func (b *builder) configMap(name, component string, data map[string]string) (string, *corev1.ConfigMap) {
	full := name + "-" + contentHash(data)
	return full, &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: b.meta(full, component),
		Data:       data,
	}
}

// fileData reads project files into ConfigMap data, keyed by base name.
func (b *builder) fileData(paths map[string]string) (map[string]string, error) {
	out := map[string]string{}
	for key, p := range paths {
		raw, err := fs.ReadFile(b.p.Files, p)
		if err != nil {
			return nil, msg.Err("k8s.err.config-read", msg.Args{"File": p, "Cause": err.Error()})
		}
		out[key] = string(raw)
	}
	return out, nil
}

// contentHash is the first 10 hex digits of the SHA-256 of data, in key order.
func contentHash(data map[string]string) string {
	h := sha256.New()
	for _, k := range sortedKeys(data) {
		fmt.Fprintf(h, "%d:%s%d:%s", len(k), k, len(data[k]), data[k])
	}
	return hex.EncodeToString(h.Sum(nil))[:10]
}

func sortedKeys[V any](m map[string]V) []string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// health is a compose health check's timing, in seconds.
type health struct {
	interval, timeout, retries, startPeriod int32
}

// probes maps a compose health check to Kubernetes' three probes:
//
//   - startupProbe runs the health check every 5 s for twice compose's
//     start period plus its retries: the kubelet restarts a container that
//     fails it, where compose only marks it unhealthy, so the budget is
//     generous;
//   - readinessProbe runs the same check at compose's interval and retries
//     and only takes the pod out of its Service;
//   - livenessProbe asks only whether the process listens (TCP), at twice
//     the interval and twice the retries, so a pod that is busy or waiting
//     for its database is not restarted (its readiness says that).
func probes(h health, check corev1.ProbeHandler, port int32) (startup, ready, live *corev1.Probe) {
	const startPeriod = 5
	budget := 2*h.startPeriod + h.interval*h.retries
	startup = &corev1.Probe{
		ProbeHandler:     check,
		PeriodSeconds:    startPeriod,
		TimeoutSeconds:   h.timeout,
		FailureThreshold: (budget + startPeriod - 1) / startPeriod,
	}
	ready = &corev1.Probe{
		ProbeHandler:     check,
		PeriodSeconds:    h.interval,
		TimeoutSeconds:   h.timeout,
		FailureThreshold: h.retries,
	}
	live = &corev1.Probe{
		ProbeHandler:     corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(port)}},
		PeriodSeconds:    2 * h.interval,
		TimeoutSeconds:   h.timeout,
		FailureThreshold: 2 * h.retries,
	}
	return startup, ready, live
}

func execCheck(cmd ...string) corev1.ProbeHandler {
	return corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: cmd}}
}

// appUID is the user the images stackgen builds run as (USER in their
// Dockerfiles).
const appUID = 10001

// appPodSecurity is the pod security of the images stackgen builds: they
// run as 10001, so runAsNonRoot holds, and fsGroup makes the shared
// volume writable by that user.
func appPodSecurity() *corev1.PodSecurityContext {
	return &corev1.PodSecurityContext{
		RunAsNonRoot:   ptr(true),
		RunAsUser:      ptr[int64](appUID),
		RunAsGroup:     ptr[int64](appUID),
		FSGroup:        ptr[int64](appUID),
		SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
	}
}

// appContainerSecurity: a non-root process without file capabilities has
// no use for any capability, and no-new-privileges keeps it from gaining
// one, so dropping ALL is safe for the images stackgen builds.
// readOnlyRoot is set only where the compose stack already runs the image
// read-only (keras-webpy), i.e. where it is proven.
func appContainerSecurity(readOnlyRoot bool) *corev1.SecurityContext {
	return &corev1.SecurityContext{
		AllowPrivilegeEscalation: ptr(false),
		ReadOnlyRootFilesystem:   ptr(readOnlyRoot),
		Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
	}
}

// officialPodSecurity is for the official database, cache and nginx
// images, which start as root (the entrypoint owns the data directory,
// then drops to its own user with gosu; nginx's master binds port 80 and
// its workers run as nginx). runAsNonRoot would stop them, and which
// capabilities they need is not proven here, so only the seccomp profile
// and no-new-privileges are set.
func officialPodSecurity() *corev1.PodSecurityContext {
	return &corev1.PodSecurityContext{SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}}
}

func officialContainerSecurity() *corev1.SecurityContext {
	return &corev1.SecurityContext{AllowPrivilegeEscalation: ptr(false)}
}

func resources(cpuReq, memReq, memLimit string) corev1.ResourceRequirements {
	// No CPU limit: it throttles a busy pod long before it helps a neighbour;
	// the request is what the scheduler reserves.
	return corev1.ResourceRequirements{
		Requests: corev1.ResourceList{
			corev1.ResourceCPU:    resource.MustParse(cpuReq),
			corev1.ResourceMemory: resource.MustParse(memReq),
		},
		Limits: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse(memLimit)},
	}
}

// claim is a PersistentVolumeClaim spec of size with the export's class.
func (b *builder) claimSpec(size, mode string) corev1.PersistentVolumeClaimSpec {
	s := corev1.PersistentVolumeClaimSpec{
		AccessModes: []corev1.PersistentVolumeAccessMode{corev1.PersistentVolumeAccessMode(mode)},
		Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{
			corev1.ResourceStorage: resource.MustParse(size),
		}},
	}
	if b.o.StorageClass != "" {
		s.StorageClassName = ptr(b.o.StorageClass)
	}
	return s
}

func ptr[T any](v T) *T { return &v }
