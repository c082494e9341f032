package engine

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/distribution/reference"
	"github.com/stackgen/stackgen/internal/msg"
)

// PullFix is the three ways out when the engine cannot pull an image: the
// same words wherever the failure shows (doctor, up before the build,
// BuildKit's FROM, compose's pull, the engine's own pull).
var PullFix = msg.Sub{ID: "engine.fix.pull"}

// ProbeTimeout bounds one registry probe: an offline host must not make
// doctor or up hang on DNS or a firewall that drops packets.
const ProbeTimeout = 10 * time.Second

// PullError is an image the engine neither has nor can pull.
type PullError struct {
	Image string
	// Unreachable is true when the registry did not answer at all (no
	// network, DNS, firewall), false when it answered no (no such image,
	// or it needs docker login).
	Unreachable bool
	Err         error
}

func (e *PullError) message() error {
	id := "engine.err.pull-refused"
	if e.Unreachable {
		id = "engine.err.pull-unreachable"
	}
	return msg.Err(id, msg.Args{"Image": e.Image, "Registry": RegistryHost(e.Image), "Detail": oneLine(e.Err)})
}

func (e *PullError) Error() string { return e.message().Error() }

// As hands the catalogue message to a wrapper or root (see asMsg).
func (e *PullError) As(target any) bool { return asMsg(e.message(), target) }

// Fix says what to do, as a catalogue message the reader's language says.
func (e *PullError) Fix() msg.Sub {
	if e.Unreachable {
		return PullFix
	}
	return msg.Sub{ID: "engine.fix.pull-refused", Args: msg.Args{"Registry": RegistryHost(e.Image), "Fix": PullFix}}
}

func (e *PullError) Unwrap() error { return e.Err }

// RegistryHost is the registry an image reference pulls from.
func RegistryHost(ref string) string {
	named, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		host, _, _ := strings.Cut(ref, "/")
		return host
	}
	return reference.Domain(named)
}

// networkFailures are what a registry that cannot be reached looks like in
// the engine's error text.
var networkFailures = []string{
	"no such host", "dial tcp", "i/o timeout", "connection refused", "network is unreachable",
	"context deadline exceeded", "tls handshake timeout", "timeout awaiting response", "server misbehaving",
	"temporary failure in name resolution", "no route to host", "connection reset",
}

func isNetworkFailure(s string) bool {
	s = strings.ToLower(s)
	for _, f := range networkFailures {
		if strings.Contains(s, f) {
			return true
		}
	}
	return false
}

// ImageAvailable reports whether the engine has ref (present) or can pull
// it: asked through the engine (so its proxy, mirrors and credentials
// apply) for the manifest only, within ProbeTimeout. An image it can
// neither find nor pull is a *PullError.
func (c *Client) ImageAvailable(ctx context.Context, ref string) (present bool, err error) {
	ok, err := c.ImageExists(ctx, ref)
	if err != nil || ok {
		return ok, err
	}
	pctx, cancel := context.WithTimeout(ctx, ProbeTimeout)
	defer cancel()
	_, err = c.API.DistributionInspect(pctx, ref, "")
	if err == nil {
		return false, nil
	}
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	var unreach *UnreachableError
	if e := c.apiErr(ctx, msg.Sub{ID: "engine.api.distribution", Args: msg.Args{"Image": ref}}, err); errors.As(e, &unreach) {
		return false, e
	}
	return false, &PullError{Image: ref, Unreachable: pctx.Err() != nil || isNetworkFailure(err.Error()), Err: err}
}

// ImageReport is what ImagesAvailable found for one image.
type ImageReport struct {
	Image   string
	Present bool
	// Err is nil when the image is present or pullable.
	Err error
}

// ImagesAvailable checks every image in refs. Once a registry has not
// answered, the other images of that registry are not probed again: on an
// offline host the check takes one timeout per registry, not per image.
func (c *Client) ImagesAvailable(ctx context.Context, refs []string) []ImageReport {
	down := map[string]*PullError{}
	var out []ImageReport
	for _, ref := range refs {
		host := RegistryHost(ref)
		if pe, ok := down[host]; ok {
			if present, err := c.ImageExists(ctx, ref); err == nil && present {
				out = append(out, ImageReport{Image: ref, Present: true})
				continue
			}
			out = append(out, ImageReport{Image: ref, Err: &PullError{Image: ref, Unreachable: true, Err: pe.Err}})
			continue
		}
		present, err := c.ImageAvailable(ctx, ref)
		var pe *PullError
		if errors.As(err, &pe) && pe.Unreachable {
			down[host] = pe
		}
		out = append(out, ImageReport{Image: ref, Present: present, Err: err})
	}
	return out
}

func oneLine(err error) string {
	if err == nil {
		return ""
	}
	return strings.Join(strings.Fields(err.Error()), " ")
}
