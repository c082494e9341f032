package engine

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/docker/docker/api/types"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"

	"github.com/stackgen/stackgen/engine/enginetest"
)

type saveAPI struct {
	enginetest.API
	opts   int
	images []image.Summary
	layers map[string][]string
}

func (s *saveAPI) ImageSave(_ context.Context, _ []string, opts ...client.ImageSaveOption) (io.ReadCloser, error) {
	s.opts = len(opts)
	return io.NopCloser(strings.NewReader("tar")), nil
}

func (s *saveAPI) ImageList(context.Context, image.ListOptions) ([]image.Summary, error) {
	return s.images, nil
}

func (s *saveAPI) ImageInspect(_ context.Context, ref string, opts ...client.ImageInspectOption) (image.InspectResponse, error) {
	s.opts = len(opts)
	return image.InspectResponse{ID: ref, RootFS: image.RootFS{Layers: s.layers[ref]}}, nil
}

// Engines from API 1.48 save one platform; older ones are not asked (they
// would refuse the parameter), and the bundle narrows the index itself.
func TestSaveImagesPlatformAsksOnlyEnginesThatCan(t *testing.T) {
	for _, c := range []struct {
		api  string
		want int
	}{{"1.41", 0}, {"1.45", 0}, {"1.48", 1}, {"1.51", 1}} {
		api := &saveAPI{}
		api.ServerVersionFn = func(context.Context) (types.Version, error) { return types.Version{APIVersion: c.api}, nil }
		cl := &Client{API: api}
		rc, err := cl.SaveImagesPlatform(context.Background(), []string{"web:1"}, "linux/amd64")
		if err != nil {
			t.Fatal(err)
		}
		rc.Close()
		if api.opts != c.want {
			t.Errorf("API %s: %d save options, want %d", c.api, api.opts, c.want)
		}
	}
	for _, c := range []struct {
		api, platform string
		want          int
	}{{"1.48", "linux/arm64", 0}, {"1.49", "linux/arm64", 1}, {"1.49", "", 0}} {
		api := &saveAPI{}
		api.ServerVersionFn = func(context.Context) (types.Version, error) { return types.Version{APIVersion: c.api}, nil }
		if _, err := (&Client{API: api}).ImageInfoFor(context.Background(), "web:1", c.platform); err != nil {
			t.Fatal(err)
		}
		if api.opts != c.want {
			t.Errorf("inspect on API %s for %q: %d options, want %d", c.api, c.platform, api.opts, c.want)
		}
	}
	api := &saveAPI{}
	api.ServerVersionFn = func(context.Context) (types.Version, error) { return types.Version{APIVersion: "1.48"}, nil }
	if _, err := (&Client{API: api}).SaveImagesPlatform(context.Background(), []string{"web:1"}, "amd64"); err == nil {
		t.Error("a platform without os/ was taken")
	}
}

// LayerChains names every prefix of every image's layers by its chain ID
// (the OCI image spec's definition).
func TestLayerChains(t *testing.T) {
	api := &saveAPI{
		images: []image.Summary{{ID: "a"}, {ID: "b"}},
		layers: map[string][]string{"a": {"sha256:1", "sha256:2"}, "b": {"sha256:2"}},
	}
	have, err := (&Client{API: api}).LayerChains(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// sha256sum of "sha256:1 sha256:2", as the OCI image spec defines it.
	chain12 := "sha256:86095f8fe4f778dd9cd1eaa8351228c07b0476d1635c04d136b40abfd6fa0fef"
	if len(have) != 3 || !have["sha256:1"] || !have["sha256:2"] || !have[chain12] {
		t.Errorf("chains %v", have)
	}
}
