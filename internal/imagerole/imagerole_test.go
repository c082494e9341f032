package imagerole

import "testing"

func TestFromRef(t *testing.T) {
	cases := []struct {
		ref, family, where string
	}{
		{"mysql:8.4", "mysql", "name"},
		{"mariadb:11.8", "mariadb", "name"},
		{"library/mariadb:11.8", "mariadb", "name"},
		{"corp.example:5000/mariadb/server:11.8", "mariadb", "name"},
		{"corp.example:5000/db:mariadb-11.8", "mariadb", "tag"},
		{"percona/percona-server:8.4", "percona", "name"},
		{"docker.elastic.co/elasticsearch/elasticsearch:8.15.0", "elasticsearch", "name"},
		{"nginxinc/nginx-unprivileged:1.27-alpine", "nginx-unprivileged", "name"},
		{"nginx-custom:1.27", "nginx", "name"},
		{"mysql-server:8.0", "mysql", "name"},
		{"redis@sha256:" + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "redis", "name"},
		// names that say nothing, or say something else
		{"corp.example:5000/platform/thing-7:1.0", "", ""},
		{"localhost:5000/edge:1.28", "", ""},
		{"prom/postgres-exporter:0.15", "", ""},
		{"onyxdotapp/onyx-backend:v2.0", "", ""},
		{"example.org/app:1.0-alpine", "", ""}, // an OS variant is not a family
	}
	for _, c := range cases {
		f, where, ok := FromRef(c.ref)
		if c.family == "" {
			if ok {
				t.Errorf("FromRef(%q) = %s (%s), want none", c.ref, f.Name, where)
			}
			continue
		}
		if !ok || f.Name != c.family || where != c.where {
			t.Errorf("FromRef(%q) = %q, %q, %v; want %q from its %s", c.ref, f.Name, where, ok, c.family, c.where)
		}
	}
}

func TestCompatible(t *testing.T) {
	for _, c := range []struct {
		got, want string
		ok        bool
	}{
		{"mysql", "mysql", true},
		{"percona", "mysql", true},
		{"valkey", "redis", true},
		{"mariadb", "mysql", false},
		{"mysql", "mariadb", false},
		{"postgres", "redis", false},
		{"redis", "valkey", false},
	} {
		if got := Compatible(c.got, c.want); got != c.ok {
			t.Errorf("Compatible(%s, %s) = %v, want %v", c.got, c.want, got, c.ok)
		}
	}
}

func TestTools(t *testing.T) {
	for _, c := range []struct {
		family, tag string
		curl, known bool
	}{
		{"nginx", "1.27-alpine", true, true},
		{"nginx", "1.28", true, true},
		{"python", "3.12-slim", false, true},
		{"python", "3.12-alpine", false, true},
		{"python", "3.12", true, true},
		{"redis", "7.4", false, true},
		{"minio", "RELEASE.2025-01-20T14-49-07Z", false, false},
	} {
		f, ok := Lookup(c.family)
		if !ok {
			t.Fatalf("no family %s", c.family)
		}
		tools, known := f.Tools(c.tag)
		if known != c.known || (known && tools.Curl != c.curl) {
			t.Errorf("%s:%s: curl %v known %v, want curl %v known %v", c.family, c.tag, tools.Curl, known, c.curl, c.known)
		}
	}
}

func TestEveryFamilyHasARoleAndUniqueName(t *testing.T) {
	seen := map[string]bool{}
	for _, f := range families {
		if _, ok := ParseRole(string(f.Role)); !ok {
			t.Errorf("family %s has role %q", f.Name, f.Role)
		}
		for _, n := range append([]string{f.Name}, f.Names...) {
			if seen[n] {
				t.Errorf("image name %s belongs to two families", n)
			}
			seen[n] = true
		}
		if f.StandsIn != "" {
			if _, ok := Lookup(f.StandsIn); !ok {
				t.Errorf("family %s stands in for unknown %s", f.Name, f.StandsIn)
			}
		}
	}
}
