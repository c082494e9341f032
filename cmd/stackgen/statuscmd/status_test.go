package statuscmd

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stackgen/stackgen/cmd/stackgen/cmdutil"
	"github.com/stackgen/stackgen/engine"
	"github.com/stackgen/stackgen/engine/enginetest"
)

const configJSON = `{"name":"site","services":{"db":{"image":"mariadb:11.8"},"nginx":{"image":"nginx:1.26"},"web":{"image":"web:1"}}}`

func setup(t *testing.T) *Options {
	t.Helper()
	api := &enginetest.API{}
	api.Up()
	api.SetContainers(
		enginetest.Ctr{ID: "d1", Project: "site", Service: "db", State: "running", Health: "healthy"},
		enginetest.Ctr{ID: "n1", Project: "site", Service: "nginx", State: "running", Health: "healthy", Ports: []string{"127.0.0.1:8080->80/tcp"}},
	)
	runner := &enginetest.Runner{Answer: enginetest.Compose(configJSON, nil)}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "compose.yaml"), []byte("services: {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ios, _, _, _ := cmdutil.Test()
	return &Options{IO: ios, Dir: dir,
		Engine: func() (*engine.Client, error) { return &engine.Client{API: api, Compose: runner}, nil },
		Now:    func() time.Time { return time.Date(2026, 5, 1, 12, 5, 0, 0, time.UTC) },
	}
}

func TestStatusTable(t *testing.T) {
	opts := setup(t)
	if err := run(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	got := opts.IO.Out.(interface{ String() string }).String()
	want := `SERVICE  STATE        HEALTH   PORTS                   CONTAINER
db       running 5m   healthy  -                       site-db-1
nginx    running 5m   healthy  127.0.0.1:8080->80/tcp  site-nginx-1
web      not created  -        -                       -
`
	if got != want {
		t.Errorf("table:\n%s\nwant:\n%s", got, want)
	}
}

func TestStatusJSON(t *testing.T) {
	opts := setup(t)
	opts.JSON = true
	if err := run(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	var out Output
	if err := json.Unmarshal([]byte(opts.IO.Out.(interface{ String() string }).String()), &out); err != nil {
		t.Fatal(err)
	}
	if out.Project != "site" || len(out.Services) != 3 || out.Services[1].Ports[0] != "127.0.0.1:8080->80/tcp" || out.Services[2].State != "not created" {
		t.Errorf("json %+v", out)
	}
}

// A folder compose cannot name (我的网站, no name: in compose.yaml): status
// says why and how to fix it instead of "Project  has no containers".
func TestStatusOfAFolderComposeCannotName(t *testing.T) {
	opts := setup(t)
	dir := filepath.Join(t.TempDir(), "我的网站")
	os.MkdirAll(dir, 0o755)
	os.WriteFile(filepath.Join(dir, "compose.yaml"), []byte("services: {}\n"), 0o644)
	opts.Dir = dir
	api := &enginetest.API{}
	api.Up()
	fail := &engine.CommandError{Args: []string{"compose", "config"}, ExitCode: 15, Stderr: "project name must not be empty\n"}
	runner := &enginetest.Runner{Answer: enginetest.Compose(configJSON, map[string]error{"config": fail})}
	opts.Engine = func() (*engine.Client, error) { return &engine.Client{API: api, Compose: runner}, nil }
	err := run(context.Background(), opts)
	if err == nil || !strings.Contains(err.Error(), "no project name from 我的网站") || !strings.Contains(err.Error(), "name: to compose.yaml") {
		t.Errorf("err = %v", err)
	}
}
