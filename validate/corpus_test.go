package validate

import (
	"path"
	"strings"
	"testing"

	"github.com/stackgen/stackgen/fileset"
)

// loadCorpus reads a testdata project. Git keeps only the run bit of a
// file's mode, so .env files get the mode the scenario describes: 0644 for
// the seeds' hand-made files (the default umask), 0600 for the clean stacks.
func loadCorpus(t *testing.T, dir string, envMode uint32) fileset.Set {
	t.Helper()
	set, err := fileset.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for i := range set {
		if path.Base(set[i].Path) == ".env" {
			set[i].Mode = fileModeOf(envMode)
		}
	}
	return set
}

// seedMistake is one mistake stacks.md lists, reproduced in the corpus
// under testdata/seedmistakes/, and the rules that must report it there.
type seedMistake struct {
	stack   string // corpus folder
	mistake string // stacks.md section.item and what it is
	file    string
	rules   []string
}

func seedMistakes() []seedMistake {
	return []seedMistake{
		// 1. django-uwsgi
		{"django", "1.1 weak MYSQL_ROOT_PASSWORD in .env", "myproject/.env", []string{"env-weak-secret", "env-mode", "env-not-ignored", "env-example-keys"}},
		{"django", "1.1 password repeated in settings.py", "myproject/myproject/settings.py", []string{"django-hardcoded-secret"}},
		{"django", "1.1 password repeated in init.sql", "compose/mysql/init/init.sql", []string{"initsql-hardcoded-password"}},
		{"django", "1.2 default-authentication-plugin on MySQL 8.4", "compose/mysql/conf/my.cnf", []string{"mycnf-invalid-option"}},
		{"django", "1.2 character-set-server=utf8", "compose/mysql/conf/my.cnf", []string{"mycnf-utf8"}},
		{"django", "1.3 init.sql re-creates MYSQL_USER", "compose/mysql/init/init.sql", []string{"initsql-duplicate-user"}},
		{"django", "1.4 start.sh runs makemigrations", "myproject/start.sh", []string{"start-makemigrations"}},
		{"django", "1.4 uWSGI not exec'd, tail -f /dev/null as PID 1", "myproject/start.sh", []string{"start-daemonize", "start-no-exec"}},
		{"django", "1.4/1.5 start.sh with CRLF, no set -e, no run bit", "myproject/start.sh", []string{"script-crlf", "script-set-e", "script-exec-bit"}},
		{"django", "1.5 full python:3.9 image", "myproject/Dockerfile", []string{"dockerfile-base-full"}},
		{"django", "1.5 apt install netcat", "myproject/Dockerfile", []string{"dockerfile-apt-trap", "dockerfile-apt-recommends", "dockerfile-apt-lists"}},
		{"django", "1.5 MAINTAINER", "myproject/Dockerfile", []string{"dockerfile-maintainer"}},
		{"django", "1.5 sed -i 's/r//'", "myproject/Dockerfile", []string{"dockerfile-sed-cr"}},
		{"django", "1.5 requirements/production.txt vs requirements.txt", "myproject/Dockerfile", []string{"dockerfile-context-missing"}},
		{"django", "1.5 runs as root", "myproject/Dockerfile", []string{"dockerfile-root-user"}},
		{"django", "1.5 ADD where COPY is meant", "myproject/Dockerfile", []string{"dockerfile-add-local"}},
		{"django", "1.5 shell-form ENTRYPOINT", "myproject/Dockerfile", []string{"dockerfile-shell-form"}},
		{"django", "1.5 nginx image built FROM nginx:latest with ADD", "compose/nginx/Dockerfile", []string{"dockerfile-base-unpinned", "dockerfile-add-local"}},
		{"django", "1.6 post buffering", "myproject/uwsgi.ini", []string{"uwsgi-unknown-option"}},
		{"django", "1.6 daemonize", "myproject/uwsgi.ini", []string{"uwsgi-daemonize"}},
		{"django", "1.7 server_name 127.0.0.1", "compose/nginx/nginx.conf", []string{"nginx-server-name-ip"}},
		{"django", "1.7 ip_hash on one upstream", "compose/nginx/nginx.conf", []string{"nginx-ip-hash-single"}},
		{"django", "1.7 proxy_set_header under uwsgi_pass", "compose/nginx/nginx.conf", []string{"nginx-proxy-header-uwsgi"}},
		{"django", "1.7 600 s timeouts", "compose/nginx/nginx.conf", []string{"nginx-long-timeout"}},
		{"django", "1.8 redis.conf bind 127.0.0.1", "compose/redis/redis.conf", []string{"redis-bind-loopback"}},
		{"django", "1.8 requirepass in a committed file", "compose/redis/redis.conf", []string{"redis-requirepass-file"}},
		{"django", "1.9 MySQL and Redis published", "docker-compose.yml", []string{"compose-db-port-public"}},
		{"django", "1.9 restart: always", "docker-compose.yml", []string{"compose-restart-always"}},
		{"django", "1.9 tty/stdin_open hacks", "docker-compose.yml", []string{"compose-tty"}},
		{"django", "1.9 no health checks", "docker-compose.yml", []string{"compose-no-healthcheck", "compose-depends-started"}},
		{"django", "conventions: version:, links, redis:latest", "docker-compose.yml", []string{"compose-version-obsolete", "compose-links", "compose-image-latest"}},
		// 2. onyx
		{"onyx", "2.1 init.sql creates the POSTGRES_* database and user", "docker/postgres/init.sql", []string{"initsql-duplicate-user", "initsql-hardcoded-password"}},
		{"onyx", "2.1 CREATE EXTENSION vector on postgres:14-alpine", "docker/postgres/init.sql", []string{"initsql-missing-extension"}},
		{"onyx", "2.3 NEXT_PUBLIC_API_URL at run time", "docker-compose.yml", []string{"compose-next-public-runtime"}},
		{"onyx", "2.4 curl health check in python:3.11-slim", "docker-compose.yml", []string{"compose-healthcheck-binary"}},
		{"onyx", "2.5 container_name on every service", "docker-compose.yml", []string{"compose-container-name"}},
		{"onyx", "2.5 Postgres and Redis published", "docker-compose.yml", []string{"compose-db-port-public"}},
		{"onyx", "2.5 API and model server published beside nginx", "docker-compose.yml", []string{"compose-port-bypasses-proxy"}},
		{"onyx", "2.8 BGSAVE then copy at once", "scripts/backup.ps1", []string{"script-bgsave-nowait"}},
		{"onyx", "2.8 pg_dump through exec without -T", "scripts/backup.ps1", []string{"script-exec-tty"}},
		{"onyx", "2.9 secrets declared but unused", "docker-compose.yml", []string{"compose-secret-unused"}},
		{"onyx", "2.9 .env mounted and injected", "docker-compose.yml", []string{"compose-env-mounted"}},
		{"onyx", "plain passwords in compose", "docker-compose.yml", []string{"compose-plain-secret"}},
		// 3. keras-webpy
		{"keras", "3.1 bare ubuntu base", "Dockerfile", []string{"dockerfile-base-unpinned"}},
		{"keras", "3.2 no CMD", "Dockerfile", []string{"dockerfile-no-cmd"}},
		{"keras", "3.3 docker save of a name never built", "package.sh", []string{"script-save-unknown-image"}},
		{"keras", "3.5 runs as root", "Dockerfile", []string{"dockerfile-root-user"}},
		{"keras", "3.5 no health check", "compose.yaml", []string{"compose-no-healthcheck"}},
		{"keras", "Dockerfile habits: MAINTAINER, ADD ., apt without cleanup", "Dockerfile", []string{"dockerfile-maintainer", "dockerfile-add-local", "dockerfile-apt-recommends", "dockerfile-apt-lists"}},
	}
}

// TestSeedMistakesReported proves each mistake of stacks.md, written into
// the corpus, is reported by the named rule on the named file.
func TestSeedMistakesReported(t *testing.T) {
	found := map[string]map[string]bool{} // stack -> "file rule"
	for _, stack := range []string{"django", "onyx", "keras"} {
		found[stack] = map[string]bool{}
		for _, f := range Files(loadCorpus(t, "testdata/seedmistakes/"+stack, 0o644)) {
			found[stack][f.File+" "+f.Rule] = true
		}
	}
	for _, m := range seedMistakes() {
		for _, r := range m.rules {
			if !found[m.stack][m.file+" "+r] {
				t.Errorf("%s: %s: want %s on %s", m.stack, m.mistake, r, m.file)
			}
		}
	}
}

// TestSeedCorpusFailsValidation checks the corpus the way the command
// would: every seed project has errors.
func TestSeedCorpusFailsValidation(t *testing.T) {
	for _, stack := range []string{"django", "onyx", "keras"} {
		if !HasErrors(Files(loadCorpus(t, "testdata/seedmistakes/"+stack, 0o644))) {
			t.Errorf("%s: want errors", stack)
		}
	}
}

// TestCleanStacksValidateClean runs every rule over stacks written to the
// conventions in stacks.md (the shape stackgen renders): no finding at all,
// so rules do not fire on correct files.
func TestCleanStacksValidateClean(t *testing.T) {
	for _, stack := range []string{"django", "onyx", "keras"} {
		t.Run(stack, func(t *testing.T) {
			got := Files(loadCorpus(t, "testdata/clean/"+stack, 0o600))
			var lines []string
			for _, f := range got {
				lines = append(lines, f.String())
			}
			if len(got) > 0 {
				t.Errorf("want no findings, got:\n%s", strings.Join(lines, "\n"))
			}
		})
	}
}
