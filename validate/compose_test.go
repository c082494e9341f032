package validate

import (
	"testing"

	"github.com/stackgen/stackgen/fileset"
)

func compose(y string) fileset.File { return file("compose.yaml", y) }

func composeCases() []ruleCase {
	c := tc
	return []ruleCase{
		c("compose-load", "bad type", true, compose(`
			services:
			  web:
			    image: nginx:1.27
			    ports: {a: b}
		`)),
		c("compose-load", "yaml syntax", true, compose("services:\n  web:\n    image: [\n")),
		c("compose-load", "valid", false, compose(`
			services:
			  web:
			    image: nginx:1.27
		`)),

		c("compose-undefined-var", "not in .env", true, compose(`
			services:
			  web:
			    image: nginx:${NGINX_TAG}
		`)),
		c("compose-undefined-var", "in .env", false, compose(`
			services:
			  web:
			    image: nginx:${NGINX_TAG}
		`), file(".env", "NGINX_TAG=1.27\n")),
		c("compose-undefined-var", "default, guard and escape", false, compose(`
			services:
			  web:
			    image: nginx:${NGINX_TAG:-1.27}
			    environment:
			      A: ${A:?set A}
			      B: $${NOT_A_VAR}
		`)),
		c("compose-undefined-var", "from .env.example without .env", false, compose(`
			services:
			  web:
			    image: nginx:${NGINX_TAG}
		`), file(".env.example", "NGINX_TAG=1.27\n")),

		c("compose-depends-missing", "undefined", true, compose(`
			services:
			  web:
			    image: nginx:1.27
			    depends_on: [db]
		`)),
		c("compose-depends-missing", "defined", false, compose(`
			services:
			  web:
			    image: nginx:1.27
			    depends_on: [db]
			  db:
			    image: postgres:16
		`)),

		c("compose-healthcheck-missing", "no healthcheck", true, compose(`
			services:
			  web:
			    image: nginx:1.27
			    depends_on:
			      db: {condition: service_healthy}
			  db:
			    image: postgres:16
		`)),
		c("compose-healthcheck-missing", "has one", false, compose(`
			services:
			  web:
			    image: nginx:1.27
			    depends_on:
			      db: {condition: service_healthy}
			  db:
			    image: postgres:16
			    healthcheck: {test: ["CMD", "pg_isready"]}
		`)),
		c("compose-healthcheck-missing", "Dockerfile HEALTHCHECK", false, compose(`
			services:
			  web:
			    image: nginx:1.27
			    depends_on:
			      app: {condition: service_healthy}
			  app:
			    build: ./app
			    image: app:1.0
		`), file("app/Dockerfile", "FROM python:3.12-slim\nHEALTHCHECK CMD python -c 'print(1)'\nUSER 1000\nCMD [\"python\"]\n")),

		c("compose-no-healthcheck", "server without one", true, compose(`
			services:
			  web:
			    image: nginx:1.27
		`)),
		c("compose-no-healthcheck", "one-shot job", false, compose(`
			services:
			  migrate:
			    image: app:1.0
			    restart: "no"
		`)),

		c("compose-depends-started", "short syntax", true, compose(`
			services:
			  web:
			    image: nginx:1.27
			    depends_on: [db]
			  db:
			    image: postgres:16
		`)),
		c("compose-depends-started", "service_healthy", false, compose(`
			services:
			  web:
			    image: nginx:1.27
			    depends_on:
			      db: {condition: service_healthy}
			  db:
			    image: postgres:16
			    healthcheck: {test: ["CMD", "pg_isready"]}
		`)),

		c("compose-undeclared-volume", "undeclared", true, compose(`
			services:
			  db:
			    image: postgres:16
			    volumes: [data:/var/lib/postgresql/data]
		`)),
		c("compose-undeclared-volume", "declared and bind", false, compose(`
			services:
			  db:
			    image: postgres:16
			    volumes: [data:/var/lib/postgresql/data, ./init:/docker-entrypoint-initdb.d:ro]
			volumes:
			  data:
		`)),

		c("compose-undeclared-network", "undeclared", true, compose(`
			services:
			  db:
			    image: postgres:16
			    networks: [backend]
		`)),
		c("compose-undeclared-network", "declared", false, compose(`
			services:
			  db:
			    image: postgres:16
			    networks: [backend]
			networks:
			  backend:
		`)),

		c("compose-undeclared-secret", "undeclared", true, compose(`
			services:
			  db:
			    image: postgres:16
			    secrets: [db_password]
		`)),
		c("compose-undeclared-secret", "declared", false, compose(`
			services:
			  db:
			    image: postgres:16
			    secrets: [db_password]
			secrets:
			  db_password:
			    environment: DB_PASSWORD
		`)),

		c("compose-db-port-public", "mysql 3306:3306", true, compose(`
			services:
			  db:
			    image: mysql:8.4
			    ports: ["3306:3306"]
		`)),
		c("compose-db-port-public", "redis on 0.0.0.0", true, compose(`
			services:
			  cache:
			    image: redis:7.4-alpine
			    ports: ["0.0.0.0:6379:6379"]
		`)),
		c("compose-db-port-public", "postgres on 127.0.0.1", false, compose(`
			services:
			  db:
			    image: postgres:16
			    ports: ["127.0.0.1:5432:5432"]
		`)),
		c("compose-db-port-public", "app port", false, compose(`
			services:
			  web:
			    image: nginx:1.27
			    ports: ["80:80"]
		`)),

		c("compose-port-bypasses-proxy", "api beside nginx", true, compose(`
			services:
			  nginx:
			    image: nginx:1.27
			    ports: ["80:80"]
			  api:
			    image: api:1.0
			    ports: ["8080:8080"]
		`)),
		c("compose-port-bypasses-proxy", "only the proxy", false, compose(`
			services:
			  nginx:
			    image: nginx:1.27
			    ports: ["80:80"]
			  api:
			    image: api:1.0
			    expose: ["8080"]
		`)),

		c("compose-image-latest", "no tag", true, compose(`
			services:
			  db:
			    image: mysql
		`)),
		c("compose-image-latest", "latest", true, compose(`
			services:
			  cache:
			    image: redis:latest
		`)),
		c("compose-image-latest", "pinned by interpolated default", false, compose(`
			services:
			  db:
			    image: ${MYSQL_IMAGE:-mysql:8.4}
		`)),
		c("compose-image-latest", "digest", false, compose(`
			services:
			  db:
			    image: mysql@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
		`)),

		c("compose-container-name", "set", true, compose(`
			services:
			  db:
			    image: postgres:16
			    container_name: onyx-postgres
		`)),
		c("compose-container-name", "unset", false, compose(`
			services:
			  db:
			    image: postgres:16
		`)),

		c("compose-version-obsolete", "present", true, compose(`
			version: "3.8"
			services:
			  db:
			    image: postgres:16
		`)),
		c("compose-version-obsolete", "absent", false, compose(`
			services:
			  db:
			    image: postgres:16
		`)),

		c("compose-links", "links", true, compose(`
			services:
			  web:
			    image: app:1.0
			    links: [db]
			  db:
			    image: postgres:16
		`)),
		c("compose-links", "network", false, compose(`
			services:
			  web:
			    image: app:1.0
			  db:
			    image: postgres:16
		`)),

		c("compose-restart-always", "always", true, compose(`
			services:
			  web:
			    image: app:1.0
			    restart: always
		`)),
		c("compose-restart-always", "unless-stopped", false, compose(`
			services:
			  web:
			    image: app:1.0
			    restart: unless-stopped
		`)),

		c("compose-tty", "tty", true, compose(`
			services:
			  web:
			    image: app:1.0
			    tty: true
			    stdin_open: true
		`)),
		c("compose-tty", "none", false, compose(`
			services:
			  web:
			    image: app:1.0
		`)),

		c("compose-plain-secret", "literal password", true, compose(`
			services:
			  db:
			    image: postgres:16
			    environment:
			      POSTGRES_PASSWORD: onyx_password
		`)),
		c("compose-plain-secret", "password in URL, list form", true, compose(`
			services:
			  api:
			    image: api:1.0
			    environment:
			      - DATABASE_URL=postgresql://onyx:onyx_password@postgres:5432/onyx
		`)),
		c("compose-plain-secret", "literal requirepass", true, compose(`
			services:
			  cache:
			    image: redis:7.4
			    command: redis-server --requirepass hunter2
		`)),
		c("compose-plain-secret", "interpolated", false, compose(`
			services:
			  db:
			    image: postgres:16
			    command: ["redis-server", "--requirepass", "${REDIS_PASSWORD:?x}"]
			    environment:
			      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?set it}
			      POSTGRES_PASSWORD_FILE: /run/secrets/db
			      MYSQL_ALLOW_EMPTY_PASSWORD: "no"
			      DATABASE_URL: postgresql://onyx:${POSTGRES_PASSWORD:?x}@postgres/onyx
		`)),

		c("compose-healthcheck-binary", "curl in python slim image", true, compose(`
			services:
			  api:
			    image: python:3.11-slim
			    healthcheck: {test: ["CMD", "curl", "-f", "http://localhost:8080/health"]}
		`)),
		c("compose-healthcheck-binary", "curl in a slim Dockerfile", true, compose(`
			services:
			  api:
			    build: .
			    image: api:1.0
			    healthcheck: {test: ["CMD-SHELL", "curl -f http://localhost:8080/health || exit 1"]}
		`), file("Dockerfile", "FROM python:3.11-slim\nUSER 1000\nCMD [\"python\"]\n")),
		c("compose-healthcheck-binary", "Dockerfile installs curl", false, compose(`
			services:
			  api:
			    build: .
			    image: api:1.0
			    healthcheck: {test: ["CMD", "curl", "-f", "http://localhost:8080/health"]}
		`), file("Dockerfile", "FROM python:3.11-slim\nRUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*\nUSER 1000\nCMD [\"python\"]\n")),
		c("compose-healthcheck-binary", "wget in alpine", false, compose(`
			services:
			  nginx:
			    image: nginx:1.27-alpine
			    healthcheck: {test: ["CMD", "wget", "-qO-", "http://127.0.0.1/"]}
		`)),

		c("compose-env-file-missing", "missing", true, compose(`
			services:
			  db:
			    image: mysql:8.4
			    env_file: ./myproject/.env
		`)),
		c("compose-env-file-missing", "present", false, compose(`
			services:
			  db:
			    image: mysql:8.4
			    env_file: ./myproject/.env
		`), file("myproject/.env", "A=b\n")),

		c("compose-env-mounted", ".env mounted", true, compose(`
			services:
			  api:
			    image: api:1.0
			    volumes: ["./backend/.env:/app/.env"]
		`)),
		c("compose-env-mounted", "config mounted", false, compose(`
			services:
			  api:
			    image: api:1.0
			    volumes: ["./backend/app.toml:/app/app.toml:ro"]
		`)),

		c("compose-secret-unused", "declared only", true, compose(`
			services:
			  api:
			    image: api:1.0
			secrets:
			  jwt_secret:
			    file: ./secrets/jwt.txt
		`)),
		c("compose-secret-unused", "used", false, compose(`
			services:
			  api:
			    image: api:1.0
			    secrets: [jwt_secret]
			secrets:
			  jwt_secret:
			    file: ./secrets/jwt.txt
		`)),

		c("compose-plain-secret", "PASSWD and PASSPHRASE names", true, compose(`
			services:
			  ftp:
			    image: example.org/ftp:2.0
			    environment:
			      FTP_PASSWD: hunter2hunter2
		`)),
		c("compose-plain-secret", "a PASSPHRASE", true, compose(`
			services:
			  backup:
			    image: example.org/restic:0.17
			    environment:
			      RESTIC_PASSPHRASE: correct-horse
		`)),
		c("compose-plain-secret", "an empty default is no secret", false, compose(`
			services:
			  api:
			    image: example.org/api:2.0
			    environment:
			      AWS_SECRET_ACCESS_KEY: ${AWS_SECRET_ACCESS_KEY-}
			      S3_SECRET_KEY: ${S3_SECRET_KEY:-${MINIO_ROOT_PASSWORD}}
		`), file(".env", "MINIO_ROOT_PASSWORD=x\n")),

		c("compose-healthcheck-binary-unsure", "curl in an unknown alpine image", true, compose(`
			services:
			  api:
			    image: example.org/team/api:2.0-alpine
			    healthcheck:
			      test: ["CMD", "curl", "-f", "http://localhost/"]
		`)),
		c("compose-healthcheck-binary-unsure", "wget in an unknown alpine image", false, compose(`
			services:
			  api:
			    image: example.org/team/api:2.0-alpine
			    healthcheck:
			      test: ["CMD", "wget", "-qO-", "http://localhost/"]
		`)),
		c("compose-healthcheck-binary-unsure", "a known image is judged for sure", false, compose(`
			services:
			  api:
			    image: python:3.12-slim
			    healthcheck:
			      test: ["CMD", "curl", "-f", "http://localhost/"]
		`)),
		c("compose-healthcheck-binary", "curl in python slim, stated by x-stackgen family", true, compose(`
			services:
			  api:
			    image: corp.example:5000/platform/thing-7:1.0-slim
			    x-stackgen: {role: app, family: python}
			    healthcheck:
			      test: ["CMD", "curl", "-f", "http://localhost/"]
		`)),
		c("compose-healthcheck-binary", "curl in nginx alpine", false, compose(`
			services:
			  proxy:
			    image: nginx:1.27-alpine
			    healthcheck:
			      test: ["CMD", "curl", "-f", "http://localhost/"]
		`)),

		c("compose-db-port-public", "declared database with a private name", true, compose(`
			services:
			  db:
			    image: corp.example:5000/platform/thing-7:1.0
			    x-stackgen: {role: database, family: mysql}
			    ports: ["3306:3306"]
		`)),
		c("compose-db-port-public", "declared app beats a data-store name", false, compose(`
			services:
			  exporter:
			    image: example.org/redis-insight:2.0
			    x-stackgen: {role: app}
			    ports: ["6379:6379"]
		`)),
		c("compose-port-bypasses-proxy", "declared proxy with a private name", true, compose(`
			services:
			  edge:
			    image: corp.example:5000/platform/edge:1.28
			    x-stackgen: {role: proxy, family: nginx}
			    ports: ["80:80"]
			  api:
			    image: example.org/api:2.0
			    ports: ["8080:8080"]
		`)),

		c("dockerfile-root-user", "renamed nginx base, family declared", false, compose(`
			services:
			  nginx:
			    build: ./proxy
			    image: site-nginx:1.0
			    x-stackgen: {role: proxy, family: nginx}
		`), file("proxy/Dockerfile", "ARG NGINX_IMAGE=corp.example:5000/platform/edge-proxy:1.28\nFROM ${NGINX_IMAGE}\nCOPY nginx.conf /etc/nginx/conf.d/\n"), file("proxy/nginx.conf", "server { listen 80; }\n")),
		c("dockerfile-root-user", "renamed nginx base, nothing declared", true, compose(`
			services:
			  nginx:
			    build: ./proxy
			    image: site-nginx:1.0
		`), file("proxy/Dockerfile", "ARG NGINX_IMAGE=corp.example:5000/platform/edge-proxy:1.28\nFROM ${NGINX_IMAGE}\nCOPY nginx.conf /etc/nginx/conf.d/\n"), file("proxy/nginx.conf", "server { listen 80; }\n")),

		c("dockerfile-root-user", "built stage inherits USER from its parent stage", false, compose(`
			services:
			  api:
			    build:
			      context: ./api
			      target: prod
		`), file("api/Dockerfile", "FROM python:3.12-slim AS base\nRUN useradd --system app\nUSER app\n\nFROM base AS prod\nCMD [\"python\", \"-m\", \"http.server\"]\n\nFROM base AS debug\nUSER root\nCMD [\"python\", \"-m\", \"pdb\"]\n")),
		c("dockerfile-root-user", "built stage switches back to root", true, compose(`
			services:
			  api:
			    build:
			      context: ./api
			      target: debug
		`), file("api/Dockerfile", "FROM python:3.12-slim AS base\nRUN useradd --system app\nUSER app\n\nFROM base AS prod\nCMD [\"python\", \"-m\", \"http.server\"]\n\nFROM base AS debug\nUSER root\nCMD [\"python\", \"-m\", \"pdb\"]\n")),

		c("compose-role", "unknown role", true, compose(`
			services:
			  db:
			    image: example.org/db:1.0
			    x-stackgen: {role: databse}
		`)),
		c("compose-role", "unknown family", true, compose(`
			services:
			  db:
			    image: example.org/db:1.0
			    x-stackgen: {role: database, family: oracle}
		`)),
		c("compose-role", "not a mapping", true, compose(`
			services:
			  db:
			    image: example.org/db:1.0
			    x-stackgen: database
		`)),
		c("compose-role", "known role and family", false, compose(`
			services:
			  db:
			    image: example.org/db:1.0
			    x-stackgen: {role: database, family: mariadb}
		`)),

		c("compose-next-public-runtime", "runtime env", true, compose(`
			services:
			  web:
			    image: web:1.0
			    environment:
			      - NEXT_PUBLIC_API_URL=http://localhost:8080
		`)),
		c("compose-next-public-runtime", "build arg", false, compose(`
			services:
			  web:
			    build:
			      context: .
			      args:
			        NEXT_PUBLIC_API_URL: /api
			    image: web:1.0
		`)),
	}
}

func TestComposeRules(t *testing.T) { runCases(t, composeCases()) }

// TestOverlayMergedOnBase shows an overlay judged on top of its base: its
// services join a network only the base declares.
func TestOverlayMergedOnBase(t *testing.T) {
	s := files(
		file("compose.yaml", "services:\n  db:\n    image: postgres:16\n    networks: [backend]\nnetworks:\n  backend:\n"),
		file("compose.logging.yaml", "services:\n  kibana:\n    image: kibana:8.15.3\n    networks: [backend]\n    ports: [\"5601:5601\"]\n"),
	)
	got := Files(s)
	for _, f := range got {
		if f.Rule == "compose-undeclared-network" || f.Rule == "compose-load" {
			t.Errorf("overlay should load merged on the base: %s", f)
		}
	}
	found := false
	for _, f := range got {
		if f.Rule == "compose-no-healthcheck" && f.File == "compose.logging.yaml" && f.Line == 2 {
			found = true
		}
	}
	if !found {
		t.Errorf("want compose-no-healthcheck for kibana at compose.logging.yaml:2, got %v", got)
	}
}

// TestFindingLines pins line numbers to the key that is wrong.
func TestFindingLines(t *testing.T) {
	s := files(file("compose.yaml", "services:\n  db:\n    image: mysql:8.4\n    ports:\n      - \"127.0.0.1:3307:3306\"\n      - \"3306:3306\"\n"))
	for _, f := range Files(s) {
		if f.Rule == "compose-db-port-public" {
			if f.Line != 6 {
				t.Errorf("line = %d, want 6 (the public entry): %s", f.Line, f)
			}
			return
		}
	}
	t.Fatal("compose-db-port-public did not fire")
}
