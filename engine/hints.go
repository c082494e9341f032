package engine

import (
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/stackgen/stackgen/internal/msg"
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
// that cannot be pulled. Each is a catalogue message, said in the reader's
// language where it is printed (msg.Localizer.T, or as a {{.Hint}}).
func Hints(dir string, texts ...string) []msg.Sub {
	all := strings.Join(texts, "\n")
	seen := map[string]bool{}
	var out []msg.Sub
	add := func(id string, args msg.Args) {
		h := msg.Sub{ID: id, Args: args}
		if key := msg.English().T(id, args); !seen[key] {
			seen[key] = true
			out = append(out, h)
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
			add("engine.hint.port", msg.Args{"Port": m[2], "IP": ip, "Doctor": doctor})
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
		add("engine.hint.env-key", msg.Args{"File": envFile, "Key": k})
	}
	if emptyName.MatchString(all) {
		if dir != "" {
			add("engine.hint.project-name", msg.Args{"Folder": filepath.Base(dir)})
		} else {
			add("engine.hint.project-name-here", nil)
		}
	}
	named := map[string]bool{}
	for _, m := range pullFailed.FindAllStringSubmatch(all, -1) {
		ref := strings.Trim(m[1], `"`)
		named[RegistryHost(ref)] = true
		add(HintPull, msg.Args{"Image": ref, "Fix": PullFix})
	}
	for _, m := range manifestDown.FindAllStringSubmatch(all, -1) {
		if !isNetworkFailure(m[4]) {
			continue
		}
		ref := m[1] + "/" + m[2] + ":" + m[3]
		if !named[RegistryHost(ref)] {
			named[RegistryHost(ref)] = true
			add(HintPull, msg.Args{"Image": ref, "Fix": PullFix})
		}
	}
	for _, m := range registryDown.FindAllStringSubmatch(all, -1) {
		if !named[m[1]] && isNetworkFailure(m[2]) {
			add(HintRegistry, msg.Args{"Registry": m[1], "Fix": PullFix})
		}
	}
	return out
}

// The hints about images the engine cannot pull: a caller that probed the
// images itself (and named them with their fix) leaves these out.
const (
	HintPull     = "engine.hint.pull"
	HintRegistry = "engine.hint.registry"
)

// HintList joins hints into one placeholder value ("a; b; " then tail),
// said in the language of the message it is put in: a catalogue argument
// holds no list, so the hints nest, one engine.hint.then each.
func HintList(hints []msg.Sub, tail any) any {
	if len(hints) == 0 {
		return tail
	}
	return msg.Sub{ID: "engine.hint.then", Args: msg.Args{"Hint": hints[0], "Then": HintList(hints[1:], tail)}}
}

// WithHints is err followed by the hints for its text, in one line.
func WithHints(dir string, err error) error {
	h := Hints(dir, err.Error())
	if len(h) == 0 {
		return err
	}
	return msg.Err("engine.err.with-hints", msg.Args{"Err": err, "Hints": HintList(h[:len(h)-1], h[len(h)-1])})
}

// HintTexts says hints in l's language, for a caller that joins them into
// one line.
func HintTexts(l *msg.Localizer, hints []msg.Sub) []string {
	out := make([]string, len(hints))
	for i, h := range hints {
		out[i] = l.T(h.ID, h.Args)
	}
	return out
}
