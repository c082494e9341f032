package validate

import (
	"os"
	"path"
	"sort"
	"strings"

	"github.com/stackgen/stackgen/internal/composefile"

	"github.com/stackgen/stackgen/fileset"
)

// parsedSet is everything the rules look at, parsed once: the files by kind,
// the compose models (base alone and base plus each overlay), the .env.
// Rules only read it.
type parsedSet struct {
	set   fileset.Set
	files map[string]fileset.File

	// env is what ${VAR} in compose files resolves against: the root .env,
	// or .env.example when no .env exists yet (an offline bundle ships only
	// the example), as `docker compose` would after the user copies it.
	env       map[string]string
	envSource string

	composeFiles []*yamlFile     // every compose file, base first
	models       []*composeModel // loaded projects: base, base+overlay, ...
	dockerfiles  []*dockerfile
	nginx        []*nginxConf
	uwsgi        []*iniFile
	manifests    []manifestDoc // Kubernetes documents (validate/kubernetes.go)

	tempDirs []string // removed by close
}

func newProject(set fileset.Set) *parsedSet {
	p := &parsedSet{set: set, files: map[string]fileset.File{}}
	for _, f := range set {
		p.files[f.Path] = f
	}
	p.loadEnv()
	p.loadCompose()
	p.loadManifests()
	for _, f := range set {
		switch {
		case isDockerfile(f.Path):
			p.dockerfiles = append(p.dockerfiles, parseDockerfile(f))
		case isNginxConf(f.Path):
			p.nginx = append(p.nginx, parseNginx(f))
		case path.Base(f.Path) == "uwsgi.ini":
			p.uwsgi = append(p.uwsgi, parseINI(f))
		}
	}
	return p
}

// close removes what loading had to write to disk (only when a compose file
// uses include or extends from another file).
func (p *parsedSet) close() {
	for _, d := range p.tempDirs {
		os.RemoveAll(d)
	}
}

func (p *parsedSet) loadEnv() {
	for _, name := range []string{".env", ".env.example"} {
		if f, ok := p.files[name]; ok {
			p.env = parseDotenv(f.Content).Values
			p.envSource = name
			return
		}
	}
	p.env = map[string]string{}
}

// filesMatching returns the set's files accepted by keep, in path order.
func (p *parsedSet) filesMatching(keep func(string) bool) []fileset.File {
	var out []fileset.File
	for _, f := range p.set {
		if keep(f.Path) {
			out = append(out, f)
		}
	}
	return out
}

// hasDir reports whether any file of the set lies under dir (a slash path,
// "" for the root): a build context outside the set (onyx --source) has no
// files here, and rules that would read it must skip.
func (p *parsedSet) hasDir(dir string) bool {
	if dir == "" {
		return len(p.set) > 0
	}
	for _, f := range p.set {
		if strings.HasPrefix(f.Path, dir+"/") {
			return true
		}
	}
	return false
}

// dockerfileAt returns the parsed Dockerfile at a set path.
func (p *parsedSet) dockerfileAt(rel string) *dockerfile {
	for _, d := range p.dockerfiles {
		if d.path == rel {
			return d
		}
	}
	return nil
}

func isComposeBase(p string) bool { return composefile.IsBase(p) }

func isComposeOverlay(p string) bool { return composefile.IsOverlay(p) }

// isDockerfile accepts Dockerfile, *.Dockerfile and Dockerfile.* at any
// depth (but not .dockerignore and friends).
func isDockerfile(p string) bool {
	b := path.Base(p)
	return b == "Dockerfile" || strings.HasSuffix(b, ".Dockerfile") || strings.HasPrefix(b, "Dockerfile.")
}

// isNginxConf accepts nginx.conf anywhere and *.conf (or *.conf.template,
// which the official image renders with envsubst) under a path that names
// nginx.
func isNginxConf(p string) bool {
	b := path.Base(p)
	if b == "nginx.conf" {
		return true
	}
	if !strings.HasSuffix(b, ".conf") && !strings.HasSuffix(b, ".conf.template") {
		return false
	}
	return strings.Contains(strings.ToLower(fileset.Dir(p)), "nginx")
}

// isMyCnf accepts my.cnf anywhere and *.cnf under a mysql or mariadb folder.
func isMyCnf(p string) bool {
	b := path.Base(p)
	if b == "my.cnf" {
		return true
	}
	if !strings.HasSuffix(b, ".cnf") {
		return false
	}
	d := strings.ToLower(fileset.Dir(p))
	return strings.Contains(d, "mysql") || strings.Contains(d, "mariadb")
}

func isShellScript(p string) bool { return strings.HasSuffix(p, ".sh") }

// sortedKeys returns a map's keys in order, for deterministic messages.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
