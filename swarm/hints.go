package swarm

import (
	"strings"

	"github.com/stackgen/stackgen/internal/msg"
)

// hints is what the conversion must know about a stack beyond its compose
// files: which images read *_FILE, which services form the web tier, and
// what compose does that has no place on a cluster. A plain compose
// project (no manifest) gets the zero value: every secret must then be
// handled by a shell command or be refused.
type hints struct {
	// web lists the services scaled by the replicas answer and updated
	// start-first (stateless, behind the proxy's virtual IP).
	web []string
	// pin lists stateful services the stack's State does not name (their
	// data can be rebuilt, but not on another node in a minute).
	pin []string
	// fileEnv lists the services whose image reads VAR_FILE for VAR
	// (the official mysql, mariadb, postgres and minio images, and the
	// Django settings stackgen generates).
	fileEnv []string
	// healthEnv lists the services whose secret variables exist only for
	// their CMD-SHELL health check (redis: REDISCLI_AUTH): the check reads
	// the secret file itself, the variable is dropped.
	healthEnv []string
	// shim lists services whose image reads a secret only from its
	// environment and whose command is not a shell: an entrypoint shell
	// loads the secret files into the variables, then execs the image's
	// own entrypoint (entry) with the compose command, or the image's
	// default command (cmd) when compose gives none.
	shim map[string]shim
	// dropMounts lists service:target bind mounts left out on a cluster,
	// with the catalogue id of the reason written next to the service
	// (swarm.why.*).
	dropMounts map[string]string
	// refuseMounts lists service:target bind mounts that cannot become
	// configs (large or user-supplied data), with the catalogue id of the
	// fix (swarm.why.*).
	refuseMounts map[string]string
	// migrateJob runs the stack's Migrate command as a replicated-job;
	// waitEnv is set on the Migrate service so its start script waits for
	// the job instead of migrating itself (two replicas must not migrate
	// at once).
	migrateJob bool
	waitEnv    map[string]string
	// rewrite turns a config file into its Swarm form (by project path).
	rewrite map[string]func([]byte) ([]byte, error)
	// resolving is true when the stack's proxy re-resolves its upstreams
	// (rewrite makes it so): then no service needs a virtual IP, and every
	// one but the proxy uses DNS round-robin, which works on kernels
	// without IPVS too.
	resolving bool
}

type shim struct{ entry, cmd []string }

func hintsFor(stackName string) hints {
	switch stackName {
	case "django-uwsgi":
		return hints{
			web:       []string{"web"},
			fileEnv:   []string{"db", "web"},
			healthEnv: []string{"redis"},
			dropMounts: map[string]string{
				"nginx:/var/log/nginx": "swarm.why.nginx-logs",
			},
			migrateJob: true,
			waitEnv:    map[string]string{"STACKGEN_MIGRATE": "wait"},
			rewrite:    map[string]func([]byte) ([]byte, error){"compose/nginx/nginx.conf": resolvingUpstream},
			resolving:  true,
		}
	case "onyx":
		return hints{
			web: []string{"api_server", "web_server"},
			pin: []string{"index", "opensearch"}, // the search index, rebuilt only by re-indexing
			shim: map[string]shim{
				// The OpenSearch image's ENTRYPOINT and CMD.
				"opensearch": {entry: []string{"/usr/share/opensearch/opensearch-docker-entrypoint.sh"}, cmd: []string{"opensearch"}},
				// Onyx's backend image has no ENTRYPOINT (compose runs
				// /bin/sh -c commands in it directly).
				"mcp_server": {},
			},
			fileEnv:   []string{"relational_db", "minio"},
			healthEnv: []string{"cache"},
		}
	case "keras-webpy":
		return hints{
			web:     []string{"model"},
			fileEnv: []string{"model"},
			refuseMounts: map[string]string{
				// a catalogue id: the refusal's reason
				"model:/app/models": "swarm.why.model-not-baked",
			},
		}
	}
	return hints{}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// djangoUpstream is the upstream block the django-uwsgi nginx.conf has.
const djangoUpstream = "upstream django {\n    server web:8000;\n}\n"

// resolvingUpstream makes nginx look web up at request time (Docker's DNS
// at 127.0.0.11, answers kept 5 s) instead of once at start: on Swarm the
// web tasks come and go with each update, each with its own address, and
// DNS round-robin hands out the running ones. nginx tries the next
// address on a connection error, so a task that just stopped costs no
// request.
func resolvingUpstream(b []byte) ([]byte, error) {
	s := string(b)
	// uWSGI's uwsgi_pass or gunicorn's proxy_pass (the wsgi answer).
	pass, resolved := "uwsgi_pass django;", "uwsgi_pass $django_upstream;"
	if strings.Contains(s, "proxy_pass http://django;") {
		pass, resolved = "proxy_pass http://django;", "proxy_pass http://$django_upstream;"
	}
	if !strings.Contains(s, djangoUpstream) || !strings.Contains(s, pass) {
		return nil, msg.Err("swarm.err.nginx-upstream", msg.Args{"Block": "upstream django"})
	}
	s = strings.Replace(s, djangoUpstream, "# Swarm: web is looked up at request time (stackgen export swarm).\n"+
		"resolver 127.0.0.11 valid=5s ipv6=off;\n"+
		"map \"\" $django_upstream {\n    default web:8000;\n}\n", 1)
	return []byte(strings.ReplaceAll(s, pass, resolved)), nil
}
