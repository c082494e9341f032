package stacks

import (
	"net/url"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/stackgen/stackgen/internal/imagerole"
	"github.com/stackgen/stackgen/internal/msg"
	"github.com/stackgen/stackgen/stack"
	"github.com/stackgen/stackgen/templates"
)

// Answer keys of the django-uwsgi stack.
const (
	djangoProject           = "project"
	djangoDB                = "db"
	djangoDBVersion         = "db_version"
	djangoDomain            = "domain"
	djangoHTTPPort          = "http_port"
	djangoHTTPS             = "https"
	djangoHTTPSPort         = "https_port"
	djangoWSGI              = "wsgi"
	djangoUWSGIProcesses    = "uwsgi_processes"
	djangoUWSGIThreads      = "uwsgi_threads"
	djangoGunicornWorkers   = "gunicorn_workers"
	djangoGunicornThreads   = "gunicorn_threads"
	djangoCache             = "cache"
	djangoClientMaxBodySize = "client_max_body_size"
	djangoTimeZone          = "time_zone"
	djangoLanguageCode      = "language_code"
	djangoAppVersion        = "app_version"
	djangoPublishDB         = "publish_db"
	djangoDBHostPort        = "db_host_port"
	djangoRedisHostPort     = "redis_host_port"
	djangoHSTSMaxAge        = "hsts_max_age"
)

// DjangoName is the django-uwsgi stack's name and template folder.
const DjangoName = "django-uwsgi"

// djangoProjectDir is the template folder that becomes the project's name
// (templates/django-uwsgi/__project__/__project__/settings.py.tmpl renders
// to mysite/mysite/settings.py).
const djangoProjectDir = "__project__"

// djangoDBVersions lists the server versions each database choice supports,
// the default first: MySQL's two LTS lines (9.7, 8.4; 8.0 is past its end
// of life), MariaDB's three newest long-term releases (10.11 and older
// are left to --image). my.cnf is written for each; internal/currency's
// table must mark each supported (TestDefaultsOnSupportedLines).
var djangoDBVersions = map[string][]string{
	"mysql":   {"9.7", "8.4"},
	"mariadb": {"12.3", "11.8", "11.4"},
	// PostgreSQL: the majors upstream still supports that Django 5.2 does (14+), newest
	// first; 18 moved the image's data directory (see djangoPGData).
	"postgres": {"18", "17", "16"},
}

// The wsgi and cache choices (issue 15): uWSGI stays the default (the
// seeds use it); gunicorn is what most Django deployments run. Valkey is
// the BSD-licensed fork of Redis 7.2, a drop-in for django-redis.
const (
	djangoUWSGI    = "uwsgi"
	djangoGunicorn = "gunicorn"
	djangoRedis    = "redis"
	djangoValkey   = "valkey"
	djangoPostgres = "postgres"
)

// Pinned images of the services this stack does not build: Redis 8 (its
// AGPLv3 option is OSI-approved; 7.4 is RSALv2/SSPLv1 only), Valkey (BSD)
// and nginx's stable branch.
const (
	djangoRedisImage  = "redis:8.6"
	djangoValkeyImage = "valkey/valkey:9.1"
	djangoNginxImage  = "nginx:1.30"
)

var (
	languageCode = regexp.MustCompile(`^[a-z]{2,3}(-[a-zA-Z0-9]{2,8})*$`)
	imageTag     = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)
)

// Django is the django-uwsgi stack: Django served by uWSGI behind nginx,
// with MySQL (or MariaDB) and Redis, in the layout of seed 001 part 1.
func Django() *stack.Definition {
	return &stack.Definition{
		Name:        DjangoName,
		Aliases:     []string{"django", "uwsgi"},
		Description: "Django + uWSGI behind nginx, with MySQL or MariaDB and Redis",
		Questions:   djangoQuestions(),
		Images:      djangoImages(),
		Secrets: []stack.Secret{
			{Key: "DJANGO_SECRET_KEY", Bytes: 50},
			{Key: "MYSQL_ROOT_PASSWORD", Bytes: 32, When: isMySQLFamily},
			{Key: "MYSQL_PASSWORD", Bytes: 32, When: isMySQLFamily},
			{Key: "REDIS_PASSWORD", Bytes: 32},
			// Last, so the other secrets of a fixed random stream stay
			// what they were; only .env of db=postgres writes it.
			{Key: "POSTGRES_PASSWORD", Bytes: 32, When: isPostgres},
		},
		Templates:  templates.Stack(DjangoName),
		Data:       djangoData,
		OutputPath: djangoOutputPath,
		Migrate: &stack.Exec{
			Service: "web",
			Command: []string{"python", "manage.py", "migrate", "--noinput"},
			What:    "Django migrations",
		},
		URL:        djangoURL,
		DefaultDir: func(a stack.Answers) string { return a[djangoProject] },
		State:      djangoState, // stacks/django_state.go (backup/restore)
		UserFiles: func(a stack.Answers) []stack.UserFile {
			return TLSFiles(a.Bool(djangoHTTPS), "compose/nginx/ssl")
		},
	}
}

func djangoQuestions() []stack.Question {
	return append([]stack.Question{
		{
			Key: djangoProject, Prompt: "Django project name", Kind: stack.String, Default: "mysite",
			Help:          "A Python package name: the Django project's folder and settings module, the database and its user. Defaults from the folder name",
			Check:         stack.PythonPackage,
			FolderDefault: stack.PythonIdentFrom,
		},
		stack.ComposeProjectQuestion(DjangoName, func(a stack.Answers) string { return a[djangoProject] }),
		{
			Key: djangoDB, Prompt: "Database", Kind: stack.Choice, Default: "mysql", Choices: []string{"mysql", "mariadb", djangoPostgres},
			Help: "MySQL or MariaDB (the official image of either), or PostgreSQL (psycopg 3, pg_dump backups)",
		},
		{
			Key: djangoDBVersion, Prompt: "Database version", Kind: stack.Choice,
			Help:        "MySQL 9.7 is the newest LTS (8.4 the previous one); MariaDB 12.3 the newest long-term release (11.8 and 11.4 the older ones still maintained)",
			DefaultFrom: func(a stack.Answers) string { return djangoDBVersions[a[djangoDB]][0] },
			ChoicesFrom: func(a stack.Answers) []string { return djangoDBVersions[a[djangoDB]] },
		},
		{
			Key: djangoDomain, Prompt: "Domain name the site answers to", Kind: stack.String, Default: "localhost",
			Help:  "Used for nginx's server_name and Django's ALLOWED_HOSTS, e.g. example.com",
			Check: stack.HostName,
		},
		{
			Key: djangoHTTPPort, Prompt: "HTTP port on the host", Kind: stack.Int, Default: "80",
			Check: stack.Port,
		},
		{
			Key: djangoHTTPS, Prompt: "Serve HTTPS (certificates in compose/nginx/ssl)", Kind: stack.Bool, Default: "false",
			Help: "nginx serves TLS with compose/nginx/ssl/fullchain.pem and privkey.pem and redirects HTTP to HTTPS",
		},
		{
			Key: djangoHTTPSPort, Prompt: "HTTPS port on the host", Kind: stack.Int, Default: "443",
			Check: stack.Port, When: func(a stack.Answers) bool { return a.Bool(djangoHTTPS) },
		},
		{
			Key: djangoWSGI, Prompt: "WSGI server", Kind: stack.Choice, Default: djangoUWSGI, Choices: []string{djangoUWSGI, djangoGunicorn},
			Help: "uWSGI (the seeds'; in maintenance mode, bug fixes only) behind nginx's uwsgi_pass, or gunicorn behind proxy_pass",
		},
		{
			Key: djangoUWSGIProcesses, Prompt: "uWSGI worker processes", Kind: stack.Int, Default: "4",
			Help:  "About the number of CPU cores the server gives this site",
			Check: stack.PositiveInt(64), When: isUWSGI,
		},
		{
			Key: djangoUWSGIThreads, Prompt: "uWSGI threads per process", Kind: stack.Int, Default: "2",
			Check: stack.PositiveInt(64), When: isUWSGI,
		},
		{
			Key: djangoGunicornWorkers, Prompt: "gunicorn worker processes", Kind: stack.Int, Default: "4",
			Help:  "About the number of CPU cores the server gives this site (gunicorn's docs suggest 2-4 per core)",
			Check: stack.PositiveInt(64), When: isGunicorn,
		},
		{
			Key: djangoGunicornThreads, Prompt: "gunicorn threads per worker", Kind: stack.Int, Default: "2",
			Help:  "More than 1 runs gunicorn's gthread workers",
			Check: stack.PositiveInt(64), When: isGunicorn,
		},
		{
			Key: djangoCache, Prompt: "Cache server", Kind: stack.Choice, Default: djangoRedis, Choices: []string{djangoRedis, djangoValkey},
			Help: "Redis (7.4 is under RSALv2/SSPLv1 only, not an open-source licence; Redis 8 adds AGPLv3) or Valkey (BSD-3-Clause, the Linux Foundation's fork of Redis 7.2); django-redis talks to either, the service keeps the name redis",
		},
		{
			Key: djangoClientMaxBodySize, Prompt: "Largest upload nginx accepts", Kind: stack.String, Default: "20m",
			Check: stack.Size,
		},
		stack.LangQuestion(), // before language_code, whose default follows it
		{
			Key: djangoTimeZone, Prompt: "Time zone", Kind: stack.String, Default: "UTC",
			Help:  "Django's TIME_ZONE, e.g. Asia/Shanghai",
			Check: stack.TimeZone,
		},
		{
			Key: djangoLanguageCode, Prompt: "Language code", Kind: stack.String, Default: "en-us", Advanced: true,
			Help:        "Django's LANGUAGE_CODE, e.g. zh-hans; zh-hans when lang is zh",
			DefaultFrom: languageCodeFor,
			Check:       checkLanguageCode,
		},
		{
			Key: djangoAppVersion, Prompt: "Tag of the images this stack builds", Kind: stack.String, Default: "1.0", Advanced: true,
			Help:  "The web and nginx images are tagged <compose_project>-web:<tag> and <compose_project>-nginx:<tag>",
			Check: checkImageTag,
		},
		{
			Key: djangoPublishDB, Prompt: "Publish the database and the cache on 127.0.0.1", Kind: stack.Bool, Default: "false", Advanced: true,
			Help: "For local tools only: the ports are bound to 127.0.0.1, never to other interfaces",
		},
		{
			Key: djangoDBHostPort, Prompt: "Database port on 127.0.0.1", Kind: stack.Int, Advanced: true,
			DefaultFrom: func(a stack.Answers) string {
				if isPostgres(a) {
					return "5432"
				}
				return "3306"
			},
			Check: stack.Port, When: func(a stack.Answers) bool { return a.Bool(djangoPublishDB) },
		},
		{
			Key: djangoRedisHostPort, Prompt: "Redis port on 127.0.0.1", Kind: stack.Int, Default: "6379", Advanced: true,
			Check: stack.Port, When: func(a stack.Answers) bool { return a.Bool(djangoPublishDB) },
		},
		{
			Key: djangoHSTSMaxAge, Prompt: "Seconds browsers keep to HTTPS for this site (HSTS)", Kind: stack.Int, Default: "3600", Advanced: true,
			Help:  "nginx sends Strict-Transport-Security: max-age=N on every HTTPS response (Django's own header is replaced, .env's DJANGO_SECURE_HSTS_SECONDS matches); 0 sends none. Raise it to 31536000 once HTTPS works well",
			Check: checkHSTSMaxAge, When: func(a stack.Answers) bool { return a.Bool(djangoHTTPS) },
		},
		stack.NoNewPrivilegesQuestion(),
		stack.RegistryMirrorQuestion(),
		stack.PipIndexQuestion(),
		stack.PythonPinsQuestion(),
	}, append(stack.RateLimitQuestions("10r/m", "20r/s"), appQuestions()...)...)
}

func isPostgres(a stack.Answers) bool    { return a[djangoDB] == djangoPostgres }
func isMySQLFamily(a stack.Answers) bool { return a[djangoDB] != djangoPostgres }
func isUWSGI(a stack.Answers) bool       { return a[djangoWSGI] != djangoGunicorn }
func isGunicorn(a stack.Answers) bool    { return a[djangoWSGI] == djangoGunicorn }

// checkHSTSMaxAge accepts 0 (no header) up to two years, the longest
// max-age the HSTS preload list asks for.
func checkHSTSMaxAge(v string) error {
	if n, err := strconv.Atoi(v); err != nil || n < 0 || n > 63072000 {
		return msg.Err("stacks.err.hsts", msg.Args{"Value": strconv.Quote(v)})
	}
	return nil
}

func djangoImages() []stack.Image {
	return []stack.Image{
		{Key: "python", Help: "Base image of the web image (Debian slim)", Default: func(stack.Answers) string { return "python:3.13-slim" }, Family: family("python")},
		{
			Key: "db", Help: "MySQL, MariaDB or PostgreSQL server", Default: func(a stack.Answers) string { return a[djangoDB] + ":" + a[djangoDBVersion] },
			Role: imagerole.Database, Family: func(a stack.Answers) string { return a[djangoDB] },
		},
		{
			Key: "redis", Help: "Redis or Valkey cache (service redis)", Role: imagerole.Cache,
			Default: func(a stack.Answers) string {
				if a[djangoCache] == djangoValkey {
					return djangoValkeyImage
				}
				return djangoRedisImage
			},
			Family: func(a stack.Answers) string { return a[djangoCache] },
		},
		{Key: "nginx", Help: "Base image of the nginx image", Default: func(stack.Answers) string { return djangoNginxImage }, Family: family("nginx")},
		{
			Key: "web", Help: "The Django + uWSGI (or gunicorn) image this stack builds", Built: true, Role: imagerole.App, Base: "python",
			// Named after the compose project, which is unique per folder:
			// two projects on one engine never overwrite each other's images.
			Default: func(a stack.Answers) string { return a[stack.ComposeProjectAnswer] + "-web:" + a[djangoAppVersion] },
		},
		{
			Key: "proxy", Help: "The nginx image this stack builds (service nginx)", Built: true, Role: imagerole.Proxy, Base: "nginx",
			Default: func(a stack.Answers) string { return a[stack.ComposeProjectAnswer] + "-nginx:" + a[djangoAppVersion] },
		},
	}
}

// TLSFiles are the certificate files nginx reads in dir when HTTPS is on.
func TLSFiles(https bool, dir string) []stack.UserFile {
	if !https {
		return nil
	}
	return []stack.UserFile{
		{Path: dir + "/fullchain.pem", What: "the TLS certificate chain nginx serves (e.g. from certbot)"},
		{Path: dir + "/privkey.pem", What: "the TLS private key of that certificate"},
	}
}

// languageCodeFor follows the project's language: a Chinese project
// gets Django's Simplified Chinese (zh-hans, the code Django's own
// translations use), anything else American English, Django's default.
func languageCodeFor(a stack.Answers) string {
	if a[stack.LangAnswer] == "zh" {
		return "zh-hans"
	}
	return "en-us"
}

func checkLanguageCode(v string) error {
	if !languageCode.MatchString(v) {
		return msg.Err("stacks.err.language-code", msg.Args{"Value": strconv.Quote(v)})
	}
	return nil
}

func checkImageTag(v string) error {
	if !imageTag.MatchString(v) || v == "latest" {
		return msg.Err("stacks.err.django-tag", msg.Args{"Value": strconv.Quote(v)})
	}
	return nil
}

func djangoOutputPath(p string, a stack.Answers) string {
	if path.Base(p) == "pip.conf" && a[stack.PipIndexAnswer] == "" {
		return ""
	}
	if !djangoFileInUse(p, a) {
		return ""
	}
	if p = appOutputPath(p, a); p == "" {
		return ""
	}
	return strings.ReplaceAll(p, djangoProjectDir, a[djangoProject])
}

// djangoFileInUse leaves out the files of the choices not taken: each
// database, WSGI server and cache has its own configuration files.
func djangoFileInUse(p string, a stack.Answers) bool {
	pg, gunicorn, valkey := isPostgres(a), isGunicorn(a), a[djangoCache] == djangoValkey
	switch {
	case strings.HasPrefix(p, "compose/mysql/"):
		return !pg
	case strings.HasPrefix(p, "compose/postgres/"):
		return pg
	case strings.HasPrefix(p, "compose/redis/"):
		return !valkey
	case strings.HasPrefix(p, "compose/valkey/"):
		return valkey
	case strings.HasPrefix(p, "compose/uwsgi/"), path.Base(p) == "uwsgi.ini":
		return !gunicorn
	case path.Base(p) == "gunicorn.conf.py":
		return gunicorn
	}
	return true
}

// djangoURL is where nginx answers: the domain and the published port,
// left out when it is the scheme's default.
func djangoURL(a stack.Answers) string {
	scheme, port, def := "http", a[djangoHTTPPort], "80"
	if a.Bool(djangoHTTPS) {
		scheme, port, def = "https", a[djangoHTTPSPort], "443"
	}
	host := a[djangoDomain]
	if host == "" {
		host = "localhost"
	}
	if port == def {
		return scheme + "://" + host + "/"
	}
	return scheme + "://" + host + ":" + port + "/"
}

// DjangoData is what the django-uwsgi templates see: the values derived
// from the answers, computed once here so templates stay declarative. It
// holds no raw answers: a template that needs one more value gets a field
// here, so every answer is read (and checked) in one place.
type DjangoData struct {
	// Images is the resolved reference of every image in use, by key.
	Images map[string]string
	// Roles is the role of every image services run, by key, for the
	// x-stackgen extension of each service.
	Roles map[string]stack.ServiceRole
	// Secrets are the generated values written to .env, by key.
	Secrets map[string]string
	// AppVersion tags the images the stack builds (the app_version answer).
	AppVersion string
	Project    string
	MariaDB    bool
	Postgres   bool
	DBLabel    string // "MySQL 8.4"
	DBPort     int    // 3306 or 5432
	// PGData is where the postgres image keeps its data: 18 moved it to
	// /var/lib/postgresql/<major>/docker and declares the volume one level
	// up, so db_vol is mounted at /var/lib/postgresql there.
	PGData    string
	PGMount   string
	Gunicorn  bool
	WSGILabel string // "uWSGI" or "gunicorn"
	Valkey    bool
	// CacheLabel, CacheServer and CacheCLI name the cache's product and
	// its binaries in the image (Valkey's images have valkey-* names).
	CacheLabel  string
	CacheServer string
	CacheCLI    string
	CacheUser   string // the image's user that owns /data
	// DBFile and DBKind are the database's file in a backup folder and its
	// kind in manifest.json, as `stackgen backup` names them.
	DBFile      string
	DBKind      string
	DBName      string
	DBUser      string
	TestDBGrant string // the database pattern Django's test runner needs, wildcards escaped
	DumpCmd     string // mysqldump or mariadb-dump
	ClientCmd   string // mysql or mariadb
	Domain      string
	HTTPPort    int
	HTTPS       bool
	HTTPSPort   int
	// RedirectPort is ":8443" when HTTPS is on a non-default port, else "".
	RedirectPort   string
	URL            string
	AllowedHosts   string
	CSRFOrigins    string
	Processes      int
	Threads        int
	MaxBodySize    string
	TimeZone       string
	LanguageCode   string
	PublishDB      bool
	DBHostPort     int
	RedisHostPort  int
	PipIndex       string
	PipTrustedHost string // the index's host when it is plain http, which pip otherwise refuses
	Version        string
	// HSTSMaxAge is the Strict-Transport-Security max-age (0: no header).
	HSTSMaxAge      int
	NoNewPrivileges bool
	LoginRate       string // nginx limit_req rate, "" for none
	APIRate         string
	// App is the user's own Django project (stackgen new --from), nil for
	// the generated skeleton.
	App *DjangoApp
}

func djangoData(in stack.Input) (any, error) {
	a := in.Answers
	// The from-app mode's generated settings and uwsgi.ini speak MySQL and
	// uWSGI only so far: refuse the combinations it would render wrong.
	if inApp(a) && (isPostgres(a) || isGunicorn(a)) {
		return nil, msg.Err("stacks.err.from-app-combination", msg.Args{"DB": a[djangoDB], "WSGI": a[djangoWSGI]})
	}
	var numErr error
	num := func(key string) int {
		n, err := strconv.Atoi(a[key])
		if err != nil && numErr == nil {
			// Resolve checks every Int answer; answers that skipped it
			// are refused here rather than rendered as 0.
			numErr = msg.Err("stacks.err.not-int", msg.Args{"Key": key, "Value": strconv.Quote(a[key])})
		}
		return n
	}
	d := DjangoData{
		Images:       in.Images,
		Roles:        in.Roles,
		Secrets:      in.Secrets,
		AppVersion:   a[djangoAppVersion],
		Project:      a[djangoProject],
		MariaDB:      a[djangoDB] == "mariadb",
		Postgres:     isPostgres(a),
		Gunicorn:     isGunicorn(a),
		Valkey:       a[djangoCache] == djangoValkey,
		Domain:       a[djangoDomain],
		HTTPPort:     num(djangoHTTPPort),
		HTTPS:        a.Bool(djangoHTTPS),
		URL:          djangoURL(a),
		MaxBodySize:  a[djangoClientMaxBodySize],
		TimeZone:     a[djangoTimeZone],
		LanguageCode: a[djangoLanguageCode],
		PublishDB:    a.Bool(djangoPublishDB),
		PipIndex:     a[stack.PipIndexAnswer],
		Version:      in.Version,

		NoNewPrivileges: a.Bool(stack.NoNewPrivilegesAnswer),
		LoginRate:       rateOrNone(a[stack.LoginRateAnswer]),
		APIRate:         rateOrNone(a[stack.APIRateAnswer]),
		App:             djangoApp(a),
	}
	if d.Version == "" {
		d.Version = "dev"
	}
	d.DBLabel = "MySQL " + a[djangoDBVersion]
	d.DumpCmd, d.ClientCmd = "mysqldump", "mysql"
	d.DBPort = 3306
	switch {
	case d.MariaDB:
		// MariaDB 11 images dropped the mysql* names of the client tools.
		d.DBLabel = "MariaDB " + a[djangoDBVersion]
		d.DumpCmd, d.ClientCmd = "mariadb-dump", "mariadb"
	case d.Postgres:
		d.DBLabel = "PostgreSQL " + a[djangoDBVersion]
		d.DumpCmd, d.ClientCmd = "pg_dump", "psql"
		d.DBPort = 5432
		d.PGData, d.PGMount = djangoPGData(a[djangoDBVersion])
	}
	// Only the chosen server's worker answers exist (the others are not
	// asked), so each is read by the choice.
	if d.Gunicorn {
		d.WSGILabel = "gunicorn"
		d.Processes, d.Threads = num(djangoGunicornWorkers), num(djangoGunicornThreads)
	} else {
		d.WSGILabel = "uWSGI"
		d.Processes, d.Threads = num(djangoUWSGIProcesses), num(djangoUWSGIThreads)
	}
	d.CacheLabel, d.CacheServer, d.CacheCLI, d.CacheUser = "Redis", "redis-server", "redis-cli", "redis"
	if d.Valkey {
		d.CacheLabel, d.CacheServer, d.CacheCLI, d.CacheUser = "Valkey", "valkey-server", "valkey-cli", "valkey"
	}
	d.DBFile, d.DBKind = "db.sql.gz", a[djangoDB]
	if d.Postgres {
		d.DBFile = "db.pgdump"
	}
	d.DBName = d.Project
	d.DBUser = d.Project
	if len(d.DBUser) > 32 { // MySQL user names are at most 32 characters
		d.DBUser = d.DBUser[:32]
	}
	// In GRANT, _ and % in a database name are wildcards; escape them so the
	// grant covers exactly test_<db>.
	d.TestDBGrant = strings.NewReplacer("_", `\_`, "%", `\%`).Replace("test_" + d.DBName)
	if d.HTTPS {
		d.HSTSMaxAge = num(djangoHSTSMaxAge)
		d.HTTPSPort = num(djangoHTTPSPort)
		if d.HTTPSPort != 443 {
			d.RedirectPort = ":" + a[djangoHTTPSPort]
		}
	}
	if d.PublishDB {
		d.DBHostPort = num(djangoDBHostPort)
		d.RedisHostPort = num(djangoRedisHostPort)
	}
	if numErr != nil {
		return nil, numErr
	}
	hosts := []string{d.Domain}
	if d.Domain == "localhost" {
		// Browsers and health checks on the host reach a local stack by address too.
		hosts = append(hosts, "127.0.0.1", "[::1]")
	}
	d.AllowedHosts = strings.Join(hosts, ",")
	origin := strings.TrimSuffix(d.URL, "/")
	d.CSRFOrigins = origin
	if d.PipIndex != "" {
		u, err := url.Parse(d.PipIndex)
		if err != nil {
			return nil, msg.Err("answer.keyed", msg.Args{"Key": stack.PipIndexAnswer, "Err": err})

		}
		if u.Scheme == "http" {
			d.PipTrustedHost = u.Hostname()
		}
	}
	return d, nil
}

// djangoPGData is PGDATA and the volume's mount point for a postgres
// major: 18 and later keep the data in /var/lib/postgresql/<major>/docker
// (so pg_upgrade --link can work across majors in one volume) and declare
// /var/lib/postgresql as the volume; older images use .../data for both.
func djangoPGData(version string) (pgdata, mount string) {
	if major, err := strconv.Atoi(version); err == nil && major >= 18 {
		return "/var/lib/postgresql/" + version + "/docker", "/var/lib/postgresql"
	}
	return "/var/lib/postgresql/data", "/var/lib/postgresql/data"
}

// rateOrNone maps the "off" of a rate-limit answer to no limit.
func rateOrNone(v string) string {
	if v == "off" {
		return ""
	}
	return v
}
