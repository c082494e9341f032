package validate

import "strings"

// imageRef is an image reference split into the parts rules need.
type imageRef struct {
	repo   string // full repository, e.g. docker.elastic.co/elasticsearch/elasticsearch
	name   string // last path component, lower-case, e.g. elasticsearch
	tag    string
	digest string
}

func parseImageRef(s string) imageRef {
	s = strings.TrimSpace(s)
	var r imageRef
	if i := strings.Index(s, "@"); i >= 0 {
		r.digest = s[i+1:]
		s = s[:i]
	}
	slash := strings.LastIndex(s, "/")
	if c := strings.LastIndex(s, ":"); c > slash {
		r.tag = s[c+1:]
		s = s[:c]
	}
	r.repo = s
	r.name = strings.ToLower(s[slash+1:])
	return r
}

// dataStoreImages are images of databases, caches, search indexes and
// object stores: services that hold data and credentials and must never be
// reachable from outside the host.
var dataStoreImages = [...]string{
	"mysql", "mariadb", "percona", "postgres", "postgis", "pgvector", "timescaledb",
	"redis", "redis-stack", "valkey", "keydb", "dragonfly", "memcached",
	"mongo", "mongodb", "couchdb", "cassandra", "clickhouse", "influxdb", "neo4j",
	"elasticsearch", "opensearch", "vespa", "minio", "etcd", "rabbitmq",
}

// isDataStore matches an image's last path component against
// dataStoreImages, also accepting suffixed names like mysql-server.
func isDataStore(image string) bool {
	n := parseImageRef(image).name
	if n == "" {
		return false
	}
	for _, d := range dataStoreImages {
		if n == d || strings.HasPrefix(n, d+"-") || strings.HasPrefix(n, d+"_") {
			return true
		}
	}
	return false
}

// proxyImages are reverse proxies: when one is in the stack, it is the
// only thing that should be published.
var proxyImages = [...]string{"nginx", "nginx-unprivileged", "openresty", "caddy", "traefik", "haproxy", "envoy", "httpd"}

func isProxyImage(image string) bool {
	n := parseImageRef(image).name
	for _, p := range proxyImages {
		if n == p {
			return true
		}
	}
	return false
}

// privilegeDroppingImages run their main process's work as an unprivileged
// user by design (nginx and httpd workers, database entrypoints that switch
// user with gosu), so a Dockerfile that only adds configuration on top of
// them needs no USER of its own.
var privilegeDroppingImages = [...]string{
	"nginx", "openresty", "httpd", "haproxy", "mysql", "mariadb", "postgres", "redis", "valkey",
	"memcached", "mongo", "elasticsearch", "rabbitmq",
}

func dropsPrivileges(image string) bool {
	n := parseImageRef(image).name
	for _, p := range privilegeDroppingImages {
		if n == p {
			return true
		}
	}
	return false
}

// unpinned reports whether an image reference floats: no tag, or latest,
// and no digest.
func unpinned(image string) bool {
	r := parseImageRef(image)
	return r.digest == "" && (r.tag == "" || r.tag == "latest")
}
