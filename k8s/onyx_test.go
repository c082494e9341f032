package k8s

import (
	"bytes"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/stackgen/stackgen/stack"
)

func TestOnyxValuesUseOnlyTheChartsKeysAndNoSecret(t *testing.T) {
	for _, c := range []struct {
		name    string
		answers stack.Answers
		opts    Options
		check   func(t *testing.T, v onyxValues)
	}{
		{"defaults", stack.Answers{"onyx_version": "v2.9.8"}, Options{}, func(t *testing.T, v onyxValues) {
			if !v.Ingress.Enabled || v.Ingress.API == nil || v.Ingress.API.Host != "localhost" || v.Nginx.Service.Type != ServiceClusterIP {
				t.Errorf("entry: %+v %+v", v.Ingress, v.Nginx.Service)
			}
			if v.API.Image.Repository != "onyxdotapp/onyx-backend" || v.API.Image.Tag != v.Global.Version || v.Global.Version == "" {
				t.Errorf("api image %+v, version %q", v.API.Image, v.Global.Version)
			}
		}},
		{"loadbalancer-class", stack.Answers{"onyx_version": "v2.9.8", "domain": "onyx.example.com", "auth": "google_oauth", "oauth_client_id": "id.apps.example"},
			Options{ServiceType: ServiceLoadBalancer, StorageClass: "fast"}, func(t *testing.T, v onyxValues) {
				if v.Ingress.Enabled || v.Nginx.Service.Type != ServiceLoadBalancer {
					t.Errorf("entry: %+v %+v", v.Ingress, v.Nginx.Service)
				}
				if v.ConfigMap["AUTH_TYPE"] != "google_oauth" || v.ConfigMap["OAUTH_CLIENT_ID"] != "id.apps.example" {
					t.Errorf("configMap %v", v.ConfigMap)
				}
				if v.Persistent.StorageClassName != "fast" || *v.Vespa.VolumeClaimTemplates[0].Spec.StorageClassName != "fast" {
					t.Errorf("storage class not carried")
				}
			}},
		{"source with pushed images", stack.Answers{"onyx_version": "v2.9.8", "mode": "source", "source_dir": "../onyx"}, Options{Images: map[string]string{
			"backend": "registry.example/onyx-backend:v2.9.8-1", "web_server": "registry.example/onyx-web:v2.9.8-1", "model_server": "registry.example/onyx-model:v2.9.8-1",
		}}, func(t *testing.T, v onyxValues) {
			if v.Webserver.Image.Repository != "registry.example/onyx-web" || v.Webserver.Image.Tag != "v2.9.8-1" {
				t.Errorf("web image %+v", v.Webserver.Image)
			}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, secrets := renderProject(t, "onyx", c.answers)
			set, err := Export(p, c.opts)
			if err != nil {
				t.Fatal(err)
			}
			vf, ok := find(set, OnyxValuesFile)
			if !ok {
				t.Fatal("no values file")
			}
			var v onyxValues
			if err := yaml.UnmarshalStrict(vf.Content, &v); err != nil {
				t.Fatalf("values file: %v", err)
			}
			if !bytes.Contains(vf.Content, []byte("chart version "+OnyxChartVersion)) {
				t.Errorf("the values file does not say which chart version it targets")
			}
			c.check(t, v)
			for k, s := range secrets {
				for _, f := range set {
					if f.Path != SecretEnvFile && bytes.Contains(f.Content, []byte(s)) {
						t.Errorf("%s holds %s", f.Path, k)
					}
				}
			}
			se, _ := find(set, SecretEnvFile)
			if se.Mode.Perm() != 0o600 || !bytes.Contains(se.Content, []byte("\npostgres_password="+secrets["POSTGRES_PASSWORD"]+"\n")) {
				t.Errorf("secret.env mode %o:\n%s", se.Mode.Perm(), se.Content)
			}
			np, _ := find(set, "networkpolicy.yaml")
			if docs, err := DecodeStrict(np.Content); err != nil || len(docs) != 2 {
				t.Errorf("networkpolicy.yaml: %d docs, %v", len(docs), err)
			}
		})
	}
}

func TestOnyxSourceModeNeedsPushedImages(t *testing.T) {
	p, _ := renderProject(t, "onyx", stack.Answers{"onyx_version": "v2.9.8", "mode": "source", "source_dir": "../onyx"})
	_, err := Export(p, Options{})
	if err == nil || !strings.Contains(err.Error(), "--image backend=") {
		t.Fatalf("err %v", err)
	}
}
