package logscmd

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stackgen/stackgen/cmd/stackgen/cmdutil"
	"github.com/stackgen/stackgen/engine"
	"github.com/stackgen/stackgen/engine/enginetest"
)

func TestLogsArguments(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		args             []string
		wantDir, wantSvc string
	}{
		{nil, ".", ""},
		{[]string{dir}, dir, ""},
		{[]string{"web"}, ".", "web"},
		{[]string{dir, "web", "-f", "--tail", "20"}, dir, "web"},
	}
	for _, tc := range cases {
		ios, _, _, _ := cmdutil.Test()
		var got *Options
		cmd := NewCmdLogs(&cmdutil.Factory{IO: ios}, func(ctx context.Context, o *Options) error { got = o; return nil })
		cmd.SetArgs(tc.args)
		cmd.SetOut(io.Discard)
		cmd.SetErr(io.Discard)
		if err := cmd.Execute(); err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		if got.Dir != tc.wantDir || got.Service != tc.wantSvc {
			t.Errorf("%v: dir %q service %q", tc.args, got.Dir, got.Service)
		}
	}
}

func TestLogsPrefixEachServiceLine(t *testing.T) {
	api := &enginetest.API{}
	api.Up()
	api.SetContainers(
		enginetest.Ctr{ID: "d1", Project: "site", Service: "db", State: "running"},
		enginetest.Ctr{ID: "w1", Project: "site", Service: "web", State: "running"},
	)
	api.Logs("line one\nline two\n")
	runner := &enginetest.Runner{Answer: enginetest.Compose(`{"name":"site","services":{"db":{},"web":{}}}`, nil)}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "compose.yaml"), []byte("services: {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ios, _, out, _ := cmdutil.Test()
	opts := &Options{IO: ios, Dir: dir, Tail: "all",
		Engine: func() (*engine.Client, error) { return &engine.Client{API: api, Compose: runner}, nil }}
	if err := run(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	want := "db  | line one\ndb  | line two\nweb | line one\nweb | line two\n"
	if out.String() != want {
		t.Errorf("output:\n%s\nwant:\n%s", out.String(), want)
	}
	out.Reset()
	opts.Service = "web"
	if err := run(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	if out.String() != "line one\nline two\n" {
		t.Errorf("one service: %q", out.String())
	}
	opts.Service = "nope"
	if err := run(context.Background(), opts); err == nil || !strings.Contains(err.Error(), "its services: db, web") {
		t.Errorf("unknown service: %v", err)
	}
}
