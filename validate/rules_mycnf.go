package validate

import (
	"strconv"
	"strings"

	"github.com/stackgen/stackgen/internal/imagerole"
	"github.com/stackgen/stackgen/internal/msg"
)

// Rules on my.cnf and the MySQL/MariaDB image that reads it.

// dbServer is the MySQL-family server a my.cnf is read by.
type dbServer struct {
	kind         string // "mysql", "mariadb" or "" when unknown
	major, minor int    // 0.0 when unknown; "latest" counts as newest
	image        string
}

// serverFor finds the image of the service mounting a cnf file.
func (p *parsedSet) serverFor(rel string) dbServer {
	for _, s := range p.servicesMounting(rel) {
		r := parseImageRef(s.Image)
		// the declared family when there is one: a private mirror's name
		// says nothing, the tag still gives the version
		kind := p.roleOfService(s).family
		switch {
		case kind == "mariadb":
		case imagerole.Compatible(kind, "mysql"):
			kind = "mysql"
		default:
			continue
		}
		srv := dbServer{kind: kind, image: s.Image}
		switch tag := strings.ToLower(r.tag); {
		case tag == "" || tag == "latest" || tag == "innovation":
			srv.major, srv.minor = 99, 0
		case tag == "lts":
			srv.major, srv.minor = 8, 4
		default:
			parts := strings.SplitN(strings.SplitN(tag, "-", 2)[0], ".", 3)
			srv.major, _ = strconv.Atoi(parts[0])
			if len(parts) > 1 {
				srv.minor, _ = strconv.Atoi(parts[1])
			} else if kind == "mysql" && srv.major == 8 {
				srv.minor = 4 // mysql:8 is the newest 8.x, the 8.4 LTS
			} else {
				srv.minor = 99
			}
		}
		return srv
	}
	return dbServer{}
}

func (s dbServer) atLeast(major, minor int) bool {
	return s.major > major || (s.major == major && s.minor >= minor)
}

// mycnfRemoved lists server options that make mysqld/mariadbd refuse to
// start ("unknown variable"): removed from MySQL as of a version, absent
// from MariaDB, or gone from both (universal).
var mycnfRemoved = [...]struct {
	option         string
	mysqlRemovedIn [2]int // {0,0}: still valid in MySQL
	notMariaDB     bool
	universal      bool
	why            string // the catalogue entry validate.mycnf-invalid-option.why.<why>
}{
	{"default-authentication-plugin", [2]int{8, 4}, true, false, "auth-plugin"},
	{"query-cache-type", [2]int{8, 0}, false, false, "query-cache"},
	{"query-cache-size", [2]int{8, 0}, false, false, "query-cache"},
	{"query-cache-limit", [2]int{8, 0}, false, false, "query-cache"},
	{"expire-logs-days", [2]int{8, 2}, false, false, "expire-logs"},
	{"log-warnings", [2]int{8, 0}, false, false, "log-warnings"},
	{"tx-isolation", [2]int{8, 0}, false, false, "tx-isolation"},
	{"innodb-file-format", [2]int{8, 0}, false, false, "removed-80"},
	{"innodb-large-prefix", [2]int{8, 0}, false, false, "removed-80"},
	{"default-character-set", [2]int{0, 0}, true, true, "client-option"},
	{"table-cache", [2]int{0, 0}, true, true, "table-cache"},
}

// serverGroups are the option groups mysqld or mariadbd read.
func serverGroup(section string) bool {
	return section == "mysqld" || section == "server" || section == "mariadb" || section == "mariadbd" ||
		strings.HasPrefix(section, "mysqld-") || strings.HasPrefix(section, "mariadb-")
}

func checkMycnfInvalidOption(p *parsedSet) []Finding {
	var out []Finding
	for _, f := range p.filesMatching(isMyCnf) {
		srv := p.serverFor(f.Path)
		for _, e := range parseINI(f).entries {
			if !serverGroup(e.section) || strings.HasPrefix(e.key, "!") {
				continue
			}
			name := normOption(e.key)
			if strings.HasPrefix(name, "loose-") {
				continue // the server ignores loose- options it does not know
			}
			for _, r := range mycnfRemoved {
				if r.option != name {
					continue
				}
				invalid := r.universal
				switch srv.kind {
				case "mysql":
					invalid = invalid || (r.mysqlRemovedIn != [2]int{} && srv.atLeast(r.mysqlRemovedIn[0], r.mysqlRemovedIn[1]))
				case "mariadb":
					invalid = invalid || r.notMariaDB
				}
				if !invalid {
					continue
				}
				var server any = msg.Sub{ID: "validate.mycnf-invalid-option.any-server"}
				if srv.kind != "" {
					server = srv.image
				}
				args := msg.Args{"Key": e.key, "Why": msg.Sub{ID: "validate.mycnf-invalid-option.why." + r.why}, "Server": server, "Section": e.section, "Name": name}
				out = append(out, tr(f.Path, e.line, "validate.mycnf-invalid-option.msg", args).withFix("validate.mycnf-invalid-option.fix-loose"))
			}
		}
	}
	return out
}

func checkMycnfUTF8(p *parsedSet) []Finding {
	var out []Finding
	for _, f := range p.filesMatching(isMyCnf) {
		for _, e := range parseINI(f).entries {
			name := normOption(e.key)
			v := strings.ToLower(withoutInlineComment(e.value))
			charset := name == "character-set-server" || name == "default-character-set"
			collation := name == "collation-server"
			if (charset && (v == "utf8" || v == "utf8mb3")) || (collation && (strings.HasPrefix(v, "utf8_") || strings.HasPrefix(v, "utf8mb3_"))) {
				out = append(out, tr(f.Path, e.line, "validate.mycnf-utf8.msg", msg.Args{"Key": e.key, "Value": e.value}).withFix("validate.mycnf-utf8.fix-collation"))
			}
		}
	}
	return out
}
