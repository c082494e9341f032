package stack

import (
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/stackgen/stackgen/internal/msg"
)

// Checks shared by the stacks' questions. Each error says what is wrong and
// what a valid value looks like.

var (
	identPattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	hostLabel    = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
	sizePattern  = regexp.MustCompile(`^[0-9]+[kKmMgG]?$`)
	hostPort     = regexp.MustCompile(`^[a-zA-Z0-9.-]+(:[0-9]{1,5})?$`)
	ratePattern  = regexp.MustCompile(`^[1-9][0-9]{0,5}r/[sm]$`)
)

// pythonKeywords cannot name a Python package.
var pythonKeywords = map[string]bool{
	"False": true, "None": true, "True": true, "and": true, "as": true, "assert": true, "async": true,
	"await": true, "break": true, "class": true, "continue": true, "def": true, "del": true, "elif": true,
	"else": true, "except": true, "finally": true, "for": true, "from": true, "global": true, "if": true,
	"import": true, "in": true, "is": true, "lambda": true, "nonlocal": true, "not": true, "or": true,
	"pass": true, "raise": true, "return": true, "try": true, "while": true, "with": true, "yield": true,
}

// reservedDjango would shadow modules a Django project imports.
var reservedDjango = map[string]bool{"django": true, "test": true, "site": true, "compose": true, "scripts": true}

// PythonPackage accepts a name usable as a Python package and Django project.
func PythonPackage(v string) error {
	if !identPattern.MatchString(v) {
		return msg.Err("check.python-ident", msg.Args{"Value": quote(v)})
	}
	if pythonKeywords[v] || reservedDjango[v] {
		return msg.Err("check.python-reserved", msg.Args{"Value": quote(v)})
	}
	if len(v) > 40 {
		return msg.Err("check.python-long", msg.Args{"Value": quote(v)})
	}
	return nil
}

// Port accepts 1-65535.
func Port(v string) error {
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 65535 {
		return msg.Err("check.port", msg.Args{"Value": quote(v)})
	}
	return nil
}

// PositiveInt accepts 1..max.
func PositiveInt(max int) func(string) error {
	return func(v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > max {
			return msg.Err("check.range", msg.Args{"Value": quote(v), "Max": max})
		}
		return nil
	}
}

// HostName accepts a DNS host name or an IPv4 address (what nginx's
// server_name and Django's ALLOWED_HOSTS can both take).
func HostName(v string) error {
	if v == "localhost" {
		return nil
	}
	name := strings.TrimSuffix(v, ".") // the root dot is not part of the length
	if len(name) == 0 {
		return msg.Err("check.host", msg.Args{"Value": quote(v)})
	}
	if len(name) > 253 {
		return msg.Err("check.host-long", msg.Args{"Len": len(name)})
	}
	for _, l := range strings.Split(name, ".") {
		if len(l) > 63 {
			return msg.Err("check.host-label", msg.Args{"Value": quote(v), "Len": len(l)})
		}
		if !hostLabel.MatchString(l) {
			return msg.Err("check.host-chars", msg.Args{"Value": quote(v)})
		}
	}
	return nil
}

// BindAddress accepts the IPv4 address a published port binds to.
func BindAddress(v string) error {
	if ip := net.ParseIP(v); ip == nil || ip.To4() == nil {
		return msg.Err("check.ipv4", msg.Args{"Value": quote(v)})
	}
	return nil
}

// Size accepts an nginx size such as 20m.
func Size(v string) error {
	if !sizePattern.MatchString(v) {
		return msg.Err("check.size", msg.Args{"Value": quote(v)})
	}
	return nil
}

// OptionalURL accepts "" or an http(s) URL.
func OptionalURL(v string) error {
	if v == "" {
		return nil
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.ContainsAny(v, " \"'\n$") {
		return msg.Err("check.url", msg.Args{"Value": quote(v)})
	}
	return nil
}

// OptionalRegistryHost accepts "" or host[:port] of a registry mirror.
func OptionalRegistryHost(v string) error {
	if v == "" {
		return nil
	}
	if !hostPort.MatchString(v) || !strings.ContainsAny(v, ".:") && v != "localhost" {
		return msg.Err("check.registry", msg.Args{"Value": quote(v)})
	}
	return nil
}

//go:generate go run ./internal/gentz

// TimeZone accepts a zone name of the tz database (the one Go ships, see
// timezones_gen.go), such as UTC or Asia/Shanghai.
func TimeZone(v string) error {
	if !timeZones[v] {
		shown := v
		if len(shown) > 40 {
			shown = shown[:40] + "..."
		}
		return msg.Err("check.time-zone", msg.Args{"Value": quote(shown)})
	}
	return nil
}

// RegistryMirrorQuestion is the answer every stack offers for users whose
// Docker Hub access is slow or blocked.
func RegistryMirrorQuestion() Question {
	return Question{
		Key: MirrorAnswer, Prompt: "Registry mirror for Docker Hub images (empty for none)",
		Help: "Docker Hub references are rewritten to pull through this host, e.g. mirror.example.com",
		Kind: String, Check: OptionalRegistryHost, Advanced: true,
	}
}

// PipIndexAnswer is the answer key of the pip mirror.
const PipIndexAnswer = "pip_index_url"

// The answers of a stack that can build from a source checkout (onyx):
// SourceModeAnswer set to SourceMode, and SourceDirAnswer the checkout.
// `stackgen new --source DIR` sets both.
const (
	SourceModeAnswer = "mode"
	SourceMode       = "source"
	SourceDirAnswer  = "source_dir"
)

// PipIndexQuestion is the pip mirror the seeds configure by hand.
func PipIndexQuestion() Question {
	return Question{
		Key: PipIndexAnswer, Prompt: "pip index URL (empty for the default index)",
		Help: "Written to pip.conf and used when building images, e.g. a local PyPI mirror",
		Kind: String, Check: OptionalURL, Advanced: true,
	}
}

// Answer keys of the hardening defaults every stack with a database or an
// nginx in front offers.
const (
	NoNewPrivilegesAnswer = "no_new_privileges"
	LoginRateAnswer       = "login_rate_limit"
	APIRateAnswer         = "api_rate_limit"
)

// NoNewPrivilegesQuestion sets security_opt no-new-privileges on the
// database and cache containers. Their entrypoints start as root and drop
// to the service user with setuid calls (gosu, su-exec), which
// no-new-privileges does not block; it stops a later setuid binary from
// gaining root inside them.
func NoNewPrivilegesQuestion() Question {
	return Question{
		Key: NoNewPrivilegesAnswer, Prompt: "Set no-new-privileges on the database and cache containers?",
		Help: "security_opt: [no-new-privileges:true]: no process in them can gain privileges through setuid binaries",
		Kind: Bool, Default: "true", Advanced: true,
	}
}

// RateLimit accepts an nginx limit_req rate (10r/m, 20r/s) or off.
func RateLimit(v string) error {
	if v != "off" && !ratePattern.MatchString(v) {
		return msg.Err("check.rate", msg.Args{"Value": quote(v)})
	}
	return nil
}

// RateLimitQuestions are the login and API request rates nginx allows per
// client address (limit_req); beyond them (and a small burst) it answers 429.
func RateLimitQuestions(login, api string) []Question {
	return []Question{
		{
			Key: LoginRateAnswer, Prompt: "Requests per client address nginx lets through to the login forms",
			Help: "nginx limit_req rate on the login paths, e.g. 10r/m (ten a minute, bursts of 5 at once); off for none",
			Kind: String, Default: login, Check: RateLimit, Advanced: true,
		},
		{
			Key: APIRateAnswer, Prompt: "Requests per client address nginx lets through to the API",
			Help: "nginx limit_req rate on the API paths, e.g. 20r/s (bursts of 50 at once); off for none",
			Kind: String, Default: api, Check: RateLimit, Advanced: true,
		},
	}
}

// quote shows a value the way %q does, for messages that show it quoted.
func quote(s string) string { return strconv.Quote(s) }
