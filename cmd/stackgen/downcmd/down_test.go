package downcmd

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docker/docker/api/types/volume"

	"github.com/stackgen/stackgen/cmd/stackgen/cmdutil"
	"github.com/stackgen/stackgen/engine"
	"github.com/stackgen/stackgen/engine/enginetest"
)

const configJSON = `{"name":"site","services":{"db":{"image":"mariadb:11.8"}},"volumes":{"db_vol":{"name":"site_db_vol"}}}`

func setup(t *testing.T) (*Options, *enginetest.Runner) {
	t.Helper()
	api := &enginetest.API{}
	api.Up()
	api.VolumeListFn = func(ctx context.Context, o volume.ListOptions) (volume.ListResponse, error) {
		if got := o.Filters.Get("label"); len(got) != 1 || got[0] != "com.docker.compose.project=site" {
			t.Errorf("volume filter %v", got)
		}
		return volume.ListResponse{Volumes: []*volume.Volume{{Name: "site_db_vol"}}}, nil
	}
	runner := &enginetest.Runner{Answer: enginetest.Compose(configJSON, nil)}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "compose.yaml"), []byte("services: {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ios, _, _, _ := cmdutil.Test()
	return &Options{IO: ios, Dir: dir,
		Engine: func() (*engine.Client, error) { return &engine.Client{API: api, Compose: runner}, nil }}, runner
}

func TestDownKeepsVolumes(t *testing.T) {
	opts, runner := setup(t)
	if err := run(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	if !runner.Ran("compose", "down") || runner.Ran("compose", "down", "--volumes") {
		t.Errorf("calls %v", runner.Calls)
	}
	if got := opts.IO.ErrOut.(interface{ String() string }).String(); !strings.Contains(got, "Volumes kept: site_db_vol") {
		t.Errorf("stderr %q", got)
	}
}

func TestDownVolumesNeedsConfirmation(t *testing.T) {
	opts, runner := setup(t)
	opts.Volumes = true
	err := run(context.Background(), opts)
	var fe *cmdutil.FlagError
	if !errors.As(err, &fe) || !strings.Contains(err.Error(), "site_db_vol") || !strings.Contains(err.Error(), "--yes-delete-data") {
		t.Fatalf("error %v", err)
	}
	if runner.Ran("compose", "down") {
		t.Error("ran compose down without confirmation")
	}
	opts.YesDeleteData = true
	if err := run(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	if !runner.Ran("compose", "down", "--volumes") {
		t.Errorf("calls %v", runner.Calls)
	}
}

func TestConfirmationAloneIsAMistake(t *testing.T) {
	ios, _, _, _ := cmdutil.Test()
	cmd := NewCmdDown(&cmdutil.Factory{IO: ios}, func(context.Context, *Options) error { return nil })
	cmd.SetArgs([]string{"--yes-delete-data"})
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	var fe *cmdutil.FlagError
	if err := cmd.Execute(); !errors.As(err, &fe) {
		t.Errorf("error %v, want a flag error", err)
	}
}
