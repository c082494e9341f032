package toolcheck

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/stackgen/stackgen/fileset"
)

// How `nginx -t` is run on a config written for a container:
//
//   - The config is usually a conf.d snippet, included by the image's main
//     nginx.conf inside its http block. The check writes a main config that
//     mirrors the official nginx image's (mime types, default_type, the
//     "main" log format, access_log, sendfile, keepalive_timeout) and
//     includes the snippet from there, so a directive the image already sets
//     is caught as a duplicate the way the real container would fail. A
//     full main config (one with events/http blocks) is tested as it is,
//     less any `user` line (that user exists in the image, not here).
//   - Paths are container paths. When a compose file bind-mounts the config
//     into a service, that service's other mounts tell where each container
//     path lives: bind mounts map to their folder in the project, named
//     volumes and tmpfs to empty temporary folders. Container paths in the
//     copy are rewritten accordingly; paths no mount covers must exist here
//     (e.g. /etc/nginx/uwsgi_params, which Debian's nginx has too).
//   - A certificate a config names but the project does not ship (the user
//     adds it at deploy time) is replaced by a throw-away self-signed one,
//     written only into the temporary copy.
//   - nginx resolves upstream host names while loading, and the containers'
//     names (the compose services and their aliases) resolve only on the
//     compose network. The check runs nginx in a private mount namespace
//     (`unshare --mount`, or `unshare --user --map-root-user --mount` when
//     not root) with a temporary hosts file bind-mounted over /etc/hosts
//     that maps every service name to 127.0.0.1: the machine's own
//     /etc/hosts is never touched. Where no namespace can be made, the
//     service names in the copy are replaced by 127.0.0.1 instead, and the
//     test log says so.

// nginxBlock marks an nginx config (rather than an ini or Redis .conf).
var nginxBlock = regexp.MustCompile(`(?m)^\s*(server|upstream|http|events|location|map)\b[^;{]*\{`)

// nginxMain marks a main config rather than a conf.d snippet.
var nginxMain = regexp.MustCompile(`(?m)^\s*(events|http)\s*\{`)

func (p *Written) nginxConfigs() []string {
	return p.files(func(f fileset.File) bool {
		return ext(f.Path, ".conf") && nginxBlock.Match(f.Content)
	})
}

// mimicMain is the official nginx image's /etc/nginx/nginx.conf http
// block, with paths moved into the test's folder.
const mimicMain = `# toolcheck: the official nginx image's main config, around the tested one.
pid %[1]s/nginx.pid;
error_log %[1]s/error.log notice;
worker_processes auto;
events {
    worker_connections 1024;
}
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    log_format main '$remote_addr - $remote_user [$time_local] "$request" '
                    '$status $body_bytes_sent "$http_referer" '
                    '"$http_user_agent" "$http_x_forwarded_for"';
    access_log %[1]s/access.log main;
    sendfile on;
    keepalive_timeout 65;
%[2]s
    include %[3]s;
}
`

// tempPaths keeps nginx's temporary folders out of the machine's /var/lib/nginx.
const tempPaths = `    client_body_temp_path %[1]s/client_body;
    proxy_temp_path %[1]s/proxy;
    fastcgi_temp_path %[1]s/fastcgi;
    uwsgi_temp_path %[1]s/uwsgi;
    scgi_temp_path %[1]s/scgi;`

// nsMode is how host names are made resolvable: a command prefix that runs
// a program in a private mount namespace with the hosts file mounted, or
// nil for the rewrite fallback.
var (
	nsOnce   sync.Once
	nsPrefix []string
	nsDesc   string
)

// hostsNamespace finds a way to give nginx its own /etc/hosts.
func hostsNamespace() ([]string, string) {
	nsOnce.Do(func() {
		nsDesc = "nginx -t ran with the compose service names mapped to 127.0.0.1 by rewriting them in a copy of the config (no private mount namespace could be made here)"
		unshare, err := exec.LookPath("unshare")
		if err != nil {
			return
		}
		probe, err := os.CreateTemp("", "toolcheck-hosts-")
		if err != nil {
			return
		}
		defer os.Remove(probe.Name())
		fmt.Fprintln(probe, "127.0.0.1 toolcheck-probe")
		probe.Close()
		script := `mount --bind "$1" /etc/hosts && shift && exec "$@"`
		for _, flags := range [][]string{
			{"--mount", "--propagation", "private"},
			{"--user", "--map-root-user", "--mount", "--propagation", "private"},
		} {
			prefix := append(append([]string{unshare}, flags...), "sh", "-c", script, "sh")
			args := append(append(append([]string{}, prefix[1:]...), probe.Name()), "cat", "/etc/hosts")
			out, err := exec.Command(prefix[0], args...).CombinedOutput()
			if err == nil && strings.Contains(string(out), "toolcheck-probe") {
				nsPrefix = prefix
				nsDesc = "nginx -t ran in a private mount namespace (" + strings.Join(flags, " ") + ") with a hosts file mapping the compose service names to 127.0.0.1"
				return
			}
		}
	})
	return nsPrefix, nsDesc
}

func nginxNote(p *Written) string {
	_, desc := hostsNamespace()
	return desc
}

// CheckNginx runs `nginx -t` on every nginx config of the set.
func (p *Written) CheckNginx() ([]Problem, error) {
	nginx, err := Require("nginx", "apt-get install -y nginx-light (only the binary is used; no service is started by the check)")
	if err != nil {
		return nil, err
	}
	var problems []Problem
	for _, rel := range p.nginxConfigs() {
		pr, err := p.nginxTest(nginx, rel)
		if err != nil {
			return nil, err
		}
		problems = append(problems, pr...)
	}
	return problems, nil
}

// composeServices returns the services of every compose model that loads,
// for mounts and host names.
func (p *Written) composeServices() []types.ServiceConfig {
	var out []types.ServiceConfig
	for _, m := range p.composeModels() {
		proj, err := p.LoadCompose(m.files...)
		if err != nil {
			continue // CheckCompose reports it
		}
		names := make([]string, 0, len(proj.Services))
		for n := range proj.Services {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			out = append(out, proj.Services[n])
		}
	}
	return out
}

func (p *Written) nginxTest(nginx, rel string) ([]Problem, error) {
	work, err := os.MkdirTemp("", "toolcheck-nginx-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)

	services := p.composeServices()
	conf := string(mustGet(p.Set, rel).Content)

	// Container paths -> paths here, from the service that mounts this file.
	mounts := map[string]string{}
	abs := p.Abs(rel)
	for _, s := range services {
		mine := false
		for _, v := range s.Volumes {
			if v.Type == types.VolumeTypeBind && v.Source == abs {
				mine = true
			}
		}
		if !mine {
			continue
		}
		for i, v := range s.Volumes {
			switch {
			case v.Type == types.VolumeTypeBind && v.Source == abs:
			case v.Type == types.VolumeTypeBind:
				mounts[v.Target] = v.Source
			case v.Type == types.VolumeTypeVolume || v.Type == types.VolumeTypeTmpfs:
				dir := filepath.Join(work, fmt.Sprintf("volume%d", i))
				if err := os.MkdirAll(dir, 0o755); err != nil {
					return nil, err
				}
				mounts[v.Target] = dir
			}
		}
		break
	}
	conf = rewritePaths(conf, mounts)

	if err := ensureCertificates(conf, []string{p.Dir, work}); err != nil {
		return nil, err
	}

	var hosts []string
	seen := map[string]bool{}
	for _, s := range services {
		names := []string{s.Name}
		for _, n := range s.Networks {
			if n != nil {
				names = append(names, n.Aliases...)
			}
		}
		for _, n := range names {
			if n != "" && !seen[n] {
				seen[n] = true
				hosts = append(hosts, n)
			}
		}
	}
	prefix, _ := hostsNamespace()
	if prefix == nil {
		conf = rewriteHosts(conf, hosts)
	}

	main := filepath.Join(work, "nginx.conf")
	if nginxMain.MatchString(conf) {
		conf = regexp.MustCompile(`(?m)^\s*user\s+[^;]*;`).ReplaceAllString(conf, "")
		if err := os.WriteFile(main, []byte(conf), 0o644); err != nil {
			return nil, err
		}
	} else {
		site := filepath.Join(work, "site.conf")
		if err := os.WriteFile(site, []byte(conf), 0o644); err != nil {
			return nil, err
		}
		wrapper := fmt.Sprintf(mimicMain, work, fmt.Sprintf(tempPaths, work), site)
		if err := os.WriteFile(main, []byte(wrapper), 0o644); err != nil {
			return nil, err
		}
	}
	for _, d := range []string{"client_body", "proxy", "fastcgi", "uwsgi", "scgi"} {
		if err := os.MkdirAll(filepath.Join(work, d), 0o755); err != nil {
			return nil, err
		}
	}

	hostsFile := filepath.Join(work, "hosts")
	var hb strings.Builder
	hb.WriteString("127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n")
	for _, h := range hosts {
		fmt.Fprintf(&hb, "127.0.0.1 %s\n", h)
	}
	if err := os.WriteFile(hostsFile, []byte(hb.String()), 0o644); err != nil {
		return nil, err
	}

	args := []string{"-t", "-p", work + "/", "-c", main, "-e", filepath.Join(work, "error.log")}
	name := nginx
	if prefix != nil {
		name = prefix[0]
		args = append(append(append(append([]string{}, prefix[1:]...), hostsFile), nginx), args...)
	}
	out, ok, err := runTool(work, name, args...)
	if err != nil {
		return nil, err
	}
	out = strings.ReplaceAll(out, work, "<test dir>")
	out = p.relTo(out)
	var problems []Problem
	for _, line := range strings.Split(out, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "":
		case strings.Contains(line, "[emerg]") || strings.Contains(line, "[alert]") || strings.Contains(line, "[crit]"):
			problems = append(problems, Problem{File: rel, Msg: line})
		case strings.Contains(line, "[warn]") && !strings.Contains(line, "could not build optimal"):
			problems = append(problems, Problem{File: rel, Msg: line})
		}
	}
	if !ok && len(problems) == 0 {
		problems = append(problems, Problem{File: rel, Msg: "nginx -t failed: " + strings.TrimSpace(out)})
	}
	return problems, nil
}

func mustGet(set fileset.Set, rel string) fileset.File {
	f, ok := set.Get(rel)
	if !ok {
		panic("toolcheck: " + rel + " is not in the set")
	}
	return f
}

// rewritePaths replaces container path prefixes (longest first) where they
// start a path in the config.
func rewritePaths(conf string, mounts map[string]string) string {
	targets := make([]string, 0, len(mounts))
	for t := range mounts {
		targets = append(targets, t)
	}
	sort.Slice(targets, func(i, j int) bool { return len(targets[i]) > len(targets[j]) })
	for _, t := range targets {
		re := regexp.MustCompile(`(^|[\s"'=])` + regexp.QuoteMeta(strings.TrimSuffix(t, "/")) + `(/|[\s;"']|$)`)
		src := filepath.ToSlash(mounts[t])
		conf = re.ReplaceAllStringFunc(conf, func(m string) string {
			sub := re.FindStringSubmatch(m)
			return sub[1] + src + sub[2]
		})
	}
	return conf
}

// rewriteHosts is the fallback when no mount namespace can be made: the
// service names in upstream servers and *_pass targets become 127.0.0.1.
func rewriteHosts(conf string, hosts []string) string {
	lines := strings.Split(conf, "\n")
	target := regexp.MustCompile(`^\s*(server|[a-z]+_pass)\s`)
	for i, l := range lines {
		if !target.MatchString(l) {
			continue
		}
		for _, h := range hosts {
			re := regexp.MustCompile(`(\s|//)` + regexp.QuoteMeta(h) + `([:;/\s])`)
			l = re.ReplaceAllString(l, "${1}127.0.0.1${2}")
		}
		lines[i] = l
	}
	return strings.Join(lines, "\n")
}

var certDirective = regexp.MustCompile(`(?m)^\s*(ssl_certificate|ssl_certificate_key)\s+["']?([^;"'\s]+)["']?\s*;`)

// ensureCertificates writes a throw-away self-signed certificate and key
// wherever the config names one that is missing, but only under the given
// (temporary) roots.
func ensureCertificates(conf string, roots []string) error {
	matches := certDirective.FindAllStringSubmatch(conf, -1)
	if len(matches) == 0 {
		return nil
	}
	var certPEM, keyPEM []byte
	for _, m := range matches {
		file := filepath.FromSlash(m[2])
		if _, err := os.Stat(file); err == nil {
			continue
		}
		under := false
		for _, r := range roots {
			if rel, err := filepath.Rel(r, file); err == nil && !strings.HasPrefix(rel, "..") {
				under = true
			}
		}
		if !under {
			continue // nginx -t reports the missing file
		}
		if certPEM == nil {
			var err error
			if certPEM, keyPEM, err = selfSigned(); err != nil {
				return err
			}
		}
		content := certPEM
		if m[1] == "ssl_certificate_key" {
			content = keyPEM
		}
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(file, content, 0o600); err != nil {
			return err
		}
	}
	return nil
}

func selfSigned() (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "toolcheck.invalid"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		DNSNames:     []string{"toolcheck.invalid"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), nil
}
