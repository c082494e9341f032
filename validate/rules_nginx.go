package validate

import (
	"net"
	"strconv"
	"strings"

	"github.com/stackgen/stackgen/internal/msg"
)

// Rules on nginx configs and the services they proxy to.

func checkNginxParse(p *parsedSet) []Finding {
	var out []Finding
	for _, c := range p.nginx {
		if c.err != nil {
			out = append(out, tr(c.path, c.errLine, "validate.nginx-parse.msg", msg.Args{"Err": c.err}))
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
// use it), else at the pass itself. The description is said in the
// language of the message it starts.
func passWhere(t passTarget, hp hostPort) (string, int, msg.Sub) {
	if t.upstream != "" && hp.file != "" {
		return hp.file, hp.line, msg.Sub{ID: "validate.nginx.pass-upstream", Args: msg.Args{"Upstream": t.upstream, "Host": hp.host, "Port": hp.port, "Directive": t.directive}}
	}
	return t.file, t.line, msg.Sub{ID: "validate.nginx.pass", Args: msg.Args{"Directive": t.directive, "Host": hp.host, "Port": hp.port}}
}

func checkNginxUpstreamUnknown(p *parsedSet) []Finding {
	var out []Finding
	p.eachPass(func(t passTarget, hp hostPort, r serviceRef, found bool) {
		file, line, desc := passWhere(t, hp)
		if !found {
			out = append(out, tr(file, line, "validate.nginx-upstream-unknown.no-service", msg.Args{"Where": desc, "Host": q(hp.host)}).withFix("validate.nginx-upstream-unknown.fix-service"))
			return
		}
		ports := p.listenPorts(r)
		if _, ok := ports[hp.port]; len(ports) > 0 && !ok {
			out = append(out, tr(file, line, "validate.nginx-upstream-unknown.port", msg.Args{"Where": desc, "Service": q(r.s.Name), "Ports": portList(ports), "Port": hp.port}).withFix("validate.nginx-upstream-unknown.fix-port"))
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
			out = append(out, tr(file, line, "validate.nginx-uwsgi-protocol.want-uwsgi", msg.Args{"Where": desc, "Source": lp.source, "Port": hp.port}).withFix("validate.nginx-uwsgi-protocol.fix-socket"))
		case t.directive == "proxy_pass" && lp.proto != "http":
			out = append(out, tr(file, line, "validate.nginx-uwsgi-protocol.want-http", msg.Args{"Where": desc, "Source": lp.source, "Port": hp.port}).withFix("validate.nginx-uwsgi-protocol.fix-http"))
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
