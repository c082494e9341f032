package swarm

// hints is what the conversion must know about a stack beyond its compose
// files: which images read *_FILE, which services form the web tier, and
// what compose does that has no place on a cluster. A plain compose
// project (no manifest) gets the zero value: every secret must then be
// handled by a shell command or be refused.
type hints struct {
	// web lists the services scaled by the replicas answer and updated
	// start-first (stateless, behind the proxy's virtual IP).
	web []string
	// fileEnv lists the services whose image reads VAR_FILE for VAR
	// (the official mysql, mariadb, postgres and minio images, and the
	// Django settings stackgen generates).
	fileEnv []string
	// healthEnv lists the services whose secret variables exist only for
	// their CMD-SHELL health check (redis: REDISCLI_AUTH): the check reads
	// the secret file itself, the variable is dropped.
	healthEnv []string
	// dropMounts lists service:target bind mounts left out on a cluster,
	// with the reason written next to the service.
	dropMounts map[string]string
	// refuseMounts lists service:target bind mounts that cannot become
	// configs (large or user-supplied data), with the fix.
	refuseMounts map[string]string
	// migrateJob runs the stack's Migrate command as a replicated-job;
	// waitEnv is set on the Migrate service so its start script waits for
	// the job instead of migrating itself (two replicas must not migrate
	// at once).
	migrateJob bool
	waitEnv    map[string]string
}

func hintsFor(stackName string) hints {
	switch stackName {
	case "django-uwsgi":
		return hints{
			web:       []string{"web"},
			fileEnv:   []string{"db", "web"},
			healthEnv: []string{"redis"},
			dropMounts: map[string]string{
				"nginx:/var/log/nginx": "the host's log folder is node-local; nginx logs to its output: docker service logs",
			},
			migrateJob: true,
			waitEnv:    map[string]string{"STACKGEN_MIGRATE": "wait"},
		}
	case "onyx":
		return hints{
			web:       []string{"api_server", "web_server"},
			fileEnv:   []string{"relational_db", "minio"},
			healthEnv: []string{"cache"},
		}
	case "keras-webpy":
		return hints{
			web:     []string{"model"},
			fileEnv: []string{"model"},
			refuseMounts: map[string]string{
				"model:/app/models": "the model files exist on this host only and are too large for Swarm configs; re-render with --set bake_model=true so the image carries the model",
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
