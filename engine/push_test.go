package engine

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"

	"github.com/stackgen/stackgen/engine/enginetest"
)

type pushAPI struct {
	*enginetest.API
	inspected []string
}

func (p *pushAPI) ImageInspect(_ context.Context, ref string, _ ...client.ImageInspectOption) (image.InspectResponse, error) {
	p.inspected = append(p.inspected, ref)
	return image.InspectResponse{RepoDigests: []string{"other/site-web@sha256:ffff", "10.0.0.1:5000/site-web@sha256:0123"}}, nil
}

func TestPushImage(t *testing.T) {
	api := &pushAPI{API: &enginetest.API{}}
	runner := &enginetest.Runner{Answer: func([]string, io.Writer, io.Writer) error { return nil }}
	c := &Client{API: api, Compose: runner}
	ref, err := c.PushImage(context.Background(), "example.org/team/site-web:1.0", "10.0.0.1:5000", nil)
	if err != nil {
		t.Fatal(err)
	}
	if ref != "10.0.0.1:5000/site-web@sha256:0123" {
		t.Errorf("ref %q, want the registry's digest", ref)
	}
	var calls []string
	for _, c := range runner.Calls {
		calls = append(calls, strings.Join(c, " "))
	}
	if got := strings.Join(calls, "; "); got != "tag example.org/team/site-web:1.0 10.0.0.1:5000/site-web:1.0; push 10.0.0.1:5000/site-web:1.0" {
		t.Errorf("docker calls: %s", got)
	}
}
