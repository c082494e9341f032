package validate

import (
	"bytes"
	"path"
	"sort"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/stackgen/stackgen/fileset"
	"github.com/stackgen/stackgen/internal/imagerole"
	"github.com/stackgen/stackgen/internal/msg"
	"github.com/stackgen/stackgen/k8s"
)

// Rules about Kubernetes manifests: any YAML file (not a compose file or a
// kustomization) whose documents carry apiVersion and kind, decoded with
// the k8s.io/api types.

// manifestDoc is one decoded document and where it is.
type manifestDoc struct {
	file string
	k8s.Doc
}

// workload is a pod template and the claims its controller makes for it.
type workload struct {
	doc    manifestDoc
	spec   corev1.PodSpec
	claims map[string]bool // volumeClaimTemplates, by name
}

// isManifest reports whether a file is a Kubernetes manifest by name and
// content: YAML with a top-level apiVersion and kind.
func isManifest(f fileset.File) bool {
	ext := path.Ext(f.Path)
	if ext != ".yaml" && ext != ".yml" {
		return false
	}
	base := path.Base(f.Path)
	if isComposeBase(f.Path) || isComposeOverlay(f.Path) || strings.HasPrefix(base, "kustomization.") || strings.HasSuffix(base, "values.yaml") || base == "Chart.yaml" {
		return false
	}
	top := func(key string) bool {
		return bytes.HasPrefix(f.Content, []byte(key)) || bytes.Contains(f.Content, []byte("\n"+key))
	}
	return top("apiVersion:") && top("kind:")
}

// HasManifests reports whether the set has Kubernetes manifests validate
// reads, so a directory of manifests is validated without a compose file.
func HasManifests(set fileset.Set) bool {
	for _, f := range set {
		if isManifest(f) {
			return true
		}
	}
	return false
}

func (p *parsedSet) loadManifests() {
	// A Helm chart's templates are Go templates, not manifests, until
	// rendered: everything under a folder with a Chart.yaml is left alone.
	var charts []string
	for _, f := range p.set {
		if path.Base(f.Path) == "Chart.yaml" {
			charts = append(charts, path.Dir(f.Path))
		}
	}
	inChart := func(file string) bool {
		for _, c := range charts {
			if c == "." || strings.HasPrefix(file, c+"/") {
				return true
			}
		}
		return false
	}
	for _, f := range p.set {
		if !isManifest(f) || inChart(f.Path) {
			continue
		}
		for _, d := range k8s.Decode(f.Content) {
			if d.Kind == "" && d.Err == nil {
				continue
			}
			p.manifests = append(p.manifests, manifestDoc{file: f.Path, Doc: d})
		}
	}
}

// workloads are the pod templates of the decoded manifests.
func (p *parsedSet) workloads() []workload {
	var out []workload
	for _, d := range p.manifests {
		w := workload{doc: d, claims: map[string]bool{}}
		switch o := d.Object.(type) {
		case *appsv1.Deployment:
			w.spec = o.Spec.Template.Spec
		case *appsv1.StatefulSet:
			w.spec = o.Spec.Template.Spec
			for _, c := range o.Spec.VolumeClaimTemplates {
				w.claims[c.Name] = true
			}
		case *appsv1.DaemonSet:
			w.spec = o.Spec.Template.Spec
		case *batchv1.Job:
			w.spec = o.Spec.Template.Spec
		case *batchv1.CronJob:
			w.spec = o.Spec.JobTemplate.Spec.Template.Spec
		case *corev1.Pod:
			w.spec = o.Spec
		default:
			continue
		}
		out = append(out, w)
	}
	return out
}

func (w workload) where() string { return w.doc.Kind + " " + w.doc.Name }

func checkK8sSchema(p *parsedSet) []Finding {
	var out []Finding
	for _, d := range p.manifests {
		switch {
		case d.Err != nil && d.Kind == "":
			out = append(out, tr(d.file, d.Line, "validate.k8s-schema.yaml", msg.Args{"Err": firstLine(d.Err.Error())}))
		case d.Err != nil:
			out = append(out, tr(d.file, d.Line, "validate.k8s-schema.decode", msg.Args{"Kind": d.Kind, "Name": d.Name, "Err": firstLine(d.Err.Error())}))
		}
	}
	return out
}

// dataDirs are where each data store keeps its data, by image name.
var dataDirs = map[string]string{
	"mysql": "/var/lib/mysql", "mariadb": "/var/lib/mysql", "percona": "/var/lib/mysql",
	"postgres": "/var/lib/postgresql", "postgis": "/var/lib/postgresql", "pgvector": "/var/lib/postgresql", "timescaledb": "/var/lib/postgresql",
	"redis": "/data", "valkey": "/data", "keydb": "/data",
	"mongo": "/data/db", "mongodb": "/data/db",
	"elasticsearch": "/usr/share/elasticsearch/data", "opensearch": "/usr/share/opensearch/data",
	"vespa": "/opt/vespa/var", "minio": "/data", "etcd": "/var/lib/etcd", "rabbitmq": "/var/lib/rabbitmq",
}

// ephemeral reports a data store that keeps nothing on purpose: memcached,
// or redis run with persistence off (--save "").
func ephemeral(c corev1.Container) bool {
	if parseImageRef(c.Image).name == "memcached" {
		return true
	}
	args := append(append([]string{}, c.Command...), c.Args...)
	for i, a := range args {
		if a == "--save" && i+1 < len(args) && (args[i+1] == "" || args[i+1] == `""`) {
			return true
		}
	}
	return false
}

func checkK8sDBWithoutClaim(p *parsedSet) []Finding {
	var out []Finding
	for _, w := range p.workloads() {
		pvc := map[string]bool{}
		for _, v := range w.spec.Volumes {
			if v.PersistentVolumeClaim != nil || (v.Ephemeral != nil && v.Ephemeral.VolumeClaimTemplate != nil) {
				pvc[v.Name] = true
			}
		}
		for name := range w.claims {
			pvc[name] = true
		}
		for _, c := range w.spec.Containers {
			if f, _, ok := imagerole.FromRef(c.Image); !ok || !f.Role.HoldsData() || ephemeral(c) {
				continue
			}
			dir := dataDirs[parseImageRef(c.Image).name]
			covered := false
			for _, m := range c.VolumeMounts {
				if pvc[m.Name] && (dir == "" || m.MountPath == dir || strings.HasPrefix(dir, strings.TrimSuffix(m.MountPath, "/")+"/") || strings.HasPrefix(m.MountPath, dir+"/")) {
					covered = true
				}
			}
			if !covered {
				var where any = msg.Sub{ID: "validate.k8s-db-without-claim.data-dir"}
				if dir != "" {
					where = dir
				}
				out = append(out, tr(w.doc.file, w.doc.Line, "validate.k8s-db-without-claim.msg", msg.Args{"Workload": w.where(), "Image": c.Image, "Dir": where}))
			}
		}
	}
	return out
}

func checkK8sSecretInConfigMap(p *parsedSet) []Finding {
	var out []Finding
	for _, d := range p.manifests {
		cm, ok := d.Object.(*corev1.ConfigMap)
		if !ok {
			continue
		}
		for _, k := range sortedMapKeys(cm.Data) {
			v := cm.Data[k]
			switch {
			case isSecretKey(k) && isLiteralSecret(v) && !strings.Contains(v, "\n"):
				out = append(out, tr(d.file, d.Line, "validate.k8s-secret-in-configmap.literal", msg.Args{"Name": cm.Name, "Key": k}))
			case urlPassword.MatchString(v):
				out = append(out, tr(d.file, d.Line, "validate.k8s-secret-in-configmap.url", msg.Args{"Name": cm.Name, "Key": k}))
			}
		}
	}
	return out
}

// livenessBudget is how long a container may take to start before its
// liveness probe, without a startup probe, restarts it.
func livenessBudget(pr *corev1.Probe) int32 {
	period, failures := pr.PeriodSeconds, pr.FailureThreshold
	if period == 0 {
		period = 10 // the API's defaults
	}
	if failures == 0 {
		failures = 3
	}
	return pr.InitialDelaySeconds + period*failures
}

// slowStartBudget is the least start-up time a liveness probe must allow
// when no startup probe guards the start: a database's first start or an
// app's migrations take longer than the API's default 30 s.
const slowStartBudget = 60

func checkK8sLivenessKillsStart(p *parsedSet) []Finding {
	var out []Finding
	for _, w := range p.workloads() {
		for _, c := range w.spec.Containers {
			if c.LivenessProbe == nil || c.StartupProbe != nil {
				continue
			}
			if b := livenessBudget(c.LivenessProbe); b < slowStartBudget {
				out = append(out, tr(w.doc.file, w.doc.Line, "validate.k8s-liveness-kills-start.msg", msg.Args{"Workload": w.where(), "Container": c.Name, "Seconds": b}))
			}
		}
	}
	return out
}

func checkK8sImageLatest(p *parsedSet) []Finding {
	var out []Finding
	for _, w := range p.workloads() {
		for _, c := range append(append([]corev1.Container{}, w.spec.InitContainers...), w.spec.Containers...) {
			if unpinned(c.Image) {
				out = append(out, tr(w.doc.file, w.doc.Line, "validate.k8s-image-latest.msg", msg.Args{"Workload": w.where(), "Container": c.Name, "Image": q(c.Image)}))
			}
		}
	}
	return out
}

func sortedMapKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
