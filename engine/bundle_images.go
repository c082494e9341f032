package engine

// What `stackgen deploy --package` needs from Docker: the exact image names
// compose uses, each image's ID and platform, and the host files the
// services bind-mount. Save and load are in images.go.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"sort"
	"strings"

	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/versions"
	"github.com/docker/docker/client"
	"github.com/opencontainers/go-digest"
	"github.com/opencontainers/image-spec/identity"

	"github.com/stackgen/stackgen/internal/msg"
)

// ImageInfo is what a bundle records of one image.
type ImageInfo struct {
	Ref  string
	ID   string
	Size int64
	// OS and Arch (plus Variant for arm) are the image's platform.
	OS, Arch, Variant string
	// Layers are the layers' uncompressed digests (RootFS.Layers, the
	// config's diff_ids): the same on every image store.
	Layers []string
}

// Platform is the image's os/arch.
func (i ImageInfo) Platform() string { return i.OS + "/" + i.Arch }

// ErrImageMissing matches the error for an image the engine does not have.
var ErrImageMissing = errors.New("image not in the engine")

// ImageInfo inspects one image.
func (c *Client) ImageInfo(ctx context.Context, ref string) (ImageInfo, error) {
	return c.ImageInfoFor(ctx, ref, "")
}

// ImageInfoFor inspects one platform ("linux/arm64") of an image: engines
// from API 1.49 (Docker 28.1, the containerd store) answer for the
// platform asked; older ones, and "", for the image as it runs here.
func (c *Client) ImageInfoFor(ctx context.Context, ref, platform string) (ImageInfo, error) {
	var opts []client.ImageInspectOption
	if platform != "" {
		if v, err := c.API.ServerVersion(ctx); err == nil && !versions.LessThan(v.APIVersion, "1.49") {
			p, err := parsePlatform(platform)
			if err != nil {
				return ImageInfo{}, err
			}
			opts = append(opts, client.ImageInspectWithPlatform(&p))
		}
	}
	r, err := c.API.ImageInspect(ctx, ref, opts...)
	if err != nil {
		if isNotFound(err) {
			return ImageInfo{}, msg.Err("engine.err.image-missing", msg.Args{"Image": ref, "Kind": ErrImageMissing})
		}
		return ImageInfo{}, c.apiErr(ctx, msg.Sub{ID: "engine.api.inspect-image", Args: msg.Args{"Image": ref}}, err)
	}
	return ImageInfo{Ref: ref, ID: r.ID, Size: r.Size, OS: r.Os, Arch: r.Architecture, Variant: r.Variant, Layers: r.RootFS.Layers}, nil
}

// LayerChains returns the chain ID of every layer of every image in the
// engine: what an update bundle's left-out layers are checked against.
// (A layer's chain ID names it together with the layers below it, as the
// store keeps it: the same content on another base is another layer.)
func (c *Client) LayerChains(ctx context.Context) (map[string]bool, error) {
	list, err := c.API.ImageList(ctx, image.ListOptions{All: true})
	if err != nil {
		return nil, c.apiErr(ctx, msg.Sub{ID: "engine.api.list-images"}, err)
	}
	have := map[string]bool{}
	for _, s := range list {
		r, err := c.API.ImageInspect(ctx, s.ID)
		if err != nil {
			if isNotFound(err) {
				continue // removed meanwhile
			}
			return nil, c.apiErr(ctx, msg.Sub{ID: "engine.api.inspect-image", Args: msg.Args{"Image": s.ID}}, err)
		}
		for _, ch := range ChainIDs(r.RootFS.Layers) {
			have[ch] = true
		}
	}
	return have, nil
}

// ChainIDs returns the chain ID of each prefix of diffIDs: the identity of
// a layer in a store (the same content on a different base is another
// layer), as the OCI image spec defines it.
func ChainIDs(diffIDs []string) []string {
	ds := make([]digest.Digest, len(diffIDs))
	for i, d := range diffIDs {
		ds[i] = digest.Digest(d)
	}
	out := make([]string, len(ds))
	for i, c := range identity.ChainIDs(ds) { // in place, on our copy
		out[i] = c.String()
	}
	return out
}

// LoadProjectFiles is LoadProject plus ComposeHostFiles from one run of
// `docker compose config --format json`: packaging needs both, and each
// compose run costs about a second on a busy machine.
func (c *Client) LoadProjectFiles(ctx context.Context, dir string) (*ComposeProject, []HostFile, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, nil, err
	}
	if _, ok := FindComposeFile(abs); !ok {
		return nil, nil, msg.Err("engine.err.no-compose", msg.Args{"Dir": abs})
	}
	var out, errOut bytes.Buffer
	if err := c.Compose.Run(ctx, abs, []string{"compose", "--project-directory", abs, "config", "--format", "json"}, &out, &errOut); err != nil {
		var missing *ComposeMissingError
		if errors.As(err, &missing) || ctx.Err() != nil {
			return nil, nil, err
		}
		var ce *CommandError
		if errors.As(err, &ce) && strings.Contains(ce.Stderr, "is not a docker command") {
			return nil, nil, &ComposeMissingError{Detail: lastLine(ce.Stderr)}
		}
		return nil, nil, &ConfigError{Dir: abs, Err: err}
	}
	p, err := parseConfig(out.Bytes())
	if err != nil {
		return nil, nil, &ConfigError{Dir: abs, Err: err}
	}
	p.Dir = abs
	files, err := parseHostFiles(out.Bytes(), abs)
	if err != nil {
		return nil, nil, &ConfigError{Dir: abs, Err: err}
	}
	return p, files, nil
}

// ComposeImagesIn is ComposeImages for the project in dir, named as
// compose names it, so it can run beside LoadProjectFiles.
func (c *Client) ComposeImagesIn(ctx context.Context, dir string) ([]string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	return c.composeImages(ctx, abs, []string{"compose", "--project-directory", abs, "config", "--images"})
}

// ComposeImages returns the image names compose uses for p's services
// (`docker compose config --images`): pulled ones as written, built ones
// under the name compose gives them. Sorted, each once.
func (c *Client) ComposeImages(ctx context.Context, p *ComposeProject) ([]string, error) {
	return c.composeImages(ctx, p.Dir, composeArgs(p, "", "config", "--images"))
}

func (c *Client) composeImages(ctx context.Context, dir string, args []string) ([]string, error) {
	var out, errOut bytes.Buffer
	if err := c.Compose.Run(ctx, dir, args, &out, &errOut); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &ConfigError{Dir: dir, Err: err}
	}
	seen := map[string]bool{}
	var refs []string
	for _, l := range strings.Split(out.String(), "\n") {
		l = strings.TrimSpace(l)
		if l == "" || seen[l] {
			continue
		}
		seen[l] = true
		refs = append(refs, l)
	}
	sort.Strings(refs)
	if len(refs) == 0 {
		return nil, msg.Err("engine.err.no-images", msg.Args{"Dir": dir})
	}
	return refs, nil
}

// HostFile is a file or directory on the host that a service reads.
type HostFile struct {
	Service string
	// Source is the absolute host path.
	Source string
	Target string
	// ReadOnly bind mounts are configuration; writable ones are data or
	// logs.
	ReadOnly bool
	// Kind is "bind" (a bind mount), "env_file", "config" or "secret"
	// (a compose secret's file: it holds a secret).
	Kind string
}

// ComposeHostFiles lists the host paths p's services bind-mount or read
// as env_file, from the resolved configuration (`docker compose config
// --format json`). The configuration holds secrets from .env: it is
// parsed here and never printed.
func (c *Client) ComposeHostFiles(ctx context.Context, p *ComposeProject) ([]HostFile, error) {
	var out, errOut bytes.Buffer
	if err := c.Compose.Run(ctx, p.Dir, composeArgs(p, "", "config", "--format", "json"), &out, &errOut); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &ConfigError{Dir: p.Dir, Err: err}
	}
	return parseHostFiles(out.Bytes(), p.Dir)
}

func parseHostFiles(b []byte, dir string) ([]HostFile, error) {
	var cfg struct {
		Services map[string]struct {
			Volumes []struct {
				Type     string `json:"type"`
				Source   string `json:"source"`
				Target   string `json:"target"`
				ReadOnly bool   `json:"read_only"`
			} `json:"volumes"`
			EnvFile json.RawMessage `json:"env_file"`
		} `json:"services"`
		Configs map[string]struct {
			File string `json:"file"`
		} `json:"configs"`
		Secrets map[string]struct {
			File string `json:"file"`
		} `json:"secrets"`
	}
	if err := json.Unmarshal(b, &cfg); err != nil {
		return nil, msg.Err("engine.err.config-output", msg.Args{"Err": err})
	}
	abs := func(p string) string {
		if p == "" || filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(dir, p)
	}
	var out []HostFile
	for name, s := range cfg.Services {
		for _, v := range s.Volumes {
			if v.Type == "bind" && v.Source != "" {
				out = append(out, HostFile{Service: name, Source: abs(v.Source), Target: v.Target, ReadOnly: v.ReadOnly, Kind: "bind"})
			}
		}
		for _, e := range envFiles(s.EnvFile) {
			out = append(out, HostFile{Service: name, Source: abs(e), ReadOnly: true, Kind: "env_file"})
		}
	}
	for _, c := range cfg.Configs {
		if c.File != "" {
			out = append(out, HostFile{Source: abs(c.File), ReadOnly: true, Kind: "config"})
		}
	}
	for _, s := range cfg.Secrets {
		if s.File != "" {
			out = append(out, HostFile{Source: abs(s.File), ReadOnly: true, Kind: "secret"})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Source != out[j].Source {
			return out[i].Source < out[j].Source
		}
		return out[i].Service < out[j].Service
	})
	return out, nil
}

// envFiles reads env_file in any of compose's shapes: a string, a list of
// strings, or a list of {path, required}.
func envFiles(raw json.RawMessage) []string {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}
	}
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) != nil {
		return nil
	}
	var out []string
	for _, item := range list {
		var s string
		if json.Unmarshal(item, &s) == nil {
			out = append(out, s)
			continue
		}
		var obj struct {
			Path string `json:"path"`
		}
		if json.Unmarshal(item, &obj) == nil && obj.Path != "" {
			out = append(out, obj.Path)
		}
	}
	return out
}
