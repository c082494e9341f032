package k8s

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/stackgen/stackgen/internal/msg"
)

// Doc is one decoded manifest document.
type Doc struct {
	// Line is where the document starts in its file (1-based).
	Line       int
	APIVersion string
	Kind       string
	Name       string
	// Object is the typed object (*appsv1.Deployment, ...); nil for a kind
	// this package does not know.
	Object any
	// Err is why the document did not decode strictly.
	Err error
}

// kinds are the objects this package writes and validate reads, by
// apiVersion and kind.
var kinds = map[string]func() any{
	"v1/Namespace":                       func() any { return &corev1.Namespace{} },
	"v1/ConfigMap":                       func() any { return &corev1.ConfigMap{} },
	"v1/Secret":                          func() any { return &corev1.Secret{} },
	"v1/Service":                         func() any { return &corev1.Service{} },
	"v1/PersistentVolumeClaim":           func() any { return &corev1.PersistentVolumeClaim{} },
	"v1/Pod":                             func() any { return &corev1.Pod{} },
	"apps/v1/Deployment":                 func() any { return &appsv1.Deployment{} },
	"apps/v1/StatefulSet":                func() any { return &appsv1.StatefulSet{} },
	"apps/v1/DaemonSet":                  func() any { return &appsv1.DaemonSet{} },
	"batch/v1/Job":                       func() any { return &batchv1.Job{} },
	"batch/v1/CronJob":                   func() any { return &batchv1.CronJob{} },
	"networking.k8s.io/v1/Ingress":       func() any { return &networkingv1.Ingress{} },
	"networking.k8s.io/v1/NetworkPolicy": func() any { return &networkingv1.NetworkPolicy{} },
}

var docSep = regexp.MustCompile(`(?m)^---[ \t]*(#.*)?$`)

// DecodeStrict splits a multi-document YAML file and decodes each document
// into its k8s.io/api type, refusing unknown fields, duplicate keys and
// kinds it does not know. Empty documents are skipped.
func DecodeStrict(file []byte) ([]Doc, error) {
	var docs []Doc
	for _, d := range Decode(file) {
		if d.Err != nil {
			return nil, msg.Err("k8s.err.line", msg.Args{"Line": d.Line, "Cause": d.Err.Error()})
		}
		if d.Object == nil {
			return nil, msg.Err("k8s.err.unknown-kind", msg.Args{"Line": d.Line, "Kind": d.Kind, "APIVersion": d.APIVersion})
		}
		docs = append(docs, d)
	}
	return docs, nil
}

// Decode is DecodeStrict that keeps going: each document comes back with
// its own error, and one of a kind this package does not know (a custom
// resource) with a nil Object and no error.
func Decode(file []byte) []Doc {
	var docs []Doc
	parts := docSep.Split(string(file), -1)
	locs := docSep.FindAllIndex(file, -1)
	for i, part := range parts {
		start := 1
		if i > 0 {
			start = bytes.Count(file[:locs[i-1][1]], []byte("\n")) + 2
		}
		if len(bytes.TrimSpace(stripComments([]byte(part)))) == 0 {
			continue
		}
		// Line of the first non-blank line of the document.
		for _, l := range strings.Split(part, "\n") {
			if t := strings.TrimSpace(l); t != "" {
				break
			}
			start++
		}
		if i > 0 {
			start-- // the split leaves the separator's newline at the front
		}
		d := Doc{Line: start}
		var tm metav1.TypeMeta
		if err := yaml.Unmarshal([]byte(part), &tm); err != nil {
			d.Err = err
			docs = append(docs, d)
			continue
		}
		d.APIVersion, d.Kind = tm.APIVersion, tm.Kind
		var om struct {
			Metadata metav1.ObjectMeta `json:"metadata"`
		}
		_ = yaml.Unmarshal([]byte(part), &om) // a broken document is reported below
		d.Name = om.Metadata.Name
		if mk, ok := kinds[tm.APIVersion+"/"+tm.Kind]; ok {
			obj := mk()
			if err := yaml.UnmarshalStrict([]byte(part), obj); err != nil {
				d.Err = fmt.Errorf("%s: %v", tm.Kind, err)
			} else {
				d.Object = obj
			}
		}
		docs = append(docs, d)
	}
	return docs
}

func stripComments(b []byte) []byte {
	var out []byte
	for _, l := range bytes.Split(b, []byte("\n")) {
		if t := bytes.TrimSpace(l); len(t) > 0 && t[0] != '#' {
			out = append(out, l...)
			out = append(out, '\n')
		}
	}
	return out
}
