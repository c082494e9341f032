package validate

import "strings"

// imageRef is an image reference split into the parts rules need.
type imageRef struct {
	repo   string // full repository, e.g. docker.elastic.co/elasticsearch/elasticsearch
	name   string // last path component, lower-case, e.g. elasticsearch
	tag    string
	digest string
}

func parseImageRef(s string) imageRef {
	s = strings.TrimSpace(s)
	var r imageRef
	if i := strings.Index(s, "@"); i >= 0 {
		r.digest = s[i+1:]
		s = s[:i]
	}
	slash := strings.LastIndex(s, "/")
	if c := strings.LastIndex(s, ":"); c > slash {
		r.tag = s[c+1:]
		s = s[:c]
	}
	r.repo = s
	r.name = strings.ToLower(s[slash+1:])
	return r
}

// unpinned reports whether an image reference floats: no tag, or latest,
// and no digest.
func unpinned(image string) bool {
	r := parseImageRef(image)
	return r.digest == "" && (r.tag == "" || r.tag == "latest")
}
