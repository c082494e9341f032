package golden

import (
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stackgen/stackgen/fileset"
	"github.com/stackgen/stackgen/k8s"
	"github.com/stackgen/stackgen/render"
	"github.com/stackgen/stackgen/stack"
	"github.com/stackgen/stackgen/stacks"
	"github.com/stackgen/stackgen/validate"
)

// k8sCases pin `stackgen export kubernetes` for the main answer and option
// combinations (testdata/k8s/<case>); the k8s package's tests decode the
// same output strictly against the API types.
var k8sCases = []struct {
	name    string
	stack   string
	answers stack.Answers
	opts    k8s.Options
}{
	{"django-defaults", "django-uwsgi", nil, k8s.Options{}},
	{"django-mariadb-class", "django-uwsgi", stack.Answers{"db": "mariadb"}, k8s.Options{IngressClass: "nginx", StorageClass: "fast-ssd"}},
	{"django-https", "django-uwsgi", stack.Answers{"https": "true", "domain": "example.com"}, k8s.Options{}},
	{"django-nodeport-rwo-secret", "django-uwsgi", nil, k8s.Options{ServiceType: k8s.ServiceNodePort, MediaAccessMode: k8s.ReadWriteOnce, SecretName: "mysite-prod"}},
	{"keras-defaults", "keras-webpy", nil, k8s.Options{}},
	{"keras-gpu", "keras-webpy", stack.Answers{"gpu": "true"}, k8s.Options{}},
	{"keras-baked-public", "keras-webpy", stack.Answers{"bake_model": "true", "bind_address": "0.0.0.0"}, k8s.Options{}},
	{"django-defaults-helm", "django-uwsgi", nil, k8s.Options{Helm: true}},
	{"keras-gpu-token-helm", "keras-webpy", stack.Answers{"gpu": "true", "api_token": "true"}, k8s.Options{Helm: true}},
	{"onyx-v4-defaults", "onyx", nil, k8s.Options{}},
	{"onyx-v4-lite-nodeport-class", "onyx", stack.Answers{"profile": "lite", "domain": "onyx.example.com"}, k8s.Options{ServiceType: k8s.ServiceNodePort, StorageClass: "fast"}},
	{"onyx-v4-minio-https", "onyx", stack.Answers{"file_store": "s3-minio", "https": "true", "domain": "onyx.example.com"}, k8s.Options{IngressClass: "nginx"}},
	{"onyx-legacy-v2", "onyx", stack.Answers{"onyx_version": "v2.9.8"}, k8s.Options{}},
	// the comments of the files follow the project's lang answer
	{"django-zh-secret", "django-uwsgi", stack.Answers{"lang": "zh"}, k8s.Options{SecretName: "mysite-prod"}},
	{"django-zh-helm", "django-uwsgi", stack.Answers{"lang": "zh"}, k8s.Options{Helm: true}},
	{"onyx-v4-zh", "onyx", stack.Answers{"lang": "zh"}, k8s.Options{}},
	{"onyx-oidc-loadbalancer", "onyx", stack.Answers{"onyx_version": "v2.9.8", "auth": "oidc", "oauth_client_id": "onyx", "openid_config_url": "https://id.example.com/.well-known/openid-configuration", "domain": "onyx.example.com"}, k8s.Options{ServiceType: k8s.ServiceLoadBalancer, StorageClass: "fast"}},
}

func TestGoldenKubernetes(t *testing.T) {
	reg := stacks.Registry()
	for _, c := range k8sCases {
		t.Run(c.name, func(t *testing.T) {
			d, err := reg.Lookup(c.stack)
			if err != nil {
				t.Fatal(err)
			}
			files, answers, err := render.Project(d, c.answers, render.Options{Rand: fixedRand(), Version: "golden"})
			if err != nil {
				t.Fatal(err)
			}
			mfs := fstest.MapFS{}
			for _, f := range files {
				mfs[f.Path] = &fstest.MapFile{Data: f.Content, Mode: f.Mode}
			}
			set, err := k8s.Export(k8s.Source{Stack: d, Answers: answers, Files: mfs}, c.opts)
			if err != nil {
				t.Fatal(err)
			}
			dir := filepath.Join("testdata", "k8s", c.name)
			if *update {
				writeGolden(t, dir, set)
			}
			compare(t, dir, set)
			// What export writes passes stackgen's own rules where it lands:
			// in the project (validate then skips a chart's templates, which
			// the k8s tests render and decode).
			withProject := append(fileset.Set{}, files...)
			for _, f := range set {
				f.Path = "kubernetes/" + f.Path
				withProject = append(withProject, f)
			}
			withProject.Sort()
			for _, f := range validate.Files(withProject) {
				if knownMinioFinding(f) {
					continue
				}
				t.Errorf("the project with the export does not validate clean: %s", f)
			}
			for _, f := range set {
				if !c.opts.Helm && strings.HasSuffix(f.Path, ".yaml") && f.Path != "kustomization.yaml" && f.Path != k8s.OnyxValuesFile {
					if _, err := k8s.DecodeStrict(f.Content); err != nil {
						t.Errorf("%s: %v", f.Path, err)
					}
				}
			}
		})
	}
}
