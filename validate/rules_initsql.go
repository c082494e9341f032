package validate

import (
	"regexp"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/stackgen/stackgen/internal/msg"
)

// Rules on database init scripts.

// initSQL is an SQL file mounted into a database's init folder.
type initSQL struct {
	path    string
	content string
	service types.ServiceConfig
	env     map[string]string
}

func (p *parsedSet) initScripts() []initSQL {
	var out []initSQL
	for _, f := range p.set {
		if !strings.HasSuffix(f.Path, ".sql") {
			continue
		}
		for _, s := range p.servicesMounting(f.Path) {
			if !p.roleOfService(s).role.HoldsData() {
				continue
			}
			out = append(out, initSQL{path: f.Path, content: string(f.Content), service: s, env: p.serviceEnv(s)})
			break
		}
	}
	return out
}

// serviceEnv is a service's environment as far as the set tells: its
// environment: values and its env_file entries read from the set.
func (p *parsedSet) serviceEnv(s types.ServiceConfig) map[string]string {
	env := map[string]string{}
	for _, m := range p.loadedModels() {
		if _, ok := m.proj.Services[s.Name]; !ok {
			continue
		}
		for _, ef := range s.EnvFiles {
			if rel, ok := m.rel(ef.Path); ok {
				if f, ok := p.files[rel]; ok {
					for k, v := range parseDotenv(f.Content).Values {
						env[k] = v
					}
				}
			}
		}
		break
	}
	for k, v := range s.Environment {
		if v != nil {
			env[k] = *v
		}
	}
	return env
}

var (
	sqlCreateUser = regexp.MustCompile("(?i)create\\s+(user|role|database|schema)\\s+(if\\s+not\\s+exists\\s+)?[`'\"]?([A-Za-z0-9_$]+)")
	sqlPassword   = regexp.MustCompile(`(?i)(identified\s+(with\s+\S+\s+)?by|with\s+(encrypted\s+)?password|password\s*=)\s*'([^']+)'`)
	sqlExtension  = regexp.MustCompile(`(?i)create\s+extension\s+(if\s+not\s+exists\s+)?["']?([a-z0-9_-]+)`)
)

// lineAt is the 1-based line of byte offset i in s.
func lineAt(s string, i int) int { return strings.Count(s[:i], "\n") + 1 }

func checkInitSQLDuplicateUser(p *parsedSet) []Finding {
	var out []Finding
	for _, sq := range p.initScripts() {
		for _, m := range sqlCreateUser.FindAllStringSubmatchIndex(sq.content, -1) {
			if m[4] >= 0 {
				continue // IF NOT EXISTS: harmless
			}
			kind := strings.ToLower(sq.content[m[2]:m[3]])
			name := sq.content[m[6]:m[7]]
			for _, k := range []string{"POSTGRES_USER", "POSTGRES_DB", "MYSQL_USER", "MYSQL_DATABASE", "MARIADB_USER", "MARIADB_DATABASE"} {
				if v, ok := sq.env[k]; ok && v == name {
					out = append(out, tr(sq.path, lineAt(sq.content, m[0]), "validate.initsql-duplicate-user.msg", msg.Args{"Kind": strings.ToUpper(kind), "Name": name, "Image": sq.service.Image, "Var": k}).withFix("validate.initsql-duplicate-user.fix-ifnot"))
					break
				}
			}
		}
	}
	return out
}

func checkInitSQLPassword(p *parsedSet) []Finding {
	var out []Finding
	for _, f := range p.set {
		if !strings.HasSuffix(f.Path, ".sql") {
			continue
		}
		c := string(f.Content)
		for _, m := range sqlPassword.FindAllStringSubmatchIndex(c, -1) {
			out = append(out, tr(f.Path, lineAt(c, m[0]), "validate.initsql-hardcoded-password.msg", nil))
		}
	}
	return out
}

// extensionImages says which Postgres extensions need an image beyond the
// official postgres one.
var extensionImages = map[string]string{"vector": "pgvector", "postgis": "postgis", "timescaledb": "timescaledb"}

func checkInitSQLExtension(p *parsedSet) []Finding {
	var out []Finding
	for _, sq := range p.initScripts() {
		img := strings.ToLower(sq.service.Image)
		for _, m := range sqlExtension.FindAllStringSubmatchIndex(sq.content, -1) {
			ext := strings.ToLower(sq.content[m[4]:m[5]])
			need, ok := extensionImages[ext]
			if !ok || strings.Contains(img, need) {
				continue
			}
			out = append(out, tr(sq.path, lineAt(sq.content, m[0]), "validate.initsql-missing-extension.msg", msg.Args{"Ext": ext, "Image": sq.service.Image, "Need": need}).withFix("validate.initsql-missing-extension.fix-image"))
		}
	}
	return out
}
