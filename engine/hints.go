package engine

import (
	"fmt"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

var (
	// "Bind for 127.0.0.1:8080 failed: port is already allocated"
	portAllocated = regexp.MustCompile(`Bind for ([0-9a-fA-F.:\[\]]*?):(\d+) failed: port is already allocated`)
	// "listen tcp4 0.0.0.0:80: bind: address already in use"
	addrInUse = regexp.MustCompile(`listen tcp[46]? ([0-9a-fA-F.:\[\]]*?):(\d+): bind: address already in use`)
	// compose: "required variable DB_PASSWORD is missing a value: ..."
	requiredVar = regexp.MustCompile(`required variable ([A-Za-z_][A-Za-z0-9_]*) is missing a value`)
	// compose: `The "DB_PASSWORD" variable is not set. Defaulting to a blank string.`
	unsetVar = regexp.MustCompile(`The \\?"?([A-Za-z_][A-Za-z0-9_]*)\\?"? variable is not set`)
	// the engine cannot pull an image (no registry, or no such image):
	// the engine's and compose's pull, and BuildKit resolving a FROM
	// ("failed to resolve source metadata for hub.example/library/python:3.13-slim: ...")
	pullFailed = regexp.MustCompile(`(?:pull access denied for|manifest for|failed to resolve reference "?|failed to resolve source metadata for|Error response from daemon: Get "https://[^"]*": [^\n]*?for image )\s*([^\s,"]+?)(?::\s|[\s,"]|$)`)
	// a registry that does not answer, named by host only:
	// `Get "https://registry.example/v2/": dial tcp: lookup registry.example: no such host`
	// compose cannot name a project from a folder such as 我的网站
	emptyName    = regexp.MustCompile(`project name must not be empty`)
	registryDown = regexp.MustCompile(`(?:Get|Head) "https://([^/"]+)/v2/[^"]*":\s*([^\n]*)`)
	// BuildKit asking for a FROM image's manifest, which names it:
	// `Head "https://registry.example/v2/python/manifests/3.13-slim": dial tcp: ...`
	manifestDown = regexp.MustCompile(`(?:Get|Head) "https://([^/"]+)/v2/([^"]+)/manifests/([^"/]+)":\s*([^\n]*)`)
)

// Hints reads error text (compose's stderr, a service's logs, its health
// check output) and returns one line of advice for each cause it
// recognises: a host port already in use, a key missing from .env, an image
// that cannot be pulled.
func Hints(dir string, texts ...string) []string {
	all := strings.Join(texts, "\n")
	seen := map[string]bool{}
	var out []string
	add := func(s string) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	doctor := "stackgen doctor"
	if dir != "" {
		doctor += " " + dir
	}
	for _, re := range []*regexp.Regexp{portAllocated, addrInUse} {
		for _, m := range re.FindAllStringSubmatch(all, -1) {
			ip := strings.Trim(m[1], "[]")
			if ip == "" {
				ip = "0.0.0.0"
			}
			add(fmt.Sprintf("host port %s on %s is already in use by another program: run '%s' to see which of the stack's ports are taken, then stop that program or publish the service on another port", m[2], ip, doctor))
		}
	}
	var keys []string
	for _, re := range []*regexp.Regexp{requiredVar, unsetVar} {
		for _, m := range re.FindAllStringSubmatch(all, -1) {
			keys = append(keys, m[1])
		}
	}
	sort.Strings(keys)
	envFile := ".env"
	if dir != "" {
		envFile = filepath.Join(dir, ".env")
	}
	for _, k := range keys {
		add(fmt.Sprintf("%s has no value for %s: add a line %s=... to it (.env.example lists every key), or regenerate it with 'stackgen new --force'", envFile, k, k))
	}
	if emptyName.MatchString(all) {
		folder := "the folder"
		if dir != "" {
			folder = filepath.Base(dir)
		}
		add(fmt.Sprintf("compose derives no project name from %s (it keeps only a-z, 0-9, - and _): add a top-level name: to compose.yaml, or re-run 'stackgen new STACK DIR --force', which writes one", folder))
	}
	named := map[string]bool{}
	for _, m := range pullFailed.FindAllStringSubmatch(all, -1) {
		ref := strings.Trim(m[1], `"`)
		named[RegistryHost(ref)] = true
		add(fmt.Sprintf("the engine cannot pull image %s: %s", ref, PullFix))
	}
	for _, m := range manifestDown.FindAllStringSubmatch(all, -1) {
		if !isNetworkFailure(m[4]) {
			continue
		}
		ref := m[1] + "/" + m[2] + ":" + m[3]
		if !named[RegistryHost(ref)] {
			named[RegistryHost(ref)] = true
			add(fmt.Sprintf("the engine cannot pull image %s: %s", ref, PullFix))
		}
	}
	for _, m := range registryDown.FindAllStringSubmatch(all, -1) {
		if !named[m[1]] && isNetworkFailure(m[2]) {
			add(fmt.Sprintf("the engine cannot reach the registry %s, so it cannot pull the images from there: %s", m[1], PullFix))
		}
	}
	return out
}
