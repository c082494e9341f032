package stacks

import (
	"crypto/rand"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"os/exec"
	"path"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/stackgen/stackgen/fileset"
	"github.com/stackgen/stackgen/internal/toolcheck"
	"github.com/stackgen/stackgen/render"
	"github.com/stackgen/stackgen/stack"
)

// djangoCases are the answer combinations that change the output in a
// meaningful way; every test that judges a render runs them all.
var djangoCases = []struct {
	name    string
	answers stack.Answers
}{
	{"defaults", nil},
	{"mariadb", stack.Answers{"db": "mariadb"}},
	{"mariadb-11.4", stack.Answers{"db": "mariadb", "db_version": "11.4"}},
	{"mysql-8.4", stack.Answers{"db_version": "8.4"}},
	{"https", stack.Answers{"https": "true", "domain": "example.com", "https_port": "8443", "http_port": "8080"}},
	{"mirrors", stack.Answers{"pip_index_url": "http://pypi.mirror.example:3141/simple", "registry_mirror": "hub.mirror.example"}},
	{"publish-db", stack.Answers{"publish_db": "true", "db_host_port": "13306", "project": "shop", "app_version": "2.1.0"}},
	{"postgres", stack.Answers{"db": "postgres"}},
	{"postgres-17-publish", stack.Answers{"db": "postgres", "db_version": "17", "publish_db": "true"}},
	{"gunicorn", stack.Answers{"wsgi": "gunicorn", "gunicorn_threads": "1"}},
	{"valkey", stack.Answers{"cache": "valkey"}},
	{"postgres-gunicorn-valkey-https", stack.Answers{"db": "postgres", "wsgi": "gunicorn", "cache": "valkey", "https": "true", "domain": "example.com", "https_port": "8443"}},
}

// fixedRand is a deterministic secret source, so a failing case renders
// the same files again.
func fixedRand() *mrand.ChaCha8 {
	var seed [32]byte
	copy(seed[:], "stackgen django tests fixed seed")
	return mrand.NewChaCha8(seed)
}

type djangoRender struct {
	set     fileset.Set
	answers stack.Answers
	secrets map[string]string
}

func renderDjango(t *testing.T, given stack.Answers) djangoRender {
	t.Helper()
	set, answers, err := render.Project(Django(), given, render.Options{Rand: fixedRand(), Version: "test"})
	if err != nil {
		t.Fatalf("render %v: %v", given, err)
	}
	env := file(t, set, ".env")
	secrets := map[string]string{}
	for _, s := range Django().SecretsFor(answers) {
		m := regexp.MustCompile(`(?m)^` + s.Key + `='([^']*)'$`).FindStringSubmatch(env)
		if m == nil {
			t.Fatalf(".env has no %s", s.Key)
		}
		secrets[s.Key] = m[1]
	}
	return djangoRender{set: set, answers: answers, secrets: secrets}
}

func file(t *testing.T, set fileset.Set, p string) string {
	t.Helper()
	f, ok := set.Get(p)
	if !ok {
		t.Fatalf("the render has no %s", p)
	}
	return string(f.Content)
}

func mustContain(t *testing.T, name, content string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(content, w) {
			t.Errorf("%s lacks %q", name, w)
		}
	}
}

func mustNotMatch(t *testing.T, name, content string, patterns ...string) {
	t.Helper()
	for _, p := range patterns {
		if loc := regexp.MustCompile(p).FindStringIndex(content); loc != nil {
			t.Errorf("%s has %q (matches %s)", name, content[loc[0]:loc[1]], p)
		}
	}
}

// TestDjangoToolchecks runs every real-tool check (compose-go, BuildKit's
// parser, bash -n, shellcheck at style level, nginx -t, py_compile,
// PowerShell) on each case.
func TestDjangoToolchecks(t *testing.T) {
	for _, c := range djangoCases {
		t.Run(c.name, func(t *testing.T) {
			r := renderDjango(t, c.answers)
			toolcheck.Check(t, r.set, toolcheck.WithShellcheckSeverity("style"))
		})
	}
}

// TestDjangoComposeModel loads compose.yaml with compose-go and the
// rendered .env and checks what the stack promises about it.
func TestDjangoComposeModel(t *testing.T) {
	for _, c := range djangoCases {
		t.Run(c.name, func(t *testing.T) {
			r := renderDjango(t, c.answers)
			p := toolcheck.Write(t, r.set)
			proj, err := p.LoadCompose("compose.yaml")
			if err != nil {
				t.Fatal(err)
			}
			images := Django().ResolveImages(r.answers)
			var names []string
			for n := range proj.Services {
				names = append(names, n)
			}
			sort.Strings(names)
			if got := strings.Join(names, ","); got != "db,nginx,redis,web" {
				t.Fatalf("services %s, want db,nginx,redis,web", got)
			}
			for _, want := range []string{"nginx_network", "db_network", "redis_network"} {
				if _, ok := proj.Networks[want]; !ok {
					t.Errorf("no network %s", want)
				}
			}
			for _, want := range []string{"db_vol", "redis_vol", "static_vol", "media_vol"} {
				if _, ok := proj.Volumes[want]; !ok {
					t.Errorf("no volume %s", want)
				}
			}
			publish := r.answers.Bool("publish_db")
			for _, n := range names {
				s := proj.Services[n]
				if s.Restart != "unless-stopped" {
					t.Errorf("%s: restart %q, want unless-stopped", n, s.Restart)
				}
				if s.HealthCheck == nil || len(s.HealthCheck.Test) == 0 {
					t.Errorf("%s has no health check", n)
				}
				if s.ContainerName != "" || s.Tty || s.StdinOpen || len(s.Links) > 0 {
					t.Errorf("%s uses container_name, tty, stdin_open or links", n)
				}
				if s.Logging == nil || s.Logging.Driver != "json-file" || s.Logging.Options["max-size"] == "" {
					t.Errorf("%s: logs are not capped json-file", n)
				}
				for dep, d := range s.DependsOn {
					if d.Condition != types.ServiceConditionHealthy {
						t.Errorf("%s depends on %s with %q, want service_healthy", n, dep, d.Condition)
					}
				}
				for _, v := range s.Volumes {
					if v.Type == types.VolumeTypeBind && !v.ReadOnly && !strings.HasSuffix(v.Source, "/compose/nginx/log") {
						t.Errorf("%s mounts %s read-write; configuration is mounted read-only", n, v.Source)
					}
				}
				for _, port := range s.Ports {
					switch n {
					case "nginx":
					case "db", "redis":
						if !publish || port.HostIP != "127.0.0.1" {
							t.Errorf("%s publishes %v: databases publish nothing, or 127.0.0.1 only with publish_db", n, port)
						}
					default:
						t.Errorf("%s publishes %v; only nginx may", n, port)
					}
				}
			}
			if publish {
				if ports := proj.Services["db"].Ports; len(ports) != 1 || ports[0].Published != r.answers["db_host_port"] {
					t.Errorf("db ports %v, want 127.0.0.1:%s", ports, r.answers["db_host_port"])
				}
			}
			if got := proj.Services["db"].Image; got != images["db"] {
				t.Errorf("db image %q, want %q", got, images["db"])
			}
			web, nginx := proj.Services["web"], proj.Services["nginx"]
			if web.Image != images["web"] || web.Build == nil {
				t.Errorf("web: image %q build %v; want the built image named %q", web.Image, web.Build, images["web"])
			}
			if want := r.answers["project"] + "-web:" + r.answers["app_version"]; images["web"] != want {
				t.Errorf("built web image %q, want %q", images["web"], want)
			}
			if nginx.Image != images["proxy"] || nginx.Build == nil {
				t.Errorf("nginx: image %q build %v; want the built image named %q", nginx.Image, nginx.Build, images["proxy"])
			}
			wantPorts := []string{r.answers["http_port"] + ":80"}
			if r.answers.Bool("https") {
				wantPorts = append(wantPorts, r.answers["https_port"]+":443")
			}
			var gotPorts []string
			for _, port := range nginx.Ports {
				gotPorts = append(gotPorts, port.Published+":"+fmt.Sprint(port.Target))
			}
			if strings.Join(gotPorts, " ") != strings.Join(wantPorts, " ") {
				t.Errorf("nginx ports %v, want %v", gotPorts, wantPorts)
			}
			if cmd := strings.Join(proj.Services["redis"].Command, " "); !strings.Contains(cmd, "--requirepass "+r.secrets["REDIS_PASSWORD"]) {
				t.Errorf("redis command %q does not take the password from .env", cmd)
			}
			if got := web.Environment["DJANGO_SECRET_KEY"]; got == nil || *got != r.secrets["DJANGO_SECRET_KEY"] {
				t.Error("web does not get DJANGO_SECRET_KEY from .env")
			}
			if _, leaked := web.Environment["MYSQL_ROOT_PASSWORD"]; leaked {
				t.Error("web gets the database root password")
			}
		})
	}
}

// TestDjangoComposeGuardsSecrets: without a secret in .env, compose
// refuses to load and says which one.
func TestDjangoComposeGuardsSecrets(t *testing.T) {
	r := renderDjango(t, nil)
	p := toolcheck.Write(t, r.set, toolcheck.WithEnvFile(".env.example"))
	_, err := p.LoadCompose("compose.yaml")
	if err == nil || !strings.Contains(err.Error(), "in .env") {
		t.Fatalf("compose loaded with the secrets empty (err %v); want a ${VAR:?} guard", err)
	}
}

func TestDjangoEnvFiles(t *testing.T) {
	r := renderDjango(t, nil)
	env, ok := r.set.Get(".env")
	if !ok || env.Mode.Perm() != 0o600 {
		t.Fatalf(".env mode %o, want 0600", env.Mode.Perm())
	}
	keys := func(s string) []string {
		var out []string
		for _, l := range strings.Split(s, "\n") {
			if k, _, ok := strings.Cut(l, "="); ok && !strings.HasPrefix(strings.TrimSpace(l), "#") {
				out = append(out, k)
			}
		}
		return out
	}
	example := file(t, r.set, ".env.example")
	if a, b := strings.Join(keys(string(env.Content)), " "), strings.Join(keys(example), " "); a != b {
		t.Errorf(".env keys\n  %s\n.env.example keys\n  %s", a, b)
	}
	for _, s := range Django().SecretsFor(r.answers) {
		if !regexp.MustCompile(`(?m)^` + s.Key + `=$`).MatchString(example) {
			t.Errorf(".env.example should leave %s empty", s.Key)
		}
		if len(r.secrets[s.Key]) < 32 {
			t.Errorf("%s is %d characters, want at least 32", s.Key, len(r.secrets[s.Key]))
		}
	}
	if !regexp.MustCompile(`(?m)^\.env$`).MatchString(file(t, r.set, ".gitignore")) {
		t.Error(".gitignore does not list .env")
	}
	mustContain(t, ".gitattributes", file(t, r.set, ".gitattributes"), "*.sh text eol=lf", "*.ps1 text eol=crlf")
	for _, f := range r.set {
		want := os.FileMode(0o644)
		switch {
		case f.Path == ".env":
			want = 0o600
		case strings.HasSuffix(f.Path, ".sh"):
			want = 0o755
		}
		if f.Mode.Perm() != want {
			t.Errorf("%s: mode %o, want %o", f.Path, f.Mode.Perm(), want)
		}
	}
}

func TestDjangoSecretsDifferBetweenRenders(t *testing.T) {
	var renders []map[string]string
	for i := 0; i < 2; i++ {
		set, _, err := render.Project(Django(), nil, render.Options{Rand: rand.Reader})
		if err != nil {
			t.Fatal(err)
		}
		renders = append(renders, map[string]string{".env": file(t, set, ".env")})
	}
	if renders[0][".env"] == renders[1][".env"] {
		t.Fatal("two renders with crypto/rand wrote the same .env")
	}
	for _, s := range Django().SecretsFor(stack.Answers{"db": "mysql"}) {
		re := regexp.MustCompile(`(?m)^` + s.Key + `='([^']*)'$`)
		a, b := re.FindStringSubmatch(renders[0][".env"]), re.FindStringSubmatch(renders[1][".env"])
		if a == nil || b == nil || a[1] == b[1] {
			t.Errorf("%s did not change between two renders", s.Key)
		}
	}
}

func TestDjangoSecretsOnlyInEnv(t *testing.T) {
	for _, c := range djangoCases {
		t.Run(c.name, func(t *testing.T) {
			r := renderDjango(t, c.answers)
			for key, value := range r.secrets {
				for _, f := range r.set {
					if f.Path != ".env" && strings.Contains(string(f.Content), value) {
						t.Errorf("%s's value appears in %s", key, f.Path)
					}
				}
			}
		})
	}
}

func TestDjangoBadAnswers(t *testing.T) {
	cases := []struct {
		answers stack.Answers
		want    []string // all in the error
	}{
		{stack.Answers{"project": "my-site"}, []string{"project", "not a Python identifier"}},
		{stack.Answers{"project": "class"}, []string{"project", "clash"}},
		{stack.Answers{"project": "9lives"}, []string{"project", "Python identifier"}},
		{stack.Answers{"http_port": "0"}, []string{"http_port", "1 to 65535"}},
		{stack.Answers{"http_port": "70000"}, []string{"http_port", "1 to 65535"}},
		{stack.Answers{"http_port": "eighty"}, []string{"http_port", "not a whole number"}},
		{stack.Answers{"https": "true", "https_port": "0"}, []string{"https_port", "1 to 65535"}},
		{stack.Answers{"domain": "exa mple.com"}, []string{"domain", "not a host name"}},
		{stack.Answers{"domain": "-bad-.example"}, []string{"domain", "not a host name"}},
		{stack.Answers{"db": "sqlite"}, []string{"db", "choose one of: mysql, mariadb, postgres"}},
		{stack.Answers{"db": "postgres", "db_version": "13"}, []string{"db_version", "18, 17, 16"}},
		{stack.Answers{"wsgi": "daphne"}, []string{"wsgi", "uwsgi, gunicorn"}},
		{stack.Answers{"cache": "memcached"}, []string{"cache", "redis, valkey"}},
		{stack.Answers{"wsgi": "gunicorn", "gunicorn_workers": "0"}, []string{"gunicorn_workers", "1 to 64"}},
		{stack.Answers{"db_version": "5.7"}, []string{"db_version", "not supported", "9.7, 8.4"}},
		{stack.Answers{"db_version": "8.0"}, []string{"db_version", "not supported", "9.7, 8.4"}},
		{stack.Answers{"db": "mariadb", "db_version": "8.4"}, []string{"db_version", "12.3, 11.8, 11.4"}},
		{stack.Answers{"uwsgi_processes": "0"}, []string{"uwsgi_processes", "1 to 64"}},
		{stack.Answers{"client_max_body_size": "20 MB"}, []string{"client_max_body_size", "not a size"}},
		{stack.Answers{"time_zone": "Mars Standard"}, []string{"time_zone", "IANA"}},
		{stack.Answers{"language_code": "EN_US"}, []string{"language_code", "en-us"}},
		{stack.Answers{"app_version": "latest"}, []string{"app_version", "not latest"}},
		{stack.Answers{"app_version": "1.0 beta"}, []string{"app_version", "image tag"}},
		{stack.Answers{"publish_db": "maybe"}, []string{"publish_db", "true or false"}},
		{stack.Answers{"publish_db": "true", "db_host_port": "99999"}, []string{"db_host_port", "1 to 65535"}},
		{stack.Answers{"pip_index_url": "ftp://mirror.example/simple"}, []string{"pip_index_url", "http(s) URL"}},
		{stack.Answers{"registry_mirror": "not a host"}, []string{"registry_mirror", "registry host"}},
		{stack.Answers{"image.db": "mysql:latest"}, []string{"image.db", "not pinned"}},
		{stack.Answers{"colour": "blue"}, []string{"unknown answer", "colour"}},
	}
	for _, c := range cases {
		t.Run(fmt.Sprint(c.answers), func(t *testing.T) {
			_, _, err := render.Project(Django(), c.answers, render.Options{Rand: fixedRand()})
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestDjangoProjectFolderMapping(t *testing.T) {
	r := renderDjango(t, stack.Answers{"project": "shop"})
	for _, f := range r.set {
		if strings.Contains(f.Path, "__project__") || strings.HasSuffix(f.Path, ".tmpl") {
			t.Errorf("unmapped template path %s", f.Path)
		}
	}
	for _, p := range []string{
		"shop/Dockerfile", "shop/.dockerignore", "shop/requirements.txt", "shop/start.sh", "shop/uwsgi.ini",
		"shop/manage.py", "shop/healthcheck.py", "shop/shop/__init__.py", "shop/shop/settings.py",
		"shop/shop/urls.py", "shop/shop/wsgi.py", "shop/shop/asgi.py", "shop/static/css/site.css", "shop/media/.gitkeep",
	} {
		if _, ok := r.set.Get(p); !ok {
			t.Errorf("no %s", p)
		}
	}
	mustContain(t, "compose.yaml", file(t, r.set, "compose.yaml"), `context: "./shop"`, `image: "shop-web:1.0"`, `image: "shop-nginx:1.0"`)
	mustContain(t, "shop/uwsgi.ini", file(t, r.set, "shop/uwsgi.ini"), "module = shop.wsgi:application")
	mustContain(t, "shop/manage.py", file(t, r.set, "shop/manage.py"), `"shop.settings"`)
	if d := Django().DefaultDir(r.answers); d != "shop" {
		t.Errorf("DefaultDir %q, want shop", d)
	}
}

func TestDjangoTree(t *testing.T) {
	r := renderDjango(t, nil)
	want := []string{
		".env", ".env.example", ".gitattributes", ".gitignore", "README.md", "compose.yaml",
		"compose/mysql/conf/my.cnf", "compose/mysql/init/init.sql",
		"compose/nginx/Dockerfile", "compose/nginx/log/.gitkeep", "compose/nginx/nginx.conf", "compose/nginx/ssl/.gitkeep",
		"compose/redis/redis.conf", "compose/uwsgi/.gitkeep",
		"mysite/.dockerignore", "mysite/Dockerfile", "mysite/healthcheck.py", "mysite/manage.py", "mysite/media/.gitkeep",
		"mysite/mysite/__init__.py", "mysite/mysite/asgi.py", "mysite/mysite/settings.py", "mysite/mysite/urls.py", "mysite/mysite/wsgi.py",
		"mysite/requirements.txt", "mysite/start.sh", "mysite/static/css/site.css", "mysite/uwsgi.ini",
		"scripts/backup.ps1", "scripts/backup.sh", "scripts/deploy.ps1", "scripts/deploy.sh",
		"scripts/export-images.ps1", "scripts/export-images.sh", "scripts/restore.ps1", "scripts/restore.sh",
	}
	var got []string
	for _, f := range r.set {
		got = append(got, f.Path)
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("tree:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestDjangoPipConfOnlyWithMirror(t *testing.T) {
	plain := renderDjango(t, nil)
	if _, ok := plain.set.Get("mysite/pip.conf"); ok {
		t.Error("pip.conf written without a pip mirror")
	}
	if strings.Contains(file(t, plain.set, "mysite/Dockerfile"), "pip.conf") {
		t.Error("the Dockerfile copies pip.conf without a pip mirror")
	}
	for _, c := range []struct{ url, trusted string }{
		{"https://pypi.mirror.example/simple", ""},
		{"http://pypi.mirror.example:3141/simple", "trusted-host = pypi.mirror.example"},
	} {
		r := renderDjango(t, stack.Answers{"pip_index_url": c.url})
		conf := file(t, r.set, "mysite/pip.conf")
		mustContain(t, "pip.conf", conf, "[global]", "index-url = "+c.url)
		if c.trusted != "" {
			mustContain(t, "pip.conf", conf, c.trusted)
		} else if strings.Contains(conf, "trusted-host") {
			t.Error("pip.conf trusts an https mirror's host")
		}
		df := file(t, r.set, "mysite/Dockerfile")
		build, _, _ := strings.Cut(df, "\nFROM ${PYTHON_IMAGE}\n")
		mustContain(t, "the build stage", build, "COPY pip.conf /etc/pip.conf")
	}
}

func TestDjangoImagesAndMirror(t *testing.T) {
	r := renderDjango(t, stack.Answers{"registry_mirror": "hub.mirror.example"})
	images := Django().ResolveImages(r.answers)
	want := map[string]string{
		"python": "hub.mirror.example/library/python:3.13-slim",
		"db":     "hub.mirror.example/library/mysql:9.7",
		"redis":  "hub.mirror.example/library/redis:8.6",
		"nginx":  "hub.mirror.example/library/nginx:1.30",
		"web":    "mysite-web:1.0",   // built here: never pulled, never mirrored
		"proxy":  "mysite-nginx:1.0", // built here
	}
	for k, v := range want {
		if images[k] != v {
			t.Errorf("image %s = %q, want %q", k, images[k], v)
		}
	}
	mustContain(t, "mysite/Dockerfile", file(t, r.set, "mysite/Dockerfile"), "ARG PYTHON_IMAGE=hub.mirror.example/library/python:3.13-slim\n")
	mustContain(t, "compose/nginx/Dockerfile", file(t, r.set, "compose/nginx/Dockerfile"), "ARG NGINX_IMAGE=hub.mirror.example/library/nginx:1.30\n")
	for _, im := range Django().Images {
		_, tag, _ := stack.SplitRef(im.Default(r.answers))
		if im.Built {
			continue
		}
		if !regexp.MustCompile(`^\d+\.\d+(-[a-z]+)?$`).MatchString(tag) {
			t.Errorf("image %s tag %q is not pinned to major.minor", im.Key, tag)
		}
	}
	// An override is taken as given.
	o := renderDjango(t, stack.Answers{"image.python": "registry.example/py:3.13-slim"})
	mustContain(t, "mysite/Dockerfile", file(t, o.set, "mysite/Dockerfile"), "ARG PYTHON_IMAGE=registry.example/py:3.13-slim\n")
}

// TestDjangoFixesTheSeedsMistakes checks the content stacks.md section 1
// says must differ from the seed, file by file.
func TestDjangoFixesTheSeedsMistakes(t *testing.T) {
	for _, c := range djangoCases {
		t.Run(c.name, func(t *testing.T) {
			r := renderDjango(t, c.answers)
			a := r.answers
			proj := a["project"]
			f := func(p string) string { return file(t, r.set, p) }

			// compose.yaml
			compose := f("compose.yaml")
			mustNotMatch(t, "compose.yaml", compose, `(?m)^version:`, `restart: always`, `\btty:`, `stdin_open`, `\blinks:`, `container_name`, `"3306:3306"`, `"6379:6379"`, `:latest`)
			mustContain(t, "compose.yaml", compose, "${REDIS_PASSWORD:?", "${DJANGO_SECRET_KEY:?", "REDISCLI_AUTH")
			pg := a["db"] == "postgres"
			switch a["db"] {
			case "mariadb":
				mustContain(t, "compose.yaml", compose, "${MYSQL_ROOT_PASSWORD:?", `"healthcheck.sh", "--connect", "--innodb_initialized"`)
			case "postgres":
				mustContain(t, "compose.yaml", compose, "${POSTGRES_PASSWORD:?", `pg_isready -h 127.0.0.1`, `"postgres", "-c", "config_file=/etc/postgresql/postgresql.conf"`,
					`DB_PORT: "5432"`, "./compose/postgres/postgresql.conf:/etc/postgresql/postgresql.conf:ro")
				mustNotMatch(t, "compose.yaml", compose, `MYSQL_`, `mysql`)
				conf := f("compose/postgres/postgresql.conf")
				mustContain(t, "postgresql.conf", conf, "listen_addresses = '*'", "password_encryption = scram-sha-256")
				mustNotMatch(t, "postgresql.conf", conf, `(?m)^\s*(data_directory|hba_file)`)
			default:
				mustContain(t, "compose.yaml", compose, "${MYSQL_ROOT_PASSWORD:?", "mysqladmin ping")
			}
			if a["cache"] == "valkey" {
				mustContain(t, "compose.yaml", compose, `"valkey-server", "/usr/local/etc/valkey/valkey.conf"`, "valkey-cli ping", "VALKEYCLI_AUTH")
				mustNotMatch(t, "compose.yaml", compose, `redis-server`, `redis-cli`)
				mustNotMatch(t, "valkey.conf", f("compose/valkey/valkey.conf"), `(?m)^\s*bind 127\.0\.0\.1`, `(?m)^\s*requirepass`)
			} else {
				redis := f("compose/redis/redis.conf")
				mustNotMatch(t, "redis.conf", redis, `(?m)^\s*bind 127\.0\.0\.1`, `(?m)^\s*requirepass`)
			}
			gunicorn := a["wsgi"] == "gunicorn"

			if !pg {
				// my.cnf and init.sql
				cnf := f("compose/mysql/conf/my.cnf")
				mustNotMatch(t, "my.cnf", cnf, `(?m)^\s*default[-_]authentication[-_]plugin`, `(?m)^\s*secure[-_]file[-_]priv`, `(?m)=\s*utf8\s*$`, `(?m)^\s*bind-address`)
				mustContain(t, "my.cnf", cnf, "character-set-server = utf8mb4")
				if a["db"] == "mariadb" {
					mustContain(t, "my.cnf", cnf, "[mariadbd]", "utf8mb4_unicode_ci")
				} else {
					mustContain(t, "my.cnf", cnf, "[mysqld]", "utf8mb4_0900_ai_ci")
				}
				initSQL := f("compose/mysql/init/init.sql")
				mustNotMatch(t, "init.sql", initSQL, `(?i)identified`, `(?i)create user`, `(?i)alter user`, `(?i)password\s*=`)
				mustContain(t, "init.sql", initSQL, "GRANT ALL PRIVILEGES ON `test\\_"+proj+"`.*")
			}

			// start.sh and uwsgi.ini or gunicorn.conf.py
			start := f(proj + "/start.sh")
			mustNotMatch(t, "start.sh", code(start), `makemigrations`, `daemonize`, `tail -f`, `\bnc\b`)
			mustContain(t, "start.sh", start, "#!/usr/bin/env bash\n", "set -euo pipefail", "migrate --noinput", "collectstatic --noinput")
			if gunicorn {
				mustContain(t, "start.sh", start, "exec gunicorn --config gunicorn.conf.py")
				conf := f(proj + "/gunicorn.conf.py")
				mustContain(t, "gunicorn.conf.py", conf, `wsgi_app = "`+proj+`.wsgi:application"`, `bind = ["0.0.0.0:8000"]`,
					"workers = "+a["gunicorn_workers"], "threads = "+a["gunicorn_threads"], "graceful_timeout = 8", `accesslog = "-"`, `control_socket = "/tmp/`)
				mustNotMatch(t, "gunicorn.conf.py", conf, `(?m)^\s*(daemon|user|group)\s*=`)
				if _, ok := r.set.Get(proj + "/uwsgi.ini"); ok {
					t.Error("gunicorn renders uwsgi.ini too")
				}
			} else {
				mustContain(t, "start.sh", start, "exec uwsgi --ini uwsgi.ini")
				ini := f(proj + "/uwsgi.ini")
				mustNotMatch(t, "uwsgi.ini", ini, `(?m)^\s*daemonize`, `(?m)^post buffering`, `(?m)^\s*http-socket`)
				mustContain(t, "uwsgi.ini", ini, "socket = :8000", "post-buffering = ", "master = true", "die-on-term = true",
					"need-app = true", "vacuum = true", "harakiri = ", "processes = "+a["uwsgi_processes"], "threads = "+a["uwsgi_threads"])
			}

			// Dockerfile
			df := f(proj + "/Dockerfile")
			mustNotMatch(t, "Dockerfile", df, `(?m)^\s*MAINTAINER`, `(?m)^\s*ADD\s`, `(?m)^#\s*syntax=`, `netcat`, `sed -i`, `requirements/production`, `python:3\.9`)
			mustContain(t, "Dockerfile", df, "ARG PYTHON_IMAGE=", "FROM ${PYTHON_IMAGE} AS build", "--no-install-recommends",
				"rm -rf /var/lib/apt/lists/*", "python -m venv /opt/venv", "COPY --from=build /opt/venv /opt/venv", "USER app", `CMD ["/app/start.sh"]`)
			_, runtime, found := strings.Cut(df, "\nFROM ${PYTHON_IMAGE}\n")
			if !found {
				t.Fatal("the Dockerfile has no runtime stage FROM ${PYTHON_IMAGE}")
			}
			mustNotMatch(t, "the runtime stage", code(runtime), `build-essential`, `-dev\b`, `pkg-config`)
			if pg {
				mustContain(t, "the runtime stage", runtime, "libpq5", "chown app:app /app/staticfiles /app/media")
			} else {
				mustContain(t, "the runtime stage", runtime, "libmariadb3", "chown app:app /app/staticfiles /app/media")
			}

			// nginx.conf
			nginx := f("compose/nginx/nginx.conf")
			mustNotMatch(t, "nginx.conf", nginx, `ip_hash`, `\b600\b`, `server_name 127\.0\.0\.1`)
			if gunicorn {
				mustContain(t, "nginx.conf", nginx, "proxy_pass http://django;", "proxy_set_header Host $host;", "proxy_set_header X-Forwarded-Proto $scheme;",
					"proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;", "proxy_read_timeout 65s;")
				mustNotMatch(t, "nginx.conf", nginx, `uwsgi_`)
			} else {
				mustContain(t, "nginx.conf", nginx, "uwsgi_pass django;", "include /etc/nginx/uwsgi_params;")
				mustNotMatch(t, "nginx.conf", nginx, `proxy_set_header`, `proxy_pass`)
			}
			mustContain(t, "nginx.conf", nginx, "server_name "+a["domain"]+";",
				"gzip on;", "location /static/", "location /media/", "expires 30d;", "client_max_body_size "+a["client_max_body_size"]+";", "location = /healthz")
			if strings.Count(nginx, "upstream ") != 1 {
				t.Error("nginx.conf should have exactly one upstream")
			}
			if a.Bool("https") {
				mustContain(t, "nginx.conf", nginx, "listen 443 ssl;", "ssl_certificate     /usr/share/nginx/ssl/fullchain.pem;", "return 301 https://$host:"+a["https_port"]+"$request_uri;")
			} else if strings.Contains(nginx, "ssl") {
				t.Error("nginx.conf mentions ssl with https off")
			}

			// settings.py reads everything from the environment.
			settings := f(proj + "/" + proj + "/settings.py")
			mustContain(t, "settings.py", settings, `SECRET_KEY = env("DJANGO_SECRET_KEY")`, `DEBUG = env_bool("DJANGO_DEBUG", False)`,
				`env_list("DJANGO_ALLOWED_HOSTS")`, `env("DB_PASSWORD")`, `quote(env("REDIS_PASSWORD"), safe="")`, "django_redis.cache.RedisCache",
				`"ext://sys.stdout"`, "STATIC_ROOT", "MEDIA_ROOT")

			// The scripts.
			for _, s := range []string{"deploy", "backup", "restore", "export-images"} {
				sh := f("scripts/" + s + ".sh")
				mustContain(t, s+".sh", sh, "#!/usr/bin/env bash\n", "set -euo pipefail", `cd "$(dirname "${BASH_SOURCE[0]}")/.."`, "docker compose")
				mustNotMatch(t, s+".sh", code(sh), `source \.env`, `\. \.env`, `(?m)^\s*docker-compose\s`)
				ps := f("scripts/" + s + ".ps1")
				mustContain(t, s+".ps1", ps, "$ErrorActionPreference = 'Stop'", "Set-Location -LiteralPath (Split-Path -Parent $PSScriptRoot)", "$LASTEXITCODE")
			}
			backup := f("scripts/backup.sh")
			if pg {
				mustContain(t, "backup.sh", backup, "pg_dump -Fc", `"$dest/db.pgdump"`, "entry db.pgdump db postgres db_vol")
				mustContain(t, "restore.sh", f("scripts/restore.sh"), "pg_restore --no-owner --exit-on-error --single-transaction", "dropdb")
				mustContain(t, "backup.ps1", f("scripts/backup.ps1"), "pg_dump -Fc")
				mustContain(t, "restore.ps1", f("scripts/restore.ps1"), "pg_restore --no-owner")
			} else {
				mustContain(t, "backup.sh", backup, "--single-transaction")
			}
			mustContain(t, "backup.sh", backup, "docker compose exec -T db", "BGSAVE", "LASTSAVE", "SHA256SUMS", "tar -C /app/media")
			mustContain(t, "restore.sh", f("scripts/restore.sh"), "sha256_check SHA256SUMS", "--yes")
			mustContain(t, "export-images.sh", f("scripts/export-images.sh"), "docker compose config --images", `docker save "${images[@]}" | gzip`)
			mustContain(t, "deploy.sh", f("scripts/deploy.sh"), "docker compose build", "docker compose up -d --wait", "migrate --noinput", Django().URL(a))

			// README: secrets, and troubleshooting for this stack.
			mustContain(t, "README.md", f("README.md"), "## Start", "## Stop", "## Logs", "## Back up and restore", "## Update", "## Troubleshooting", "## Secrets",
				"502 Bad Gateway", "DJANGO_ALLOWED_HOSTS")
		})
	}
}

func TestDjangoDefinition(t *testing.T) {
	d := Django()
	reg := Registry()
	for _, name := range []string{"django-uwsgi", "django", "uwsgi", "Django"} {
		got, err := reg.Lookup(name)
		if err != nil || got.Name != "django-uwsgi" {
			t.Errorf("Lookup(%q) = %v, %v", name, got, err)
		}
	}
	if d.Migrate == nil || d.Migrate.Service != "web" || strings.Join(d.Migrate.Command, " ") != "python manage.py migrate --noinput" {
		t.Errorf("Migrate = %+v", d.Migrate)
	}
	urls := map[string]stack.Answers{
		"http://localhost/":           nil,
		"http://localhost:8080/":      {"http_port": "8080"},
		"https://example.com/":        {"https": "true", "domain": "example.com"},
		"https://example.com:8443/":   {"https": "true", "domain": "example.com", "https_port": "8443"},
		"http://shop.example.org:81/": {"domain": "shop.example.org", "http_port": "81"},
	}
	for want, given := range urls {
		a, err := d.Resolve(given)
		if err != nil {
			t.Fatal(err)
		}
		if got := d.URL(a); got != want {
			t.Errorf("URL(%v) = %q, want %q", given, got, want)
		}
	}
	for _, s := range d.Secrets {
		if s.Bytes < 32 {
			t.Errorf("secret %s has %d bytes, want at least 32", s.Key, s.Bytes)
		}
	}
	var keys []string
	for _, q := range d.Questions {
		keys = append(keys, q.Key)
	}
	if want := "project compose_project db db_version domain http_port https https_port wsgi uwsgi_processes uwsgi_threads gunicorn_workers gunicorn_threads cache client_max_body_size lang time_zone language_code app_version publish_db db_host_port redis_host_port hsts_max_age no_new_privileges registry_mirror pip_index_url python_pins login_rate_limit api_rate_limit app_dir app_code app_settings app_wsgi app_install app_requirements app_dep_files app_add app_build_libs app_runtime_libs app_celery"; strings.Join(keys, " ") != want {
		t.Errorf("questions %s\nwant      %s", strings.Join(keys, " "), want)
	}
}

// TestDjangoCheckDeploy runs `manage.py check --deploy --fail-level
// WARNING` on the rendered project, with the environment compose gives the
// web container, so Django itself judges the security settings. It needs
// a python3 that imports Django, django-redis and MySQLdb (Django loads the
// database and cache backends, without connecting): install
// requirements.txt or point PYTHONPATH at them. Without them it skips and
// says so; no database or Redis is needed.
func TestDjangoCheckDeploy(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("skipped: python3 is not installed")
	}
	if out, err := exec.Command(py, "-c", "import django, django_redis, MySQLdb; print(django.get_version())").CombinedOutput(); err != nil {
		t.Skipf("skipped: python3 cannot import Django, django-redis and MySQLdb (pip install -r mysite/requirements.txt, or point PYTHONPATH at them): %s", lastLine(string(out)))
	}
	// settings.py is the same file for every case but for the project's
	// name; what changes is the environment, with HTTPS on or off.
	for _, c := range djangoCases {
		if c.name != "defaults" && c.name != "https" && c.name != "publish-db" {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			r := renderDjango(t, c.answers)
			p := toolcheck.Write(t, r.set)
			proj, err := p.LoadCompose("compose.yaml")
			if err != nil {
				t.Fatal(err)
			}
			env := os.Environ()
			for k, v := range proj.Services["web"].Environment {
				if v != nil {
					env = append(env, k+"="+*v)
				}
			}
			cmd := exec.Command(py, "manage.py", "check", "--deploy", "--fail-level", "WARNING")
			cmd.Dir = p.Abs(r.answers["project"])
			cmd.Env = env
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("check --deploy failed: %v\n%s", err, out)
			}
			// settings.py silences only SSL-only checks with HTTPS off, and the
			// opt-in HSTS scopes with HTTPS on, each with a comment saying why.
			t.Log(strings.TrimSpace(string(out)))
			if !strings.Contains(string(out), "System check identified no issues") {
				t.Errorf("check --deploy reported issues:\n%s", out)
			}
		})
	}
}

// code drops the comment lines of a shell script or Dockerfile, so tests
// judge what runs, not what the comments explain.
func code(s string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "#") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// TestDjangoRequirementsPinned: every requirement is pinned exactly, and
// when the Python stand-in's wheelhouse lists its versions, they are the
// ones pinned.
func TestDjangoRequirementsPinned(t *testing.T) {
	for _, c := range []struct {
		answers stack.Answers
		must    []string
	}{
		{nil, []string{"django", "uwsgi", "mysqlclient", "django-redis", "redis"}},
		{stack.Answers{"db": "postgres", "wsgi": "gunicorn", "cache": "valkey"}, []string{"django", "gunicorn", "psycopg", "django-redis", "redis"}},
	} {
		t.Run(fmt.Sprint(c.answers), func(t *testing.T) { checkRequirementsPinned(t, renderDjango(t, c.answers), c.must) })
	}
}

func checkRequirementsPinned(t *testing.T, r djangoRender, must []string) {
	req := file(t, r.set, "mysite/requirements.txt")
	pins := map[string]string{}
	for _, l := range strings.Split(req, "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		name, version, ok := strings.Cut(l, "==")
		if !ok || version == "" {
			t.Errorf("requirement %q is not pinned with ==", l)
			continue
		}
		pins[normalizePackage(name)] = version
	}
	for _, must := range must {
		if pins[must] == "" {
			t.Errorf("requirements.txt does not pin %s", must)
		}
	}
	versions, err := os.ReadFile("../e2e/standins/python/VERSIONS.txt")
	if err != nil || len(strings.TrimSpace(string(versions))) == 0 {
		t.Log("no stand-in VERSIONS.txt yet; pins not compared")
		return
	}
	// The e2e suite installs from the stand-in's wheelhouse through the
	// python_pins answer: rendering with the wheelhouse's versions of the
	// packages requirements.txt pins must give exactly the wheelhouse.
	var override []string
	have := map[string]string{}
	for _, l := range strings.Split(string(versions), "\n") {
		name, version, ok := strings.Cut(strings.TrimSpace(l), "==")
		if !ok || strings.HasPrefix(name, "#") {
			continue
		}
		have[normalizePackage(name)] = version
		if got, pinned := pins[normalizePackage(name)]; pinned && got != version {
			override = append(override, name+"=="+version)
		}
	}
	if len(override) == 0 {
		return
	}
	pinned := renderDjango(t, stack.Answers{"python_pins": strings.Join(override, " ")})
	for _, l := range strings.Split(file(t, pinned.set, "mysite/requirements.txt"), "\n") {
		name, rest, ok := strings.Cut(strings.TrimSpace(l), "==")
		if !ok || strings.HasPrefix(name, "#") {
			continue
		}
		version, _, _ := strings.Cut(rest, " ")
		if want := have[normalizePackage(name)]; version != want {
			t.Errorf("with python_pins, requirements.txt pins %s==%s, the stand-in wheelhouse has %s", name, version, want)
		}
	}
}

func normalizePackage(n string) string {
	return strings.ToLower(strings.NewReplacer("_", "-", ".", "-").Replace(strings.TrimSpace(n)))
}

// TestDjangoTemplatesAllUsed: every template file is reached by some case
// (pip.conf only with a mirror), so none rots unseen.
func TestDjangoTemplatesAllUsed(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range djangoCases {
		r := renderDjango(t, c.answers)
		for _, f := range r.set {
			seen[path.Base(f.Path)] = true
		}
	}
	for _, base := range []string{"pip.conf", "my.cnf", "init.sql", "redis.conf", "nginx.conf", "healthcheck.py", "site.css",
		"postgresql.conf", "valkey.conf", "gunicorn.conf.py", "uwsgi.ini"} {
		if !seen[base] {
			t.Errorf("no case renders %s", base)
		}
	}
}

// TestDjangoPostgresDataDirectory: postgres 18 moved PGDATA under a
// per-major folder and declares /var/lib/postgresql as the volume; a
// volume at .../data there would hide the data in an anonymous volume
// (and before 18 a volume one level up would).
func TestDjangoPostgresDataDirectory(t *testing.T) {
	for _, c := range []struct{ version, pgdata, mount string }{
		{"18", "/var/lib/postgresql/18/docker", "/var/lib/postgresql"},
		{"17", "/var/lib/postgresql/data", "/var/lib/postgresql/data"},
		{"16", "/var/lib/postgresql/data", "/var/lib/postgresql/data"},
	} {
		r := renderDjango(t, stack.Answers{"db": "postgres", "db_version": c.version})
		compose := file(t, r.set, "compose.yaml")
		mustContain(t, "compose.yaml "+c.version, compose, `PGDATA: "`+c.pgdata+`"`, `- "db_vol:`+c.mount+`"`)
	}
}

// TestDjangoSecretsFollowTheDatabase: .env holds the passwords of the
// database chosen and no other, and SecretsFor (what export kubernetes
// and bundles list) says the same.
func TestDjangoSecretsFollowTheDatabase(t *testing.T) {
	for _, c := range []struct {
		db         string
		want, none []string
	}{
		{"mysql", []string{"MYSQL_ROOT_PASSWORD", "MYSQL_PASSWORD"}, []string{"POSTGRES_PASSWORD"}},
		{"postgres", []string{"POSTGRES_PASSWORD"}, []string{"MYSQL_ROOT_PASSWORD", "MYSQL_PASSWORD"}},
	} {
		r := renderDjango(t, stack.Answers{"db": c.db})
		env := file(t, r.set, ".env")
		var keys []string
		for _, s := range Django().SecretsFor(r.answers) {
			keys = append(keys, s.Key)
		}
		for _, k := range c.want {
			if !strings.Contains(env, "\n"+k+"='") || !strings.Contains(" "+strings.Join(keys, " ")+" ", " "+k+" ") {
				t.Errorf("db=%s: %s missing from .env or SecretsFor %v", c.db, k, keys)
			}
		}
		for _, k := range c.none {
			if strings.Contains(env, "\n"+k+"=") || strings.Contains(" "+strings.Join(keys, " ")+" ", " "+k+" ") {
				t.Errorf("db=%s: %s in .env or SecretsFor %v", c.db, k, keys)
			}
		}
	}
}

// djangoData refuses a number answer that skipped Resolve instead of
// rendering it as 0 (it used to drop the conversion error).
func TestDjangoDataRefusesANonNumberPort(t *testing.T) {
	d, _ := Registry().Lookup(DjangoName)
	a, err := d.Resolve(stack.Answers{})
	if err != nil {
		t.Fatal(err)
	}
	a[djangoHTTPPort] = "eighty"
	_, err = djangoData(stack.Input{Answers: a})
	if err == nil || !strings.Contains(err.Error(), `http_port="eighty"`) || strings.Contains(err.Error(), "\n") {
		t.Fatalf("err = %v, want one line naming http_port", err)
	}
	a[djangoHTTPPort] = "8080"
	if _, err := djangoData(stack.Input{Answers: a}); err != nil {
		t.Fatalf("a resolved answer: %v", err)
	}
}
