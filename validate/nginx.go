package validate

import (
	"net"
	"strconv"
	"strings"

	"github.com/stackgen/stackgen/fileset"
	"github.com/stackgen/stackgen/internal/msg"
)

// nginx's configuration syntax is small: directives are words ended by ;
// or followed by a { block }, words may be quoted, # starts a comment.
// This parser knows only that, which is all the rules need: upstream
// blocks, their servers, and the *_pass targets of locations.

type nginxDirective struct {
	name     string
	args     []string
	line     int
	block    []*nginxDirective
	hasBlock bool
}

type nginxConf struct {
	path       string
	directives []*nginxDirective
	err        error
	errLine    int
}

type nginxToken struct {
	text   string
	line   int
	quoted bool
}

// tokenizeNginx splits a config into words, ";", "{" and "}". A ${var} or
// $var stays inside its word; quotes group a word and may escape with \.
func tokenizeNginx(src string) ([]nginxToken, error) {
	var toks []nginxToken
	line := 1
	i := 0
	for i < len(src) {
		c := src[i]
		switch {
		case c == '\n':
			line++
			i++
		case c == ' ' || c == '\t' || c == '\r':
			i++
		case c == '#':
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case c == ';' || c == '{' || c == '}':
			toks = append(toks, nginxToken{text: string(c), line: line})
			i++
		case c == '"' || c == '\'':
			start := line
			var b strings.Builder
			i++
			for {
				if i >= len(src) {
					return toks, msg.Err("validate.err.nginx-unterminated-string", msg.Args{"Line": start, "Quote": string(c)})
				}
				if src[i] == '\\' && i+1 < len(src) {
					b.WriteByte(src[i+1])
					i += 2
					continue
				}
				if src[i] == c {
					i++
					break
				}
				if src[i] == '\n' {
					line++
				}
				b.WriteByte(src[i])
				i++
			}
			toks = append(toks, nginxToken{text: b.String(), line: start, quoted: true})
		default:
			var b strings.Builder
			for i < len(src) {
				c := src[i]
				if c == '$' && i+1 < len(src) && src[i+1] == '{' {
					end := strings.IndexByte(src[i:], '}')
					if end < 0 {
						return toks, msg.Err("validate.err.nginx-unterminated-var", msg.Args{"Line": line})
					}
					b.WriteString(src[i : i+end+1])
					i += end + 1
					continue
				}
				if c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ';' || c == '{' || c == '}' || c == '"' || c == '\'' {
					break
				}
				if c == '\\' && i+1 < len(src) {
					b.WriteByte(src[i+1])
					i += 2
					continue
				}
				b.WriteByte(c)
				i++
			}
			toks = append(toks, nginxToken{text: b.String(), line: line})
		}
	}
	return toks, nil
}

func parseNginx(f fileset.File) *nginxConf {
	c := &nginxConf{path: f.Path}
	toks, err := tokenizeNginx(string(f.Content))
	if err != nil {
		c.err = err
		return c
	}
	pos := 0
	c.directives, err = parseNginxBlock(toks, &pos, false)
	if err != nil {
		c.err = err
		if pos < len(toks) {
			c.errLine = toks[pos].line
		} else if len(toks) > 0 {
			c.errLine = toks[len(toks)-1].line
		}
	}
	return c
}

func parseNginxBlock(toks []nginxToken, pos *int, nested bool) ([]*nginxDirective, error) {
	var out []*nginxDirective
	var cur *nginxDirective
	for *pos < len(toks) {
		t := toks[*pos]
		switch {
		case t.text == ";" && !t.quoted:
			if cur == nil {
				return out, msg.Err("validate.err.nginx-unexpected", msg.Args{"Line": t.line, "Token": ";"})
			}
			out = append(out, cur)
			cur = nil
			*pos++
		case t.text == "{" && !t.quoted:
			if cur == nil {
				return out, msg.Err("validate.err.nginx-unexpected", msg.Args{"Line": t.line, "Token": "{"})
			}
			*pos++
			block, err := parseNginxBlock(toks, pos, true)
			if err != nil {
				return out, err
			}
			cur.block, cur.hasBlock = block, true
			out = append(out, cur)
			cur = nil
		case t.text == "}" && !t.quoted:
			if cur != nil {
				return out, msg.Err("validate.err.nginx-no-semicolon", msg.Args{"Line": cur.line, "Directive": q(cur.name)})
			}
			if !nested {
				return out, msg.Err("validate.err.nginx-unexpected", msg.Args{"Line": t.line, "Token": "}"})
			}
			*pos++
			return out, nil
		default:
			if cur == nil {
				cur = &nginxDirective{name: t.text, line: t.line}
			} else {
				cur.args = append(cur.args, t.text)
			}
			*pos++
		}
	}
	if cur != nil {
		return out, msg.Err("validate.err.nginx-no-semicolon", msg.Args{"Line": cur.line, "Directive": q(cur.name)})
	}
	if nested {
		return out, msg.Err("validate.err.nginx-eof")
	}
	return out, nil
}

// walkNginx visits every directive depth-first with its enclosing blocks.
func walkNginx(ds []*nginxDirective, parents []*nginxDirective, fn func(d *nginxDirective, parents []*nginxDirective)) {
	for _, d := range ds {
		fn(d, parents)
		if d.hasBlock {
			walkNginx(d.block, append(parents, d), fn)
		}
	}
}

// nginxUpstreams collects upstream blocks from every nginx file, since the
// seeds (and Onyx) define them in nginx.conf and use them in conf.d.
func (p *parsedSet) nginxUpstreams() map[string][]hostPort {
	ups := map[string][]hostPort{}
	for _, c := range p.nginx {
		walkNginx(c.directives, nil, func(d *nginxDirective, _ []*nginxDirective) {
			if d.name != "upstream" || len(d.args) != 1 {
				return
			}
			servers := []hostPort{}
			for _, s := range d.block {
				if s.name == "server" && len(s.args) > 0 {
					if hp, ok := splitHostPort(s.args[0], 80); ok {
						hp.file, hp.line = c.path, s.line
						servers = append(servers, hp)
					}
				}
			}
			ups[d.args[0]] = servers
		})
	}
	return ups
}

// hostPort is an address nginx passes requests to.
type hostPort struct {
	host string
	port int
	file string // where an upstream's server line is, for findings
	line int
}

// splitHostPort reads host[:port]; unix sockets and addresses built from
// variables are not addresses a static check can follow.
func splitHostPort(s string, defPort int) (hostPort, bool) {
	if strings.HasPrefix(s, "unix:") || strings.Contains(s, "$") {
		return hostPort{}, false
	}
	host, portText, err := net.SplitHostPort(s)
	if err != nil {
		return hostPort{host: s, port: defPort}, s != ""
	}
	port, err := strconv.Atoi(portText)
	if err != nil {
		return hostPort{}, false
	}
	return hostPort{host: host, port: port}, true
}

// passTarget is a uwsgi_pass or proxy_pass and where it points: either an
// upstream name or a direct host:port.
type passTarget struct {
	file      string
	line      int
	directive string
	upstream  string
	addr      hostPort
}

func (p *parsedSet) nginxPasses() []passTarget {
	ups := p.nginxUpstreams()
	var out []passTarget
	for _, c := range p.nginx {
		walkNginx(c.directives, nil, func(d *nginxDirective, _ []*nginxDirective) {
			if (d.name != "uwsgi_pass" && d.name != "proxy_pass") || len(d.args) == 0 {
				return
			}
			t := passTarget{file: c.path, line: d.line, directive: d.name}
			target, defPort := d.args[0], 80
			for _, scheme := range []string{"http://", "https://", "uwsgi://", "suwsgi://"} {
				if rest, ok := strings.CutPrefix(target, scheme); ok {
					target = rest
					if scheme == "https://" {
						defPort = 443
					}
				}
			}
			if i := strings.IndexByte(target, '/'); i >= 0 {
				target = target[:i]
			}
			if _, ok := ups[target]; ok {
				t.upstream = target
				out = append(out, t)
				return
			}
			hp, ok := splitHostPort(target, defPort)
			if !ok {
				return
			}
			t.addr = hp
			out = append(out, t)
		})
	}
	return out
}

// addresses returns the host:port pairs a pass reaches.
func (t passTarget) addresses(ups map[string][]hostPort) []hostPort {
	if t.upstream != "" {
		return ups[t.upstream]
	}
	return []hostPort{t.addr}
}

// externalHost reports hosts a compose file cannot define: IP literals,
// dotted names, localhost and Docker's host gateway.
func externalHost(h string) bool {
	return net.ParseIP(h) != nil || strings.Contains(h, ".") || h == "localhost"
}
