package engine

import (
	"strings"
	"testing"

	"github.com/stackgen/stackgen/internal/msg"
)

func TestHints(t *testing.T) {
	cases := []struct {
		name string
		text string
		want []string // substrings, one per expected hint
	}{
		{"port allocated", `Error response from daemon: driver failed programming external connectivity on endpoint p-nginx-1: Bind for 127.0.0.1:8080 failed: port is already allocated`,
			[]string{"host port 8080 on 127.0.0.1 is already in use|stackgen doctor /srv/site"}},
		{"address in use", `Error starting userland proxy: listen tcp4 0.0.0.0:80: bind: address already in use`,
			[]string{"host port 80 on 0.0.0.0"}},
		{"required variable", `error while interpolating services.db.environment.MARIADB_PASSWORD: required variable DB_PASSWORD is missing a value: set DB_PASSWORD in .env`,
			[]string{"/srv/site/.env has no value for DB_PASSWORD: add a line DB_PASSWORD=..."}},
		{"unset variable", `time="2026-05-01T12:00:00Z" level=warning msg="The \"SECRET_KEY\" variable is not set. Defaulting to a blank string."`,
			[]string{"no value for SECRET_KEY"}},
		{"pull denied", `Error response from daemon: pull access denied for mariadb, repository does not exist or may require 'docker login'`,
			[]string{"cannot pull image mariadb|--registry-mirror|--image|--pip-index-url|deploy --bundle"}},
		{"buildkit FROM offline", `failed to solve: python:3.13-slim: failed to resolve source metadata for hub.example/library/python:3.13-slim: failed to do request: Head "https://hub.example/v2/library/python/manifests/3.13-slim": dial tcp: lookup hub.example on 127.0.0.53:53: no such host`,
			[]string{"cannot pull image hub.example/library/python:3.13-slim: pull through a registry mirror"}},
		{"buildkit LLB offline", `failed to solve: rpc error: code = Unknown desc = failed to solve with frontend dockerfile.v0: failed to create LLB definition: failed to do request: Head "https://stackgen-test.invalid/v2/python/manifests/3.13-slim": dial tcp: lookup stackgen-test.invalid on 10.255.255.53:53: no such host`,
			[]string{"cannot pull image stackgen-test.invalid/python:3.13-slim|--registry-mirror"}},
		{"compose pull, registry down", ` db Error Get "https://stackgen-test.invalid/v2/": dial tcp: lookup stackgen-test.invalid on 127.0.0.11:53: no such host`,
			[]string{"cannot reach the registry stackgen-test.invalid|offline bundle"}},
		{"containerd resolve", `failed to resolve reference "stackgen-test.invalid/nothing:1": failed to do request: Head "https://stackgen-test.invalid/v2/nothing/manifests/1": dial tcp: lookup stackgen-test.invalid: no such host`,
			[]string{"cannot pull image stackgen-test.invalid/nothing:1"}},
		{"no project name", `project name must not be empty`,
			[]string{"compose derives no project name from site|name: to compose.yaml"}},
		{"nothing known", "Traceback (most recent call last):\nKeyError: 'x'", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := HintTexts(msg.English(), Hints("/srv/site", "unrelated line", tc.text))
			if len(got) != len(tc.want) {
				t.Fatalf("hints %q, want %d", got, len(tc.want))
			}
			for i, w := range tc.want {
				for _, part := range strings.Split(w, "|") {
					if !strings.Contains(got[i], part) {
						t.Errorf("hint %q lacks %q", got[i], part)
					}
				}
			}
		})
	}
}

// A hint is said in the reader's language, the pull fix inside it too.
func TestHintsInChinese(t *testing.T) {
	text := `Error response from daemon: pull access denied for mariadb, repository does not exist`
	en := HintTexts(msg.English(), Hints("/srv/site", text))
	zh := HintTexts(msg.New(msg.Zh), Hints("/srv/site", text))
	if len(zh) != 1 || zh[0] == en[0] || !strings.Contains(zh[0], "mariadb") || !strings.Contains(zh[0], "镜像") || !strings.Contains(zh[0], "--registry-mirror") {
		t.Errorf("zh hints %q (en %q): want the pull hint and its fix in Chinese", zh, en)
	}
}

func TestHintsDeduplicate(t *testing.T) {
	line := "Bind for 127.0.0.1:8080 failed: port is already allocated"
	if got := Hints("", line, line); len(got) != 1 {
		t.Errorf("got %d hints for one cause: %q", len(got), got)
	}
}
