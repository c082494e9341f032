package upcmd

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stackgen/stackgen/cmd/stackgen/cmdutil"
)

const configJSON = `{"name":"site","services":{
 "redis":{"image":"redis:8.0","restart":"unless-stopped","healthcheck":{"test":["CMD","redis-cli","ping"]}},
 "web":{"image":"site-web:1","build":{"context":"./site"},"restart":"unless-stopped",
   "healthcheck":{"test":["CMD","python","/app/healthcheck.py"]},
   "depends_on":{"redis":{"condition":"service_healthy"}},
   "ports":[{"host_ip":"127.0.0.1","target":80,"published":"8080","protocol":"tcp"}]}},
 "volumes":{"redis_vol":{"name":"site_redis_vol"}}}`

func TestNewCmdUpFlags(t *testing.T) {
	cases := []struct {
		args    []string
		wantDir string
		wantTO  time.Duration
		wantErr string
	}{
		{args: nil, wantDir: ".", wantTO: 0}, // 0: the stack's own default, decided in run
		{args: []string{"mysite", "--timeout", "90s", "--progress", "plain"}, wantDir: "mysite", wantTO: 90 * time.Second},
		{args: []string{"--timeout", "900"}, wantDir: ".", wantTO: 900 * time.Second}, // seconds, as compose's --wait-timeout
		{args: []string{"--timeout", "soon"}, wantErr: "give seconds (900) or a duration"},
		{args: []string{"--json", "--progress", "plain"}, wantErr: "--json is --progress json"},
		{args: []string{"--dir", "site"}, wantDir: "site"},
		{args: []string{"a", "--dir", "b"}, wantErr: "given twice"},
		{args: []string{"--progress", "fancy"}, wantErr: `invalid --progress "fancy"`},
		{args: []string{"a", "b"}, wantErr: "accepts at most 1 arg"},
	}
	for _, tc := range cases {
		ios, _, _, _ := cmdutil.Test()
		f := &cmdutil.Factory{IO: ios}
		var got *Options
		cmd := NewCmdUp(f, func(ctx context.Context, o *Options) error { got = o; return nil })
		cmd.SetArgs(tc.args)
		cmd.SetOut(io.Discard)
		cmd.SetErr(io.Discard)
		err := cmd.Execute()
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%v: error %v, want %q", tc.args, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		if got.Dir != tc.wantDir || got.Timeout != tc.wantTO {
			t.Errorf("%v: dir %q timeout %v", tc.args, got.Dir, got.Timeout)
		}
	}
}

func TestJSONIsProgressJSON(t *testing.T) {
	ios, _, _, _ := cmdutil.Test()
	var got *Options
	cmd := NewCmdUp(&cmdutil.Factory{IO: ios}, func(ctx context.Context, o *Options) error { got = o; return nil })
	cmd.SetArgs([]string{"--json"})
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	if err := cmd.Execute(); err != nil || got.Progress != "json" {
		t.Errorf("--json: progress %q, err %v", got.Progress, err)
	}
}

func TestUpSwarmFlags(t *testing.T) {
	cases := []struct {
		args []string
		err  string
	}{
		{[]string{"--swarm", "--init", "--replicas", "3", "--data-node", "n1", "--publish-mode", "host"}, ""},
		{[]string{"--init"}, "go with --swarm"},
		{[]string{"--swarm", "--replicas", "0"}, "--replicas"},
	}
	for _, c := range cases {
		ios, _, _, _ := cmdutil.Test()
		var got *Options
		cmd := NewCmdUp(&cmdutil.Factory{IO: ios}, func(_ context.Context, o *Options) error { got = o; return nil })
		cmd.SetArgs(c.args)
		cmd.SetOut(io.Discard)
		cmd.SetErr(io.Discard)
		err := cmd.Execute()
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%v: error %v, want %q", c.args, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%v: %v", c.args, err)
		}
		if !got.Swarm.On || !got.Swarm.Init || got.Swarm.Replicas != 3 || got.Swarm.DataNode != "n1" || got.Swarm.PublishMode != "host" {
			t.Errorf("%v: options %+v", c.args, got.Swarm)
		}
	}
}
