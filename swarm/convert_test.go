package swarm

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stackgen/stackgen/fileset"
	"github.com/stackgen/stackgen/render"
	"github.com/stackgen/stackgen/stack"
	"github.com/stackgen/stackgen/stacks"
)

func renderStack(t *testing.T, name string, answers stack.Answers) Input {
	t.Helper()
	d, err := stacks.Registry().Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	var seed [32]byte
	copy(seed[:], "swarm convert tests")
	set, a, err := render.Project(d, answers, render.Options{Rand: rand.NewChaCha8(seed), Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return Input{Def: d, Answers: a, Files: set, Name: "site"}
}

func plain(compose, env string) Input {
	return Input{Name: "plain", Files: fileset.Set{
		{Path: ".env", Mode: 0o600, Content: []byte(env)},
		{Path: "compose.yaml", Mode: 0o644, Content: []byte(compose)},
	}}
}

func TestConvertRefuses(t *testing.T) {
	cases := []struct {
		name string
		in   func(t *testing.T) Input
		want string
	}{
		{"publish_db", func(t *testing.T) Input {
			return renderStack(t, "django-uwsgi", stack.Answers{"publish_db": "true"})
		}, "publish_db=true"},
		{"port bound to loopback", func(t *testing.T) Input {
			return renderStack(t, "keras-webpy", stack.Answers{"bake_model": "true"})
		}, "publishes port 8080 on 127.0.0.1 only"},
		{"gpu", func(t *testing.T) Input {
			return renderStack(t, "keras-webpy", stack.Answers{"gpu": "true", "bake_model": "true", "bind_address": "0.0.0.0"})
		}, "reserves devices"},
		{"model bind mount from the host", func(t *testing.T) Input {
			return renderStack(t, "keras-webpy", stack.Answers{"bind_address": "0.0.0.0"})
		}, "bind-mounts"},
		{"secret for an image that reads no _FILE", func(*testing.T) Input {
			return plain("services:\n  app:\n    image: app:1\n    environment:\n      DB_PASSWORD: ${DB_PASSWORD}\n", "DB_PASSWORD=s3cret-value-123\n")
		}, `gets the secret DB_PASSWORD in environment DB_PASSWORD`},
		{"secret inside a URL", func(*testing.T) Input {
			return plain("services:\n  app:\n    image: app:1\n    environment:\n      DATABASE_URL: postgres://u:${DB_PASSWORD}@db/x\n", "DB_PASSWORD=s3cret-value-123\n")
		}, "embeds the secret DB_PASSWORD"},
		{"writable bind mount", func(*testing.T) Input {
			return plain("services:\n  app:\n    image: app:1\n    volumes:\n      - ./data:/data\n", "")
		}, "bind-mounts ./data writable"},
		{"no image", func(*testing.T) Input {
			return plain("services:\n  app:\n    build: .\n", "")
		}, "has no image"},
		{"https without certificates", func(t *testing.T) Input {
			return renderStack(t, "django-uwsgi", stack.Answers{"https": "true", "domain": "example.com"})
		}, "holds none: put them there"},
		{"bad stack name", func(*testing.T) Input {
			in := plain("services:\n  app:\n    image: app:1\n", "")
			in.Name = "My Site"
			return in
		}, "stack name"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := Convert(c.in(t))
			if err == nil {
				t.Fatalf("converted, want an error with %q:\n%s", c.want, res.StackFile)
			}
			if !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q: want one line containing %q", err, c.want)
			}
		})
	}
}

func TestSecretNamesFollowContent(t *testing.T) {
	in := plain("services:\n  db:\n    image: postgres:17\n    environment:\n      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD}\n    command: [\"sh\", \"-c\", \"exec postgres\"]\n    ports: [\"80:80\"]\n", "POSTGRES_PASSWORD=first-password-value\n")
	a, err := Convert(in)
	if err != nil {
		t.Fatal(err)
	}
	in.Files[0].Content = []byte("POSTGRES_PASSWORD=second-password-value\n")
	b, err := Convert(in)
	if err != nil {
		t.Fatal(err)
	}
	if a.Secrets[0].Key != b.Secrets[0].Key || a.Secrets[0].Name == b.Secrets[0].Name {
		t.Errorf("secret names %q and %q: want the same key and a new name when the value changes", a.Secrets[0].Name, b.Secrets[0].Name)
	}
	// A shell command loads the secret into the variable it had.
	if !strings.Contains(string(a.StackFile), `POSTGRES_PASSWORD="$$(cat /run/secrets/postgres_password)" || exit 1; export POSTGRES_PASSWORD; exec postgres`) {
		t.Errorf("the shell command does not load the secret:\n%s", a.StackFile)
	}
}

func TestDjangoStack(t *testing.T) {
	in := renderStack(t, "django-uwsgi", nil)
	in.Encrypt = true
	in.Replicas = 3
	res, err := Convert(in)
	if err != nil {
		t.Fatal(err)
	}
	f := string(res.StackFile)
	for _, want := range []string{
		"DB_PASSWORD_FILE: /run/secrets/mysql_password",
		"DJANGO_SECRET_KEY_FILE: /run/secrets/django_secret_key",
		"MYSQL_ROOT_PASSWORD_FILE: /run/secrets/mysql_root_password",
		"mode: replicated-job",
		"STACKGEN_MIGRATE: wait",
		"replicas: 3",
		"order: start-first",
		"failure_action: rollback",
		// web's start_period is 120s: the monitor outlasts it
		"monitor: 130s",
		"node.labels.stackgen.site.data == true",
		"--include\n      - /run/secrets/redis_password_redis_conf",
		"encrypted: \"\"",
		"endpoint_mode: dnsrr",
	} {
		if !strings.Contains(f, want) {
			t.Errorf("stack file lacks %q", want)
		}
	}
	// Every service but the published proxy is reached by DNS
	// round-robin, and nginx resolves web at request time.
	if n := strings.Count(f, "endpoint_mode: dnsrr"); n != 4 {
		t.Errorf("%d services with endpoint_mode dnsrr, want db, redis, web and web-migrate", n)
	}
	for _, c := range res.Configs {
		if c.Key == "compose_nginx_nginx_conf" {
			conf := string(c.Data)
			if !strings.Contains(conf, "resolver 127.0.0.11 valid=5s") || !strings.Contains(conf, "uwsgi_pass $django_upstream;") || strings.Contains(conf, "uwsgi_pass django;") || strings.Contains(conf, "upstream django") {
				t.Errorf("nginx.conf not made to resolve web at request time:\n%s", conf)
			}
		}
	}
	// Only internal networks are encrypted.
	if n := strings.Count(f, "encrypted:"); n != 2 {
		t.Errorf("%d encrypted networks, want the 2 internal ones", n)
	}
	var redisConf []byte
	for _, s := range res.Secrets {
		if s.Key == "redis_password_redis_conf" {
			redisConf = s.Data
		}
	}
	if !strings.HasPrefix(string(redisConf), `requirepass "`) {
		t.Errorf("redis secret config %q, want a quoted requirepass line", redisConf)
	}
	var roles []string
	for _, s := range res.Services {
		roles = append(roles, s.Name+"="+s.Role)
	}
	if got := strings.Join(roles, " "); got != "db=data redis=data web=web web-migrate=job nginx=proxy" {
		t.Errorf("services in order: %s", got)
	}
}

// With the certificates in place, the key is a secret and the chain a
// config, both where nginx.conf reads them.
func TestHTTPSCertificates(t *testing.T) {
	in := renderStack(t, "django-uwsgi", stack.Answers{"https": "true", "domain": "example.com"})
	in.Files = append(in.Files,
		fileset.File{Path: "compose/nginx/ssl/fullchain.pem", Mode: 0o644, Content: []byte("-----BEGIN CERTIFICATE-----\n")},
		fileset.File{Path: "compose/nginx/ssl/privkey.pem", Mode: 0o600, Content: []byte("-----BEGIN PRIVATE KEY-----\n")})
	res, err := Convert(in)
	if err != nil {
		t.Fatal(err)
	}
	f := string(res.StackFile)
	if !strings.Contains(f, "source: compose_nginx_ssl_privkey_pem\n        target: /usr/share/nginx/ssl/privkey.pem") {
		t.Errorf("the private key is not a secret at nginx's path:\n%s", f)
	}
	for _, c := range res.Configs {
		if strings.Contains(c.Key, "privkey") {
			t.Errorf("the private key is a config: %s", c.Key)
		}
	}
	if strings.Contains(f, "BEGIN PRIVATE KEY") {
		t.Error("the key's content is in the stack file")
	}
}

func TestPublishModeHost(t *testing.T) {
	in := renderStack(t, "django-uwsgi", nil)
	in.PublishMode = "host"
	res, err := Convert(in)
	if err != nil {
		t.Fatal(err)
	}
	f := string(res.StackFile)
	nginx := f[strings.Index(f, "\n  nginx:"):]
	if !strings.Contains(nginx, "mode: host") || !strings.Contains(nginx, "order: stop-first") {
		t.Errorf("host-mode nginx must publish in host mode and update stop-first:\n%s", nginx)
	}
	in.PublishMode = "mesh"
	if _, err := Convert(in); err == nil || !strings.Contains(err.Error(), "--publish-mode") {
		t.Errorf("a bad publish mode: %v", err)
	}
}

func TestNginxRewriteRefusesAChangedFile(t *testing.T) {
	if _, err := resolvingUpstream([]byte("server { location / { uwsgi_pass 127.0.0.1:8000; } }")); err == nil || !strings.Contains(err.Error(), "compose/nginx/nginx.conf") {
		t.Errorf("error %v", err)
	}
}

func TestRedisQuote(t *testing.T) {
	if got := redisQuote(`a"b\c`); got != `"a\"b\\c"` {
		t.Errorf("redisQuote: %s", got)
	}
}

// Onyx's shell commands load their secrets from the files before they
// run, the official postgres and minio images read *_FILE, the cache's
// password is an included config, and whatever keeps data is pinned.
// Onyx's service set depends on its version and answers, so each check
// applies when its service is rendered.
func TestOnyxStack(t *testing.T) {
	in := renderStack(t, "onyx", nil)
	res, err := Convert(in)
	if err != nil {
		t.Fatal(err)
	}
	f := string(res.StackFile)
	has := map[string]bool{}
	for _, s := range res.Services {
		has[s.Name] = true
	}
	checks := []struct{ service, want string }{
		{"api_server", `POSTGRES_PASSWORD="$$(cat /run/secrets/postgres_password)" || exit 1; export POSTGRES_PASSWORD; `},
		{"relational_db", "POSTGRES_PASSWORD_FILE: /run/secrets/postgres_password"},
		{"relational_db", "target: /dev/shm"},
		{"minio", "MINIO_ROOT_PASSWORD_FILE: /run/secrets/minio_root_password"},
		{"cache", "/run/secrets/redis_password_redis_conf"},
	}
	for _, c := range checks {
		if has[c.service] && !strings.Contains(f, c.want) {
			t.Errorf("onyx stack file lacks %q (service %s)", c.want, c.service)
		}
	}
	var pinned, want []string
	for _, s := range res.Services {
		if s.Role == RoleData {
			pinned = append(pinned, s.Name)
		}
		switch s.Name {
		case "relational_db", "minio", "index", "opensearch":
			want = append(want, s.Name)
		}
	}
	if strings.Join(pinned, ",") != strings.Join(want, ",") || len(want) == 0 {
		t.Errorf("pinned services: %v, want the database, file store and search index: %v", pinned, want)
	}
}

func TestUlimitsCarried(t *testing.T) {
	res, err := Convert(plain("services:\n  os:\n    image: os:3\n    ulimits:\n      nofile: {soft: 65536, hard: 65536}\n      memlock: -1\n    ports: [\"80:80\"]\n", ""))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(res.StackFile), "ulimits:\n      memlock: -1\n      nofile:\n        soft: 65536\n        hard: 65536") {
		t.Errorf("ulimits not carried:\n%s", res.StackFile)
	}
}

// An image that reads a secret only from its environment, run without a
// shell command, gets an entrypoint shell that loads it and execs the
// image's own entrypoint.
func TestShim(t *testing.T) {
	in := plain("services:\n  opensearch:\n    image: os:3\n    environment:\n      OPENSEARCH_INITIAL_ADMIN_PASSWORD: ${OS_PASSWORD}\n    healthcheck:\n      test: [\"CMD-SHELL\", \"curl -u admin:$$OPENSEARCH_INITIAL_ADMIN_PASSWORD https://127.0.0.1:9200\"]\n", "OS_PASSWORD=very-secret-value-1\n")
	c, err := newConverter(in)
	if err != nil {
		t.Fatal(err)
	}
	c.h = hintsFor("onyx")
	res, err := c.run()
	if err != nil {
		t.Fatal(err)
	}
	f := string(res.StackFile)
	for _, want := range []string{
		"entrypoint:\n      - /bin/sh\n      - -c\n      - OPENSEARCH_INITIAL_ADMIN_PASSWORD=\"$$(cat /run/secrets/os_password)\" || exit 1; export OPENSEARCH_INITIAL_ADMIN_PASSWORD; exec \"$$@\"\n      - sh",
		"command:\n      - /usr/share/opensearch/opensearch-docker-entrypoint.sh\n      - opensearch",
		"OPENSEARCH_INITIAL_ADMIN_PASSWORD=\"$$(cat /run/secrets/os_password)\" || exit 1; export OPENSEARCH_INITIAL_ADMIN_PASSWORD; curl",
	} {
		if !strings.Contains(f, want) {
			t.Errorf("stack file lacks:\n%s\n---\n%s", want, f)
		}
	}
}

// TestDjangoChoicesStack: PostgreSQL, gunicorn and Valkey convert too;
// nginx's proxy_pass resolves web at request time like uwsgi_pass does.
func TestDjangoChoicesStack(t *testing.T) {
	in := renderStack(t, "django-uwsgi", stack.Answers{"db": "postgres", "wsgi": "gunicorn", "cache": "valkey"})
	res, err := Convert(in)
	if err != nil {
		t.Fatal(err)
	}
	f := string(res.StackFile)
	for _, want := range []string{
		"DB_PASSWORD_FILE: /run/secrets/postgres_password",
		"POSTGRES_PASSWORD_FILE: /run/secrets/postgres_password",
		"valkey-server",
	} {
		if !strings.Contains(f, want) {
			t.Errorf("stack file lacks %q", want)
		}
	}
	for _, c := range res.Configs {
		if c.Key == "compose_nginx_nginx_conf" {
			conf := string(c.Data)
			if !strings.Contains(conf, "proxy_pass http://$django_upstream;") || strings.Contains(conf, "proxy_pass http://django;") || strings.Contains(conf, "upstream django") {
				t.Errorf("nginx.conf not made to resolve web at request time:\n%s", conf)
			}
		}
	}
}
