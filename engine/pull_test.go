package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/registry"

	"github.com/stackgen/stackgen/engine/enginetest"
	"github.com/stackgen/stackgen/internal/msg"
)

func TestImagesAvailable(t *testing.T) {
	present := map[string]bool{"mysql:8.4": true}
	hub := RegistryHost("redis:7.4") // Docker Hub, however the library spells it
	probes := map[string]int{}
	api := &enginetest.API{
		ImageInspectFn: func(_ context.Context, ref string) (image.InspectResponse, error) {
			if present[ref] {
				return image.InspectResponse{ID: "sha256:1"}, nil
			}
			return image.InspectResponse{}, cerrdefs.ErrNotFound
		},
		DistributionFn: func(_ context.Context, ref string) (registry.DistributionInspect, error) {
			host := RegistryHost(ref)
			probes[host]++
			switch host {
			case hub:
				return registry.DistributionInspect{}, nil
			case "private.example":
				return registry.DistributionInspect{}, errors.New("Error response from daemon: unauthorized: authentication required")
			}
			return registry.DistributionInspect{}, fmt.Errorf(`Error response from daemon: Get "https://%s/v2/": dial tcp: lookup %s: no such host`, host, host)
		},
	}
	c := &Client{API: api}
	got := c.ImagesAvailable(context.Background(), []string{
		"mysql:8.4", "redis:7.4", "stackgen-test.invalid/nothing:1", "stackgen-test.invalid/other:2", "private.example/app:1",
	})
	want := []struct {
		present bool
		err     string
	}{
		{true, ""},
		{false, ""},
		{false, "registry stackgen-test.invalid cannot be reached"},
		{false, "registry stackgen-test.invalid cannot be reached"},
		{false, "no such image or needs 'docker login'"},
	}
	for i, w := range want {
		r := got[i]
		if r.Present != w.present || (w.err == "") != (r.Err == nil) || (r.Err != nil && !strings.Contains(r.Err.Error(), w.err)) {
			t.Errorf("%s: present %v err %v; want present %v, err containing %q", r.Image, r.Present, r.Err, w.present, w.err)
		}
		var pe *PullError
		if r.Err != nil && (!errors.As(r.Err, &pe) || !strings.Contains(msg.English().T(pe.Fix().ID, pe.Fix().Args), "--registry-mirror")) {
			t.Errorf("%s: %v is not a PullError with the ways out", r.Image, r.Err)
		}
	}
	if probes["stackgen-test.invalid"] != 1 {
		t.Errorf("the unreachable registry was probed %d times, want once", probes["stackgen-test.invalid"])
	}
}

func TestRegistryHost(t *testing.T) {
	hub := RegistryHost("mysql:8.4")
	if hub == "" || hub == "mysql" {
		t.Fatalf("an official image's registry is %q", hub)
	}
	for ref, want := range map[string]string{
		"onyxdotapp/onyx-backend:v2":      hub, // a Docker Hub user's image
		"library/redis:7.4":               hub,
		"registry.local:5000/db/mysql:1":  "registry.local:5000",
		"stackgen-test.invalid/nothing:1": "stackgen-test.invalid",
	} {
		if got := RegistryHost(ref); got != want {
			t.Errorf("RegistryHost(%q) = %q, want %q", ref, got, want)
		}
	}
}
