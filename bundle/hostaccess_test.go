package bundle

import (
	"github.com/stackgen/stackgen/internal/msg"
	"io"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"

	"github.com/stackgen/stackgen/fileset"
	stackrender "github.com/stackgen/stackgen/render"
	"github.com/stackgen/stackgen/stack"
	"github.com/stackgen/stackgen/stacks"
)

// What an installer sees of each stack's bundle (the render without its
// .env, then a fresh .env from .env.example) passes the install's checks;
// only onyx's logging overlay, whose Filebeat reads the Docker socket,
// needs --allow-privileged.
func TestStackBundlesPassTheInstallChecks(t *testing.T) {
	cases := []struct {
		stack   string
		answers stack.Answers
		want    string
	}{
		{"django-uwsgi", stack.Answers{}, ""},
		{"keras-webpy", stack.Answers{}, ""},
		{"onyx", stack.Answers{}, ""},
		{"onyx", stack.Answers{"logging": "true"}, "mounts the Docker socket"},
	}
	for _, c := range cases {
		t.Run(c.stack+"/"+c.want, func(t *testing.T) {
			d, err := stacks.Registry().Lookup(c.stack)
			if err != nil {
				t.Fatal(err)
			}
			rnd := rand.NewChaCha8([32]byte{9}) // secrets that meet every stack's rules (OpenSearch wants mixed ones)
			set, _, err := stackrender.Project(d, c.answers, stackrender.Options{Rand: rnd, Version: "test"})
			if err != nil {
				t.Fatal(err)
			}
			var shipped fileset.Set
			for _, f := range set {
				if f.Path != ".env" {
					shipped = append(shipped, f)
				}
			}
			secrets, err := d.GenerateSecrets(rnd, nil)
			if err != nil {
				t.Fatal(err)
			}
			example, _ := shipped.Get(".env.example")
			shipped = append(shipped, fileset.File{Path: ".env", Mode: 0o600, Content: EnvFromExample(example.Content, secrets)})
			shipped.Sort()
			err = CheckProject(io.Discard, msg.English(), "b.zip", shipped, false)
			switch {
			case c.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Fatalf("err = %v, want %q", err, c.want)
			case c.want != "":
				// the refusal and the finding in it are said again in the
				// reader's language
				if zh := msg.New(msg.Zh).T("root.error", msg.Args{"Err": err}); !strings.Contains(zh, "--allow-privileged") || regexp.MustCompile(`[a-z]{3,} [a-z]{3,} [a-z]{3,}`).MatchString(zh) {
					t.Errorf("in Chinese the refusal reads %q: English words are left", zh)
				}
				if err := CheckProject(io.Discard, msg.English(), "b.zip", shipped, true); err != nil {
					t.Fatalf("refused with --allow-privileged: %v", err)
				}
			}
		})
	}
}
