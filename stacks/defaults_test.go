package stacks

import (
	"fmt"
	"strings"
	"testing"

	"go.yaml.in/yaml/v4"

	"github.com/stackgen/stackgen/fileset"
	"github.com/stackgen/stackgen/stack"
)

// securityOpts returns services.<svc>.security_opt of a compose file.
func securityOpts(t *testing.T, set fileset.Set, file, svc string) string {
	t.Helper()
	var doc struct {
		Services map[string]struct {
			SecurityOpt []string `yaml:"security_opt"`
		} `yaml:"services"`
	}
	f, ok := set.Get(file)
	if !ok {
		t.Fatalf("no %s", file)
	}
	if err := yaml.Unmarshal(f.Content, &doc); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprint(doc.Services[svc].SecurityOpt)
}

// The hardening defaults of the audit (issue 10): no-new-privileges on
// the database and cache containers, HSTS from the django nginx over
// HTTPS, and request rate limits on the login and API paths of both nginx
// configs. Each is an answer; each test row changes one.
func TestHardeningDefaults(t *testing.T) {
	djangoNginx := "compose/nginx/nginx.conf"
	onyxNginx := "docker/nginx/conf.d/default.conf"
	cases := []struct {
		name          string
		def           *stack.Definition
		given         stack.Answers
		nginx         string
		want, wantNot []string
		nnp           map[string]bool // service -> has no-new-privileges
		env           string          // a line .env must have
	}{
		{
			name: "django defaults", def: Django(), nginx: djangoNginx,
			want: []string{
				"limit_req_zone $binary_remote_addr zone=login:10m rate=10r/m;",
				"limit_req_zone $binary_remote_addr zone=api:10m rate=20r/s;",
				"location ~ ^/(admin|accounts)/login/ {\n        limit_req zone=login burst=5 nodelay;",
				"location /api/ {\n        limit_req zone=api burst=50 nodelay;",
				"limit_req_status 429;",
			},
			wantNot: []string{"Strict-Transport-Security"}, // plain HTTP: HSTS would be ignored
			nnp:     map[string]bool{"db": true, "redis": true},
		},
		{
			name: "django https", def: Django(), given: stack.Answers{"https": "true"}, nginx: djangoNginx,
			want: []string{"add_header Strict-Transport-Security max-age=3600 always;", "uwsgi_hide_header Strict-Transport-Security;"},
		},
		{
			name: "django https, a year of hsts", def: Django(), given: stack.Answers{"https": "true", "hsts_max_age": "31536000"}, nginx: djangoNginx,
			want: []string{"add_header Strict-Transport-Security max-age=31536000 always;"},
			env:  "DJANGO_SECURE_HSTS_SECONDS='31536000'",
		},
		{
			name: "django https, hsts off", def: Django(), given: stack.Answers{"https": "true", "hsts_max_age": "0"}, nginx: djangoNginx,
			wantNot: []string{"Strict-Transport-Security"},
		},
		{
			name: "django limits and no-new-privileges off", def: Django(), nginx: djangoNginx,
			given:   stack.Answers{"login_rate_limit": "off", "api_rate_limit": "off", "no_new_privileges": "false"},
			wantNot: []string{"limit_req"},
			nnp:     map[string]bool{"db": false, "redis": false, "web": true, "nginx": true},
		},
		{
			name: "onyx defaults", def: Onyx(), nginx: onyxNginx,
			want: []string{
				"limit_req_zone $binary_remote_addr zone=login:10m rate=10r/m;",
				"location ~ ^/api/auth/(login|register|forgot-password|reset-password|request-verify-token|verify)$ {\n        limit_req zone=login burst=5 nodelay;",
				"limit_req zone=api burst=50 nodelay;\n        proxy_pass http://api_server/;",
			},
			nnp: map[string]bool{"relational_db": true, "cache": true},
		},
		{
			name: "onyx custom rates", def: Onyx(), nginx: onyxNginx,
			given:   stack.Answers{"login_rate_limit": "3r/m", "api_rate_limit": "off", "no_new_privileges": "false"},
			want:    []string{"zone=login:10m rate=3r/m;"},
			wantNot: []string{"zone=api"},
			nnp:     map[string]bool{"relational_db": false, "cache": false, "api_server": true},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			set := renderUnchecked(t, c.def, "", c.given, nil)
			conf, ok := set.Get(c.nginx)
			if !ok {
				t.Fatalf("no %s", c.nginx)
			}
			for _, w := range c.want {
				if !strings.Contains(string(conf.Content), w) {
					t.Errorf("%s lacks %q", c.nginx, w)
				}
			}
			for _, w := range c.wantNot {
				if strings.Contains(string(conf.Content), w) {
					t.Errorf("%s has %q", c.nginx, w)
				}
			}
			if env, _ := set.Get(".env"); c.env != "" && !strings.Contains(string(env.Content), c.env+"\n") {
				t.Errorf(".env lacks %s", c.env)
			}
			for svc, want := range c.nnp {
				if got := securityOpts(t, set, "compose.yaml", svc); (got == "[no-new-privileges:true]") != want {
					t.Errorf("service %s: security_opt %s, want no-new-privileges %v", svc, got, want)
				}
			}
		})
	}
}

func TestRateLimitAnswers(t *testing.T) {
	for _, ok := range []string{"10r/m", "20r/s", "1r/s", "off"} {
		if err := stack.RateLimit(ok); err != nil {
			t.Errorf("RateLimit(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"", "0r/s", "10", "10r/h", "10r/s;", "1000000r/s", "10 r/s"} {
		if err := stack.RateLimit(bad); err == nil {
			t.Errorf("RateLimit(%q) accepted", bad)
		}
	}
}
