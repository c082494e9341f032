package k8s

import (
	"bytes"
	"fmt"
	"regexp"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// Doc is one decoded manifest document.
type Doc struct {
	// Line is where the document starts in its file (1-based).
	Line int
	Kind string
	Name string
	// Object is the typed object (*appsv1.Deployment, ...).
	Object any
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
	line := 1
	parts := docSep.Split(string(file), -1)
	locs := docSep.FindAllIndex(file, -1)
	for i, part := range parts {
		start := line
		if i > 0 {
			start = 1 + bytes.Count(file[:locs[i-1][1]], []byte("\n")) + 1
		}
		if len(bytes.TrimSpace(stripComments([]byte(part)))) == 0 {
			continue
		}
		var tm metav1.TypeMeta
		if err := yaml.Unmarshal([]byte(part), &tm); err != nil {
			return nil, fmt.Errorf("line %d: %v", start, err)
		}
		mk, ok := kinds[tm.APIVersion+"/"+tm.Kind]
		if !ok {
			return nil, fmt.Errorf("line %d: unknown kind %q of apiVersion %q", start, tm.Kind, tm.APIVersion)
		}
		obj := mk()
		if err := yaml.UnmarshalStrict([]byte(part), obj); err != nil {
			return nil, fmt.Errorf("line %d: %s: %v", start, tm.Kind, err)
		}
		var om struct {
			Metadata metav1.ObjectMeta `json:"metadata"`
		}
		_ = yaml.Unmarshal([]byte(part), &om) // already decoded strictly above
		docs = append(docs, Doc{Line: start, Kind: tm.Kind, Name: om.Metadata.Name, Object: obj})
	}
	return docs, nil
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
