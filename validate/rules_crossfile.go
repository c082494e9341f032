package validate

import (
	"github.com/stackgen/stackgen/internal/msg"

	"fmt"
	"github.com/stackgen/stackgen/internal/imagerole"
	"net"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/stackgen/stackgen/fileset"
)

// Rules where two files must agree: nginx and the services it proxies to,
// uwsgi.ini and nginx, my.cnf and the MySQL image that reads it, and the
// config files of images that run in containers.

// ---- services and the ports they listen on ----

// serviceRef is a compose service found by a host name nginx uses.
type serviceRef struct {
	m *composeModel
	s types.ServiceConfig
}

// findService resolves a host name the way Docker's DNS would on the
// stack's networks: service name, network alias, container_name, hostname.
func (p *parsedSet) findService(host string) (serviceRef, bool) {
	for _, m := range p.loadedModels() {
		for _, s := range m.services() {
			if s.Name == host || s.ContainerName == host || s.Hostname == host {
				return serviceRef{m, s}, true
			}
			for _, n := range s.Networks {
				if n == nil {
					continue
				}
				for _, a := range n.Aliases {
					if a == host {
						return serviceRef{m, s}, true
					}
				}
			}
		}
	}
	return serviceRef{}, false
}

// listenPort is a port a service is known to listen on, with the protocol
// when uwsgi.ini says ("uwsgi" or "http") and where that was learned.
type listenPort struct {
	proto  string
	source string
}

// uwsgiInisFor returns the uwsgi.ini files a service runs: those inside its
// build context, or mounted into it.
func (p *parsedSet) uwsgiInisFor(r serviceRef) []*iniFile {
	ctx, _, hasCtx := r.m.buildContext(r.s)
	var out []*iniFile
	for _, ini := range p.uwsgi {
		inCtx := hasCtx && (ctx == "" || strings.HasPrefix(ini.path, ctx+"/"))
		mounted := false
		for _, s := range p.servicesMounting(ini.path) {
			if s.Name == r.s.Name {
				mounted = true
			}
		}
		if inCtx || mounted {
			out = append(out, ini)
		}
	}
	return out
}

// uwsgiSocketProtos maps uWSGI socket options to the protocol they speak.
var uwsgiSocketProtos = map[string]string{
	"socket": "uwsgi", "uwsgi-socket": "uwsgi", "s": "uwsgi", "suwsgi-socket": "uwsgi",
	"http-socket": "http", "http": "http", "http11-socket": "http", "https": "http", "https-socket": "http",
}

// portOf extracts the TCP port from an address like ":8000", "0.0.0.0:8000"
// or "[::]:8000" (0 for unix sockets and anything else).
func portOf(addr string) int {
	addr = strings.TrimSpace(addr)
	if i := strings.IndexByte(addr, ','); i >= 0 {
		addr = addr[:i] // https = :443,cert,key
	}
	if strings.HasPrefix(addr, "/") || strings.HasPrefix(addr, "@") || !strings.Contains(addr, ":") {
		return 0
	}
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return 0
	}
	n, _ := strconv.Atoi(port)
	return n
}

// expandPlaceholders resolves uWSGI %(name) references from the file's own
// keys (the seed builds paths and sockets this way).
func expandPlaceholders(v string, ini *iniFile) string {
	for i := 0; i < 5 && strings.Contains(v, "%("); i++ {
		for _, e := range ini.in("uwsgi") {
			v = strings.ReplaceAll(v, "%("+e.key+")", e.value)
		}
	}
	return v
}

// listenPorts gathers what is known about the ports a service listens on:
// expose, ports targets, the Dockerfile's EXPOSE, uwsgi.ini sockets and
// common server flags in its command. Empty means unknown.
func (p *parsedSet) listenPorts(r serviceRef) map[int]listenPort {
	ports := map[int]listenPort{}
	add := func(port int, proto, source string) {
		if port <= 0 {
			return
		}
		if old, ok := ports[port]; ok && old.proto != "" {
			return
		}
		ports[port] = listenPort{proto, source}
	}
	for _, e := range r.s.Expose {
		n, _ := strconv.Atoi(strings.SplitN(strings.SplitN(e, "/", 2)[0], "-", 2)[0])
		add(n, "", "expose")
	}
	for _, pc := range r.s.Ports {
		add(int(pc.Target), "", "ports")
	}
	if d, st := p.builtStage(r.m, r.s); st != nil {
		for _, in := range st.instrs {
			if in.cmd == "expose" {
				for _, a := range in.args {
					n, _ := strconv.Atoi(strings.SplitN(a, "/", 2)[0])
					add(n, "", "EXPOSE in "+d.path)
				}
			}
		}
	}
	for _, ini := range p.uwsgiInisFor(r) {
		for _, e := range ini.in("uwsgi") {
			if proto, ok := uwsgiSocketProtos[normOption(e.key)]; ok {
				add(portOf(expandPlaceholders(e.value, ini)), proto, fmt.Sprintf("%s %s", ini.path, e.key))
			}
		}
	}
	cmd := append(append([]string{}, r.s.Entrypoint...), r.s.Command...)
	for i, w := range cmd {
		next := ""
		if i+1 < len(cmd) {
			next = cmd[i+1]
		}
		switch {
		case w == "--port":
			n, _ := strconv.Atoi(next)
			add(n, "", "command")
		case w == "--bind" || w == "-b":
			add(portOf(next), "", "command")
		case strings.HasPrefix(w, "--port="):
			n, _ := strconv.Atoi(strings.TrimPrefix(w, "--port="))
			add(n, "", "command")
		case strings.HasPrefix(w, "--bind="):
			add(portOf(strings.TrimPrefix(w, "--bind=")), "", "command")
		case w == "runserver":
			add(portOf(next), "", "command")
		case uwsgiSocketProtos[strings.TrimPrefix(w, "--")] != "" && strings.HasPrefix(w, "--"):
			add(portOf(next), uwsgiSocketProtos[strings.TrimPrefix(w, "--")], "command")
		}
	}
	return ports
}

func portList(ports map[int]listenPort) string {
	var ns []int
	for n := range ports {
		ns = append(ns, n)
	}
	sort.Ints(ns)
	var parts []string
	for _, n := range ns {
		parts = append(parts, fmt.Sprintf("%d (%s)", n, ports[n].source))
	}
	return strings.Join(parts, ", ")
}

// ---- nginx ----

func checkNginxParse(p *parsedSet) []Finding {
	var out []Finding
	for _, c := range p.nginx {
		if c.err != nil {
			out = append(out, at(c.path, c.errLine, "nginx cannot parse this file: %s", c.err))
		}
	}
	return out
}

// passCheck visits every (pass, address, service) where nginx points at a
// host the compose project could define.
func (p *parsedSet) eachPass(fn func(t passTarget, hp hostPort, r serviceRef, found bool)) {
	if len(p.loadedModels()) == 0 {
		return
	}
	ups := p.nginxUpstreams()
	for _, t := range p.nginxPasses() {
		for _, hp := range t.addresses(ups) {
			if externalHost(hp.host) {
				continue
			}
			r, ok := p.findService(hp.host)
			fn(t, hp, r, ok)
		}
	}
}

// passWhere says where to report a pass: at the upstream's server line
// when it goes through an upstream (one finding however many locations
// use it), else at the pass itself.
func passWhere(t passTarget, hp hostPort) (string, int, string) {
	if t.upstream != "" && hp.file != "" {
		return hp.file, hp.line, fmt.Sprintf("upstream %s server %s:%d (used by %s)", t.upstream, hp.host, hp.port, t.directive)
	}
	return t.file, t.line, fmt.Sprintf("%s %s:%d", t.directive, hp.host, hp.port)
}

func checkNginxUpstreamUnknown(p *parsedSet) []Finding {
	var out []Finding
	p.eachPass(func(t passTarget, hp hostPort, r serviceRef, found bool) {
		file, line, desc := passWhere(t, hp)
		if !found {
			out = append(out, Finding{File: file, Line: line,
				Message: fmt.Sprintf("%s: no compose service is named %q, so nginx cannot resolve it (502 or refusal to start)", desc, hp.host),
				Fix:     "point it at a compose service name (or a network alias) and the port that service listens on"})
			return
		}
		ports := p.listenPorts(r)
		if _, ok := ports[hp.port]; len(ports) > 0 && !ok {
			out = append(out, Finding{File: file, Line: line,
				Message: fmt.Sprintf("%s: service %q listens on %s, not %d", desc, r.s.Name, portList(ports), hp.port),
				Fix:     fmt.Sprintf("use one of the ports service %q listens on, or make it listen on %d", r.s.Name, hp.port)})
		}
	})
	return out
}

func checkNginxUwsgiProtocol(p *parsedSet) []Finding {
	var out []Finding
	p.eachPass(func(t passTarget, hp hostPort, r serviceRef, found bool) {
		if !found {
			return
		}
		lp, ok := p.listenPorts(r)[hp.port]
		if !ok || lp.proto == "" {
			return
		}
		file, line, desc := passWhere(t, hp)
		switch {
		case t.directive == "uwsgi_pass" && lp.proto != "uwsgi":
			out = append(out, Finding{File: file, Line: line,
				Message: fmt.Sprintf("%s speaks the uwsgi protocol, but %s serves HTTP on %d", desc, lp.source, hp.port),
				Fix:     "use socket = :PORT in uwsgi.ini for uwsgi_pass, or switch nginx to proxy_pass http://..."})
		case t.directive == "proxy_pass" && lp.proto != "http":
			out = append(out, Finding{File: file, Line: line,
				Message: fmt.Sprintf("%s speaks HTTP, but %s serves the uwsgi protocol on %d", desc, lp.source, hp.port),
				Fix:     "use uwsgi_pass with include uwsgi_params, or http-socket = :PORT in uwsgi.ini"})
		}
	})
	return out
}

func checkNginxProxyHeaderUwsgi(p *parsedSet) []Finding {
	var out []Finding
	for _, c := range p.nginx {
		walkNginx(c.directives, nil, func(d *nginxDirective, _ []*nginxDirective) {
			if !d.hasBlock || d.name != "location" {
				return
			}
			uwsgi, proxy := false, false
			var proxyLine int
			for _, x := range d.block {
				switch {
				case x.name == "uwsgi_pass":
					uwsgi = true
				case x.name == "proxy_pass":
					proxy = true
				case strings.HasPrefix(x.name, "proxy_") && proxyLine == 0:
					proxyLine = x.line
				}
			}
			if uwsgi && !proxy && proxyLine > 0 {
				out = append(out, tr(c.path, proxyLine, "validate.nginx-proxy-header-uwsgi.msg", nil).withFix("validate.nginx-proxy-header-uwsgi.fix-params"))
			}
		})
	}
	return out
}

func checkNginxIPHashSingle(p *parsedSet) []Finding {
	var out []Finding
	for _, c := range p.nginx {
		walkNginx(c.directives, nil, func(d *nginxDirective, _ []*nginxDirective) {
			if d.name != "upstream" || !d.hasBlock {
				return
			}
			servers, hashLine := 0, 0
			for _, x := range d.block {
				switch x.name {
				case "server":
					servers++
				case "ip_hash":
					hashLine = x.line
				}
			}
			if hashLine > 0 && servers <= 1 {
				out = append(out, tr(c.path, hashLine, "validate.nginx-ip-hash-single.msg", msg.Args{"Upstream": strings.Join(d.args, " "), "Servers": servers}))
			}
		})
	}
	return out
}

func checkNginxServerNameIP(p *parsedSet) []Finding {
	var out []Finding
	for _, c := range p.nginx {
		walkNginx(c.directives, nil, func(d *nginxDirective, _ []*nginxDirective) {
			if d.name != "server_name" || len(d.args) == 0 {
				return
			}
			for _, a := range d.args {
				if net.ParseIP(a) == nil {
					return
				}
			}
			out = append(out, tr(c.path, d.line, "validate.nginx-server-name-ip.msg", msg.Args{"Name": strings.Join(d.args, " ")}))
		})
	}
	return out
}

// nginxSeconds reads an nginx time value ("600", "600s", "10m", "1h").
func nginxSeconds(v string) (int, bool) {
	mult := 1
	switch {
	case strings.HasSuffix(v, "ms"):
		return 0, true
	case strings.HasSuffix(v, "s"):
		v = strings.TrimSuffix(v, "s")
	case strings.HasSuffix(v, "m"):
		v, mult = strings.TrimSuffix(v, "m"), 60
	case strings.HasSuffix(v, "h"):
		v, mult = strings.TrimSuffix(v, "h"), 3600
	}
	n, err := strconv.Atoi(v)
	return n * mult, err == nil
}

func checkNginxLongTimeout(p *parsedSet) []Finding {
	var out []Finding
	for _, c := range p.nginx {
		walkNginx(c.directives, nil, func(d *nginxDirective, _ []*nginxDirective) {
			if len(d.args) != 1 || !strings.HasSuffix(d.name, "_timeout") {
				return
			}
			n, ok := nginxSeconds(d.args[0])
			if !ok {
				return
			}
			connect := strings.HasSuffix(d.name, "_connect_timeout")
			read := strings.HasSuffix(d.name, "_read_timeout") || strings.HasSuffix(d.name, "_send_timeout")
			if (connect && n > 75) || (read && n > 300) {
				out = append(out, tr(c.path, d.line, "validate.nginx-long-timeout.msg", msg.Args{"Directive": d.name, "Value": d.args[0]}))
			}
		})
	}
	return out
}

// ---- uwsgi.ini ----

// normOption writes an option the way uWSGI matches it: lower-case, with
// dashes.
func normOption(k string) string {
	return strings.ReplaceAll(strings.ToLower(strings.TrimSpace(k)), "_", "-")
}

func checkUwsgiUnknownOption(p *parsedSet) []Finding {
	var out []Finding
	for _, ini := range p.uwsgi {
		all := ""
		for _, e := range ini.entries {
			all += e.value + "\n"
		}
		for _, e := range ini.in("uwsgi") {
			name := normOption(e.key)
			if isUwsgiOption(name) && !strings.ContainsAny(name, " \t") {
				continue
			}
			if !strings.ContainsAny(name, " \t") && strings.Contains(all, "%("+e.key+")") {
				continue // a placeholder the file uses, which uWSGI allows
			}
			fix, args := "validate.uwsgi-unknown-option.fix-unknown", msg.Args{"Key": q(e.key)}
			if guess := strings.Join(strings.Fields(name), "-"); guess != name && isUwsgiOption(guess) {
				fix, args["Guess"], args["Value"] = "validate.uwsgi-unknown-option.fix-guess", guess, e.value
			}
			out = append(out, tr(ini.path, e.line, "validate.uwsgi-unknown-option.msg", args).withFix(fix))
		}
	}
	return out
}

func checkUwsgiDaemonize(p *parsedSet) []Finding {
	var out []Finding
	for _, ini := range p.uwsgi {
		for _, e := range ini.in("uwsgi") {
			if n := normOption(e.key); n == "daemonize" || n == "daemonize2" {
				out = append(out, tr(ini.path, e.line, "validate.uwsgi-daemonize.msg", msg.Args{"Key": e.key}))
			}
		}
	}
	return out
}

// ---- my.cnf ----

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

// ---- redis.conf ----

func redisConfs(p *parsedSet) []*iniFile {
	var out []*iniFile
	for _, f := range p.set {
		if path.Base(f.Path) == "redis.conf" || (strings.HasSuffix(f.Path, ".conf") && strings.Contains(strings.ToLower(fileset.Dir(f.Path)), "redis")) {
			out = append(out, parseDirectives(f.Path, f.Content))
		}
	}
	return out
}

func checkRedisBindLoopback(p *parsedSet) []Finding {
	var out []Finding
	for _, c := range redisConfs(p) {
		for _, e := range c.entries {
			if e.key != "bind" {
				continue
			}
			loopbackOnly := true
			for _, a := range strings.Fields(e.value) {
				ip := net.ParseIP(strings.TrimPrefix(a, "-"))
				if ip == nil || !ip.IsLoopback() {
					loopbackOnly = false
				}
			}
			if loopbackOnly {
				out = append(out, tr(c.path, e.line, "validate.redis-bind-loopback.msg", msg.Args{"Value": e.value}).withFix("validate.redis-bind-loopback.fix-boundary"))
			}
		}
	}
	return out
}

func checkRedisRequirepassFile(p *parsedSet) []Finding {
	var out []Finding
	for _, c := range redisConfs(p) {
		for _, e := range c.entries {
			if (e.key == "requirepass" || e.key == "masterauth") && e.value != "" && e.value != `""` {
				out = append(out, tr(c.path, e.line, "validate.redis-requirepass-file.msg", msg.Args{"Key": e.key}).withFix("validate.redis-requirepass-file.fix-here"))
			}
		}
	}
	return out
}

// parseDirectives reads "directive args..." lines (redis.conf style) into
// ini entries with the directive as key.
func parseDirectives(p string, b []byte) *iniFile {
	f := &iniFile{path: p}
	for i, raw := range strings.Split(string(b), "\n") {
		line := strings.TrimSpace(strings.TrimSuffix(raw, "\r"))
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, _ := strings.Cut(line, " ")
		f.entries = append(f.entries, iniEntry{key: strings.ToLower(k), value: strings.TrimSpace(v), line: i + 1})
	}
	return f
}

// ---- start scripts ----

// appServers are the programs that serve a Python web app.
var appServers = [...]string{"uwsgi", "gunicorn", "uvicorn", "daphne", "hypercorn", "waitress-serve"}

// serverCommand reports whether a simple command starts an app server, and
// whether it is exec'd.
func serverCommand(words []string) (server string, execd bool) {
	i := 0
	if i < len(words) && words[i] == "exec" {
		execd = true
		i++
	}
	if i >= len(words) {
		return "", false
	}
	prog := path.Base(words[i])
	for _, s := range appServers {
		if prog == s {
			return s, execd
		}
	}
	if strings.HasPrefix(prog, "python") && i+2 < len(words) {
		if words[i+1] == "-m" {
			for _, s := range appServers {
				if words[i+2] == s {
					return s, execd
				}
			}
		}
		if path.Base(words[i+1]) == "manage.py" && words[i+2] == "runserver" {
			return "runserver", execd
		}
	}
	return "", false
}

// startScript is a shell script that starts an app server, as commands.
type startScript struct {
	path string
	cmds []scriptCmd
}

type scriptCmd struct {
	words []string
	line  int
}

func startScripts(p *parsedSet) []startScript {
	var out []startScript
	for _, f := range p.filesMatching(isShellScript) {
		s := startScript{path: f.Path}
		isStart := false
		for i, line := range strings.Split(string(f.Content), "\n") {
			for _, c := range shellCommands(line) {
				s.cmds = append(s.cmds, scriptCmd{c, i + 1})
				if srv, _ := serverCommand(c); srv != "" {
					isStart = true
				}
			}
		}
		if isStart {
			out = append(out, s)
		}
	}
	return out
}

var daemonFlags = [...]string{"--daemonize", "--daemonize2", "-D", "--daemon"}

func checkStartDaemonize(p *parsedSet) []Finding {
	var out []Finding
	for _, s := range startScripts(p) {
		for _, c := range s.cmds {
			w := c.words
			if srv, _ := serverCommand(w); srv != "" {
				for _, f := range daemonFlags {
					if containsWord(w, f) || (strings.HasPrefix(f, "--") && hasFlagPrefix(w, f+"=")) {
						out = append(out, tr(s.path, c.line, "validate.start-daemonize.flag", msg.Args{"Server": srv, "Flag": f}))
						break
					}
				}
				if w[len(w)-1] == "&" {
					out = append(out, tr(s.path, c.line, "validate.start-daemonize.background", msg.Args{"Server": srv}))
				}
			}
			if len(w) >= 3 && w[0] == "tail" && containsWord(w, "-f") && containsWord(w, "/dev/null") {
				out = append(out, tr(s.path, c.line, "validate.start-daemonize.keepalive", msg.Args{"Cmd": "tail -f /dev/null"}))
			}
			if len(w) >= 2 && w[0] == "sleep" && w[1] == "infinity" {
				out = append(out, tr(s.path, c.line, "validate.start-daemonize.keepalive", msg.Args{"Cmd": "sleep infinity"}))
			}
		}
	}
	return out
}

func checkStartMakemigrations(p *parsedSet) []Finding {
	var out []Finding
	for _, s := range startScripts(p) {
		for _, c := range s.cmds {
			for i, w := range c.words {
				if path.Base(w) == "manage.py" && i+1 < len(c.words) && c.words[i+1] == "makemigrations" {
					out = append(out, tr(s.path, c.line, "validate.start-makemigrations.msg", nil))
				}
			}
		}
	}
	return out
}

func checkStartNoExec(p *parsedSet) []Finding {
	var out []Finding
	for _, s := range startScripts(p) {
		for _, c := range s.cmds {
			srv, execd := serverCommand(c.words)
			if srv == "" || execd || c.words[len(c.words)-1] == "&" {
				continue
			}
			out = append(out, tr(s.path, c.line, "validate.start-no-exec.msg", msg.Args{"Server": srv}).withFix("validate.start-no-exec.fix-server"))
		}
	}
	return out
}

// ---- database init scripts ----

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
			out = append(out, Finding{File: sq.path, Line: lineAt(sq.content, m[0]),
				Message: fmt.Sprintf("CREATE EXTENSION %s: image %s does not ship the %s extension, so the init script fails", ext, sq.service.Image, ext),
				Fix:     fmt.Sprintf("use an image that includes it (for example a %s/%s image), or drop the extension if nothing uses it", need, need)})
		}
	}
	return out
}

// ---- Django settings ----

var djangoLiteral = regexp.MustCompile(`(?m)^\s*(?:SECRET_KEY\s*=|['"](?:PASSWORD|SECRET_KEY)['"]\s*:)\s*(?:r|b)?(['"])([^'"]+)['"]`)

func checkDjangoHardcodedSecret(p *parsedSet) []Finding {
	var out []Finding
	roots := deployRoots(p)
	for _, f := range p.set {
		if path.Base(f.Path) != "settings.py" && !strings.Contains(f.Path, "/settings/") {
			continue
		}
		if overriddenByDeploy(roots, f.Path) {
			continue // the deployed site runs stackgen_deploy.settings
		}
		c := string(f.Content)
		for _, m := range djangoLiteral.FindAllStringSubmatchIndex(c, -1) {
			out = append(out, tr(f.Path, lineAt(c, m[0]), "validate.django-hardcoded-secret.msg", nil))
		}
	}
	return out
}
