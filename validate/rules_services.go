package validate

import (
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
)

// Rules where two files must agree (nginx and the services it proxies to,
// uwsgi.ini and nginx, my.cnf and the MySQL image that reads it, the
// config files of images that run in containers) live one file per target:
// rules_nginx.go, rules_uwsgi.go, rules_mycnf.go, rules_redis.go,
// rules_start.go, rules_initsql.go, rules_django.go. This file holds what
// they share: the services and the ports they listen on.

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
					add(n, "", d.path+" EXPOSE")
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
