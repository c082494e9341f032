package stacks

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/stackgen/stackgen/internal/imagerole"
	"github.com/stackgen/stackgen/internal/msg"
	"github.com/stackgen/stackgen/stack"
	"github.com/stackgen/stackgen/templates"
)

// Answer keys of the onyx stack.
const (
	onyxMode          = stack.SourceModeAnswer
	onyxSourceDir     = stack.SourceDirAnswer
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
	onyxProfile       = "profile"
	onyxFileStore     = "file_store"
	onyxPort3000      = "port_3000"
	onyxOSHeap        = "opensearch_heap"
	onyxOSUlimits     = "opensearch_ulimits"
	onyxCodeInterp    = "code_interpreter"
	onyxMCP           = "mcp_server"
	onyxReindex       = "reindex_to_opensearch"
)

// Values of the profile answer: Onyx's default service set, or Onyx Lite
// (upstream's docker-compose.onyx-lite.yml: PostgreSQL only, no search
// index, Redis, model servers or background worker).
const (
	onyxProfileStandard = "standard"
	onyxProfileLite     = "lite"
)

// Values of the file_store answer (Onyx's FILE_STORE_BACKEND).
const (
	onyxStorePostgres   = "postgres"    // FILE_STORE_BACKEND=postgres
	onyxStoreMinio      = "s3-minio"    // s3, with a MinIO service here
	onyxStoreS3External = "s3-external" // s3, on a bucket elsewhere
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
	onyxImageIndex       = "index"        // Vespa (legacy v2)
	onyxImageOpenSearch  = "opensearch"   // the v4 search index
	onyxImageCodeInterp  = "code_interpreter"
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
	OnyxOpenSearchPassword  = "OPENSEARCH_ADMIN_PASSWORD"
)

// onyxDefaultVersion is the Onyx release the published images are pinned
// to: the newest v4 release confirmed from upstream (see the stack README's
// comparison table). v4 indexes into OpenSearch; the v2 line (Vespa, up to
// v2.12.x) stays available as legacy for existing installs.
const onyxDefaultVersion = "v4.6.1"

// onyxLegacyVersion is the v2 release named in messages about the legacy
// (Vespa) line: the one this stack's v2 render was checked against.
const onyxLegacyVersion = "v2.9.8"

// Pinned images of the services Onyx does not build. The versions follow
// Onyx's own compose files where they pin one (OpenSearch 3.6.0, the code
// interpreter 0.4.7, Vespa for v2), bumped to a current patch where they do
// not (Postgres 15 is the major Onyx runs on).
const (
	onyxVespaImage      = "vespaengine/vespa:8.609.39"
	onyxOpenSearchImage = "opensearchproject/opensearch:3.6.0"
	onyxCodeInterpImage = "onyxdotapp/code-interpreter:0.4.7"
	onyxPostgresImage   = "postgres:15.14-alpine"
	onyxRedisImage      = "redis:8.6-alpine"
	onyxMinioImage      = "minio/minio:RELEASE.2025-07-23T15-54-02Z-cpuv1"
	onyxNginxImage      = "nginx:1.30"
	onyxElasticVer      = "8.19.14"
)

// onyxMinioFixed is the first MinIO release with the fix for CVE-2025-62506
// (a service account or STS session could create keys beyond its own
// policy). MinIO publishes no community image of it or later.
const onyxMinioFixed = "2025-10-15T17-29-55Z"

var onyxMinioRelease = regexp.MustCompile(`RELEASE\.([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}-[0-9]{2}-[0-9]{2}Z)`)

var (
	onyxVersionPattern = regexp.MustCompile(`^v?([0-9]+)\.[0-9]+\.[0-9]+(-[A-Za-z0-9.]+)?$`)
	onyxClientIDChars  = regexp.MustCompile(`^[A-Za-z0-9._@:/+=-]+$`)
	onyxHeapPattern    = regexp.MustCompile(`^[1-9][0-9]*[mg]$`)
)

// onyxMajor is the major version of an Onyx tag (0 when it is not one).
func onyxMajor(v string) int {
	m := onyxVersionPattern.FindStringSubmatch(v)
	if m == nil {
		return 0
	}
	major, _ := strconv.Atoi(m[1])
	return major
}

// onyxVersionCheck accepts a released Onyx tag of a line this stack's
// service set matches: v4 (OpenSearch) or v2 (Vespa, legacy).
func onyxVersionCheck(v string) error {
	if !onyxVersionPattern.MatchString(v) {
		return msg.Err("stacks.err.onyx-tag", msg.Args{"Value": strconv.Quote(v), "Default": onyxDefaultVersion})
	}
	switch major := onyxMajor(v); {
	case major < 2:
		return msg.Err("stacks.err.onyx-too-old", msg.Args{"Value": strconv.Quote(v), "Default": onyxDefaultVersion, "Legacy": onyxLegacyVersion})
	case major == 3:
		// v3 indexes into Vespa and OpenSearch side by side while its
		// migration task copies one into the other: neither the v2 nor the
		// v4 service set runs it correctly, so it is refused, not guessed.
		return msg.Err("stacks.err.onyx-v3", msg.Args{"Value": strconv.Quote(v), "Default": onyxDefaultVersion, "Legacy": onyxLegacyVersion})
	case major > 4:
		return msg.Err("stacks.err.onyx-too-new", msg.Args{"Value": strconv.Quote(v), "Default": onyxDefaultVersion})
	}
	return nil
}

// onyxHeap accepts a JVM heap size for OpenSearch (-Xms/-Xmx).
func onyxHeap(v string) error {
	if !onyxHeapPattern.MatchString(v) {
		return msg.Err("stacks.err.onyx-heap", msg.Args{"Value": strconv.Quote(v)})
	}
	return nil
}

// onyxSourcePath accepts a path to an Onyx checkout as compose takes a
// build context: absolute, or relative to the generated project.
func onyxSourcePath(v string) error {
	if strings.TrimSpace(v) == "" {
		return msg.Err("stacks.err.onyx-source-missing")
	}
	if strings.ContainsAny(v, "\n\r\x00") {
		return msg.Err("stacks.err.onyx-source-line", msg.Args{"Value": strconv.Quote(v)})
	}
	if strings.Contains(v, "://") {
		return msg.Err("stacks.err.onyx-source-url", msg.Args{"Value": strconv.Quote(v)})
	}
	return nil
}

// onyxClientID accepts an OAuth client id as identity providers issue them.
func onyxClientID(v string) error {
	if v == "" {
		return msg.Err("stacks.err.onyx-client-id-missing")
	}
	if !onyxClientIDChars.MatchString(v) || len(v) > 256 {
		return msg.Err("stacks.err.onyx-client-id", msg.Args{"Value": strconv.Quote(v)})
	}
	return nil
}

// onyxOIDCURL accepts the discovery document URL of an OIDC provider.
func onyxOIDCURL(v string) error {
	if v == "" {
		return msg.Err("stacks.err.onyx-oidc-missing")
	}
	if err := stack.OptionalURL(v); err != nil {
		return msg.Err("stacks.err.onyx-oidc-url", msg.Args{"Value": strconv.Quote(v)})
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
		return msg.Err("stacks.err.onyx-registry", msg.Args{"Value": strconv.Quote(v)})
	}
	return nil
}

func onyxSource(a stack.Answers) bool { return a[onyxMode] == onyxModeSource }
func onyxImages(a stack.Answers) bool { return a[onyxMode] != onyxModeSource }
func onyxLegacy(a stack.Answers) bool { return onyxMajor(a[onyxVersion]) == 2 }
func onyxLite(a stack.Answers) bool   { return a[onyxProfile] == onyxProfileLite }

// onyxIndex is the search index of these answers: "vespa" (v2),
// "opensearch" (v4) or "" (Onyx Lite has none).
func onyxIndex(a stack.Answers) string {
	switch {
	case onyxLite(a):
		return ""
	case onyxLegacy(a):
		return "vespa"
	}
	return "opensearch"
}
func onyxOAuth(a stack.Answers) bool {
	return a[onyxAuth] == onyxAuthGoogle || a[onyxAuth] == onyxAuthOIDC
}

// Onyx is the onyx stack: Onyx's own service set (API server, Celery
// background, Next.js web server, inference and indexing model servers,
// Postgres, OpenSearch, Redis, the file store) behind nginx (seed 002);
// Onyx Lite (API, web, Postgres); or the v2 line with Vespa (legacy).
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
		Description: "Onyx AI chat and search: API, workers, model servers, Postgres, OpenSearch",
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
				Help: "A v4 release tag (OpenSearch index), or v2.x (Vespa index: legacy, for existing installs); in source mode it tags the images built from the checkout",
				Kind: stack.String, Default: onyxDefaultVersion, Check: onyxVersionCheck,
			},
			{
				Key: onyxProfile, Prompt: "Which Onyx: standard, or Onyx Lite for small machines?",
				Help: "standard: search over connectors (OpenSearch, model servers, Redis, background workers; about 16 GB of memory); lite: chat, uploads and agents with PostgreSQL only (about 4 GB: an 8 GB Docker Desktop laptop runs it)",
				Kind: stack.Choice, Default: onyxProfileStandard, Choices: []string{onyxProfileStandard, onyxProfileLite},
			},
			{
				Key: onyxFileStore, Prompt: "Where Onyx keeps uploaded and connector files",
				Help: "postgres: in the database (no extra service; the default); s3-minio: a MinIO service (its last published image predates the CVE-2025-62506 fix); s3-external: a bucket you run elsewhere (keys in .env)",
				Kind: stack.Choice, Choices: []string{onyxStorePostgres, onyxStoreMinio, onyxStoreS3External},
				DefaultFrom: func(a stack.Answers) string {
					// The v2 line kept its files in MinIO: an existing
					// install re-rendered keeps them there.
					if onyxLegacy(a) {
						return onyxStoreMinio
					}
					return onyxStorePostgres
				},
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
				Key: onyxPort3000, Prompt: "Also publish nginx on port 3000 (the port Onyx's docs use)?",
				Help: "Onyx's own compose maps host port 3000 to nginx too, so http://localhost:3000 from its docs works; same address as the HTTP port",
				Kind: stack.Bool, Advanced: true,
				DefaultFrom: func(a stack.Answers) string {
					// Not added unasked to a legacy install re-rendered.
					return strconv.FormatBool(!onyxLegacy(a))
				},
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
				Key: onyxOSHeap, Prompt: "OpenSearch JVM heap",
				Help: "-Xms and -Xmx of the opensearch service (Onyx's compose uses 2g); about half of the memory OpenSearch may use",
				Kind: stack.String, Default: "2g", Check: onyxHeap, Advanced: true,
			},
			{
				Key: onyxOSUlimits, Prompt: "Lock OpenSearch's memory and raise its file limit (ulimits memlock/nofile, as upstream)?",
				Help: "false on engines that cannot raise limits (rootless Docker, LXC or nested containers: \"error setting rlimit ... operation not permitted\"); OpenSearch then runs with bootstrap.memory_lock=false",
				Kind: stack.Bool, Default: "true", Advanced: true,
			},
			{
				Key: onyxCodeInterp, Prompt: "Add Onyx's code interpreter? WARNING: it runs as root with the host's Docker socket, i.e. control of this host's Docker",
				Help: "The code-interpreter service runs the Python that chats ask for in containers it starts through /var/run/docker.sock; whoever controls it controls the host's Docker. Off unless you need it",
				Kind: stack.Bool, Default: "false",
			},
			{
				Key: onyxMCP, Prompt: "Add Onyx's MCP server (/mcp, for MCP clients such as Claude Desktop)?",
				Help: "Runs mcp_server (MCP_SERVER_ENABLED) and routes /mcp through nginx to it",
				Kind: stack.Bool, Default: "false", Advanced: true,
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
			stack.ComposeProjectQuestion("onyx", func(stack.Answers) string { return "onyx" }),
			{
				Key: onyxReindex, Prompt: "Upgrade this v2 (Vespa) project to v4 with an empty OpenSearch index, rebuilt by re-indexing?",
				Help: "Only read when a v2 project is re-rendered with a v4 onyx_version; see the README's \"Upgrading from v2\"",
				Kind: stack.Bool, Default: "false", Advanced: true,
			},
			stack.NoNewPrivilegesQuestion(),
			limits[0],
			limits[1],
			stack.RegistryMirrorQuestion(),
			stack.LangQuestion(),
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
			{Key: onyxImageBackend, Help: "Onyx backend (api_server and background)", Default: onyxImage("onyx-backend"), When: onyxImages, Role: imagerole.App},
			{Key: onyxImageWeb, Help: "Onyx web server (Next.js)", Default: onyxImage("onyx-web-server"), When: onyxImages, Role: imagerole.App},
			{Key: onyxImageModelServer, Help: "Onyx model server (inference and indexing)", Default: onyxImage("onyx-model-server"), When: both(onyxImages, notLite), Role: imagerole.App},
			{Key: onyxImageBackend, Help: "Onyx backend built from the checkout", Default: localImage("onyx-backend"), When: onyxSource, Built: true, Role: imagerole.App},
			{Key: onyxImageWeb, Help: "Onyx web server built from the checkout", Default: localImage("onyx-web-server"), When: onyxSource, Built: true, Role: imagerole.App},
			{Key: onyxImageModelServer, Help: "Onyx model server built from the checkout", Default: localImage("onyx-model-server"), When: both(onyxSource, notLite), Built: true, Role: imagerole.App},
			{Key: onyxImageOpenSearch, Help: "OpenSearch search index (Onyx v4)", Default: pub(onyxOpenSearchImage), When: indexIs("opensearch"), Role: imagerole.Search, Family: family("opensearch")},
			{Key: onyxImageIndex, Help: "Vespa search index (Onyx v2, legacy)", Default: pub(onyxVespaImage), When: indexIs("vespa"), Role: imagerole.Search, Family: family("vespa")},
			{Key: onyxImageDB, Help: "PostgreSQL", Default: pub(onyxPostgresImage), Role: imagerole.Database, Family: family("postgres")},
			{Key: onyxImageCache, Help: "Redis (ephemeral, as Onyx runs it)", Default: pub(onyxRedisImage), When: notLite, Role: imagerole.Cache, Family: family("redis")},
			{Key: onyxImageMinio, Help: "MinIO object storage (file_store=s3-minio)", Default: pub(onyxMinioImage), When: func(a stack.Answers) bool { return a[onyxFileStore] == onyxStoreMinio }, Role: imagerole.ObjectStore, Family: family("minio")},
			{Key: onyxImageCodeInterp, Help: "Onyx code interpreter (code_interpreter=true)", Default: pub(onyxCodeInterpImage), When: func(a stack.Answers) bool { return a.Bool(onyxCodeInterp) }, Role: imagerole.App},
			{Key: onyxImageNginx, Help: "nginx reverse proxy", Default: pub(onyxNginxImage), Role: imagerole.Proxy, Family: family("nginx")},
			{Key: onyxImageES, Help: "Elasticsearch (logging overlay)", Default: elastic("elasticsearch/elasticsearch"), When: logging, Role: imagerole.Search, Family: family("elasticsearch")},
			{Key: onyxImageKibana, Help: "Kibana (logging overlay)", Default: elastic("kibana/kibana"), When: logging, Role: imagerole.App, Family: family("kibana")},
			{Key: onyxImageFilebeat, Help: "Filebeat (logging overlay)", Default: elastic("beats/filebeat"), When: logging, Role: imagerole.App, Family: family("filebeat")},
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
			// OpenSearch refuses an initial admin password without an
			// upper- and lower-case letter, a digit and a symbol.
			{Key: OnyxOpenSearchPassword, Bytes: 32, Mixed: true},
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
		UserFiles:    func(a stack.Answers) []stack.UserFile { return TLSFiles(a.Bool(onyxHTTPS), "docker/nginx/ssl") },
		Needs:        stack.Needs{MemoryBytes: 10 << 30, DiskBytes: 32 << 30}, // Onyx's own stated minimum
		State:        onyxState,
		Rerender:     onyxRerender,
		Notes:        onyxNotes,
		Warnings:     onyxWarnings,
	}
}

func notLite(a stack.Answers) bool { return !onyxLite(a) }

func both(f, g func(stack.Answers) bool) func(stack.Answers) bool {
	return func(a stack.Answers) bool { return f(a) && g(a) }
}

func indexIs(name string) func(stack.Answers) bool {
	return func(a stack.Answers) bool { return onyxIndex(a) == name }
}

// onyxState is what backups hold. Redis is left out on purpose: Onyx runs
// it without persistence (Celery queues, locks and caches it rebuilds).
// The search index (OpenSearch, or Vespa on v2) is rebuilt from the
// sources by re-indexing; scripts/backup.sh --with-index copies it too.
// With file_store=postgres the files are in the database dump; with
// s3-external they live in a bucket this project does not run.
func onyxState(a stack.Answers) []stack.State {
	st := []stack.State{{Service: "relational_db", Kind: stack.StatePostgres, Volume: "db_volume"}}
	if a[onyxFileStore] == onyxStoreMinio && !onyxLite(a) {
		st = append(st, stack.State{Service: "minio", Kind: stack.StateFiles, Path: "/data", Volume: "minio_data"})
	}
	if !onyxLegacy(a) {
		// Onyx's persistent document storage (Craft's file-system mode).
		st = append(st, stack.State{Service: "api_server", Kind: stack.StateFiles, Path: "/app/file-system", Volume: "file-system"})
	}
	return st
}

// onyxRerender keeps a re-render from swapping data stores under a live
// install: a v2 project's Vespa index for an empty OpenSearch one, its
// compose project (which names the volumes), or one file store for
// another (the files would not move).
func onyxRerender(prev, next stack.Answers) error {
	prevStore := prev[onyxFileStore]
	if prevStore == "" {
		// Projects written before file_store existed kept files in MinIO.
		prevStore = onyxStoreMinio
	}
	if onyxMajor(prev[onyxVersion]) == 2 && !onyxLegacy(next) && !next.Bool(onyxReindex) {
		return msg.Err("stacks.err.onyx-reindex", msg.Args{"Key": onyxVersion, "Old": prev[onyxVersion], "New": next[onyxVersion], "Reindex": onyxReindex})
	}
	if old := prev[stack.ComposeProjectAnswer]; old != "" && next[stack.ComposeProjectAnswer] != old {
		return msg.Err("stacks.err.onyx-rename", msg.Args{"Key": stack.ComposeProjectAnswer, "Old": old, "OldQuoted": strconv.Quote(old), "NewQuoted": strconv.Quote(next[stack.ComposeProjectAnswer])})
	}
	if next[onyxFileStore] != prevStore && !onyxLite(next) {
		return msg.Err("stacks.err.onyx-file-store", msg.Args{"Key": onyxFileStore, "Old": prevStore, "New": next[onyxFileStore]})
	}
	return nil
}

// onyxMemory is the memory the answers' service set needs, as told after
// `stackgen new` (Onyx's docs: 16 GB and 4 CPUs for the standard set).
func onyxMemory(a stack.Answers) msg.Sub {
	if onyxLite(a) {
		if a.Bool(onyxCodeInterp) {
			return msg.Sub{ID: "stacks.onyx.memory-lite-code", Args: msg.Args{"GB": 6}}
		}
		return msg.Sub{ID: "stacks.onyx.memory-lite", Args: msg.Args{"GB": 4}}
	}
	if onyxLegacy(a) {
		return msg.Sub{ID: "stacks.onyx.memory-vespa"}
	}
	return msg.Sub{ID: "stacks.onyx.memory-opensearch", Args: msg.Args{"Heap": a[onyxOSHeap]}}
}

func onyxNotes(a stack.Answers) []msg.Sub {
	return []msg.Sub{{ID: "stacks.onyx.note-memory", Args: msg.Args{"Memory": onyxMemory(a)}}}
}

// onyxWarnings flags, at render time, what the README explains at length.
func onyxWarnings(a stack.Answers, images map[string]string) []msg.Sub {
	var w []msg.Sub
	if ref, ok := images[onyxImageMinio]; ok {
		if m := onyxMinioRelease.FindStringSubmatch(ref); m != nil && m[1] < onyxMinioFixed {
			w = append(w, msg.Sub{ID: "stacks.onyx.warn-minio-cve", Args: msg.Args{
				"Key": onyxImageMinio, "Ref": ref, "Fixed": onyxMinioFixed, "StoreKey": onyxFileStore, "Postgres": onyxStorePostgres, "S3": onyxStoreS3External}})
		}
	}
	if a.Bool(onyxCodeInterp) {
		w = append(w, msg.Sub{ID: "stacks.onyx.warn-code-interpreter", Args: msg.Args{"Key": onyxCodeInterp}})
	}
	return w
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
	Lite           bool
	Legacy         bool   // the v2 line (Vespa)
	Index          string // "opensearch", "vespa" or "" (lite)
	IndexName      string // OpenSearch or Vespa, for messages
	IndexService   string // its compose service
	IndexPath      string // its data directory in the container
	IndexFile      string // its archive in a backup (--with-index)
	FileStore      string // postgres, s3-minio or s3-external
	MinIO          bool   // a minio service runs (file_store=s3-minio)
	S3             bool   // FILE_STORE_BACKEND=s3 (MinIO or an external bucket)
	Port3000       bool
	OSHeap         string
	OSUlimits      bool
	CodeInterp     bool
	MCP            bool
	ComposeProject string
	Memory         string // what `stackgen new` prints about memory
	URL            string
	WebDomain      string
	ComposeFiles   []string // in the order compose merges them
	Images         map[string]string
	Roles          map[string]stack.ServiceRole // by image key, for each service's x-stackgen
	ImageList      []string                     // every image compose uses, sorted and unique
	Secrets        map[string]string
	StackgenVer    string
	RegistryMirror string

	NoNewPrivileges bool
	LoginRate       string // nginx limit_req rate, "" for none
	APIRate         string
}

// onyxCombination refuses answers that do not make one Onyx: each error
// names the answer to change.
func onyxCombination(d onyxTemplateData) error {
	switch {
	case d.Lite && d.Legacy:
		return msg.Err("stacks.err.onyx-lite-v2", msg.Args{"Profile": onyxProfile, "Version": onyxVersion, "Default": onyxDefaultVersion, "Standard": onyxProfileStandard})
	case d.Lite && d.FileStore != onyxStorePostgres:
		return msg.Err("stacks.err.onyx-lite-store", msg.Args{"Key": onyxFileStore, "Postgres": onyxStorePostgres, "Profile": onyxProfile, "Standard": onyxProfileStandard, "Store": d.FileStore})
	case d.Legacy && d.FileStore == onyxStorePostgres:
		return msg.Err("stacks.err.onyx-v2-store", msg.Args{"Key": onyxFileStore, "Version": d.Version, "Minio": onyxStoreMinio, "S3": onyxStoreS3External, "VersionKey": onyxVersion, "Postgres": onyxStorePostgres})
	case d.Legacy && (d.CodeInterp || d.MCP):
		return msg.Err("stacks.err.onyx-v2-extras", msg.Args{"CodeKey": onyxCodeInterp, "MCPKey": onyxMCP, "VersionKey": onyxVersion, "Version": d.Version})
	}
	return nil
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
		Lite:           onyxLite(a),
		Legacy:         onyxLegacy(a),
		Index:          onyxIndex(a),
		FileStore:      a[onyxFileStore],
		Port3000:       a.Bool(onyxPort3000),
		OSHeap:         a[onyxOSHeap],
		OSUlimits:      a.Bool(onyxOSUlimits),
		CodeInterp:     a.Bool(onyxCodeInterp),
		MCP:            a.Bool(onyxMCP),
		ComposeProject: a[stack.ComposeProjectAnswer],
		// the README's memory line, in the README's language
		Memory: readmeLang(a).T(onyxMemory(a).ID, onyxMemory(a).Args),

		URL:            onyxURL(a),
		Images:         in.Images,
		Roles:          in.Roles,
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
			return nil, msg.Err("stacks.err.same-ports", msg.Args{"Key": onyxHTTPSPort, "Port": d.HTTPSPort})
		}
	}
	if d.Port3000 && (d.HTTPPort == 3000 || d.HTTPS && d.HTTPSPort == 3000) {
		return nil, msg.Err("stacks.err.onyx-port3000", msg.Args{"Key": onyxPort3000})

	}
	switch d.Index {
	case "opensearch":
		d.IndexName, d.IndexService, d.IndexPath, d.IndexFile = "OpenSearch", "opensearch", "/usr/share/opensearch/data", "opensearch-index.tar.gz"
	case "vespa":
		d.IndexName, d.IndexService, d.IndexPath, d.IndexFile = "Vespa", "index", "/opt/vespa/var", "vespa-index.tar.gz"
	}
	d.MinIO = d.FileStore == onyxStoreMinio
	d.S3 = d.MinIO || d.FileStore == onyxStoreS3External
	if err := onyxCombination(d); err != nil {
		return nil, err
	}
	need := []string{onyxImageBackend, onyxImageWeb, onyxImageDB, onyxImageNginx}
	if !d.Lite {
		need = append(need, onyxImageModelServer, onyxImageCache)
	}
	if d.Index == "opensearch" {
		need = append(need, onyxImageOpenSearch)
	}
	if d.Index == "vespa" {
		need = append(need, onyxImageIndex)
	}
	if d.MinIO {
		need = append(need, onyxImageMinio)
	}
	if d.CodeInterp {
		need = append(need, onyxImageCodeInterp)
	}
	for _, k := range need {
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

// readmeLang says the README's words in the project's lang answer.
func readmeLang(a stack.Answers) *msg.Localizer {
	l, _ := msg.Parse(a[stack.LangAnswer])
	return msg.New(l)
}
