package stacks

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/stackgen/stackgen/stack"
	"github.com/stackgen/stackgen/templates"
)

// Answer keys of the onyx stack.
const (
	onyxMode          = "mode"
	onyxSourceDir     = "source_dir"
	onyxVersion       = "onyx_version"
	onyxDomain        = "domain"
	onyxBindAddress   = "bind_address"
	onyxHTTPPort      = "http_port"
	onyxHTTPS         = "https"
	onyxHTTPSPort     = "https_port"
	onyxAuth          = "auth"
	onyxOAuthClientID = "oauth_client_id"
	onyxOIDCConfigURL = "openid_config_url"
	onyxUploadLimit   = "upload_limit"
	onyxLogging       = "logging"
	onyxResources     = "resources"
	onyxBaseRegistry  = "base_image_registry"
)

// Values of the mode answer.
const (
	onyxModeImages = "images"
	onyxModeSource = "source"
)

// Values of the auth answer: the AUTH_TYPE values Onyx's API server reads.
// "disabled" is left out on purpose: Onyx deprecated it (February 2026)
// and later releases fall back to basic, so it would only ever open an
// unauthenticated instance on the versions that still honour it.
const (
	onyxAuthBasic  = "basic"
	onyxAuthGoogle = "google_oauth"
	onyxAuthOIDC   = "oidc"
)

// Image keys of the onyx stack (answers image.<key>).
const (
	onyxImageBackend     = "backend"      // api_server and background
	onyxImageWeb         = "web_server"   // Next.js server
	onyxImageModelServer = "model_server" // inference and indexing model servers
	onyxImageIndex       = "index"        // Vespa
	onyxImageDB          = "relational_db"
	onyxImageCache       = "cache"
	onyxImageMinio       = "minio"
	onyxImageNginx       = "nginx"
	onyxImageES          = "elasticsearch"
	onyxImageKibana      = "kibana"
	onyxImageFilebeat    = "filebeat"
)

// Secret keys (.env only).
const (
	OnyxPostgresPasswordKey = "POSTGRES_PASSWORD"
	OnyxRedisPasswordKey    = "REDIS_PASSWORD"
	OnyxMinioPasswordKey    = "MINIO_ROOT_PASSWORD"
	OnyxUserAuthSecretKey   = "USER_AUTH_SECRET"
	OnyxEncryptionKey       = "ENCRYPTION_KEY_SECRET"
	OnyxElasticPasswordKey  = "ELASTIC_PASSWORD"
	OnyxKibanaPasswordKey   = "KIBANA_SYSTEM_PASSWORD"
	OnyxKibanaEncryptionKey = "KIBANA_ENCRYPTION_KEY"
	OnyxFilebeatPasswordKey = "FILEBEAT_PASSWORD"
)

// onyxDefaultVersion is the Onyx release the published images are pinned
// to: the newest line whose search index is Vespa (v4 replaced Vespa with
// OpenSearch, which this stack does not deploy).
const onyxDefaultVersion = "v2.9.8"

// Pinned images of the services Onyx does not build. The versions follow
// Onyx's own compose files of the v2 line where they pin one, bumped to a
// current patch where they do not (Postgres 15 is the major Onyx runs on).
const (
	onyxVespaImage    = "vespaengine/vespa:8.609.39"
	onyxPostgresImage = "postgres:15.14-alpine"
	onyxRedisImage    = "redis:7.4-alpine"
	onyxMinioImage    = "minio/minio:RELEASE.2025-07-23T15-54-02Z-cpuv1"
	onyxNginxImage    = "nginx:1.28"
	onyxElasticVer    = "8.19.14"
)

var (
	onyxVersionPattern = regexp.MustCompile(`^v?([0-9]+)\.[0-9]+\.[0-9]+(-[A-Za-z0-9.]+)?$`)
	onyxClientIDChars  = regexp.MustCompile(`^[A-Za-z0-9._@:/+=-]+$`)
)

// onyxVersionCheck accepts a released Onyx tag of a line this stack's
// service set matches.
func onyxVersionCheck(v string) error {
	m := onyxVersionPattern.FindStringSubmatch(v)
	if m == nil {
		return fmt.Errorf("%q is not an Onyx release tag; use a tag such as %s (latest, edge and main move under you and are refused)", v, onyxDefaultVersion)
	}
	major, _ := strconv.Atoi(m[1])
	switch {
	case major < 2:
		return fmt.Errorf("%q is older than Onyx v2, whose background worker and file store this stack expects; use %s or a later v2/v3 release", v, onyxDefaultVersion)
	case major > 3:
		return fmt.Errorf("%q is Onyx v4 or later, which replaced the Vespa index with OpenSearch; this stack deploys Vespa, so use a v2 or v3 release such as %s", v, onyxDefaultVersion)
	}
	return nil
}

// onyxSourcePath accepts a path to an Onyx checkout as compose takes a
// build context: absolute, or relative to the generated project.
func onyxSourcePath(v string) error {
	if strings.TrimSpace(v) == "" {
		return fmt.Errorf("the path to an Onyx checkout is required in source mode, e.g. ../onyx (it must hold backend/Dockerfile, backend/Dockerfile.model_server and web/Dockerfile)")
	}
	if strings.ContainsAny(v, "\n\r\x00") {
		return fmt.Errorf("%q contains a line break; give a plain directory path, e.g. ../onyx", v)
	}
	if strings.Contains(v, "://") {
		return fmt.Errorf("%q is a URL; clone it first (git clone https://github.com/onyx-dot-app/onyx) and give the directory", v)
	}
	return nil
}

// onyxClientID accepts an OAuth client id as identity providers issue them.
func onyxClientID(v string) error {
	if v == "" {
		return fmt.Errorf("an OAuth client id is required for Google or OIDC login; copy it from your identity provider's app registration")
	}
	if !onyxClientIDChars.MatchString(v) || len(v) > 256 {
		return fmt.Errorf("%q does not look like an OAuth client id (letters, digits and . _ @ : / + = -)", v)
	}
	return nil
}

// onyxOIDCURL accepts the discovery document URL of an OIDC provider.
func onyxOIDCURL(v string) error {
	if v == "" {
		return fmt.Errorf("the OpenID configuration URL is required for oidc, e.g. https://login.example.com/.well-known/openid-configuration")
	}
	if err := stack.OptionalURL(v); err != nil {
		return fmt.Errorf("%q is not an http(s) URL; use e.g. https://login.example.com/.well-known/openid-configuration", v)
	}
	return nil
}

// onyxRegistry accepts a registry host (with an optional path prefix)
// placed in front of library/python and friends in Onyx's Dockerfiles.
func onyxRegistry(v string) error {
	if v == "docker.io" {
		return nil
	}
	host, _, _ := strings.Cut(v, "/")
	if err := stack.OptionalRegistryHost(host); err != nil || v == "" || strings.ContainsAny(v, " \"'$\n") {
		return fmt.Errorf("%q is not a registry; use docker.io or a mirror host such as mirror.example.com", v)
	}
	return nil
}

func onyxSource(a stack.Answers) bool { return a[onyxMode] == onyxModeSource }
func onyxImages(a stack.Answers) bool { return a[onyxMode] != onyxModeSource }
func onyxOAuth(a stack.Answers) bool {
	return a[onyxAuth] == onyxAuthGoogle || a[onyxAuth] == onyxAuthOIDC
}

// Onyx is the onyx stack: Onyx's own service set (API server, Celery
// background, Next.js web server, inference and indexing model servers,
// Postgres, Vespa, Redis, MinIO) behind nginx (seed 002).
func Onyx() *stack.Definition {
	logging := func(a stack.Answers) bool { return a.Bool(onyxLogging) }
	pub := func(ref string) func(stack.Answers) string {
		return func(stack.Answers) string { return ref }
	}
	onyxImage := func(repo string) func(stack.Answers) string {
		return func(a stack.Answers) string { return "onyxdotapp/" + repo + ":" + a[onyxVersion] }
	}
	localImage := func(repo string) func(stack.Answers) string {
		return func(a stack.Answers) string { return "onyx-local/" + repo + ":" + a[onyxVersion] }
	}
	// The login forms of Onyx's basic auth; the API as a whole.
	limits := stack.RateLimitQuestions("10r/m", "20r/s")
	elastic := func(path string) func(stack.Answers) string {
		return pub("docker.elastic.co/" + path + ":" + onyxElasticVer)
	}
	return &stack.Definition{
		Name:        "onyx",
		Aliases:     []string{"onyx-ai", "danswer"},
		Description: "Onyx AI chat and search: API, workers, model servers, Postgres, Vespa, MinIO",
		Questions: []stack.Question{
			{
				Key: onyxMode, Prompt: "Run Onyx's published images or build from a source checkout?",
				Help: "images: onyxdotapp/* images at a pinned release; source: build with the Dockerfiles of an Onyx checkout (--source DIR)",
				Kind: stack.Choice, Default: onyxModeImages, Choices: []string{onyxModeImages, onyxModeSource},
			},
			{
				Key: onyxSourceDir, Prompt: "Path to the Onyx checkout",
				Help: "Absolute, or relative to the generated project; it must hold backend/Dockerfile, backend/Dockerfile.model_server and web/Dockerfile",
				Kind: stack.String, Check: onyxSourcePath, When: onyxSource,
			},
			{
				Key: onyxVersion, Prompt: "Onyx version",
				Help: "A release tag (v2.x or v3.x: the Vespa-based lines); in source mode it tags the images built from the checkout",
				Kind: stack.String, Default: onyxDefaultVersion, Check: onyxVersionCheck,
			},
			{
				Key: onyxDomain, Prompt: "Domain name users reach Onyx on",
				Help: "Used for nginx's server_name and Onyx's WEB_DOMAIN (login redirects, links in e-mails)",
				Kind: stack.String, Default: "localhost", Check: stack.HostName,
			},
			{
				Key: onyxBindAddress, Prompt: "Address nginx's ports are published on",
				Help: "0.0.0.0: every interface; 127.0.0.1: this host only (behind another reverse proxy or an SSH tunnel)",
				Kind: stack.String, Default: "0.0.0.0", Check: stack.BindAddress, Advanced: true,
			},
			{
				Key: onyxHTTPPort, Prompt: "Host port for HTTP",
				Help: "nginx is the only service published on the host",
				Kind: stack.Int, Default: "80", Check: stack.Port,
			},
			{
				Key: onyxHTTPS, Prompt: "Serve HTTPS (certificate in docker/nginx/ssl)?",
				Help: "nginx terminates TLS with docker/nginx/ssl/fullchain.pem and privkey.pem, which you provide; HTTP then redirects to HTTPS",
				Kind: stack.Bool, Default: "false",
			},
			{
				Key: onyxHTTPSPort, Prompt: "Host port for HTTPS",
				Kind: stack.Int, Default: "443", Check: stack.Port, When: func(a stack.Answers) bool { return a.Bool(onyxHTTPS) },
			},
			{
				Key: onyxAuth, Prompt: "How users log in",
				Help: "basic: e-mail and password (the first user becomes admin); google_oauth or oidc: your identity provider (its client secret goes into .env)",
				Kind: stack.Choice, Default: onyxAuthBasic, Choices: []string{onyxAuthBasic, onyxAuthGoogle, onyxAuthOIDC},
			},
			{
				Key: onyxOAuthClientID, Prompt: "OAuth client id",
				Help: "From your identity provider; its secret is not an answer: put it in .env (OAUTH_CLIENT_SECRET)",
				Kind: stack.String, Check: onyxClientID, When: onyxOAuth,
			},
			{
				Key: onyxOIDCConfigURL, Prompt: "OpenID configuration URL",
				Help: "The provider's discovery document, ending in /.well-known/openid-configuration",
				Kind: stack.String, Check: onyxOIDCURL, When: func(a stack.Answers) bool { return a[onyxAuth] == onyxAuthOIDC },
			},
			{
				Key: onyxUploadLimit, Prompt: "Largest upload nginx accepts",
				Help: "nginx client_max_body_size; Onyx's own nginx allows 5g for file connectors",
				Kind: stack.String, Default: "5g", Check: stack.Size, Advanced: true,
			},
			{
				Key: onyxLogging, Prompt: "Add the logging overlay (Elasticsearch + Kibana + Filebeat)?",
				Help: "Writes compose.logging.yaml: container logs into Elasticsearch, Kibana on 127.0.0.1:5601 only, all with passwords from .env",
				Kind: stack.Bool, Default: "false",
			},
			{
				Key: onyxResources, Prompt: "Add resource limits (for Docker Desktop)?",
				Help: "Writes compose.resources.yaml with deploy.resources limits per service, tunable in .env",
				Kind: stack.Bool, Default: "false",
			},
			stack.NoNewPrivilegesQuestion(),
			limits[0],
			limits[1],
			stack.RegistryMirrorQuestion(),
			{
				Key: onyxBaseRegistry, Prompt: "Registry of the base images Onyx's Dockerfiles pull",
				Help: "Passed as the BASE_IMAGE_REGISTRY build argument (Dockerfiles that declare it); defaults to the registry mirror when one is set",
				Kind: stack.String, Check: onyxRegistry, When: onyxSource, Advanced: true,
				DefaultFrom: func(a stack.Answers) string {
					if m := a[stack.MirrorAnswer]; m != "" {
						return m
					}
					return "docker.io"
				},
			},
		},
		Images: []stack.Image{
			{Key: onyxImageBackend, Help: "Onyx backend (api_server and background)", Default: onyxImage("onyx-backend"), When: onyxImages},
			{Key: onyxImageWeb, Help: "Onyx web server (Next.js)", Default: onyxImage("onyx-web-server"), When: onyxImages},
			{Key: onyxImageModelServer, Help: "Onyx model server (inference and indexing)", Default: onyxImage("onyx-model-server"), When: onyxImages},
			{Key: onyxImageBackend, Help: "Onyx backend built from the checkout", Default: localImage("onyx-backend"), When: onyxSource, Built: true},
			{Key: onyxImageWeb, Help: "Onyx web server built from the checkout", Default: localImage("onyx-web-server"), When: onyxSource, Built: true},
			{Key: onyxImageModelServer, Help: "Onyx model server built from the checkout", Default: localImage("onyx-model-server"), When: onyxSource, Built: true},
			{Key: onyxImageIndex, Help: "Vespa search index", Default: pub(onyxVespaImage)},
			{Key: onyxImageDB, Help: "PostgreSQL", Default: pub(onyxPostgresImage)},
			{Key: onyxImageCache, Help: "Redis (ephemeral, as Onyx runs it)", Default: pub(onyxRedisImage)},
			{Key: onyxImageMinio, Help: "MinIO object storage (Onyx's file store)", Default: pub(onyxMinioImage)},
			{Key: onyxImageNginx, Help: "nginx reverse proxy", Default: pub(onyxNginxImage)},
			{Key: onyxImageES, Help: "Elasticsearch (logging overlay)", Default: elastic("elasticsearch/elasticsearch"), When: logging},
			{Key: onyxImageKibana, Help: "Kibana (logging overlay)", Default: elastic("kibana/kibana"), When: logging},
			{Key: onyxImageFilebeat, Help: "Filebeat (logging overlay)", Default: elastic("beats/filebeat"), When: logging},
		},
		Secrets: []stack.Secret{
			{Key: OnyxPostgresPasswordKey, Bytes: 32},
			{Key: OnyxRedisPasswordKey, Bytes: 32},
			{Key: OnyxMinioPasswordKey, Bytes: 32},
			{Key: OnyxUserAuthSecretKey, Bytes: 32},
			{Key: OnyxEncryptionKey, Bytes: 32},
			{Key: OnyxElasticPasswordKey, Bytes: 32},
			{Key: OnyxKibanaPasswordKey, Bytes: 32},
			{Key: OnyxKibanaEncryptionKey, Bytes: 32},
			{Key: OnyxFilebeatPasswordKey, Bytes: 32},
		},
		Templates:  templates.Stack("onyx"),
		Data:       onyxData,
		OutputPath: onyxOutputPath,
		Migrate: &stack.Exec{
			Service: "api_server",
			Command: []string{"alembic", "upgrade", "head"},
			What:    "Onyx database migrations (alembic upgrade head; the API server already ran them before serving, so this only confirms they are at head)",
		},
		StartTimeout: 30 * time.Minute, // A first start pulls model weights and runs every migration.
		URL:          onyxURL,
		DefaultDir:   func(stack.Answers) string { return "onyx" },
		State: func(a stack.Answers) []stack.State {
			// Redis is left out on purpose: Onyx runs it without
			// persistence (Celery queues, locks and caches it rebuilds).
			// The Vespa index is rebuilt from Postgres and MinIO by
			// re-indexing; scripts/backup.sh --with-index copies it too.
			return []stack.State{
				{Service: "relational_db", Kind: stack.StatePostgres, Volume: "db_volume"},
				{Service: "minio", Kind: stack.StateFiles, Path: "/data", Volume: "minio_data"},
			}
		},
	}
}

// onyxURL is where the deployed stack answers.
func onyxURL(a stack.Answers) string {
	scheme, port, def := "http", a[onyxHTTPPort], "80"
	if a.Bool(onyxHTTPS) {
		scheme, port, def = "https", a[onyxHTTPSPort], "443"
	}
	host := a[onyxDomain]
	if host == "localhost" && a[onyxBindAddress] != "" && a[onyxBindAddress] != "0.0.0.0" {
		host = a[onyxBindAddress]
	}
	if port != def {
		host += ":" + port
	}
	return scheme + "://" + host + "/"
}

// onyxOutputPath leaves out the overlays and configs the answers do not use.
func onyxOutputPath(p string, a stack.Answers) string {
	switch {
	case p == "compose.source.yaml":
		if !onyxSource(a) {
			return ""
		}
	case p == "compose.logging.yaml" || strings.HasPrefix(p, "docker/filebeat/") || strings.HasPrefix(p, "docker/elasticsearch/"):
		if !a.Bool(onyxLogging) {
			return ""
		}
	case p == "compose.resources.yaml":
		if !a.Bool(onyxResources) {
			return ""
		}
	case strings.HasPrefix(p, "docker/nginx/ssl/"):
		if !a.Bool(onyxHTTPS) {
			return ""
		}
	}
	return p
}

// onyxTemplateData is what the onyx templates see.
type onyxTemplateData struct {
	Source         bool
	SourceDir      string
	BaseRegistry   string
	Version        string
	Domain         string
	HTTPPort       int
	BindPrefix     string // "127.0.0.1:" or "" (every interface), before a published port
	HTTPS          bool
	HTTPSPort      int
	Auth           string
	OAuthClientID  string
	OIDCConfigURL  string
	UploadLimit    string
	Logging        bool
	Resources      bool
	URL            string
	WebDomain      string
	ComposeFiles   []string // in the order compose merges them
	Images         map[string]string
	ImageList      []string // every image compose uses, sorted and unique
	Secrets        map[string]string
	StackgenVer    string
	RegistryMirror string

	NoNewPrivileges bool
	LoginRate       string // nginx limit_req rate, "" for none
	APIRate         string
}

func onyxData(in stack.Input) (any, error) {
	a := in.Answers
	httpPort, _ := strconv.Atoi(a[onyxHTTPPort]) // checked by Resolve
	d := onyxTemplateData{
		Source:         onyxSource(a),
		SourceDir:      a[onyxSourceDir],
		BaseRegistry:   a[onyxBaseRegistry],
		Version:        a[onyxVersion],
		Domain:         a[onyxDomain],
		HTTPPort:       httpPort,
		HTTPS:          a.Bool(onyxHTTPS),
		Auth:           a[onyxAuth],
		OAuthClientID:  a[onyxOAuthClientID],
		OIDCConfigURL:  a[onyxOIDCConfigURL],
		UploadLimit:    a[onyxUploadLimit],
		Logging:        a.Bool(onyxLogging),
		Resources:      a.Bool(onyxResources),
		URL:            onyxURL(a),
		Images:         in.Images,
		Secrets:        in.Secrets,
		StackgenVer:    in.Version,
		RegistryMirror: a[stack.MirrorAnswer],

		NoNewPrivileges: a.Bool(stack.NoNewPrivilegesAnswer),
		LoginRate:       rateOrNone(a[stack.LoginRateAnswer]),
		APIRate:         rateOrNone(a[stack.APIRateAnswer]),
	}
	d.WebDomain = strings.TrimSuffix(d.URL, "/")
	if b := a[onyxBindAddress]; b != "" && b != "0.0.0.0" {
		d.BindPrefix = b + ":"
	}
	if d.HTTPS {
		d.HTTPSPort, _ = strconv.Atoi(a[onyxHTTPSPort])
		if d.HTTPSPort == d.HTTPPort {
			return nil, fmt.Errorf("%s: %d is also the HTTP port; nginx needs two different host ports, e.g. 80 and 443", onyxHTTPSPort, d.HTTPSPort)
		}
	}
	for _, k := range []string{onyxImageBackend, onyxImageWeb, onyxImageModelServer, onyxImageIndex, onyxImageDB, onyxImageCache, onyxImageMinio, onyxImageNginx} {
		if in.Images[k] == "" {
			return nil, fmt.Errorf("onyx: no image resolved for %s", k)
		}
	}
	d.ComposeFiles = []string{"compose.yaml"}
	if d.Source {
		d.ComposeFiles = append(d.ComposeFiles, "compose.source.yaml")
	}
	if d.Logging {
		d.ComposeFiles = append(d.ComposeFiles, "compose.logging.yaml")
	}
	if d.Resources {
		d.ComposeFiles = append(d.ComposeFiles, "compose.resources.yaml")
	}
	seen := map[string]bool{}
	for _, ref := range in.Images {
		if !seen[ref] {
			seen[ref] = true
			d.ImageList = append(d.ImageList, ref)
		}
	}
	sort.Strings(d.ImageList)
	return d, nil
}
