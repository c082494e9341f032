package engine

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"

	"github.com/docker/docker/api/types/versions"
	"github.com/docker/docker/client"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/stackgen/stackgen/internal/msg"
)

// ImageExists reports whether the engine has the image.
func (c *Client) ImageExists(ctx context.Context, ref string) (bool, error) {
	_, err := c.API.ImageInspect(ctx, ref)
	if err == nil {
		return true, nil
	}
	if isNotFound(err) {
		return false, nil
	}
	return false, c.apiErr(ctx, msg.Sub{ID: "engine.api.inspect-image", Args: msg.Args{"Image": ref}}, err)
}

// SaveImages streams one `docker save` archive of refs: layers shared by
// several images are stored once. The caller closes the stream.
func (c *Client) SaveImages(ctx context.Context, refs []string) (io.ReadCloser, error) {
	if len(refs) == 0 {
		return nil, msg.Err("engine.err.save-none")
	}
	rc, err := c.API.ImageSave(ctx, refs)
	if err != nil {
		return nil, c.apiErr(ctx, msg.Sub{ID: "engine.api.save", Args: msg.Args{"Images": strings.Join(refs, ", ")}}, err)
	}
	return rc, nil
}

// SaveImagesPlatform is SaveImages for one platform ("linux/amd64") of
// multi-platform images. Engines from API 1.48 (Docker 28) save just that
// platform; older ones save everything they have, and the bundle narrows
// the archive's index itself.
func (c *Client) SaveImagesPlatform(ctx context.Context, refs []string, platform string) (io.ReadCloser, error) {
	if len(refs) == 0 {
		return nil, msg.Err("engine.err.save-none")
	}
	var opts []client.ImageSaveOption
	if v, err := c.API.ServerVersion(ctx); err == nil && !versions.LessThan(v.APIVersion, "1.48") {
		p, err := parsePlatform(platform)
		if err != nil {
			return nil, err
		}
		opts = append(opts, client.ImageSaveWithPlatforms(p))
	}
	rc, err := c.API.ImageSave(ctx, refs, opts...)
	if err != nil {
		return nil, c.apiErr(ctx, msg.Sub{ID: "engine.api.save", Args: msg.Args{"Images": strings.Join(refs, ", ")}}, err)
	}
	return rc, nil
}

// LoadImages loads a `docker save` archive and returns the engine's
// messages ("Loaded image: ..."); an error the engine reports inside the
// stream is returned as an error.
func (c *Client) LoadImages(ctx context.Context, archive io.Reader) ([]string, error) {
	resp, err := c.API.ImageLoad(ctx, archive, client.ImageLoadWithQuiet(true))
	if err != nil {
		return nil, c.apiErr(ctx, msg.Sub{ID: "engine.api.load"}, err)
	}
	defer resp.Body.Close()
	return readJSONMessages(resp.Body)
}

// readJSONMessages reads the engine's progress stream: one JSON object per
// message, each with a "stream" text or an "error".
func readJSONMessages(r io.Reader) ([]string, error) {
	var out []string
	dec := json.NewDecoder(bufio.NewReader(r))
	for {
		var m struct {
			Stream      string `json:"stream"`
			Status      string `json:"status"`
			Error       string `json:"error"`
			ErrorDetail *struct {
				Message string `json:"message"`
			} `json:"errorDetail"`
		}
		if err := dec.Decode(&m); err != nil {
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			return out, msg.Err("engine.err.answer", msg.Args{"Err": err})
		}
		if m.Error != "" {
			return out, errors.New(m.Error)
		}
		if m.ErrorDetail != nil && m.ErrorDetail.Message != "" {
			return out, errors.New(m.ErrorDetail.Message)
		}
		for _, s := range []string{m.Stream, m.Status} {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	}
}

// parsePlatform reads "os/arch" or "os/arch/variant".
func parsePlatform(platform string) (ocispec.Platform, error) {
	os, arch, ok := strings.Cut(platform, "/")
	if !ok || os == "" || arch == "" {
		return ocispec.Platform{}, msg.Err("engine.err.platform", msg.Args{"Platform": platform})
	}
	arch, variant, _ := strings.Cut(arch, "/")
	return ocispec.Platform{OS: os, Architecture: arch, Variant: variant}, nil
}
