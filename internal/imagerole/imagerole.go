// Package imagerole knows what common images are: the role a service that
// runs one plays (reverse proxy, database, cache, ...), the family it
// belongs to (mariadb is not mysql, valkey stands in for redis) and the
// facts rules depend on (does it drop root by itself, which port it
// serves, does it ship curl). The stack package uses it to record roles
// and refuse contradicting image overrides; validate uses it to guess the
// role of a service nobody declared. One table, so the two cannot drift.
package imagerole

import (
	"sort"
	"strings"
)

// Role is what a service does in a stack, as far as the rules care.
type Role string

const (
	Proxy       Role = "proxy"       // reverse proxy: the one service meant to face clients
	Database    Role = "database"    // relational or document database
	Cache       Role = "cache"       // in-memory store (redis, memcached)
	Search      Role = "search"      // search index (elasticsearch, vespa)
	ObjectStore Role = "objectstore" // S3-style object storage (minio)
	Broker      Role = "broker"      // message broker (rabbitmq)
	App         Role = "app"         // anything else: an application server, a worker, a UI
)

// Roles lists every role, for messages and checks.
func Roles() []Role { return []Role{Proxy, Database, Cache, Search, ObjectStore, Broker, App} }

// ParseRole accepts a role's name.
func ParseRole(s string) (Role, bool) {
	for _, r := range Roles() {
		if string(r) == s {
			return r, true
		}
	}
	return "", false
}

// RoleNames is the list of role names, comma-separated, for messages.
func RoleNames() string {
	var out []string
	for _, r := range Roles() {
		out = append(out, string(r))
	}
	return strings.Join(out, ", ")
}

// HoldsData reports whether a service of this role keeps data or
// credentials and must never be reachable from outside the host.
func (r Role) HoldsData() bool {
	switch r {
	case Database, Cache, Search, ObjectStore, Broker:
		return true
	}
	return false
}

// Tools says whether an image variant ships curl and wget.
type Tools struct{ Curl, Wget bool }

// Family is one kind of image.
type Family struct {
	Name string
	Role Role
	// Names are the image names (last path component) of the family
	// besides Name itself.
	Names []string
	// StandsIn names the family this one can replace as it is (the same
	// programs under the same names): percona for mysql, valkey for redis.
	StandsIn string
	// DropsRoot: the image's own USER, entrypoint or worker model keeps
	// the service's work off root, so a Dockerfile that only adds
	// configuration on top needs no USER of its own.
	DropsRoot bool
	// Port is the port the service listens on by default (0: none known).
	Port int
	// Default and Alpine say what the default (Debian) variant and the
	// -alpine variant ship; nil when not known.
	Default, Alpine *Tools
}

var (
	both     = &Tools{Curl: true, Wget: true}
	curlOnly = &Tools{Curl: true}
	wgetOnly = &Tools{Wget: true} // BusyBox wget, as every Alpine image has
	neither  = &Tools{}
)

// families is the table. Tool facts are the official images' own
// Dockerfiles: nginx installs curl in both variants; the Debian-based
// database images install neither (Alpine's BusyBox still brings wget);
// elasticsearch, kibana and vespa ship curl for their own health checks.
// Where a base is not certain (mysql's Oracle Linux, mongo) it is left
// unknown, so a check there is not called broken.
var families = []Family{
	{Name: "nginx", Role: Proxy, DropsRoot: true, Port: 80, Default: curlOnly, Alpine: both},
	// not a stand-in for nginx: it listens on 8080, as no root may bind 80
	{Name: "nginx-unprivileged", Role: Proxy, DropsRoot: true, Port: 8080, Default: curlOnly, Alpine: both},
	{Name: "openresty", Role: Proxy, DropsRoot: true, Port: 80},
	{Name: "httpd", Role: Proxy, DropsRoot: true, Port: 80, Alpine: wgetOnly},
	{Name: "haproxy", Role: Proxy, DropsRoot: true, Port: 80, Alpine: wgetOnly},
	{Name: "caddy", Role: Proxy, Port: 80, Default: wgetOnly, Alpine: wgetOnly},
	{Name: "traefik", Role: Proxy, Port: 80, Default: wgetOnly, Alpine: wgetOnly},
	{Name: "envoy", Role: Proxy, Port: 10000},
	{Name: "mysql", Role: Database, DropsRoot: true, Port: 3306},
	{Name: "percona", Role: Database, Names: []string{"percona-server"}, StandsIn: "mysql", DropsRoot: true, Port: 3306},
	{Name: "mariadb", Role: Database, DropsRoot: true, Port: 3306, Default: neither},
	{Name: "postgres", Role: Database, Names: []string{"postgresql"}, DropsRoot: true, Port: 5432, Default: neither, Alpine: wgetOnly},
	{Name: "postgis", Role: Database, StandsIn: "postgres", DropsRoot: true, Port: 5432, Default: neither, Alpine: wgetOnly},
	{Name: "pgvector", Role: Database, StandsIn: "postgres", DropsRoot: true, Port: 5432, Default: neither},
	{Name: "timescaledb", Role: Database, StandsIn: "postgres", DropsRoot: true, Port: 5432, Alpine: wgetOnly},
	{Name: "mongo", Role: Database, Names: []string{"mongodb"}, DropsRoot: true, Port: 27017},
	{Name: "couchdb", Role: Database, Port: 5984},
	{Name: "cassandra", Role: Database, Port: 9042},
	{Name: "clickhouse", Role: Database, Names: []string{"clickhouse-server"}, Port: 8123},
	{Name: "influxdb", Role: Database, Port: 8086},
	{Name: "neo4j", Role: Database, Port: 7687},
	{Name: "etcd", Role: Database, Port: 2379},
	{Name: "redis", Role: Cache, Names: []string{"redis-stack", "redis-stack-server"}, DropsRoot: true, Port: 6379, Default: neither, Alpine: wgetOnly},
	{Name: "valkey", Role: Cache, StandsIn: "redis", DropsRoot: true, Port: 6379, Default: neither, Alpine: wgetOnly},
	{Name: "keydb", Role: Cache, StandsIn: "redis", Port: 6379},
	{Name: "dragonfly", Role: Cache, StandsIn: "redis", Port: 6379},
	{Name: "memcached", Role: Cache, DropsRoot: true, Port: 11211, Default: neither, Alpine: wgetOnly},
	{Name: "elasticsearch", Role: Search, DropsRoot: true, Port: 9200, Default: curlOnly},
	{Name: "opensearch", Role: Search, DropsRoot: true, Port: 9200, Default: curlOnly},
	{Name: "vespa", Role: Search, Port: 8080, Default: curlOnly},
	{Name: "minio", Role: ObjectStore, Port: 9000},
	{Name: "rabbitmq", Role: Broker, DropsRoot: true, Port: 5672},
	{Name: "kibana", Role: App, DropsRoot: true, Port: 5601, Default: curlOnly},
	{Name: "filebeat", Role: App},
	// language and OS bases: no role of their own, but known tools
	{Name: "python", Role: App, Default: both, Alpine: wgetOnly},
	{Name: "node", Role: App, Default: both, Alpine: wgetOnly},
	{Name: "debian", Role: App, Default: neither},
	{Name: "ubuntu", Role: App, Default: neither},
	{Name: "alpine", Role: App, Default: wgetOnly, Alpine: wgetOnly},
	{Name: "busybox", Role: App, Default: wgetOnly},
}

// All returns every family in table order (the main family of a port
// before its stand-ins).
func All() []Family { return append([]Family(nil), families...) }

// Lookup returns the family with this name.
func Lookup(name string) (Family, bool) {
	for _, f := range families {
		if f.Name == name {
			return f, true
		}
	}
	return Family{}, false
}

// Names lists every family name, sorted, for messages.
func Names() []string {
	var out []string
	for _, f := range families {
		out = append(out, f.Name)
	}
	sort.Strings(out)
	return out
}

// Compatible reports whether an image of family got can run where the
// stack expects family want.
func Compatible(got, want string) bool {
	if got == want {
		return true
	}
	f, ok := Lookup(got)
	return ok && f.StandsIn == want
}

// Tools returns what the variant of f a tag selects ships, and whether it
// is known: a -slim tag of a language image has neither tool.
func (f Family) Tools(tag string) (Tools, bool) {
	tag = strings.ToLower(tag)
	switch {
	case strings.Contains(tag, "alpine"):
		if f.Alpine != nil {
			return *f.Alpine, true
		}
	case strings.Contains(tag, "slim"):
		if f.Default != nil && (f.Name == "python" || f.Name == "node" || f.Name == "debian") {
			return Tools{}, true
		}
	case f.Default != nil:
		return *f.Default, true
	}
	return Tools{}, false
}

// nameFamily matches one image name (a path component, lower-case) to a
// family: the name itself, or the name followed by -suffix or _suffix
// (mysql-server, redis_custom). Prometheus exporters named after what
// they watch (postgres-exporter) are not that thing.
func nameFamily(n string) (Family, bool) {
	if n == "" || strings.Contains(n, "exporter") {
		return Family{}, false
	}
	for _, f := range families {
		for _, name := range append([]string{f.Name}, f.Names...) {
			if n == name {
				return f, true
			}
		}
	}
	for _, f := range families {
		for _, name := range append([]string{f.Name}, f.Names...) {
			if strings.HasPrefix(n, name+"-") || strings.HasPrefix(n, name+"_") {
				return f, true
			}
		}
	}
	return Family{}, false
}

// FromRef finds the family an image reference names and where it says so
// ("name" or "tag"): the last path component first, then earlier ones
// (corp.example/mariadb/server), then the tag's words (db:mariadb-11.8).
// A reference that says nothing (corp.example/platform/thing-7:1.0)
// gives ok false.
func FromRef(ref string) (f Family, where string, ok bool) {
	ref = strings.ToLower(strings.TrimSpace(ref))
	if i := strings.Index(ref, "@"); i >= 0 {
		ref = ref[:i]
	}
	tag := ""
	slash := strings.LastIndex(ref, "/")
	if c := strings.LastIndex(ref, ":"); c > slash {
		ref, tag = ref[:c], ref[c+1:]
	}
	parts := strings.Split(ref, "/")
	if len(parts) > 1 && (strings.ContainsAny(parts[0], ".:") || parts[0] == "localhost") {
		parts = parts[1:] // a registry host says nothing about the image
	}
	for i := len(parts) - 1; i >= 0; i-- {
		if f, ok := nameFamily(parts[i]); ok {
			return f, "name", true
		}
	}
	for _, w := range strings.FieldsFunc(tag, func(r rune) bool { return r == '-' || r == '_' || r == '.' }) {
		if f, ok := nameFamily(w); ok && f.Role != App {
			return f, "tag", true
		}
	}
	return Family{}, "", false
}
