package stacks

import (
	"bufio"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/stackgen/stackgen/fileset"
	"github.com/stackgen/stackgen/internal/msg"
	"github.com/stackgen/stackgen/internal/toolcheck"
	"github.com/stackgen/stackgen/render"
	"github.com/stackgen/stackgen/stack"
	"github.com/stackgen/stackgen/validate"
)

// onyxRand is a deterministic secret stream whose every secret differs,
// so a secret copied into the wrong file cannot hide behind another.
type onyxRand struct{ n uint64 }

func (r *onyxRand) Read(p []byte) (int, error) {
	for i := range p {
		r.n++
		p[i] = byte((r.n * 0x9e3779b97f4a7c15) >> 56)
	}
	return len(p), nil
}

// onyxSelfSignedPEM makes a throw-away certificate and key.
func onyxSelfSignedPEM(t *testing.T) (cert, key []byte) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "onyx.example.com"},
		DNSNames:     []string{"onyx.example.com"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kd, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kd})
}

func renderOnyx(t *testing.T, given stack.Answers) (fileset.Set, stack.Answers) {
	t.Helper()
	set, answers, err := render.Project(Onyx(), given, render.Options{Rand: &onyxRand{}, Version: "test"})
	if err != nil {
		t.Fatalf("render %v: %v", given, err)
	}
	return set, answers
}

func onyxFile(t *testing.T, set fileset.Set, path string) string {
	t.Helper()
	f, ok := set.Get(path)
	if !ok {
		var have []string
		for _, f := range set {
			have = append(have, f.Path)
		}
		t.Fatalf("%s not rendered; have %v", path, have)
	}
	return string(f.Content)
}

// onyxEnv parses a rendered .env (KEY='value' lines) into a map.
func onyxEnv(t *testing.T, text string) map[string]string {
	t.Helper()
	out := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf(".env line %q is not KEY=VALUE", line)
		}
		out[k] = strings.Trim(v, `'"`)
	}
	return out
}

// onyxWithUserSecrets adds what the user pastes into .env for OAuth
// logins (not generated), so the compose files load as they would once
// the user has done it.
func onyxWithUserSecrets(set fileset.Set) fileset.Set {
	out := append(fileset.Set(nil), set...)
	for i, f := range out {
		if f.Path != ".env" {
			continue
		}
		c := string(f.Content)
		c = strings.Replace(c, "# OAUTH_CLIENT_SECRET=", "OAUTH_CLIENT_SECRET='pasted-by-the-user'", 1)
		c = strings.Replace(c, "# GOOGLE_OAUTH_CLIENT_SECRET=", "GOOGLE_OAUTH_CLIENT_SECRET='pasted-by-the-user'", 1)
		c = strings.Replace(c, "# S3_AWS_ACCESS_KEY_ID=", "S3_AWS_ACCESS_KEY_ID='pasted-access-key'", 1)
		c = strings.Replace(c, "# S3_AWS_SECRET_ACCESS_KEY=", "S3_AWS_SECRET_ACCESS_KEY='pasted-secret-key'", 1)
		c = strings.Replace(c, "# S3_FILE_STORE_BUCKET_NAME=", "S3_FILE_STORE_BUCKET_NAME='my-bucket'", 1)
		out[i].Content = []byte(c)
	}
	return out
}

// onyxWithCert adds a stand-in certificate pair, as the user would before
// deploying with https (nginx -t needs the files).
func onyxWithCert(t *testing.T, set fileset.Set) fileset.Set {
	t.Helper()
	cert, key := onyxSelfSignedPEM(t)
	out := append(fileset.Set(nil), set...)
	out = append(out,
		fileset.File{Path: "docker/nginx/ssl/fullchain.pem", Mode: 0o644, Content: cert},
		fileset.File{Path: "docker/nginx/ssl/privkey.pem", Mode: 0o600, Content: key},
	)
	out.Sort()
	return out
}

// onyxTopo is the service set a case expects (written out here, not
// derived from the stack's own helpers, so the test can disagree).
type onyxTopo struct {
	lite   bool
	index  string // "opensearch", "vespa" or ""
	minio  bool
	extras []string // further services (code-interpreter, mcp_server)
}

var onyxDefaultTopo = onyxTopo{index: "opensearch"}

// services lists the compose services of the topology, sorted.
func (o onyxTopo) services() []string {
	out := []string{"api_server", "nginx", "relational_db", "web_server"}
	if !o.lite {
		out = append(out, "background", "cache", "indexing_model_server", "inference_model_server")
	}
	switch o.index {
	case "opensearch":
		out = append(out, "opensearch")
	case "vespa":
		out = append(out, "index")
	}
	if o.minio {
		out = append(out, "minio")
	}
	out = append(out, o.extras...)
	sort.Strings(out)
	return out
}

// onyxOwnServices are the services running Onyx's own images, which read
// .env as an env_file as upstream's compose has them do.
var onyxOwnServices = map[string]bool{
	"api_server": true, "background": true, "web_server": true,
	"inference_model_server": true, "indexing_model_server": true, "mcp_server": true,
}

var onyxLoggingServices = []string{"elasticsearch", "es_setup", "filebeat", "kibana"}

func TestOnyxRender(t *testing.T) {
	cases := []struct {
		name    string
		answers stack.Answers
		// files that must and must not be rendered
		present, absent []string
		// overlays: compose files loaded on top of compose.yaml
		overlays []string
		// topo is the expected service set (nil: the default, OpenSearch)
		topo  *onyxTopo
		check func(t *testing.T, set fileset.Set, models map[string]*types.Project)
	}{
		{
			name:    "defaults",
			answers: nil,
			present: []string{"compose.yaml", ".env", ".env.example", ".gitignore", ".gitattributes", "README.md", "docker/nginx/conf.d/default.conf"},
			absent:  []string{"compose.source.yaml", "compose.logging.yaml", "compose.resources.yaml", "docker/filebeat/filebeat.yml", "docker/nginx/ssl/README.md"},
			check: func(t *testing.T, set fileset.Set, m map[string]*types.Project) {
				p := m["compose.yaml"]
				for svc, want := range map[string]string{
					"api_server": "onyxdotapp/onyx-backend:v4.6.1", "background": "onyxdotapp/onyx-backend:v4.6.1",
					"web_server": "onyxdotapp/onyx-web-server:v4.6.1", "inference_model_server": "onyxdotapp/onyx-model-server:v4.6.1",
					"indexing_model_server": "onyxdotapp/onyx-model-server:v4.6.1", "opensearch": "opensearchproject/opensearch:3.6.0",
					"relational_db": "postgres:15.14-alpine", "cache": "redis:8.6-alpine", "nginx": "nginx:1.30",
				} {
					if got := p.Services[svc].Image; got != want {
						t.Errorf("%s image = %q, want %q", svc, got, want)
					}
				}
				if !strings.Contains(onyxFile(t, set, "compose.yaml"), "\nname: \"onyx\"\n") {
					t.Errorf("compose.yaml has no name: onyx (the compose_project default)")
				}
				nginx := p.Services["nginx"]
				if len(nginx.Ports) != 2 || nginx.Ports[0].Published != "80" || nginx.Ports[1].Published != "3000" || nginx.Ports[1].Target != 80 {
					t.Errorf("nginx ports = %+v, want 80:80 and 3000:80", nginx.Ports)
				}
				env := onyxEnv(t, onyxFile(t, set, ".env"))
				if env["COMPOSE_FILE"] != "compose.yaml" {
					t.Errorf("COMPOSE_FILE = %q", env["COMPOSE_FILE"])
				}
				// OpenSearch: a generated password OpenSearch accepts, the
				// same one given to Onyx and to OpenSearch's first start.
				pw := env[OnyxOpenSearchPassword]
				for _, class := range []string{`[A-Z]`, `[a-z]`, `[0-9]`, `[-_]`} {
					if !regexp.MustCompile(class).MatchString(pw) {
						t.Errorf("OPENSEARCH_ADMIN_PASSWORD %q lacks %s, which OpenSearch requires", pw, class)
					}
				}
				if pw == "StrongPassword123!" || len(pw) < 32 {
					t.Errorf("OPENSEARCH_ADMIN_PASSWORD = %q, want a generated secret", pw)
				}
				api := p.Services["api_server"].Environment
				osEnv := p.Services["opensearch"].Environment
				if api["OPENSEARCH_ADMIN_PASSWORD"] == nil || *api["OPENSEARCH_ADMIN_PASSWORD"] != pw ||
					osEnv["OPENSEARCH_INITIAL_ADMIN_PASSWORD"] == nil || *osEnv["OPENSEARCH_INITIAL_ADMIN_PASSWORD"] != pw {
					t.Errorf("the OpenSearch password does not reach both api_server and opensearch")
				}
				for k, want := range map[string]string{"OPENSEARCH_HOST": "opensearch", "OPENSEARCH_REST_API_PORT": "9200", "FILE_STORE_BACKEND": "postgres"} {
					if api[k] == nil || *api[k] != want {
						t.Errorf("api_server %s = %v, want %q", k, api[k], want)
					}
				}
				if osEnv["OPENSEARCH_JAVA_OPTS"] == nil || *osEnv["OPENSEARCH_JAVA_OPTS"] != "-Xms2g -Xmx2g" {
					t.Errorf("OPENSEARCH_JAVA_OPTS = %v", osEnv["OPENSEARCH_JAVA_OPTS"])
				}
				if ul := p.Services["opensearch"].Ulimits; ul["memlock"] == nil || ul["memlock"].Hard != -1 || ul["nofile"] == nil || ul["nofile"].Soft != 65536 || *osEnv["bootstrap.memory_lock"] != "true" {
					t.Errorf("opensearch ulimits = %v, memory_lock %v; want upstream's memlock -1, nofile 65536", ul, *osEnv["bootstrap.memory_lock"])
				}
				for k := range api {
					if strings.HasPrefix(k, "VESPA") || strings.HasPrefix(k, "S3_") {
						t.Errorf("api_server sets %s in the default (OpenSearch, postgres file store) render", k)
					}
				}
				if code := onyxCode("compose.yaml", onyxFile(t, set, "compose.yaml")); strings.Contains(strings.ToLower(code), "vespa") || strings.Contains(code, "minio") {
					t.Errorf("the default compose.yaml still mentions Vespa or MinIO outside comments")
				}
				if _, ok := p.Volumes["file-system"]; !ok {
					t.Errorf("no file-system volume")
				}
				if p.Services["api_server"].Environment["AUTH_TYPE"] == nil || *p.Services["api_server"].Environment["AUTH_TYPE"] != "basic" {
					t.Errorf("AUTH_TYPE is not basic by default")
				}
				if got := *p.Services["api_server"].Environment["WEB_DOMAIN"]; got != "http://localhost" {
					t.Errorf("WEB_DOMAIN = %q", got)
				}
				if strings.Contains(onyxFile(t, set, "docker/nginx/conf.d/default.conf"), "443") {
					t.Errorf("nginx listens on 443 without https")
				}
			},
		},
		{
			name:     "source mode",
			answers:  stack.Answers{"mode": "source", "source_dir": "../onyx-checkout"},
			present:  []string{"compose.source.yaml"},
			absent:   []string{"compose.logging.yaml"},
			overlays: []string{"compose.source.yaml"},
			check: func(t *testing.T, set fileset.Set, m map[string]*types.Project) {
				p := m["compose.source.yaml"]
				want := map[string][2]string{
					"api_server":             {"onyx-checkout/backend", "Dockerfile"},
					"background":             {"onyx-checkout/backend", "Dockerfile"},
					"inference_model_server": {"onyx-checkout/backend", "Dockerfile.model_server"},
					"indexing_model_server":  {"onyx-checkout/backend", "Dockerfile.model_server"},
					"web_server":             {"onyx-checkout/web", "Dockerfile"},
				}
				for svc, w := range want {
					s := p.Services[svc]
					if s.Build == nil {
						t.Errorf("%s has no build section in source mode", svc)
						continue
					}
					if !strings.HasSuffix(s.Build.Context, w[0]) || s.Build.Dockerfile != w[1] {
						t.Errorf("%s builds %s with %s, want …/%s with %s", svc, s.Build.Context, s.Build.Dockerfile, w[0], w[1])
					}
					if !strings.HasPrefix(s.Image, "onyx-local/") || !strings.HasSuffix(s.Image, ":v4.6.1") {
						t.Errorf("%s image = %q, want an explicit onyx-local/...:v4.6.1 name", svc, s.Image)
					}
				}
				for _, svc := range []string{"relational_db", "cache", "opensearch", "nginx"} {
					if p.Services[svc].Build != nil {
						t.Errorf("%s should not be built", svc)
					}
				}
				if m["compose.yaml"].Services["api_server"].Build != nil {
					t.Errorf("the base file builds; only compose.source.yaml should")
				}
				env := onyxEnv(t, onyxFile(t, set, ".env"))
				if env["COMPOSE_FILE"] != "compose.yaml:compose.source.yaml" {
					t.Errorf("COMPOSE_FILE = %q", env["COMPOSE_FILE"])
				}
				deploy := onyxFile(t, set, "scripts/deploy.sh")
				if !strings.Contains(deploy, "docker compose build") || !strings.Contains(deploy, "backend/Dockerfile.model_server") {
					t.Errorf("deploy.sh does not build from the checkout")
				}
				if !strings.Contains(onyxFile(t, set, "scripts/create-deployment-package.sh"), "compose.source.yaml") {
					t.Errorf("the offline bundle should leave the source overlay out")
				}
			},
		},
		{
			name:     "logging overlay",
			answers:  stack.Answers{"logging": "true"},
			present:  []string{"compose.logging.yaml", "docker/filebeat/filebeat.yml", "docker/elasticsearch/setup-users.sh"},
			absent:   []string{"compose.source.yaml", "compose.resources.yaml"},
			overlays: []string{"compose.logging.yaml"},
			check: func(t *testing.T, set fileset.Set, m map[string]*types.Project) {
				p := m["compose.logging.yaml"]
				for _, svc := range onyxLoggingServices {
					if _, ok := p.Services[svc]; !ok {
						t.Errorf("logging overlay lacks %s", svc)
					}
				}
				for _, svc := range []string{"elasticsearch", "kibana", "filebeat"} {
					img := p.Services[svc].Image
					if !strings.HasPrefix(img, "docker.elastic.co/") || !strings.HasSuffix(img, ":8.19.14") {
						t.Errorf("%s image = %q, want docker.elastic.co/...:8.19.14", svc, img)
					}
				}
				es := p.Services["elasticsearch"].Environment
				if es["xpack.security.enabled"] == nil || *es["xpack.security.enabled"] != "true" {
					t.Errorf("Elasticsearch security is not on")
				}
				if len(p.Services["elasticsearch"].Ports) != 0 {
					t.Errorf("Elasticsearch is published: %+v", p.Services["elasticsearch"].Ports)
				}
				kp := p.Services["kibana"].Ports
				if len(kp) != 1 || kp[0].HostIP != "127.0.0.1" {
					t.Errorf("Kibana ports = %+v, want 127.0.0.1 only", kp)
				}
				if d := p.Services["kibana"].DependsOn["es_setup"]; d.Condition != types.ServiceConditionCompletedSuccessfully {
					t.Errorf("kibana depends on es_setup with %q", d.Condition)
				}
				env := onyxEnv(t, onyxFile(t, set, ".env"))
				for _, k := range []string{OnyxElasticPasswordKey, OnyxKibanaPasswordKey, OnyxKibanaEncryptionKey, OnyxFilebeatPasswordKey} {
					if len(env[k]) < 32 {
						t.Errorf(".env %s = %d characters, want a generated secret", k, len(env[k]))
					}
				}
				if env["COMPOSE_FILE"] != "compose.yaml:compose.logging.yaml" {
					t.Errorf("COMPOSE_FILE = %q", env["COMPOSE_FILE"])
				}
				if _, ok := m["compose.yaml"].Services["kibana"]; ok {
					t.Errorf("the base file has the logging services")
				}
			},
		},
		{
			name:     "resources overlay",
			answers:  stack.Answers{"resources": "true"},
			present:  []string{"compose.resources.yaml"},
			absent:   []string{"compose.logging.yaml", "compose.source.yaml"},
			overlays: []string{"compose.resources.yaml"},
			check: func(t *testing.T, set fileset.Set, m map[string]*types.Project) {
				p := m["compose.resources.yaml"]
				for _, svc := range onyxDefaultTopo.services() {
					d := p.Services[svc].Deploy
					if d == nil || d.Resources.Limits == nil || d.Resources.Limits.MemoryBytes == 0 {
						t.Errorf("%s has no memory limit in the resources overlay", svc)
					}
				}
				if got := p.Services["api_server"].Deploy.Resources.Limits.MemoryBytes; got != 4<<30 {
					t.Errorf("api_server memory limit = %d, want the 4g default", got)
				}
				if m["compose.yaml"].Services["api_server"].Deploy != nil {
					t.Errorf("the base file has resource limits")
				}
			},
		},
		{
			name: "https with oidc",
			answers: stack.Answers{"https": "true", "domain": "onyx.example.com", "https_port": "8443", "auth": "oidc",
				"oauth_client_id": "onyx-app", "openid_config_url": "https://login.example.com/.well-known/openid-configuration"},
			present: []string{"docker/nginx/ssl/README.md"},
			check: func(t *testing.T, set fileset.Set, m map[string]*types.Project) {
				p := m["compose.yaml"]
				ports := p.Services["nginx"].Ports
				if len(ports) != 3 || ports[0].Published != "80" || ports[1].Published != "8443" || ports[1].Target != 443 || ports[2].Published != "3000" {
					t.Errorf("nginx ports = %+v, want 80:80, 8443:443 and 3000:80", ports)
				}
				api := p.Services["api_server"].Environment
				for k, want := range map[string]string{
					"AUTH_TYPE": "oidc", "OAUTH_CLIENT_ID": "onyx-app", "OAUTH_CLIENT_SECRET": "pasted-by-the-user",
					"OPENID_CONFIG_URL": "https://login.example.com/.well-known/openid-configuration",
					"WEB_DOMAIN":        "https://onyx.example.com:8443",
				} {
					if api[k] == nil || *api[k] != want {
						t.Errorf("api_server %s = %v, want %q", k, api[k], want)
					}
				}
				conf := onyxFile(t, set, "docker/nginx/conf.d/default.conf")
				for _, want := range []string{"listen 443 ssl;", "ssl_certificate     /etc/nginx/ssl/fullchain.pem;", "return 301 https://$host:8443$request_uri;", "server_name onyx.example.com;", "Strict-Transport-Security"} {
					if !strings.Contains(conf, want) {
						t.Errorf("nginx config lacks %q", want)
					}
				}
			},
		},
		{
			name:    "lite",
			answers: stack.Answers{"profile": "lite"},
			topo:    &onyxTopo{lite: true},
			check: func(t *testing.T, set fileset.Set, m map[string]*types.Project) {
				api := m["compose.yaml"].Services["api_server"].Environment
				// Upstream's docker-compose.onyx-lite.yml, setting by setting.
				for k, want := range map[string]string{
					"DISABLE_VECTOR_DB": "true", "FILE_STORE_BACKEND": "postgres", "CACHE_BACKEND": "postgres",
					"AUTH_BACKEND": "postgres", "DISABLE_MODEL_SERVER": "true", "ENABLE_OPENSEARCH_INDEXING_FOR_ONYX": "false",
				} {
					if api[k] == nil || *api[k] != want {
						t.Errorf("api_server %s = %v, want %q", k, api[k], want)
					}
				}
				for _, k := range []string{"REDIS_HOST", "MODEL_SERVER_HOST", "OPENSEARCH_HOST"} {
					if _, ok := api[k]; ok {
						t.Errorf("lite api_server sets %s for a service it does not have", k)
					}
				}
				env := onyxEnv(t, onyxFile(t, set, ".env"))
				for _, k := range []string{OnyxRedisPasswordKey, OnyxOpenSearchPassword, OnyxMinioPasswordKey} {
					if _, ok := env[k]; ok {
						t.Errorf("lite .env holds %s for a service it does not run", k)
					}
				}
				if readme := onyxFile(t, set, "README.md"); !strings.Contains(readme, "8 GB Docker Desktop laptop") {
					t.Errorf("the lite README does not say what memory it needs")
				}
			},
		},
		{
			name:     "lite in source mode with the resources overlay",
			answers:  stack.Answers{"profile": "lite", "mode": "source", "source_dir": "../onyx", "resources": "true"},
			topo:     &onyxTopo{lite: true},
			overlays: []string{"compose.source.yaml", "compose.resources.yaml"},
		},
		{
			name:    "legacy v2 (Vespa)",
			answers: stack.Answers{"onyx_version": "v2.9.8"},
			topo:    &onyxTopo{index: "vespa", minio: true},
			check: func(t *testing.T, set fileset.Set, m map[string]*types.Project) {
				p := m["compose.yaml"]
				api := p.Services["api_server"].Environment
				if api["VESPA_HOST"] == nil || *api["VESPA_HOST"] != "index" || *api["FILE_STORE_BACKEND"] != "s3" || *api["S3_ENDPOINT_URL"] != "http://minio:9000" {
					t.Errorf("legacy api_server is not wired to Vespa and MinIO: %v", api)
				}
				if _, ok := api["OPENSEARCH_HOST"]; ok {
					t.Errorf("legacy api_server sets OPENSEARCH_HOST")
				}
				// Nothing new appears on an existing install unasked.
				if len(p.Services["nginx"].Ports) != 1 {
					t.Errorf("legacy nginx ports = %+v, want the HTTP port only", p.Services["nginx"].Ports)
				}
				for _, v := range []string{"vespa_volume", "minio_data"} {
					if _, ok := p.Volumes[v]; !ok {
						t.Errorf("legacy volume %s missing", v)
					}
				}
				if _, ok := p.Volumes["file-system"]; ok {
					t.Errorf("legacy render adds the v4 file-system volume")
				}
				if !strings.Contains(onyxFile(t, set, "README.md"), "Upgrading from v2 (Vespa) to v4 (OpenSearch)") {
					t.Errorf("the legacy README does not explain the upgrade")
				}
			},
		},
		{
			name:     "s3-minio with the resources overlay",
			answers:  stack.Answers{"file_store": "s3-minio", "resources": "true"},
			topo:     &onyxTopo{index: "opensearch", minio: true},
			overlays: []string{"compose.resources.yaml"},
			check: func(t *testing.T, set fileset.Set, m map[string]*types.Project) {
				api := m["compose.yaml"].Services["api_server"].Environment
				if *api["FILE_STORE_BACKEND"] != "s3" || *api["S3_ENDPOINT_URL"] != "http://minio:9000" {
					t.Errorf("api_server is not wired to MinIO")
				}
				if d := m["compose.yaml"].Services["api_server"].DependsOn["minio"]; d.Condition != types.ServiceConditionHealthy {
					t.Errorf("api_server does not wait for a healthy MinIO")
				}
			},
		},
		{
			name:    "opensearch without ulimits",
			answers: stack.Answers{"opensearch_ulimits": "false", "opensearch_heap": "512m"},
			check: func(t *testing.T, set fileset.Set, m map[string]*types.Project) {
				os := m["compose.yaml"].Services["opensearch"]
				if len(os.Ulimits) != 0 || *os.Environment["bootstrap.memory_lock"] != "false" || *os.Environment["OPENSEARCH_JAVA_OPTS"] != "-Xms512m -Xmx512m" {
					t.Errorf("opensearch ulimits %v, memory_lock %v, heap %v", os.Ulimits, *os.Environment["bootstrap.memory_lock"], *os.Environment["OPENSEARCH_JAVA_OPTS"])
				}
			},
		},
		{
			name:    "s3-external",
			answers: stack.Answers{"file_store": "s3-external"},
			check: func(t *testing.T, set fileset.Set, m map[string]*types.Project) {
				api := m["compose.yaml"].Services["api_server"].Environment
				if *api["FILE_STORE_BACKEND"] != "s3" || *api["S3_AWS_ACCESS_KEY_ID"] != "pasted-access-key" || *api["S3_ENDPOINT_URL"] != "" {
					t.Errorf("api_server is not wired to the external bucket: %v", api)
				}
			},
		},
		{
			name:    "code interpreter and MCP server",
			answers: stack.Answers{"code_interpreter": "true", "mcp_server": "true", "port_3000": "false"},
			topo:    &onyxTopo{index: "opensearch", extras: []string{"code-interpreter", "mcp_server"}},
			check: func(t *testing.T, set fileset.Set, m map[string]*types.Project) {
				p := m["compose.yaml"]
				ci := p.Services["code-interpreter"]
				if len(ci.EnvFiles) != 0 {
					t.Errorf("the code interpreter reads .env; it needs no Onyx setting")
				}
				if *p.Services["api_server"].Environment["CODE_INTERPRETER_BASE_URL"] != "http://code-interpreter:8000" {
					t.Errorf("api_server does not know the code interpreter")
				}
				if *p.Services["mcp_server"].Environment["MCP_SERVER_ENABLED"] != "true" {
					t.Errorf("mcp_server is not enabled")
				}
				if len(p.Services["nginx"].Ports) != 1 {
					t.Errorf("port_3000=false still publishes 3000: %+v", p.Services["nginx"].Ports)
				}
				conf := onyxFile(t, set, "docker/nginx/conf.d/default.conf")
				for _, want := range []string{"location = /mcp/oauth/callback {\n        proxy_pass http://web_server;", "location ~ ^/mcp(/.*)?$ {", "proxy_pass http://mcp_server;", "server mcp_server:8090"} {
					if !strings.Contains(conf, want) {
						t.Errorf("nginx config lacks %q", want)
					}
				}
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			set, answers := renderOnyx(t, c.answers)
			for _, p := range c.present {
				onyxFile(t, set, p)
			}
			for _, p := range c.absent {
				if _, ok := set.Get(p); ok {
					t.Errorf("%s rendered for %v", p, c.answers)
				}
			}
			checkOnyxFiles(t, set)

			// What the user has once they followed the README (secrets from
			// their identity provider, a certificate), as the tools see it.
			full := onyxWithUserSecrets(set)
			if answers.Bool("https") {
				full = onyxWithCert(t, full)
			}
			proj := toolcheck.Write(t, full)
			models := map[string]*types.Project{}
			topo := onyxDefaultTopo
			if c.topo != nil {
				topo = *c.topo
			}
			for _, files := range append([][]string{{"compose.yaml"}}, onyxOverlayModels(c.overlays)...) {
				p, err := proj.LoadCompose(files...)
				if err != nil {
					t.Fatalf("compose-go cannot load %v with the rendered .env: %v", files, err)
				}
				models[files[len(files)-1]] = p
				checkOnyxCompose(t, strings.Join(files, " + "), p, topo)
			}
			if c.check != nil {
				c.check(t, full, models)
			}
			for _, f := range validate.Files(set) {
				if f.Severity == validate.Error {
					t.Errorf("validate: %s", f)
				} else {
					t.Logf("validate: %s", f)
				}
			}
			t.Run("tools", func(t *testing.T) { proj.Run(t) })
		})
	}
}

func onyxOverlayModels(overlays []string) [][]string {
	var out [][]string
	for _, o := range overlays {
		out = append(out, []string{"compose.yaml", o})
	}
	return out
}

// checkOnyxFiles checks what every render must hold, whatever the answers.
func checkOnyxFiles(t *testing.T, set fileset.Set) {
	t.Helper()
	envText := onyxFile(t, set, ".env")
	env := onyxEnv(t, envText)
	example := onyxEnv(t, onyxFile(t, set, ".env.example"))

	// .env: 0600, same keys as .env.example, secrets generated and URL-safe.
	if f, _ := set.Get(".env"); f.Mode.Perm() != 0o600 {
		t.Errorf(".env mode = %o, want 0600", f.Mode.Perm())
	}
	keys := func(m map[string]string) []string {
		var out []string
		for k := range m {
			out = append(out, k)
		}
		sort.Strings(out)
		return out
	}
	if !slices.Equal(keys(env), keys(example)) {
		t.Errorf(".env keys %v != .env.example keys %v", keys(env), keys(example))
	}
	urlSafe := regexp.MustCompile(`^[A-Za-z0-9_-]{32,}$`)
	secrets := map[string]string{}
	for _, k := range []string{OnyxPostgresPasswordKey, OnyxRedisPasswordKey, OnyxMinioPasswordKey, OnyxUserAuthSecretKey, OnyxEncryptionKey,
		OnyxElasticPasswordKey, OnyxKibanaPasswordKey, OnyxKibanaEncryptionKey, OnyxFilebeatPasswordKey, OnyxOpenSearchPassword} {
		v, ok := env[k]
		if !ok {
			continue
		}
		if !urlSafe.MatchString(v) {
			t.Errorf(".env %s is not a 32+ character URL-safe secret", k)
		}
		if example[k] != "CHANGE_ME" {
			t.Errorf(".env.example %s = %q, want the CHANGE_ME placeholder", k, example[k])
		}
		secrets[k] = v
	}
	// Onyx Lite needs the fewest: Postgres, USER_AUTH_SECRET, ENCRYPTION_KEY_SECRET.
	if len(secrets) < 3 {
		t.Errorf("only %d secrets in .env", len(secrets))
	}

	// The OAuth client secrets are the user's to paste: never generated.
	for _, k := range []string{"OAUTH_CLIENT_SECRET", "GOOGLE_OAUTH_CLIENT_SECRET"} {
		if _, ok := env[k]; ok {
			t.Errorf(".env sets %s: it is the user's to paste from their identity provider", k)
		}
	}

	for _, f := range set {
		content := string(f.Content)
		code := onyxCode(f.Path, content)
		// No secret outside .env.
		if f.Path != ".env" {
			for k, v := range secrets {
				if strings.Contains(content, v) {
					t.Errorf("%s contains the value of %s", f.Path, k)
				}
			}
		}
		// Seed mistakes that must not come back anywhere (comments may
		// name them, to say why they are gone).
		if strings.Contains(code, "NEXT_PUBLIC_API_URL") {
			t.Errorf("%s sets NEXT_PUBLIC_API_URL (seed mistake 3)", f.Path)
		}
		if strings.Contains(strings.ToLower(code), "create extension") || strings.HasSuffix(f.Path, ".sql") {
			t.Errorf("%s: an init SQL script (seed mistake 1)", f.Path)
		}
		if strings.Contains(code, "container_name") {
			t.Errorf("%s uses container_name (seed mistake 5)", f.Path)
		}
		if strings.Contains(code, "BGSAVE") {
			t.Errorf("%s backs up Redis, which Onyx keeps ephemeral (seed mistake 8)", f.Path)
		}
		switch {
		case strings.HasSuffix(f.Path, ".sh"):
			if f.Mode.Perm() != 0o755 {
				t.Errorf("%s mode = %o, want 0755", f.Path, f.Mode.Perm())
			}
			if !strings.HasPrefix(content, "#!/usr/bin/env bash\n") || !strings.Contains(content, "\nset -euo pipefail\n") {
				t.Errorf("%s lacks the bash shebang or set -euo pipefail", f.Path)
			}
			if regexp.MustCompile(`(?m)^\s*(source|\.)\s+\S*\.env\b`).MatchString(content) {
				t.Errorf("%s sources .env", f.Path)
			}
			if strings.Contains(content, "\r") {
				t.Errorf("%s has CR characters", f.Path)
			}
			if regexp.MustCompile(`(?m)^\s*sleep\s+[0-9]`).MatchString(content) && strings.HasPrefix(f.Path, "scripts/") {
				t.Errorf("%s waits with a fixed sleep (seed mistake 6)", f.Path)
			}
		case strings.HasSuffix(f.Path, ".ps1"):
			if !strings.Contains(content, "$ErrorActionPreference = 'Stop'") {
				t.Errorf("%s does not stop on errors", f.Path)
			}
			if strings.Contains(content, "Start-Sleep") {
				t.Errorf("%s waits with a fixed sleep (seed mistake 6)", f.Path)
			}
		}
	}

	// Every script has its twin.
	for _, base := range []string{"deploy", "export-images", "create-deployment-package", "backup", "restore", "install-offline"} {
		onyxFile(t, set, "scripts/"+base+".sh")
		onyxFile(t, set, "scripts/"+base+".ps1")
	}

	// Seed mistake 7: one docker save of exactly what compose uses.
	for _, p := range []string{"scripts/export-images.sh", "scripts/export-images.ps1"} {
		s := onyxFile(t, set, p)
		code := onyxCode(p, s)
		if !strings.Contains(code, "docker compose config --images") || strings.Count(code, "docker save") != 1 {
			t.Errorf("%s does not save `docker compose config --images` with one docker save", p)
		}
	}
	// Seed mistake 8: pg_dump through exec -T, custom format; no Redis.
	for _, p := range []string{"scripts/backup.sh", "scripts/backup.ps1"} {
		s := onyxFile(t, set, p)
		if !strings.Contains(s, "compose exec -T relational_db") || !strings.Contains(s, "-Fc") {
			t.Errorf("%s does not run pg_dump -Fc with exec -T", p)
		}
	}
	// Seed mistake 6: deploy waits on health, no fixed sleep.
	for _, p := range []string{"scripts/deploy.sh", "scripts/deploy.ps1"} {
		if !strings.Contains(onyxFile(t, set, p), "up -d --wait") {
			t.Errorf("%s does not wait on health", p)
		}
	}
	// The bundle ships .env.example, never .env.
	pkg := onyxFile(t, set, "scripts/create-deployment-package.sh")
	if regexp.MustCompile(`cp [^\n]*\.env[ "\n]`).MatchString(pkg) {
		t.Errorf("create-deployment-package.sh copies .env")
	}
	if !strings.Contains(onyxFile(t, set, ".gitignore"), "\n.env\n") && !strings.HasPrefix(onyxFile(t, set, ".gitignore"), ".env\n") {
		t.Errorf(".gitignore does not ignore .env")
	}
	if !strings.Contains(onyxFile(t, set, ".gitattributes"), "*.sh   text eol=lf") {
		t.Errorf(".gitattributes does not keep LF in shell scripts")
	}

	// nginx: / to the web server, /api/ to the API with the prefix stripped,
	// streaming unbuffered, uploads limited from the answer.
	conf := onyxFile(t, set, "docker/nginx/conf.d/default.conf")
	for _, want := range []string{
		"server api_server:8080", "server web_server:3000",
		"location /api/ {\n        # api_rate_limit; the web UI makes a few dozen calls per page.\n        limit_req zone=api burst=50 nodelay;\n        proxy_pass http://api_server/;",
		"proxy_buffering off;", "client_max_body_size 5g;",
		"location / {\n        proxy_pass http://web_server;",
		"location = /nginx-health",
		// SAML and SCIM reach the API server with their path kept, as in
		// Onyx's own nginx template.
		"location ~ ^/(auth/saml|scim)(/.*)?$ {\n        proxy_pass http://api_server;",
	} {
		if !strings.Contains(conf, want) {
			t.Errorf("nginx config lacks %q", want)
		}
	}
}

// onyxCode drops the comment lines of a script or config (README.md is
// all prose and is dropped whole), leaving what runs.
func onyxCode(path, content string) string {
	if strings.HasSuffix(path, ".md") {
		return ""
	}
	var b strings.Builder
	for _, line := range strings.Split(content, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return b.String()
}

// checkOnyxCompose checks one loaded model (base, or base plus an overlay).
func checkOnyxCompose(t *testing.T, label string, p *types.Project, topo onyxTopo) {
	t.Helper()
	want := topo.services()
	for _, name := range want {
		if _, ok := p.Services[name]; !ok {
			t.Errorf("%s: service %s missing", label, name)
		}
	}
	for name := range p.Services {
		if !slices.Contains(want, name) && !slices.Contains(onyxLoggingServices, name) {
			t.Errorf("%s: service %s is not in this topology %v", label, name, want)
		}
	}
	if len(p.Secrets) != 0 {
		t.Errorf("%s: declares secrets: nothing reads them (seed mistake 9)", label)
	}
	for name, s := range p.Services {
		where := label + ": " + name
		oneShot := name == "es_setup"
		if s.Image == "" {
			t.Errorf("%s: no explicit image (seed mistake 7)", where)
		} else if err := stack.CheckImageRef(s.Image); err != nil {
			t.Errorf("%s: %v", where, err)
		}
		if s.ContainerName != "" {
			t.Errorf("%s: container_name set (seed mistake 5)", where)
		}
		// Onyx's own services read .env as an optional env_file, as in
		// upstream's compose (any Onyx setting works from .env); nothing
		// else does (seed mistake 9: the data stores, nginx and the code
		// interpreter get only the values they are given).
		if onyxOwnServices[name] {
			if len(s.EnvFiles) != 1 || filepath.Base(s.EnvFiles[0].Path) != ".env" || s.EnvFiles[0].Required {
				t.Errorf("%s: env_file = %+v, want .env with required: false", where, s.EnvFiles)
			}
		} else if len(s.EnvFiles) != 0 {
			t.Errorf("%s: env_file: .env is interpolated, never also injected (seed mistake 9)", where)
		}
		for _, v := range s.Volumes {
			if strings.HasSuffix(v.Source, "/.env") || strings.Contains(v.Target, ".env") {
				t.Errorf("%s: mounts .env (seed mistake 9)", where)
			}
			// The one writable bind: the code interpreter's Docker socket
			// (opt-in and warned about), as upstream runs it.
			dockerSock := name == "code-interpreter" && v.Target == "/var/run/docker.sock"
			if v.Type == types.VolumeTypeBind && !v.ReadOnly && !strings.HasPrefix(v.Source, "/var/lib/docker") && !dockerSock {
				t.Errorf("%s: bind mount %s is writable; config is mounted read-only", where, v.Source)
			}
			if strings.Contains(v.Target, "docker-entrypoint-initdb.d") {
				t.Errorf("%s: init script mounted (seed mistake 1)", where)
			}
		}
		// Ports: only nginx on the host (any interface); anything else
		// (Kibana) only on 127.0.0.1.
		for _, pt := range s.Ports {
			if name != "nginx" && pt.HostIP != "127.0.0.1" {
				t.Errorf("%s: publishes %s:%d beyond 127.0.0.1 (seed mistake 5)", where, pt.Published, pt.Target)
			}
		}
		if oneShot {
			if s.Restart != "no" {
				t.Errorf("%s: one-shot restart = %q", where, s.Restart)
			}
		} else {
			if s.Restart != types.RestartPolicyUnlessStopped {
				t.Errorf("%s: restart = %q, want unless-stopped", where, s.Restart)
			}
			if s.HealthCheck == nil || len(s.HealthCheck.Test) == 0 || s.HealthCheck.Disable {
				t.Errorf("%s: no health check", where)
			}
		}
		if s.Logging == nil || s.Logging.Driver != "json-file" || s.Logging.Options["max-size"] == "" || s.Logging.Options["max-file"] == "" {
			t.Errorf("%s: logging is not capped json-file", where)
		}
		for dep, d := range s.DependsOn {
			if d.Condition != types.ServiceConditionHealthy && d.Condition != types.ServiceConditionCompletedSuccessfully {
				t.Errorf("%s: depends on %s with %q, want service_healthy", where, dep, d.Condition)
			}
		}
		if hc := s.HealthCheck; hc != nil && strings.Contains(s.Image, "onyx") && slices.Contains(hc.Test, "curl") {
			t.Errorf("%s: health check calls curl, which the python-slim based image lacks (seed mistake 4)", where)
		}
		if _, ok := s.Environment["NEXT_PUBLIC_API_URL"]; ok {
			t.Errorf("%s: NEXT_PUBLIC_API_URL set (seed mistake 3)", where)
		}
	}

	api := p.Services["api_server"]
	cmd := strings.Join(api.Command, " ")
	if !regexp.MustCompile(`alembic upgrade head && (exec )?uvicorn onyx\.main:app --host 0\.0\.0\.0 --port 8080`).MatchString(cmd) {
		t.Errorf("%s: api_server command %q does not migrate before it serves (seed mistake 6)", label, cmd)
	}
	if sp := api.HealthCheck.StartPeriod; sp == nil || time.Duration(*sp) < 5*time.Minute {
		t.Errorf("%s: api_server start_period %v is too short for first-boot migrations", label, sp)
	}
	for _, svc := range []string{"api_server", "background"} {
		if _, ok := p.Services[svc]; ok && !slices.Contains(p.Services[svc].ExtraHosts["host.docker.internal"], "host-gateway") {
			t.Errorf("%s: %s cannot reach an LLM on the host (extra_hosts host.docker.internal:host-gateway)", label, svc)
		}
	}
	for dep, d := range api.DependsOn {
		if !slices.Contains(want, dep) {
			t.Errorf("%s: api_server depends on %s, which this topology lacks (%v)", label, dep, d)
		}
	}
	if !topo.lite {
		checkOnyxWorkers(t, label, p)
	}
	ngx := p.Services["nginx"]
	for _, up := range []string{"api_server", "web_server"} {
		if d, ok := ngx.DependsOn[up]; !ok || d.Condition != types.ServiceConditionHealthy {
			t.Errorf("%s: nginx is not gated on a healthy %s", label, up)
		}
	}
	if len(ngx.Ports) == 0 {
		t.Errorf("%s: nginx publishes nothing", label)
	}
	web := p.Services["web_server"]
	if web.Command != nil {
		t.Errorf("%s: web_server overrides the image's Node server command: %q", label, web.Command)
	}
	if hc := strings.Join(web.HealthCheck.Test, " "); !strings.Contains(hc, "node") || !strings.Contains(hc, "3000") {
		t.Errorf("%s: web_server health check %q does not ask the Node server", label, hc)
	}
	if hc := strings.Join(p.Services["relational_db"].HealthCheck.Test, " "); !strings.Contains(hc, "pg_isready") {
		t.Errorf("%s: relational_db health check %q", label, hc)
	}
	switch topo.index {
	case "opensearch":
		hc := strings.Join(p.Services["opensearch"].HealthCheck.Test, " ")
		for _, w := range []string{"https://127.0.0.1:9200/_cluster/health", "wait_for_status=yellow", "-u \"admin:$OPENSEARCH_INITIAL_ADMIN_PASSWORD\"", "-f"} {
			if !strings.Contains(hc, w) {
				t.Errorf("%s: opensearch health check %q lacks %q", label, hc, w)
			}
		}
	case "vespa":
		if hc := strings.Join(p.Services["index"].HealthCheck.Test, " "); !strings.Contains(hc, "/state/v1/health") {
			t.Errorf("%s: index health check %q", label, hc)
		}
	}
	if !p.Networks["data"].Internal {
		t.Errorf("%s: the data network is not internal", label)
	}
	for _, store := range []string{"relational_db", "cache", "index", "opensearch", "minio"} {
		if s, ok := p.Services[store]; ok {
			if _, on := s.Networks["proxy"]; on {
				t.Errorf("%s: %s sits on the proxy network", label, store)
			}
		}
	}
}

// checkOnyxWorkers checks the services Onyx Lite does without.
func checkOnyxWorkers(t *testing.T, label string, p *types.Project) {
	t.Helper()
	if !strings.Contains(strings.Join(p.Services["background"].Command, " "), "supervisord") {
		t.Errorf("%s: background does not run Onyx's supervisord", label)
	}
	if d := p.Services["background"].DependsOn["api_server"]; d.Condition != types.ServiceConditionHealthy {
		t.Errorf("%s: background does not wait for the migrated API server", label)
	}
	for _, ms := range []string{"inference_model_server", "indexing_model_server"} {
		if c := strings.Join(p.Services[ms].Command, " "); !strings.Contains(c, "--port 9000") {
			t.Errorf("%s: %s command %q does not serve on 9000", label, ms, c)
		}
	}
	if p.Services["indexing_model_server"].Environment["INDEXING_ONLY"] == nil {
		t.Errorf("%s: the indexing model server is not INDEXING_ONLY", label)
	}
	cache := p.Services["cache"]
	if c := strings.Join(cache.Command, " "); !strings.Contains(c, "--appendonly no") || len(cache.Tmpfs) == 0 || len(cache.Volumes) != 0 {
		t.Errorf("%s: cache is not ephemeral as Onyx runs it (command %q)", label, c)
	}
}

func TestOnyxBadAnswers(t *testing.T) {
	cases := []struct {
		answers stack.Answers
		want    string
	}{
		{stack.Answers{"mode": "docker"}, `mode: "docker" is not supported; choose one of: images, source`},
		{stack.Answers{"mode": "source"}, "source_dir: the path to an Onyx checkout is required"},
		{stack.Answers{"mode": "source", "source_dir": "https://github.com/onyx-dot-app/onyx"}, "clone it first"},
		{stack.Answers{"onyx_version": "latest"}, "is not an Onyx release tag"},
		{stack.Answers{"onyx_version": "v3.2.1"}, "onyx_version: \"v3.2.1\" is the Onyx v3 line, which needs Vespa and OpenSearch side by side"},
		{stack.Answers{"onyx_version": "v5.0.0"}, "newer than the Onyx v4 line"},
		{stack.Answers{"profile": "tiny"}, `profile: "tiny" is not supported; choose one of: standard, lite`},
		{stack.Answers{"profile": "lite", "onyx_version": "v2.9.8"}, "profile: Onyx Lite needs Onyx v4"},
		{stack.Answers{"profile": "lite", "file_store": "s3-minio"}, "file_store: Onyx Lite keeps its files in PostgreSQL"},
		{stack.Answers{"onyx_version": "v2.9.8", "file_store": "postgres"}, "file_store: the v2 line (v2.9.8) keeps its files in S3"},
		{stack.Answers{"onyx_version": "v2.9.8", "code_interpreter": "true"}, "code_interpreter/mcp_server: this stack adds the code interpreter"},
		{stack.Answers{"file_store": "nfs"}, `file_store: "nfs" is not supported`},
		{stack.Answers{"http_port": "3000"}, "port_3000: nginx already publishes 3000"},
		{stack.Answers{"opensearch_heap": "2 GB"}, "opensearch_heap: \"2 GB\" is not a JVM heap size"},
		{stack.Answers{"compose_project": "My Onyx"}, "compose_project: \"My Onyx\" is not a compose project name"},
		{stack.Answers{"onyx_version": "v1.9.0"}, "older than Onyx v2"},
		{stack.Answers{"domain": "Onyx Server"}, "domain:"},
		{stack.Answers{"http_port": "70000"}, "http_port:"},
		{stack.Answers{"bind_address": "localhost"}, "bind_address: \"localhost\" is not an IPv4 address"},
		{stack.Answers{"https": "true", "https_port": "80"}, "https_port: 80 is also the HTTP port"},
		{stack.Answers{"auth": "disabled"}, `auth: "disabled" is not supported; choose one of: basic, google_oauth, oidc`},
		{stack.Answers{"auth": "oidc", "openid_config_url": "https://x.example/.well-known/openid-configuration"}, "oauth_client_id: an OAuth client id is required"},
		{stack.Answers{"auth": "oidc", "oauth_client_id": "abc"}, "openid_config_url: the OpenID configuration URL is required"},
		{stack.Answers{"upload_limit": "lots"}, "upload_limit:"},
		{stack.Answers{"logging": "maybe"}, "logging:"},
		{stack.Answers{"image.backend": "onyxdotapp/onyx-backend:latest"}, "not pinned"},
		{stack.Answers{"registry_mirror": "not a host"}, "registry_mirror:"},
		{stack.Answers{"mode": "source", "source_dir": "../onyx", "base_image_registry": "no such"}, "base_image_registry:"},
		{stack.Answers{"password": "x"}, `unknown answer "password"`},
	}
	for _, c := range cases {
		_, _, err := render.Project(Onyx(), c.answers, render.Options{Rand: &onyxRand{}, Version: "test"})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want one containing %q", c.answers, err, c.want)
		}
	}
}

func TestOnyxAnswersAndImages(t *testing.T) {
	d := Onyx()
	a, err := d.Resolve(stack.Answers{"registry_mirror": "mirror.example.com", "logging": "true", "file_store": "s3-minio"})
	if err != nil {
		t.Fatal(err)
	}
	imgs := d.ResolveImages(a)
	for key, want := range map[string]string{
		"backend":       "mirror.example.com/onyxdotapp/onyx-backend:v4.6.1",
		"opensearch":    "mirror.example.com/opensearchproject/opensearch:3.6.0",
		"relational_db": "mirror.example.com/library/postgres:15.14-alpine",
		"minio":         "mirror.example.com/minio/minio:RELEASE.2025-07-23T15-54-02Z-cpuv1",
		"elasticsearch": "docker.elastic.co/elasticsearch/elasticsearch:8.19.14", // not Docker Hub: untouched
	} {
		if imgs[key] != want {
			t.Errorf("image %s = %q, want %q", key, imgs[key], want)
		}
	}
	// Source mode: the Onyx images are built, named, and never mirrored;
	// the base registry follows the mirror.
	a, err = d.Resolve(stack.Answers{"mode": "source", "source_dir": "/src/onyx", "registry_mirror": "mirror.example.com"})
	if err != nil {
		t.Fatal(err)
	}
	imgs = d.ResolveImages(a)
	if imgs["backend"] != "onyx-local/onyx-backend:v4.6.1" || imgs["model_server"] != "onyx-local/onyx-model-server:v4.6.1" {
		t.Errorf("source images = %v", imgs)
	}
	if a["base_image_registry"] != "mirror.example.com" {
		t.Errorf("base_image_registry = %q, want the mirror", a["base_image_registry"])
	}
	if _, ok := imgs["kibana"]; ok {
		t.Errorf("logging images resolved without the logging overlay")
	}
	set, _ := renderOnyx(t, stack.Answers{"mode": "source", "source_dir": "/src/onyx", "registry_mirror": "mirror.example.com"})
	src := onyxFile(t, set, "compose.source.yaml")
	if !strings.Contains(src, `BASE_IMAGE_REGISTRY: "mirror.example.com"`) || !strings.Contains(src, `context: "/src/onyx/backend"`) {
		t.Errorf("compose.source.yaml does not build from /src/onyx through the mirror:\n%s", src)
	}

	// Overridden images land in compose and in the scripts' helper.
	set, _ = renderOnyx(t, stack.Answers{"image.nginx": "registry.local/nginx:1.28"})
	if !strings.Contains(onyxFile(t, set, "compose.yaml"), `image: "registry.local/nginx:1.28"`) ||
		!strings.Contains(onyxFile(t, set, "scripts/backup.sh"), "helper=registry.local/nginx:1.28") {
		t.Errorf("the nginx image override is not used everywhere")
	}

	// bind_address publishes nginx on one address only.
	set, _ = renderOnyx(t, stack.Answers{"bind_address": "127.0.0.1", "http_port": "8080"})
	if !strings.Contains(onyxFile(t, set, "compose.yaml"), `- "127.0.0.1:8080:80"`) {
		t.Errorf("bind_address 127.0.0.1 does not publish nginx on 127.0.0.1 only")
	}

	// Migrations, URL, state.
	if d.Migrate == nil || d.Migrate.Service != "api_server" || strings.Join(d.Migrate.Command, " ") != "alembic upgrade head" {
		t.Errorf("Migrate = %+v", d.Migrate)
	}
	for _, c := range []struct {
		a    stack.Answers
		want string
	}{
		{stack.Answers{}, "http://localhost/"},
		{stack.Answers{"http_port": "8080"}, "http://localhost:8080/"},
		{stack.Answers{"https": "true", "domain": "onyx.example.com"}, "https://onyx.example.com/"},
		{stack.Answers{"https": "true", "domain": "onyx.example.com", "https_port": "8443"}, "https://onyx.example.com:8443/"},
		{stack.Answers{"bind_address": "127.0.0.1", "http_port": "8080"}, "http://127.0.0.1:8080/"},
	} {
		a, err := d.Resolve(c.a)
		if err != nil {
			t.Fatal(err)
		}
		if got := d.URL(a); got != c.want {
			t.Errorf("URL(%v) = %q, want %q", c.a, got, c.want)
		}
	}
	// State follows the topology; Redis and the search index stay out
	// (ephemeral, and rebuilt by re-indexing).
	for _, c := range []struct {
		a    stack.Answers
		want string
	}{
		{stack.Answers{}, "relational_db/postgres/db_volume api_server/files/file-system"},
		{stack.Answers{"file_store": "s3-minio"}, "relational_db/postgres/db_volume minio/files/minio_data api_server/files/file-system"},
		{stack.Answers{"file_store": "s3-external"}, "relational_db/postgres/db_volume api_server/files/file-system"},
		{stack.Answers{"profile": "lite"}, "relational_db/postgres/db_volume api_server/files/file-system"},
		{stack.Answers{"onyx_version": "v2.9.8"}, "relational_db/postgres/db_volume minio/files/minio_data"},
	} {
		a, err := d.Resolve(c.a)
		if err != nil {
			t.Fatal(err)
		}
		var kinds []string
		for _, s := range d.State(a) {
			kinds = append(kinds, s.Service+"/"+string(s.Kind)+"/"+s.Volume)
		}
		if got := strings.Join(kinds, " "); got != c.want {
			t.Errorf("State(%v) = %s, want %s", c.a, got, c.want)
		}
	}
}

// A re-render never swaps a data store under a live install.
func TestOnyxRerender(t *testing.T) {
	d := Onyx()
	resolve := func(a stack.Answers) stack.Answers {
		t.Helper()
		r, err := d.Resolve(a)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	v2 := resolve(stack.Answers{"onyx_version": "v2.9.8"})
	// A manifest written before file_store existed (MinIO was the only one).
	oldV2 := stack.Answers{}
	for k, v := range v2 {
		oldV2[k] = v
	}
	delete(oldV2, "file_store")
	v4 := resolve(nil)
	cases := []struct {
		name       string
		prev, next stack.Answers
		want       string // "" means accepted
	}{
		{"v2 stays v2", v2, resolve(stack.Answers{"onyx_version": "v2.12.3"}), ""},
		{"v2 to v4 unasked", v2, resolve(stack.Answers{"file_store": "s3-minio"}), "onyx_version: this project runs Onyx v2.9.8, whose search index is Vespa"},
		{"v2 to v4 asked", v2, resolve(stack.Answers{"file_store": "s3-minio", "reindex_to_opensearch": "true"}), ""},
		{"v2 to v4 switching the file store", v2, resolve(stack.Answers{"reindex_to_opensearch": "true"}), "file_store: this project keeps its files in s3-minio; switching to postgres does not move them"},
		{"old manifest re-rendered as is", oldV2, resolve(oldV2), ""},
		{"v4 re-rendered", v4, resolve(nil), ""},
		{"v4 postgres to minio", v4, resolve(stack.Answers{"file_store": "s3-minio"}), "file_store: this project keeps its files in postgres"},
		{"compose project renamed", v4, resolve(stack.Answers{"compose_project": "other"}), `compose_project: this project's volumes (database, files, index) are named after "onyx"`},
	}
	for _, c := range cases {
		err := d.Rerender(c.prev, c.next)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: refused: %v", c.name, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		case err != nil && strings.Contains(err.Error(), "\n"):
			t.Errorf("%s: the error is more than one line: %q", c.name, err)
		}
	}
}

func TestOnyxWarningsAndNotes(t *testing.T) {
	d := Onyx()
	warn := func(given stack.Answers) string {
		t.Helper()
		a, err := d.Resolve(given)
		if err != nil {
			t.Fatal(err)
		}
		return strings.Join(say(d.Warnings(a, d.ResolveImages(a))), "\n")
	}
	if w := warn(nil); w != "" {
		t.Errorf("the default render warns: %s", w)
	}
	if w := warn(stack.Answers{"file_store": "s3-minio"}); !strings.Contains(w, "predates RELEASE.2025-10-15T17-29-55Z, the fix for CVE-2025-62506") {
		t.Errorf("no CVE warning for the pinned MinIO: %q", w)
	}
	for ref, warns := range map[string]bool{
		"registry.local/minio:RELEASE.2025-10-15T17-29-54Z":     true,
		"registry.local/minio:RELEASE.2025-10-15T17-29-55Z":     false,
		"registry.local/minio:RELEASE.2026-01-02T03-04-05Z-cpu": false,
	} {
		w := warn(stack.Answers{"file_store": "s3-minio", "image.minio": ref})
		if got := strings.Contains(w, "CVE-2025-62506"); got != warns {
			t.Errorf("image.minio=%s: warned %v, want %v (%q)", ref, got, warns, w)
		}
	}
	if w := warn(stack.Answers{"code_interpreter": "true"}); !strings.Contains(w, "root with the host's Docker socket") {
		t.Errorf("no warning for the code interpreter: %q", w)
	}
	notes := func(given stack.Answers) string {
		a, _ := d.Resolve(given)
		return strings.Join(say(d.Notes(a)), "\n")
	}
	if n := notes(nil); !strings.Contains(n, "16 GB") || !strings.Contains(n, "OpenSearch with a 2g heap") {
		t.Errorf("standard notes = %q", n)
	}
	if n := notes(stack.Answers{"profile": "lite"}); !strings.Contains(n, "about 4 GB") || !strings.Contains(n, "8 GB Docker Desktop") {
		t.Errorf("lite notes = %q", n)
	}
}

// say renders catalogue lines in English.
func say(subs []msg.Sub) []string {
	var out []string
	for _, s := range subs {
		out = append(out, msg.English().T(s.ID, s.Args))
	}
	return out
}

func TestOnyxRegisteredAndDeterministic(t *testing.T) {

	for _, name := range []string{"onyx", "danswer", "ONYX"} {
		d, err := Registry().Lookup(name)
		if err != nil || d.Name != "onyx" {
			t.Errorf("Lookup(%q) = %v, %v", name, d, err)
		}
	}
	a, _ := renderOnyx(t, stack.Answers{"logging": "true"})
	b, _ := renderOnyx(t, stack.Answers{"logging": "true"})
	if len(a) != len(b) {
		t.Fatalf("two renders differ in length")
	}
	for i := range a {
		if a[i].Path != b[i].Path || !bytes.Equal(a[i].Content, b[i].Content) {
			t.Errorf("%s differs between two renders with the same answers", a[i].Path)
		}
	}
}
