package k8s

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/stackgen/stackgen/fileset"
	"github.com/stackgen/stackgen/stack"

	"github.com/stackgen/stackgen/internal/msg"
)

// Onyx ships its own Helm chart (deployment/helm/charts/onyx in Onyx's
// repository); export writes a values file for it instead of a second
// implementation of Onyx on Kubernetes.
//
// OnyxChartVersion is the chart release whose values.yaml these keys come
// from: "onyx-stack" 0.2.1, the Vespa-based line this stack deploys (the
// chart's later 0.8 line replaced Vespa with OpenSearch, as Onyx v4 did).
const OnyxChartVersion = "0.2.1"

// OnyxSecretName is the Secret the chart reads (auth.existingSecret).
const OnyxSecretName = "onyx-secrets"

// OnyxValuesFile is the values file export writes.
const OnyxValuesFile = "onyx-values.yaml"

// onyxValues is the subset of the chart's values this export sets. Strict
// decoding into it in the tests keeps the file to keys the chart has.
type onyxValues struct {
	Global struct {
		Version    string `json:"version"`
		PullPolicy string `json:"pullPolicy"`
	} `json:"global"`
	Postgresql struct {
		Primary struct {
			Persistence struct {
				StorageClass string `json:"storageClass"`
			} `json:"persistence"`
		} `json:"primary"`
		Auth struct {
			ExistingSecret string `json:"existingSecret"`
		} `json:"auth"`
	} `json:"postgresql"`
	Vespa struct {
		VolumeClaimTemplates []corev1.PersistentVolumeClaim `json:"volumeClaimTemplates"`
	} `json:"vespa"`
	Persistent struct {
		StorageClassName string `json:"storageClassName"`
	} `json:"persistent"`
	InferenceCapability onyxImageValues `json:"inferenceCapability"`
	IndexCapability     onyxImageValues `json:"indexCapability"`
	Webserver           onyxImageValues `json:"webserver"`
	API                 onyxImageValues `json:"api"`
	CelineryShared      onyxImageValues `json:"celery_shared"`
	Slackbot            struct {
		Enabled bool `json:"enabled"`
	} `json:"slackbot"`
	Nginx struct {
		ExtraEnvVars []corev1.EnvVar `json:"extraEnvVars"`
		Service      struct {
			Type string `json:"type"`
		} `json:"service"`
	} `json:"nginx"`
	Ingress struct {
		Enabled   bool   `json:"enabled"`
		ClassName string `json:"className,omitempty"`
		API       *struct {
			Host string `json:"host"`
		} `json:"api,omitempty"`
		Webserver *struct {
			Host string `json:"host"`
		} `json:"webserver,omitempty"`
	} `json:"ingress"`
	Auth struct {
		ExistingSecret string `json:"existingSecret"`
	} `json:"auth"`
	ConfigMap map[string]string `json:"configMap"`
}

type onyxImageValues struct {
	Image struct {
		Repository string `json:"repository"`
		Tag        string `json:"tag"`
	} `json:"image"`
}

// onyxSecretKeys maps the chart's secret keys (auth.secretKeys of 0.2.1)
// to the .env keys holding their values.
var onyxSecretKeys = [][2]string{
	{"postgres_password", "POSTGRES_PASSWORD"},
	{"redis_password", "REDIS_PASSWORD"},
	{"s3_aws_access_key_id", "MINIO_ROOT_USER"},
	{"s3_aws_secret_access_key", "MINIO_ROOT_PASSWORD"},
}

// OnyxValues writes the values file for Onyx's chart, the secret.env the
// chart's Secret is made from, and (for the v2 chart) NetworkPolicies for
// the data tier. The chart follows the Onyx line: v2 projects get chart
// 0.2.1's values, v4 projects chart OnyxV4ChartVersion's.
func OnyxValues(p Source, o Options) (fileset.Set, error) {
	if err := CheckOptions(o); err != nil {
		return nil, err
	}
	if !onyxLegacy(p.Answers) {
		return onyxV4Values(p, o)
	}
	return onyxV2Values(p, o)
}

// OnyxChartFor is the version of Onyx's chart the values for answers a
// target.
func OnyxChartFor(a stack.Answers) string {
	if onyxLegacy(a) {
		return OnyxChartVersion
	}
	return OnyxV4ChartVersion
}

func onyxLegacy(a stack.Answers) bool { return strings.HasPrefix(a["onyx_version"], "v2.") }

// onyxImages are the project's image references with o.Images applied;
// source mode needs the built images pushed first.
func onyxImages(p Source, o Options) (map[string]string, error) {
	a := p.Answers
	if a["mode"] == "source" {
		for _, k := range []string{"backend", "web_server", "model_server"} {
			if o.Images[k] == "" {
				return nil, msg.Err("k8s.err.source-image", msg.Args{"Key": k})
			}
		}
	}
	images := p.Stack.ResolveImages(a)
	for k, v := range o.Images {
		if _, ok := images[k]; !ok {
			return nil, msg.Err("k8s.err.unknown-image", msg.Args{"Key": k, "Stack": "onyx", "Images": strings.Join(sortedKeys(images), ", ")})
		}
		images[k] = v
	}
	return images, nil
}

// repoTag splits an image reference into the repository and tag both
// charts take. They join the two with ":", so a digest rides in the tag:
// NAME:TAG@sha256:... is a reference the kubelet pulls by digest.
func repoTag(key, ref string) (string, string, error) {
	name, tag, digest := stack.SplitRef(ref)
	if digest == "" {
		return name, tag, nil
	}
	if tag == "" {
		return "", "", msg.Err("k8s.err.digest-tag", msg.Args{"Key": key, "Digest": digest})
	}
	return name, tag + "@" + digest, nil
}

// onyxSecretEnv writes secret.env: pairs of the chart's secret key and
// the .env key holding its value ("=VALUE" gives a fixed value).
func onyxSecretEnv(l *msg.Localizer, env map[string]string, pairs [][2]string) (string, error) {
	var se strings.Builder
	se.WriteString(comment(l.T("k8s.file.onyx-secret-env", msg.Args{"Secret": OnyxSecretName})))
	for _, k := range pairs {
		val, ok := env[k[1]]
		if fixed, isFixed := strings.CutPrefix(k[1], "="); isFixed {
			val, ok = fixed, true
		}
		if !ok || val == "" {
			return "", msg.Err("k8s.err.env-empty", msg.Args{"Key": k[1]})
		}
		if strings.ContainsAny(val, "\r\n") || strings.TrimSpace(val) != val {
			return "", msg.Err("k8s.err.env-value", msg.Args{"Key": k[1]})
		}
		fmt.Fprintf(&se, "%s=%s\n", k[0], val)
	}
	return se.String(), nil
}

// onyxV2Values writes the values of chart 0.2.1 (Vespa).
func onyxV2Values(p Source, o Options) (fileset.Set, error) {
	a := p.Answers
	env, err := readEnv(p)
	if err != nil {
		return nil, err
	}
	images, err := onyxImages(p, o)
	if err != nil {
		return nil, err
	}
	var v onyxValues
	v.Global.Version = a["onyx_version"]
	v.Global.PullPolicy = "IfNotPresent"
	for _, c := range []struct {
		dst *onyxImageValues
		key string
	}{
		{&v.API, "backend"}, {&v.CelineryShared, "backend"}, {&v.Webserver, "web_server"},
		{&v.InferenceCapability, "model_server"}, {&v.IndexCapability, "model_server"},
	} {
		name, tag, err := repoTag(c.key, images[c.key])
		if err != nil {
			return nil, err
		}
		c.dst.Image.Repository, c.dst.Image.Tag = name, tag
	}
	// The compose stack runs no Slack bot.
	v.Slackbot.Enabled = false
	sc := o.StorageClass
	v.Postgresql.Primary.Persistence.StorageClass = sc
	v.Persistent.StorageClassName = sc
	// The list replaces the chart's whole default, so it is written in full.
	vespaClaim := corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: "vespa-storage"},
		Spec:       (&builder{o: o}).claimSpec("30Gi", ReadWriteOnce),
	}
	if sc == "" {
		vespaClaim.Spec.StorageClassName = ptr("")
	}
	v.Vespa.VolumeClaimTemplates = []corev1.PersistentVolumeClaim{vespaClaim}
	v.Postgresql.Auth.ExistingSecret = OnyxSecretName
	v.Auth.ExistingSecret = OnyxSecretName
	domain := a["domain"]
	v.Nginx.ExtraEnvVars = []corev1.EnvVar{{Name: "DOMAIN", Value: domain}}
	if o.ServiceType != "" {
		v.Nginx.Service.Type = o.ServiceType
	} else {
		v.Nginx.Service.Type = ServiceClusterIP
		v.Ingress.Enabled = true
		v.Ingress.ClassName = o.IngressClass
		v.Ingress.API = &struct {
			Host string `json:"host"`
		}{domain}
		v.Ingress.Webserver = &struct {
			Host string `json:"host"`
		}{domain}
	}
	v.ConfigMap = map[string]string{"AUTH_TYPE": a["auth"]}
	if id := a["oauth_client_id"]; id != "" {
		v.ConfigMap["OAUTH_CLIENT_ID"] = id
	}
	if u := a["openid_config_url"]; u != "" {
		v.ConfigMap["OPENID_CONFIG_URL"] = u
	}

	body, err := marshalDocs([]any{v})
	if err != nil {
		return nil, err
	}
	l := fileLang(p.Answers)
	header := comment(l.T("k8s.file.onyx-v2-values", msg.Args{"Chart": OnyxChartVersion, "Secret": OnyxSecretName, "File": OnyxValuesFile}))

	se, err := onyxSecretEnv(l, env, onyxSecretKeys)
	if err != nil {
		return nil, err
	}

	np, err := marshalDocs(onyxNetworkPolicies())
	if err != nil {
		return nil, err
	}
	set := fileset.Set{
		{Path: OnyxValuesFile, Mode: 0o644, Content: append([]byte(header), body...)},
		{Path: SecretEnvFile, Mode: 0o600, Content: []byte(se)},
		{Path: ".gitignore", Mode: 0o644, Content: []byte(comment(l.T("k8s.file.gitignore")) + SecretEnvFile + "\n")},
		{Path: "networkpolicy.yaml", Mode: 0o644, Content: np},
	}
	set.Sort()
	return set, nil
}

// onyxNetworkPolicies let only Onyx's backend pods (label scope, as chart
// 0.2.1 sets it on the API server and the Celery workers) reach Postgres,
// Redis, MinIO and Vespa (labels as their subcharts set them).
func onyxNetworkPolicies() []any {
	backend := metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{
		Key: "scope", Operator: metav1.LabelSelectorOpIn, Values: []string{"onyx-backend", "onyx-backend-celery"},
	}}}
	policy := func(name string, target metav1.LabelSelector) any {
		return &networkingv1.NetworkPolicy{
			TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"},
			ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"app.kubernetes.io/managed-by": "stackgen"}},
			Spec: networkingv1.NetworkPolicySpec{
				PodSelector: target,
				PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress},
				Ingress:     []networkingv1.NetworkPolicyIngressRule{{From: []networkingv1.NetworkPolicyPeer{{PodSelector: &backend}}}},
			},
		}
	}
	return []any{
		policy("onyx-data-tier", metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{
			Key: "app.kubernetes.io/name", Operator: metav1.LabelSelectorOpIn, Values: []string{"postgresql", "redis", "minio"},
		}}}),
		policy("onyx-vespa", metav1.LabelSelector{MatchLabels: map[string]string{"app": "vespa"}}),
	}
}
