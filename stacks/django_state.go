package stacks

import "github.com/stackgen/stackgen/stack"

// djangoState is what the django-uwsgi stack keeps, for stackgen backup and
// restore: the database, Redis's snapshot (cache and sessions) and the
// uploaded media, as compose.yaml mounts them. Valkey writes the same RDB
// snapshots as Redis, in the same /data.
func djangoState(a stack.Answers) []stack.State {
	db := stack.StateMySQL
	switch a[djangoDB] {
	case "mariadb":
		db = stack.StateMariaDB
	case djangoPostgres:
		db = stack.StatePostgres
	}
	return []stack.State{
		{Service: "db", Kind: db, Volume: "db_vol"},
		{Service: "redis", Kind: stack.StateRedis, Path: "/data", Volume: "redis_vol"},
		{Service: "web", Kind: stack.StateFiles, Path: "/app/media", Volume: "media_vol"},
	}
}
