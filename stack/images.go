package stack

import (
	"regexp"
	"strings"

	"github.com/stackgen/stackgen/internal/msg"
)

// refPattern is the shape of an image reference: [host[:port]/]path[:tag][@digest].
var refPattern = regexp.MustCompile(`^(?:[a-zA-Z0-9.-]+(?::[0-9]+)?/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$`)

// CheckImageRef accepts a pinned image reference: a tag other than latest,
// or a digest.
func CheckImageRef(ref string) error {
	if !refPattern.MatchString(ref) {
		return msg.Err("stack.err.image-ref", msg.Args{"Value": quote(ref)})
	}
	_, tag, digest := SplitRef(ref)
	if digest == "" && (tag == "" || tag == "latest") {
		return msg.Err("stack.err.image-unpinned", msg.Args{"Value": quote(ref)})

	}
	return nil
}

// SplitRef splits a reference into name, tag and digest.
func SplitRef(ref string) (name, tag, digest string) {
	if i := strings.Index(ref, "@"); i >= 0 {
		ref, digest = ref[:i], ref[i+1:]
	}
	slash := strings.LastIndex(ref, "/")
	if i := strings.LastIndex(ref, ":"); i > slash {
		return ref[:i], ref[i+1:], digest
	}
	return ref, "", digest
}

// IsDockerHub reports whether ref is pulled from Docker Hub: its first path
// component is not a registry host.
func IsDockerHub(ref string) bool {
	first, _, found := strings.Cut(ref, "/")
	if !found {
		return true
	}
	if first == "docker.io" || first == "index.docker.io" {
		return true
	}
	return !strings.ContainsAny(first, ".:") && first != "localhost"
}

// Mirror rewrites a Docker Hub reference to pull through mirror host
// (official images live under library/); other references are returned as
// they are.
func Mirror(ref, mirror string) string {
	if mirror == "" || !IsDockerHub(ref) {
		return ref
	}
	rest := ref
	if first, after, ok := strings.Cut(ref, "/"); ok && (first == "docker.io" || first == "index.docker.io") {
		rest = after
	}
	if !strings.Contains(rest, "/") {
		rest = "library/" + rest
	}
	return strings.TrimSuffix(mirror, "/") + "/" + rest
}

// MirrorAnswer is the answer key of the registry mirror.
const MirrorAnswer = "registry_mirror"

// ResolveImages returns the reference of every image in use: the user's
// override if given, else the default rewritten through the registry
// mirror. Overrides are taken as they are: the user named that exact image.
func (d *Definition) ResolveImages(a Answers) map[string]string {
	out := map[string]string{}
	for _, im := range d.Images {
		if im.When != nil && !im.When(a) {
			continue
		}
		if v, ok := a[ImagePrefix+im.Key]; ok {
			out[im.Key] = v
			continue
		}
		ref := im.Default(a)
		if !im.Built {
			ref = Mirror(ref, a[MirrorAnswer])
		}
		out[im.Key] = ref
	}
	return out
}
