package newcmd

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stackgen/stackgen/stack"
	"github.com/stackgen/stackgen/stacks"
)

// aliasBomb is an answers file like the audit's 555-byte one (this one is
// 354 bytes): nine levels of nine
// aliases each, which a decoder that expands aliases turns into 9^9
// strings (the process died with "fatal error: out of memory").
func aliasBomb() string {
	var b strings.Builder
	b.WriteString(`a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]` + "\n")
	prev := "a"
	for _, c := range "bcdefghi" {
		name := string(c)
		b.WriteString(name + ": &" + name + " [" + strings.Repeat("*"+prev+",", 8) + "*" + prev + "]\n")
		prev = name
	}
	b.WriteString("project: *i\n")
	return b.String()
}

func TestAnswersFileLimits(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		path    string
		want    stack.Answers // nil: an error containing wantErr
		wantErr string
	}{
		{name: "alias bomb", path: write("bomb.yml", aliasBomb()), wantErr: "anchors and aliases"},
		{name: "one anchor", path: write("anchor.yml", "domain: &d example.com\n"), wantErr: "anchors and aliases"},
		{name: "/dev/zero", path: "/dev/zero", wantErr: "a character device, not a regular file"},
		{name: "FIFO", path: fifo, wantErr: "a named pipe (FIFO), not a regular file"},
		{name: "directory", path: dir, wantErr: "a directory, not a regular file"},
		{name: "too large", path: write("big.yml", "project: mysite\n#"+strings.Repeat("x", 1<<20)+"\n"), wantErr: "the limit is 1048576"},
		{name: "second document", path: write("two.yml", "project: a\n---\nproject: b\n"), wantErr: "2 YAML documents"},
		{name: "duplicate key", path: write("dup.yml", "project: a\nproject: b\n"), wantErr: `mapping key "project" already defined`},
		{name: "list", path: write("list.yml", "project: [a, b]\n"), wantErr: "single value"},
		{name: "missing", path: filepath.Join(dir, "nope.yml"), wantErr: "no such file"},
		{
			name: "scalars as written",
			path: write("ok.yml", "app_version: 1.10\nhttp_port: 0080\nhttps: yes\npip_index_url:\nproject: 'my'\nimage:\n  db: mariadb:11.8\n"),
			want: stack.Answers{"app_version": "1.10", "http_port": "0080", "https": "yes", "pip_index_url": "", "project": "my", "image.db": "mariadb:11.8"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := stack.Answers{}
			done := make(chan error, 1)
			go func() { done <- readAnswersFile(c.path, stacks.Django(), "", got) }()
			var err error
			select {
			case err = <-done:
			case <-time.After(5 * time.Second):
				t.Fatalf("reading %s hangs", c.path)
			}
			if c.want != nil {
				if err != nil {
					t.Fatal(err)
				}
				for k, v := range c.want {
					if got[k] != v {
						t.Errorf("%s = %q, want %q", k, got[k], v)
					}
				}
				return
			}
			if err == nil {
				t.Fatalf("accepted: %v", got)
			}
			msg := err.Error()
			if !strings.Contains(msg, c.wantErr) || strings.Contains(msg, "\n") || !strings.HasPrefix(msg, "--answers") {
				t.Errorf("error %q: want one line starting with --answers and containing %q", msg, c.wantErr)
			}
		})
	}
}
