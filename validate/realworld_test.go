package validate

import (
	"strings"
	"testing"
)

// The realworld corpus (testdata/realworld/) is written in the patterns of
// public compose projects: a multi-service sample of the kind Docker
// publishes (samples), a multi-file AI application deployment with a
// development overlay and a standalone production file (aiapp), a
// generated cookiecutter-django layout (cookiedjango), and a file whose
// profiles choose between a dev server and a proxied app (profiles).
// Each defect class found running validate on such projects is a row
// below: the false
// finding it must no longer give, and the true findings beside it that
// must still be given.

// want is a finding to look for: rule on file (at line when > 0) whose
// message contains text.
type want struct {
	rule, file string
	line       int
	text       string
}

func (w want) matches(f Finding) bool {
	return f.Rule == w.rule && f.File == w.file && (w.line == 0 || f.Line == w.line) && strings.Contains(f.Message, w.text)
}

var realWorldClasses = []struct {
	class   string
	corpus  string
	absent  []want // the false positives of the class
	present []want // true findings next to them
}{
	{
		class:  "1 a required variable's placeholder leaks and overrides another file's default",
		corpus: "aiapp",
		absent: []want{
			{rule: "compose-image-latest", file: "docker-compose.yml"},
			{rule: "compose-db-port-public", file: "docker-compose.yml", text: "placeholder"},
		},
		present: []want{
			// the base's ${PG_TAG:-16.4} keeps its default although the
			// dev overlay guards PG_TAG
			{rule: "compose-db-port-public", file: "docker-compose.yml", line: 25, text: "postgres:16.4"},
		},
	},
	{
		class:   "2 nginx's Alpine image ships curl",
		corpus:  "samples",
		absent:  []want{{rule: "compose-healthcheck-binary", file: "compose.yaml"}},
		present: []want{{rule: "compose-image-latest", file: "compose.yaml", line: 73}},
	},
	{
		class:   "3 a heredoc Dockerfile keeps its # syntax= line",
		corpus:  "samples",
		absent:  []want{{rule: "dockerfile-syntax-directive", file: "backend/Dockerfile"}},
		present: []want{{rule: "dockerfile-syntax-directive", file: "worker/Dockerfile", line: 1, text: "Engine 20.10"}},
	},
	{
		class:  "4 Dockerfile rules judge the stage compose builds",
		corpus: "samples",
		absent: []want{
			{rule: "dockerfile-root-user", file: "backend/Dockerfile"},        // the debug stage is never built
			{rule: "compose-port-bypasses-proxy", text: "\"frontend\" proxy"}, // a node dev server, not nginx
		},
		present: []want{
			{rule: "dockerfile-root-user", file: "worker/Dockerfile", line: 2},
			{rule: "compose-port-bypasses-proxy", file: "compose.yaml", line: 10, text: `service "frontend" publishes 3000`},
		},
	},
	{
		class:   "5 a /run/secrets path is not a literal password",
		corpus:  "samples",
		absent:  []want{{rule: "compose-plain-secret", file: "compose.yaml", text: "DATABASE_PASSWORD"}},
		present: []want{{rule: "compose-plain-secret", file: "compose.yaml", line: 47, text: "POSTGRES_PW"}},
	},
	{
		class:  "6 sourced scripts need no shebang, set -e or run bit",
		corpus: "cookiedjango",
		absent: []want{
			{rule: "script-shebang", file: "compose/production/postgres/maintenance/_sourced/constants.sh"},
			{rule: "script-set-e", file: "compose/production/postgres/maintenance/_sourced/messages.sh"},
			{rule: "script-exec-bit", file: "compose/production/postgres/maintenance/_sourced/constants.sh"},
			{rule: "script-shebang", file: "compose/local/django/dev-aliases.sh"},
			{rule: "script-set-e", file: "compose/local/django/dev-aliases.sh"},
		},
		present: []want{{rule: "script-set-e", file: "compose/production/django/start.sh"}},
	},
	{
		class:  "7 standalone files are projects of their own; findings point at the file holding the value",
		corpus: "aiapp",
		absent: []want{
			// the production file runs no nginx: merged onto the base it
			// seemed to bypass the base's proxy
			{rule: "compose-port-bypasses-proxy", file: "docker-compose.prod.yml"},
			{rule: "compose-env-file-missing", file: "docker-compose.yml"},
		},
		present: []want{
			{rule: "compose-env-file-missing", file: "docker-compose.dev.yml", line: 7, text: "env/dev.env"},
			{rule: "compose-port-bypasses-proxy", file: "docker-compose.dev.yml", line: 5},
			{rule: "compose-container-name", file: "docker-compose.prod.yml", line: 8},
		},
	},
	{
		class:   "7 profiles: services of alternative profiles never run together",
		corpus:  "profiles",
		absent:  []want{{rule: "compose-port-bypasses-proxy", text: `"devserver"`}},
		present: []want{{rule: "compose-port-bypasses-proxy", file: "compose.yaml", line: 34, text: `service "api" publishes 9000`}},
	},
	{
		class:   "miss: a cache with an unfamiliar name publishing 6379 is a public data store",
		corpus:  "samples",
		absent:  []want{{rule: "compose-port-bypasses-proxy", file: "compose.yaml", text: `"cache"`}},
		present: []want{{rule: "compose-db-port-public", file: "compose.yaml", line: 56, text: "x-stackgen: {role: app}"}},
	},
	{
		class:  "miss: weak literal defaults are committed secrets",
		corpus: "aiapp",
		present: []want{
			{rule: "compose-plain-secret", file: "docker-compose.yml", line: 13, text: `"password"`},
			{rule: "compose-plain-secret", file: "docker-compose.yml", line: 37, text: `"minioadmin"`},
		},
	},
	{
		class:  "miss: secrets in env_file targets not named .env",
		corpus: "cookiedjango",
		absent: []want{
			{rule: "env-not-ignored", file: ".envs/.local/.postgres"}, // ignored
			{rule: "env-weak-secret", file: ".envs/.local/.postgres"}, // long enough
		},
		present: []want{
			{rule: "env-weak-secret", file: ".envs/.production/.django", line: 2, text: "DJANGO_SECRET_KEY"},
			{rule: "env-weak-secret", file: ".envs/.production/.postgres", line: 4},
			{rule: "env-not-ignored", file: ".envs/.production/.postgres"},
		},
	},
	{
		class:   "miss: an explicit latest tag is named as such",
		corpus:  "samples",
		present: []want{{rule: "compose-image-latest", file: "compose.yaml", line: 73, text: "is tagged latest"}},
	},
}

func TestRealWorldClasses(t *testing.T) {
	found := map[string][]Finding{}
	for _, c := range realWorldClasses {
		if _, ok := found[c.corpus]; !ok {
			found[c.corpus] = Files(loadCorpus(t, "testdata/realworld/"+c.corpus, 0o600))
		}
	}
	for _, c := range realWorldClasses {
		t.Run(c.class, func(t *testing.T) {
			fs := found[c.corpus]
			for _, w := range c.absent {
				for _, f := range fs {
					if w.matches(f) {
						t.Errorf("false finding still given: %s", f)
					}
				}
			}
			for _, w := range c.present {
				ok := false
				for _, f := range fs {
					ok = ok || w.matches(f)
				}
				if !ok {
					t.Errorf("true finding lost: want %s on %s:%d containing %q; got:\n%s", w.rule, w.file, w.line, w.text, findingLines(fs))
				}
			}
		})
	}
}

// TestNoInternalValueInMessages: whatever the project, no message shows
// a value validate made up to load it.
func TestNoInternalValueInMessages(t *testing.T) {
	for _, corpus := range []string{"samples", "aiapp", "cookiedjango", "profiles"} {
		for _, f := range Files(loadCorpus(t, "testdata/realworld/"+corpus, 0o600)) {
			if strings.Contains(f.String(), "stackgen-validate") {
				t.Errorf("%s: %s", corpus, f)
			}
		}
	}
}

// TestRealWorldCorpusFindsExactly pins every finding of the corpus, so a
// new false positive (or a lost true finding) shows in review.
func TestRealWorldCorpusFindsExactly(t *testing.T) {
	wantCount := map[string]int{"samples": 8, "aiapp": 8, "cookiedjango": 5, "profiles": 1}
	for corpus, n := range wantCount {
		fs := Files(loadCorpus(t, "testdata/realworld/"+corpus, 0o600))
		if len(fs) != n {
			t.Errorf("%s: %d findings, want %d:\n%s", corpus, len(fs), n, findingLines(fs))
		}
	}
}

func findingLines(fs []Finding) string {
	var b strings.Builder
	for _, f := range fs {
		b.WriteString("  " + f.String() + "\n")
	}
	return b.String()
}

// TestOverlayFindingsAtTheOverlaysLine: a mistake an overlay adds to a
// list the base also has is reported where the overlay writes it.
func TestOverlayFindingsAtTheOverlaysLine(t *testing.T) {
	set := files(
		file("compose.yaml", `
			services:
			  app:
			    image: example.org/app:1.0
			    volumes:
			      - data:/data
			    networks: [front]
			volumes:
			  data:
			networks:
			  front:
		`),
		file("compose.debug.yaml", `
			services:
			  app:
			    volumes:
			      - ./.env:/app/.env:ro
			      - scratch:/scratch
			    networks: [debugnet]
		`),
	)
	wantAt := map[string]int{"compose-undeclared-volume": 5, "compose-env-mounted": 4, "compose-undeclared-network": 6}
	got := map[string]bool{}
	for _, f := range Files(set) {
		line, ok := wantAt[f.Rule]
		if !ok {
			continue
		}
		got[f.Rule] = true
		if f.File != "compose.debug.yaml" || f.Line != line {
			t.Errorf("%s at %s:%d, want compose.debug.yaml:%d", f.Rule, f.File, f.Line, line)
		}
	}
	for r := range wantAt {
		if !got[r] {
			t.Errorf("%s not reported", r)
		}
	}
}

// TestStandaloneOrOverlay pins how each extra compose file is taken.
func TestStandaloneOrOverlay(t *testing.T) {
	base := parseYAMLFile("compose.yaml", []byte("name: shop\nservices:\n  web:\n    image: example.org/web:1.0\n  db:\n    image: postgres:16\n"))
	cases := []struct {
		path, content string
		standalone    bool
	}{
		{"compose.prod.yaml", "name: shop-prod\nservices:\n  web:\n    image: example.org/web:1.0\n", true},
		{"compose.dev.yaml", "services:\n  web:\n    ports: [\"8000:8000\"]\n", false},
		{"compose.debug.yaml", "name: shop\nservices:\n  web:\n    ports: [\"8000:8000\"]\n", false}, // repeats name: but only patches
		{"compose.override.yaml", "name: shop-local\nservices:\n  web:\n    image: example.org/web:dev\n", false},
	}
	for _, c := range cases {
		if got := standalone(parseYAMLFile(c.path, []byte(c.content)), base); got != c.standalone {
			t.Errorf("%s: standalone = %v, want %v", c.path, got, c.standalone)
		}
	}
}
