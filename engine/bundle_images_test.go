package engine

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/stackgen/stackgen/engine/enginetest"
)

func TestParseHostFiles(t *testing.T) {
	cfg := `{"name":"mysite","services":{
	  "nginx":{"volumes":[
	    {"type":"bind","source":"/p/compose/nginx/nginx.conf","target":"/etc/nginx/conf.d/nginx.conf","read_only":true},
	    {"type":"bind","source":"/p/compose/nginx/log","target":"/var/log/nginx"},
	    {"type":"volume","source":"static_vol","target":"/static"}]},
	  "web":{"env_file":[{"path":"/p/web.env","required":true},"/p/extra.env"]},
	  "db":{"env_file":"db.env"}},
	 "configs":{"app":{"file":"/p/app.ini"}},
	 "secrets":{"pw":{"file":"/p/secrets/pw.txt"}}}`
	files, err := parseHostFiles([]byte(cfg), "/p")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range files {
		ro := "rw"
		if f.ReadOnly {
			ro = "ro"
		}
		got = append(got, f.Kind+":"+f.Service+":"+f.Source+":"+ro)
	}
	want := []string{
		"config::/p/app.ini:ro",
		"bind:nginx:/p/compose/nginx/log:rw",
		"bind:nginx:/p/compose/nginx/nginx.conf:ro",
		"env_file:db:/p/db.env:ro",
		"env_file:web:/p/extra.env:ro",
		"secret::/p/secrets/pw.txt:ro",
		"env_file:web:/p/web.env:ro",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if _, err := parseHostFiles([]byte("not json"), "/p"); err == nil {
		t.Error("bad JSON accepted")
	}
}

func TestComposeImagesIn(t *testing.T) {
	r := &enginetest.Runner{Answer: func(args []string, stdout, stderr io.Writer) error {
		io.WriteString(stdout, "redis:8.0\nmysite-web:1.0\n\nredis:8.0\n")
		return nil
	}}
	c := &Client{Compose: r}
	refs, err := c.ComposeImagesIn(context.Background(), "/p")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(refs, " ") != "mysite-web:1.0 redis:8.0" {
		t.Errorf("refs %v", refs)
	}
	if !r.Ran("compose", "--project-directory", "/p", "config", "--images") {
		t.Errorf("calls %v", r.Calls)
	}
}
