package validate

import (
	"testing"

	"github.com/stackgen/stackgen/fileset"
)

// webStack is a compose file with a uWSGI web service built from ./app and
// an nginx mounting ./nginx/nginx.conf; cases add the uwsgi.ini and
// nginx.conf they need.
const webStack = `
	services:
	  web:
	    build: ./app
	    image: web:1.0
	    expose: ["8000"]
	  nginx:
	    image: nginx:1.27
	    ports: ["80:80"]
	    volumes: ["./nginx/nginx.conf:/etc/nginx/conf.d/default.conf:ro"]
`

func ngConf(body string) fileset.File   { return file("nginx/nginx.conf", body) }
func uwsgiIni(body string) fileset.File { return file("app/uwsgi.ini", body) }

func mysqlStack(image string) fileset.File {
	return compose("services:\n  db:\n    image: " + image + "\n    volumes: [\"./compose/mysql/conf/my.cnf:/etc/mysql/conf.d/my.cnf:ro\"]\n")
}

func crossfileCases() []ruleCase {
	c := tc
	return []ruleCase{
		c("nginx-parse", "unbalanced", true, ngConf("server {\n  listen 80;\n")),
		c("nginx-parse", "missing ;", true, ngConf("server {\n  listen 80\n}\n")),
		c("nginx-parse", "good", false, ngConf("# comment\nserver {\n  listen 80;\n  add_header X-A \"a;b\";\n  location / { return 200 '{ok}'; }\n}\n")),

		c("nginx-upstream-unknown", "unknown host in upstream", true, compose(webStack),
			ngConf("upstream django { server app:8000; }\nserver { location / { uwsgi_pass django; } }\n")),
		c("nginx-upstream-unknown", "wrong port", true, compose(webStack),
			ngConf("server { location / { proxy_pass http://web:8080/; } }\n")),
		c("nginx-upstream-unknown", "upstream defined in another file", false, compose(webStack),
			file("nginx/nginx.conf", "http { upstream django { server web:8000; } include conf.d/*.conf; }\n"),
			file("nginx/conf.d/site.conf", "server { location / { uwsgi_pass django; } }\n")),
		c("nginx-upstream-unknown", "variables and external hosts skipped", false, compose(webStack),
			ngConf("server { location / { proxy_pass http://$upstream; } location /x { proxy_pass https://api.example.com/; } }\n")),

		c("nginx-uwsgi-protocol", "uwsgi_pass to http-socket", true, compose(webStack),
			uwsgiIni("[uwsgi]\nhttp-socket = :8000\nmodule = app.wsgi\n"),
			ngConf("server { location / { include uwsgi_params; uwsgi_pass web:8000; } }\n")),
		c("nginx-uwsgi-protocol", "proxy_pass to socket", true, compose(webStack),
			uwsgiIni("[uwsgi]\nsocket = 0.0.0.0:8000\nmodule = app.wsgi\n"),
			ngConf("upstream django { server web:8000; }\nserver { location / { proxy_pass http://django; } }\n")),
		c("nginx-uwsgi-protocol", "uwsgi_pass to socket", false, compose(webStack),
			uwsgiIni("[uwsgi]\nsocket = :8000\nmodule = app.wsgi\n"),
			ngConf("upstream django { server web:8000; }\nserver { location / { include uwsgi_params; uwsgi_pass django; } }\n")),
		c("nginx-uwsgi-protocol", "proxy_pass to http-socket via placeholder", false, compose(webStack),
			uwsgiIni("[uwsgi]\nport = 8000\nhttp-socket = :%(port)\nmodule = app.wsgi\n"),
			ngConf("server { location / { proxy_pass http://web:8000; } }\n")),

		c("nginx-proxy-header-uwsgi", "proxy_set_header beside uwsgi_pass", true,
			ngConf("server { location / { uwsgi_pass web:8000; proxy_set_header X-Real-IP $remote_addr; } }\n")),
		c("nginx-proxy-header-uwsgi", "with proxy_pass", false,
			ngConf("server { location / { proxy_pass http://web:8000; proxy_set_header Host $host; } }\n")),

		c("nginx-ip-hash-single", "one server", true, ngConf("upstream django { ip_hash; server web:8000; }\n")),
		c("nginx-ip-hash-single", "two servers", false, ngConf("upstream django { ip_hash; server web1:8000; server web2:8000; }\n")),

		c("nginx-server-name-ip", "127.0.0.1", true, ngConf("server { server_name 127.0.0.1; }\n")),
		c("nginx-server-name-ip", "domain", false, ngConf("server { server_name example.com www.example.com; }\n")),

		c("nginx-long-timeout", "600 s read", true, ngConf("server { location / { uwsgi_read_timeout 600; } }\n")),
		c("nginx-long-timeout", "10m send", true, ngConf("server { location / { proxy_send_timeout 10m; } }\n")),
		c("nginx-long-timeout", "60s", false, ngConf("server { location / { proxy_read_timeout 60s; proxy_connect_timeout 5s; } }\n")),

		c("uwsgi-unknown-option", "post buffering", true, uwsgiIni("[uwsgi]\npost buffering = 8192\n")),
		c("uwsgi-unknown-option", "typo", true, uwsgiIni("[uwsgi]\nproceses = 4\n")),
		c("uwsgi-unknown-option", "real options and a used placeholder", false,
			uwsgiIni("[uwsgi]\nproject = mysite\nchdir = /app\nmodule = %(project).wsgi\npost-buffering = 8192\nharakiri = 60\nlog-4xx = true\nhook-pre-app = exec:true\nmax_requests = 5000\n")),

		c("uwsgi-daemonize", "daemonize", true, uwsgiIni("[uwsgi]\ndaemonize = /tmp/uwsgi.log\n")),
		c("uwsgi-daemonize", "foreground", false, uwsgiIni("[uwsgi]\nmaster = true\n")),

		c("mycnf-invalid-option", "default-authentication-plugin on mysql:8.4", true, mysqlStack("mysql:8.4"),
			file("compose/mysql/conf/my.cnf", "[mysqld]\ndefault-authentication-plugin=mysql_native_password\n")),
		c("mycnf-invalid-option", "on mariadb", true, mysqlStack("mariadb:11.4"),
			file("compose/mysql/conf/my.cnf", "[mysqld]\ndefault_authentication_plugin = mysql_native_password\n")),
		c("mycnf-invalid-option", "query cache on untagged mysql", true, mysqlStack("mysql"),
			file("compose/mysql/conf/my.cnf", "[mysqld]\nquery_cache_size = 0\n")),
		c("mycnf-invalid-option", "default-character-set in [mysqld], no compose", true,
			file("mysql/my.cnf", "[mysqld]\ndefault-character-set = utf8mb4\n")),
		c("mycnf-invalid-option", "default-authentication-plugin on mysql:8.0", false, mysqlStack("mysql:8.0"),
			file("compose/mysql/conf/my.cnf", "[mysqld]\ndefault-authentication-plugin=mysql_native_password\n")),
		c("mycnf-invalid-option", "unknown version: only universal options", false,
			file("mysql/my.cnf", "[mysqld]\ndefault-authentication-plugin=mysql_native_password\n[client]\ndefault-character-set=utf8mb4\n")),
		c("mycnf-invalid-option", "loose- prefix", false, mysqlStack("mysql:8.4"),
			file("compose/mysql/conf/my.cnf", "[mysqld]\nloose-default-authentication-plugin=mysql_native_password\n")),

		c("mycnf-utf8", "utf8", true, file("compose/mysql/conf/my.cnf", "[mysqld]\ncharacter-set-server=utf8\n")),
		c("mycnf-utf8", "utf8mb4", false, file("compose/mysql/conf/my.cnf", "[mysqld]\ncharacter-set-server=utf8mb4\ncollation-server=utf8mb4_0900_ai_ci\n")),

		c("redis-bind-loopback", "127.0.0.1", true, file("compose/redis/redis.conf", "bind 127.0.0.1 -::1\n")),
		c("redis-bind-loopback", "0.0.0.0", false, file("compose/redis/redis.conf", "bind 0.0.0.0\nprotected-mode yes\n")),

		c("redis-requirepass-file", "in file", true, file("compose/redis/redis.conf", "requirepass yourpassword\n")),
		c("redis-requirepass-file", "commented out", false, file("compose/redis/redis.conf", "# requirepass foobared\n")),

		c("start-daemonize", "tail -f /dev/null", true, file("app/start.sh", "#!/usr/bin/env bash\nset -e\nuwsgi --ini uwsgi.ini && tail -f /dev/null\n")),
		c("start-daemonize", "--daemonize flag", true, file("app/start.sh", "#!/usr/bin/env bash\nset -e\nexec gunicorn -D app.wsgi\n")),
		c("start-daemonize", "background &", true, file("app/start.sh", "#!/usr/bin/env bash\nset -e\nuvicorn app:app &\nwait\n")),
		c("start-daemonize", "exec in foreground", false, file("app/start.sh", "#!/usr/bin/env bash\nset -euo pipefail\npython manage.py migrate --noinput\nexec uwsgi --ini uwsgi.ini\n")),
		c("start-daemonize", "not a start script", false, file("scripts/wait.sh", "#!/usr/bin/env bash\nset -e\ntail -f /dev/null\n")),

		c("start-makemigrations", "makemigrations", true, file("app/start.sh", "#!/usr/bin/env bash\nset -e\npython manage.py makemigrations\nexec uwsgi --ini uwsgi.ini\n")),
		c("start-makemigrations", "migrate only", false, file("app/start.sh", "#!/usr/bin/env bash\nset -e\npython manage.py migrate\nexec uwsgi --ini uwsgi.ini\n")),

		c("start-no-exec", "no exec", true, file("app/start.sh", "#!/usr/bin/env bash\nset -e\npython -m gunicorn app.wsgi\n")),
		c("start-no-exec", "exec", false, file("app/start.sh", "#!/usr/bin/env bash\nset -e\nexec python -m gunicorn app.wsgi\n")),

		c("initsql-duplicate-user", "CREATE USER of POSTGRES_USER", true,
			compose("services:\n  db:\n    image: postgres:16\n    environment:\n      POSTGRES_USER: onyx\n    volumes: [\"./init:/docker-entrypoint-initdb.d:ro\"]\n"),
			file("init/init.sql", "CREATE USER onyx WITH PASSWORD 'x';\n")),
		c("initsql-duplicate-user", "CREATE DATABASE of MYSQL_DATABASE from env_file", true,
			compose("services:\n  db:\n    image: mysql:8.4\n    env_file: ./db.env\n    volumes: [\"./init/init.sql:/docker-entrypoint-initdb.d/init.sql:ro\"]\n"),
			file("db.env", "MYSQL_DATABASE=shop\n"),
			file("init/init.sql", "CREATE DATABASE `shop`;\n")),
		c("initsql-duplicate-user", "IF NOT EXISTS, other names", false,
			compose("services:\n  db:\n    image: postgres:16\n    environment:\n      POSTGRES_USER: onyx\n    volumes: [\"./init:/docker-entrypoint-initdb.d:ro\"]\n"),
			file("init/init.sql", "CREATE USER IF NOT EXISTS onyx;\nCREATE ROLE readonly;\n")),

		c("initsql-hardcoded-password", "IDENTIFIED BY", true, file("init/init.sql", "ALTER USER 'dbuser'@'%' IDENTIFIED WITH mysql_native_password BY 'password';\n")),
		c("initsql-hardcoded-password", "no password", false, file("init/init.sql", "GRANT ALL ON shop.* TO 'shop'@'%';\n")),

		c("initsql-missing-extension", "vector on postgres", true,
			compose("services:\n  db:\n    image: postgres:14-alpine\n    volumes: [\"./init/init.sql:/docker-entrypoint-initdb.d/init.sql\"]\n"),
			file("init/init.sql", "CREATE EXTENSION IF NOT EXISTS \"vector\";\n")),
		c("initsql-missing-extension", "vector on pgvector", false,
			compose("services:\n  db:\n    image: pgvector/pgvector:pg17\n    volumes: [\"./init/init.sql:/docker-entrypoint-initdb.d/init.sql\"]\n"),
			file("init/init.sql", "CREATE EXTENSION IF NOT EXISTS vector;\nCREATE EXTENSION IF NOT EXISTS \"uuid-ossp\";\n")),

		c("django-hardcoded-secret", "literal password", true, file("app/mysite/settings.py", "DATABASES = {'default': {\n    'PASSWORD': 'password',\n}}\n")),
		c("django-hardcoded-secret", "replaced by stackgen_deploy", false,
			file("mysite/settings.py", "SECRET_KEY = 'django-insecure-abc'\n"),
			file("stackgen_deploy/settings.py", "SECRET_KEY = env(\"DJANGO_SECRET_KEY\")\nDATABASES = {\n}\nfrom mysite.settings import *\n")),
		c("django-hardcoded-secret", "stackgen_deploy of another folder", true,
			file("other/mysite/settings.py", "SECRET_KEY = 'django-insecure-abc'\n"),
			file("app/stackgen_deploy/settings.py", "SECRET_KEY = env(\"DJANGO_SECRET_KEY\")\nDATABASES = {\n}\nfrom mysite.settings import *\n")),

		c("django-app-files", "settings module gone", true,
			file("manage.py", ""), file("stackgen_deploy/settings.py", "SECRET_KEY = env(\"DJANGO_SECRET_KEY\")\nDATABASES = {\n}\nfrom mysite.settings import *\n"), file("mysite/__init__.py", "")),
		c("django-app-files", "requirements gone", true,
			file("src/manage.py", ""), file("src/stackgen_deploy/settings.py", "SECRET_KEY = env(\"DJANGO_SECRET_KEY\")\nDATABASES = {\n}\nfrom mysite.settings import *\n"), file("src/mysite/settings.py", ""),
			file("src/stackgen_deploy/Dockerfile", "WORKDIR /src\nCOPY requirements.txt /src/requirements.txt\nWORKDIR /app\nWORKDIR /app/src\n")),
		c("django-app-files", "everything there", false,
			file("src/manage.py", ""), file("src/stackgen_deploy/settings.py", "SECRET_KEY = env(\"DJANGO_SECRET_KEY\")\nDATABASES = {\n}\nfrom mysite.settings import *\n"), file("src/mysite/settings/__init__.py", ""),
			file("requirements.txt", "django\n"),
			file("src/stackgen_deploy/Dockerfile", "WORKDIR /src\nCOPY requirements.txt /src/requirements.txt\nWORKDIR /app\nWORKDIR /app/src\n")),
		c("django-app-files", "a render without the project", false,
			file("stackgen_deploy/settings.py", "SECRET_KEY = env(\"DJANGO_SECRET_KEY\")\nDATABASES = {\n}\nfrom mysite.settings import *\n"),
			file("stackgen_deploy/Dockerfile", "COPY requirements.txt /src/requirements.txt\n")),
		c("django-hardcoded-secret", "from the environment", false, file("app/mysite/settings.py", "import os\nSECRET_KEY = os.environ['DJANGO_SECRET_KEY']\nDATABASES = {'default': {'PASSWORD': os.environ['DB_PASSWORD']}}\n")),
	}
}

func TestCrossfileRules(t *testing.T) { runCases(t, crossfileCases()) }

func TestTokenizeNginx(t *testing.T) {
	toks, err := tokenizeNginx("a ${x}y 'q;{}' \"e\\\"s\" # c ;\n;{}")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, tk := range toks {
		got = append(got, tk.text)
	}
	want := []string{"a", "${x}y", "q;{}", `e"s`, ";", "{", "}"}
	if len(got) != len(want) {
		t.Fatalf("tokens = %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("token %d = %q, want %q", i, got[i], want[i])
		}
	}
	if toks[4].line != 2 {
		t.Errorf("line of ';' = %d, want 2", toks[4].line)
	}
}
