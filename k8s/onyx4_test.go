package k8s

import (
	"bytes"
	"strings"
	"testing"
	"testing/fstest"

	"sigs.k8s.io/yaml"

	"github.com/stackgen/stackgen/stack"
)

// exportV4 renders an onyx v4 project, applies edit to its .env (when not
// nil) and exports it; it returns the decoded values, secret.env as a map
// and the project's secrets.
func exportV4(t *testing.T, answers stack.Answers, o Options, edit func(env string) string) (onyxV4Chart, map[string]string, map[string]string, error) {
	t.Helper()
	p, secrets := renderProject(t, "onyx", answers)
	if edit != nil {
		mfs := p.Files.(fstest.MapFS)
		mfs[".env"] = &fstest.MapFile{Data: []byte(edit(string(mfs[".env"].Data))), Mode: 0o600}
	}
	set, err := Export(p, o)
	if err != nil {
		return onyxV4Chart{}, nil, secrets, err
	}
	vf, ok := find(set, OnyxValuesFile)
	if !ok {
		t.Fatal("no values file")
	}
	var v onyxV4Chart
	// Strict: a key the chart does not have fails here.
	if err := yaml.UnmarshalStrict(vf.Content, &v); err != nil {
		t.Fatalf("values file: %v", err)
	}
	if !bytes.Contains(vf.Content, []byte("chart version "+OnyxV4ChartVersion)) {
		t.Errorf("the values file does not say which chart version it targets")
	}
	for k, s := range secrets {
		for _, f := range set {
			if f.Path != SecretEnvFile && bytes.Contains(f.Content, []byte(s)) {
				t.Errorf("%s holds %s", f.Path, k)
			}
		}
	}
	se, _ := find(set, SecretEnvFile)
	if se.Mode.Perm() != 0o600 {
		t.Errorf("secret.env mode %o", se.Mode.Perm())
	}
	kv := map[string]string{}
	for _, l := range strings.Split(string(se.Content), "\n") {
		if k, val, ok := strings.Cut(l, "="); ok && !strings.HasPrefix(l, "#") {
			kv[k] = val
		}
	}
	if _, ok := find(set, "networkpolicy.yaml"); ok {
		t.Errorf("networkpolicy.yaml selects chart 0.2.1's labels; it has no place beside chart %s", OnyxV4ChartVersion)
	}
	return v, kv, secrets, nil
}

func TestOnyxV4ValuesMapTheAnswersToChart08(t *testing.T) {
	for _, c := range []struct {
		name    string
		answers stack.Answers
		opts    Options
		check   func(t *testing.T, v onyxV4Chart, se, secrets map[string]string)
	}{
		{"defaults", nil, Options{}, func(t *testing.T, v onyxV4Chart, se, secrets map[string]string) {
			if v.Global.Version == "" || !strings.HasPrefix(v.Global.Version, "v4.") || v.API.Image == nil || v.API.Image.Tag != v.Global.Version || v.API.Image.Repository != "onyxdotapp/onyx-backend" {
				t.Errorf("version %q, api image %+v", v.Global.Version, v.API.Image)
			}
			if v.Vespa.Enabled || !v.OpenSearch.Enabled || !v.VectorDB.Enabled {
				t.Errorf("index: vespa %v opensearch %v vectorDB %v", v.Vespa.Enabled, v.OpenSearch.Enabled, v.VectorDB.Enabled)
			}
			if v.OpenSearch.Image == nil || v.OpenSearch.Image.Repository != "opensearchproject/opensearch" || v.OpenSearch.Image.Tag == "" {
				t.Errorf("opensearch image %+v", v.OpenSearch.Image)
			}
			if len(v.OpenSearch.ExtraEnvs) != 1 || v.OpenSearch.ExtraEnvs[0].ValueFrom.SecretKeyRef.Name != OnyxSecretName || se[v.OpenSearch.ExtraEnvs[0].ValueFrom.SecretKeyRef.Key] != secrets["OPENSEARCH_ADMIN_PASSWORD"] {
				t.Errorf("opensearch's initial password does not come from the Secret's opensearch password: %+v", v.OpenSearch.ExtraEnvs)
			}
			for k, a := range map[string]onyxV4Auth{"postgresql": v.Auth.Postgresql, "redis": v.Auth.Redis, "opensearch": v.Auth.OpenSearch, "userauth": v.Auth.Userauth} {
				if !a.Enabled || a.ExistingSecret != OnyxSecretName {
					t.Errorf("auth.%s = %+v", k, a)
				}
			}
			if v.Auth.Objectstorage.Enabled || v.Minio.Enabled || v.ConfigMap["FILE_STORE_BACKEND"] != "postgres" {
				t.Errorf("file_store postgres: objectstorage %+v, minio %v, configMap %v", v.Auth.Objectstorage, v.Minio.Enabled, v.ConfigMap)
			}
			if v.Postgresql.Cluster.SuperuserSecret.Name != OnyxSecretName || se["username"] != "postgres" || se["password"] != secrets["POSTGRES_PASSWORD"] {
				t.Errorf("postgres superuser secret %q, secret.env %v", v.Postgresql.Cluster.SuperuserSecret.Name, se)
			}
			if v.Redis.RedisStandalone == nil || v.Redis.RedisStandalone.RedisSecret.SecretName != OnyxSecretName || se[v.Redis.RedisStandalone.RedisSecret.SecretKey] != secrets["REDIS_PASSWORD"] {
				t.Errorf("redis secret %+v", v.Redis.RedisStandalone)
			}
			if se["user_auth_secret"] != secrets["USER_AUTH_SECRET"] || se["opensearch_admin_username"] != "admin" {
				t.Errorf("secret.env %v", se)
			}
			if !v.Ingress.Enabled || v.Ingress.API == nil || v.Ingress.API.Host != "localhost" || v.Nginx.Controller.Service.Type != ServiceClusterIP {
				t.Errorf("entry: %+v %+v", v.Ingress, v.Nginx.Controller.Service)
			}
			if v.ConfigMap["AUTH_TYPE"] != "basic" || v.ConfigMap["WEB_DOMAIN"] != "http://localhost" || v.Auth.OAuth.Enabled {
				t.Errorf("configMap %v, oauth %+v", v.ConfigMap, v.Auth.OAuth)
			}
			if v.Slackbot.Enabled {
				t.Errorf("the compose stack runs no Slack bot")
			}
		}},
		{"lite", stack.Answers{"profile": "lite"}, Options{}, func(t *testing.T, v onyxV4Chart, se, _ map[string]string) {
			if v.VectorDB.Enabled || v.OpenSearch.Enabled || v.Redis.Enabled || v.Auth.OpenSearch.Enabled || v.Auth.Redis.Enabled {
				t.Errorf("lite runs no index and no Redis: %+v", v)
			}
			if v.ConfigMap["CACHE_BACKEND"] != "postgres" || v.ConfigMap["AUTH_BACKEND"] != "postgres" || v.ConfigMap["DISABLE_MODEL_SERVER"] != "true" {
				t.Errorf("configMap %v", v.ConfigMap)
			}
			if v.InferenceCapability.Image != nil || v.IndexCapability.Image != nil {
				t.Errorf("lite has no model server image; an empty one would replace the chart's: %+v", v.InferenceCapability)
			}
			if _, ok := se["opensearch_admin_password"]; ok {
				t.Errorf("secret.env carries an OpenSearch password lite does not use")
			}
		}},
		{"minio-loadbalancer-class", stack.Answers{"file_store": "s3-minio", "domain": "onyx.example.com", "https": "true"}, Options{ServiceType: ServiceLoadBalancer, StorageClass: "fast"},
			func(t *testing.T, v onyxV4Chart, se, secrets map[string]string) {
				if !v.Minio.Enabled || v.Minio.ExistingSecret != OnyxSecretName || v.Minio.Image == nil || !v.Auth.Objectstorage.Enabled {
					t.Errorf("minio %+v objectstorage %+v", v.Minio, v.Auth.Objectstorage)
				}
				if se["rootPassword"] != secrets["MINIO_ROOT_PASSWORD"] || se["s3_aws_secret_access_key"] != secrets["MINIO_ROOT_PASSWORD"] || se["rootUser"] == "" {
					t.Errorf("secret.env %v", se)
				}
				if v.ConfigMap["FILE_STORE_BACKEND"] != "s3" || v.ConfigMap["WEB_DOMAIN"] != "https://onyx.example.com" {
					t.Errorf("configMap %v", v.ConfigMap)
				}
				if v.Ingress.Enabled || v.Nginx.Controller.Service.Type != ServiceLoadBalancer {
					t.Errorf("entry: %+v %+v", v.Ingress, v.Nginx.Controller.Service)
				}
				if v.Postgresql.Cluster.Storage.StorageClass != "fast" || v.OpenSearch.Persistence.StorageClass != "fast" || v.Minio.Persistence.StorageClass != "fast" ||
					v.Persistent.StorageClassName != "fast" || v.Redis.StorageSpec.VolumeClaimTemplate.Spec.StorageClassName != "fast" {
					t.Errorf("storage class not carried everywhere")
				}
			}},
		{"oidc", stack.Answers{"auth": "oidc", "oauth_client_id": "onyx", "openid_config_url": "https://id.example.com/.well-known/openid-configuration"}, Options{},
			func(t *testing.T, v onyxV4Chart, se, _ map[string]string) {
				if a := v.Auth.OAuth; !a.Enabled || a.ExistingSecret != OnyxSecretName || se["oauth_client_id"] != "onyx" || se["oauth_client_secret"] != "s3cr3t-from-idp" {
					t.Errorf("oauth %+v, secret.env %v", a, se)
				}
				if v.ConfigMap["AUTH_TYPE"] != "oidc" || !strings.HasPrefix(v.ConfigMap["OPENID_CONFIG_URL"], "https://id.example.com/") {
					t.Errorf("configMap %v", v.ConfigMap)
				}
			}},
		{"source with pushed images and mcp", stack.Answers{"mode": "source", "source_dir": "../onyx", "mcp_server": "true"}, Options{Images: map[string]string{
			"backend": "registry.example/onyx-backend:v4-1", "web_server": "registry.example/onyx-web:v4-1", "model_server": "registry.example/onyx-model:v4-1",
		}}, func(t *testing.T, v onyxV4Chart, _, _ map[string]string) {
			if v.API.Image == nil || v.API.Image.Repository != "registry.example/onyx-backend" || v.CelerySharedV4.Image.Tag != "v4-1" || v.IndexCapability.Image.Repository != "registry.example/onyx-model" {
				t.Errorf("images %+v %+v", v.API.Image, v.IndexCapability.Image)
			}
			if !v.MCPServer.Enabled || v.MCPServer.Image == nil || v.MCPServer.Image.Repository != "registry.example/onyx-backend" {
				t.Errorf("mcp %+v", v.MCPServer)
			}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			edit := func(env string) string { return env + "OAUTH_CLIENT_SECRET='s3cr3t-from-idp'\n" }
			v, se, secrets, err := exportV4(t, c.answers, c.opts, edit)
			if err != nil {
				t.Fatal(err)
			}
			c.check(t, v, se, secrets)
		})
	}
}

// What the chart needs and .env lacks is named in one line, and nothing
// is written.
func TestOnyxV4RefusesMissingSecretsInOneLine(t *testing.T) {
	for _, c := range []struct {
		name    string
		answers stack.Answers
		want    string
	}{
		{"oidc without the client secret", stack.Answers{"auth": "oidc", "oauth_client_id": "onyx", "openid_config_url": "https://id.example.com/.well-known/openid-configuration"}, "OAUTH_CLIENT_SECRET"},
		{"google without the client secret", stack.Answers{"auth": "google_oauth", "oauth_client_id": "id.apps.example"}, "GOOGLE_OAUTH_CLIENT_SECRET"},
		{"external bucket without keys", stack.Answers{"file_store": "s3-external"}, "S3_"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, _, _, err := exportV4(t, c.answers, Options{}, nil)
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), ".env: ") || strings.Contains(err.Error(), "\n") {
				t.Fatalf("err = %v, want one line naming .env and %s", err, c.want)
			}
		})
	}
}

// Chart 0.8 still deploys Vespa unless told not to; a v2 project keeps
// chart 0.2.1.
func TestOnyxChartFollowsTheOnyxLine(t *testing.T) {
	if got := OnyxChartFor(stack.Answers{"onyx_version": "v2.9.8"}); got != OnyxChartVersion {
		t.Errorf("v2: chart %s", got)
	}
	if got := OnyxChartFor(stack.Answers{"onyx_version": "v4.6.1"}); got != OnyxV4ChartVersion {
		t.Errorf("v4: chart %s", got)
	}
	p, _ := renderProject(t, "onyx", stack.Answers{"onyx_version": "v2.9.8"})
	set, err := Export(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	vf, _ := find(set, OnyxValuesFile)
	var v onyxV4Chart
	if err := yaml.UnmarshalStrict(vf.Content, &v); err == nil {
		t.Errorf("a v2 project's values decode as chart %s's", OnyxV4ChartVersion)
	}
}

// Both charts join repository and tag with ":", so a pushed image's
// digest rides in the tag, and a digest without a tag is refused.
func TestRepoTagCarriesTheDigestInTheTag(t *testing.T) {
	d := "sha256:" + strings.Repeat("ab", 32)
	for _, c := range []struct{ ref, repo, tag, err string }{
		{"onyxdotapp/onyx-backend:v4.6.1", "onyxdotapp/onyx-backend", "v4.6.1", ""},
		{"127.0.0.1:5000/onyx-backend:v4.6.1@" + d, "127.0.0.1:5000/onyx-backend", "v4.6.1@" + d, ""},
		{"127.0.0.1:5000/onyx-backend@" + d, "", "", "needs a tag"},
	} {
		repo, tag, err := repoTag("backend", c.ref)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: err %v, want %q", c.ref, err, c.err)
			}
			continue
		}
		if err != nil || repo != c.repo || tag != c.tag {
			t.Errorf("%s: %q %q %v", c.ref, repo, tag, err)
		}
	}
}

// The struct the tests decode into holds named keys only: a key chart 0.8
// does not have (here a misspelt auth entry) fails.
func TestOnyxV4StrictDecodingRejectsUnknownKeys(t *testing.T) {
	for _, doc := range []string{"auth:\n  postgress:\n    enabled: true\n", "vespa:\n  volumeClaimTemplates: []\n", "nginx:\n  service:\n    type: ClusterIP\n"} {
		var v onyxV4Chart
		if err := yaml.UnmarshalStrict([]byte(doc), &v); err == nil {
			t.Errorf("%q decoded", doc)
		}
	}
}
