package toolcheck

import (
	"os"
	"strings"
	"testing"

	"github.com/stackgen/stackgen/fileset"
)

// A small project with one file of each kind, good as written; each test
// case breaks one file and expects its check to say so. This proves every
// check can fail, and that the good project passes them all.

const goodCompose = `services:
  web:
    build: ./app
    image: "demo-web:1.0"
    environment:
      SECRET: ${SECRET:?set SECRET in .env}
    networks: [front]
  nginx:
    image: "nginx:1.28"
    volumes:
      - ./nginx/site.conf:/etc/nginx/conf.d/site.conf:ro
      - ./nginx/ssl:/etc/nginx/ssl:ro
      - static:/srv/static:ro
    networks: [front]
networks:
  front:
volumes:
  static:
`

const goodNginx = `upstream app {
    server web:8000;
}
server {
    listen 443 ssl;
    server_name example.com;
    ssl_certificate /etc/nginx/ssl/cert.pem;
    ssl_certificate_key /etc/nginx/ssl/key.pem;
    location /static/ {
        alias /srv/static/;
    }
    location / {
        include /etc/nginx/uwsgi_params;
        uwsgi_pass app;
    }
}
`

const goodScript = `#!/usr/bin/env bash
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
echo "hello"
`

const goodPS = `<#
.SYNOPSIS
Says hello.
#>
[CmdletBinding()]
param(
    [string]$Name = 'world'
)
$ErrorActionPreference = 'Stop'
& docker compose ps
if ($LASTEXITCODE -ne 0) { throw "docker failed: $($LASTEXITCODE)" }
$s = 'a && b'   # inside a string: fine
Write-Host "hello $Name, $(Get-Date -Format 'yyyy')"
`

func goodSet() fileset.Set {
	set := fileset.Set{
		{Path: "compose.yaml", Mode: 0o644, Content: []byte(goodCompose)},
		{Path: ".env", Mode: 0o600, Content: []byte("SECRET='s3cret'\n")},
		{Path: "app/Dockerfile", Mode: 0o644, Content: []byte("ARG BASE=python:3.13-slim\nFROM ${BASE}\nCOPY app.py /app/\nCMD [\"python\", \"/app/app.py\"]\n")},
		{Path: "app/app.py", Mode: 0o644, Content: []byte("print('hello')\n")},
		{Path: "nginx/site.conf", Mode: 0o644, Content: []byte(goodNginx)},
		{Path: "nginx/ssl/.gitkeep", Mode: 0o644},
		{Path: "scripts/run.sh", Mode: 0o755, Content: []byte(goodScript)},
		{Path: "scripts/run.ps1", Mode: 0o644, Content: []byte(goodPS)},
		{Path: "config.yml", Mode: 0o644, Content: []byte("a: 1\nb: [x, y]\n")},
	}
	set.Sort()
	return set
}

func with(set fileset.Set, path, content string) fileset.Set {
	out := append(fileset.Set(nil), set...)
	for i := range out {
		if out[i].Path == path {
			out[i].Content = []byte(content)
			return out
		}
	}
	out = append(out, fileset.File{Path: path, Mode: 0o644, Content: []byte(content)})
	out.Sort()
	return out
}

func without(set fileset.Set, path string) fileset.Set {
	var out fileset.Set
	for _, f := range set {
		if f.Path != path {
			out = append(out, f)
		}
	}
	return out
}

// runOne runs one check on set; a missing tool skips (fails in CI).
func runOne(t *testing.T, set fileset.Set, name string) []Problem {
	t.Helper()
	p := Write(t, set)
	for _, c := range checks {
		if c.name != name {
			continue
		}
		if !c.applies(p) {
			t.Fatalf("check %s does not apply to the set", name)
		}
		problems, err := c.run(p)
		if err != nil {
			Unavailable(t, err)
		}
		return problems
	}
	t.Fatalf("no check %s", name)
	return nil
}

func TestGoodProjectPassesEveryCheck(t *testing.T) {
	Check(t, goodSet(), WithShellcheckSeverity("style"))
}

func TestEachCheckCanFail(t *testing.T) {
	good := goodSet()
	cases := []struct {
		name, check string
		set         fileset.Set
		want        string // in one of the problems
	}{
		{"compose: undeclared volume", "compose", with(good, "compose.yaml", strings.Replace(goodCompose, "volumes:\n  static:\n", "", 1)), "static"},
		{"compose: required variable missing from .env", "compose", with(good, ".env", "OTHER=1\n"), "set SECRET in .env"},
		{"compose: bind-mount source missing", "compose", without(good, "nginx/ssl/.gitkeep"), "nginx/ssl"},
		{"compose: build context without Dockerfile", "compose", without(good, "app/Dockerfile"), "app/Dockerfile"},
		{"dockerfile: unknown instruction", "dockerfile", with(good, "app/Dockerfile", "FROM python:3.13-slim\nRUNN echo hi\n"), "unknown instruction RUNN"},
		{"dockerfile: syntax directive", "dockerfile", with(good, "app/Dockerfile", "# syntax=docker/dockerfile:1\nFROM python:3.13-slim\n"), "syntax directive"},
		{"dockerfile: no FROM", "dockerfile", with(good, "app/Dockerfile", "RUN echo hi\n"), "FROM"},
		{"env: unterminated quote", "env", with(good, ".env", "SECRET='s3cret\n"), ".env"},
		{"yaml: bad indentation", "yaml", with(good, "config.yml", "a: 1\n b: 2\n  - c\n"), "config.yml"},
		{"bash: syntax error", "bash", with(good, "scripts/run.sh", "#!/usr/bin/env bash\nif true; then\n  echo x\n"), "scripts/run.sh"},
		{"shellcheck: unquoted variable", "shellcheck", with(good, "scripts/run.sh", "#!/usr/bin/env bash\nset -euo pipefail\nrm -rf $1/*\n"), "[SC"},
		{"nginx: unknown directive", "nginx", with(good, "nginx/site.conf", strings.Replace(goodNginx, "listen 443 ssl;", "listen 443 ssl;\n    no_such_directive on;", 1)), "no_such_directive"},
		{"nginx: directive the image's main config already sets", "nginx", with(good, "nginx/site.conf", "sendfile on;\n"+goodNginx), "duplicate"},
		{"nginx: upstream host that is no service", "nginx", with(good, "nginx/site.conf", strings.Replace(goodNginx, "server web:8000;", "server nosuchservice:8000;", 1)), "nosuchservice"},
		{"python: syntax error", "python", with(good, "app/app.py", "def f(:\n    pass\n"), "app/app.py"},
		{"powershell: && in Windows PowerShell", "powershell", with(good, "scripts/run.ps1", "docker compose build && docker compose up\n"), "&&"},
		{"powershell: unbalanced braces", "powershell", with(good, "scripts/run.ps1", "if ($true) {\n  Write-Host 'x'\n"), "never closed"},
		{"powershell: unterminated string", "powershell", with(good, "scripts/run.ps1", "Write-Host \"x\n"), "never closed"},
		{"powershell: param not first", "powershell", with(good, "scripts/run.ps1", "$x = 1\nparam([string]$Name)\n"), "param block"},
		{"powershell: bash in a .ps1", "powershell", with(good, "scripts/run.ps1", "if [ -f x ]; then\n  echo x\nfi\n"), "bash syntax"},
		{"powershell: non-ASCII without BOM", "powershell", with(good, "scripts/run.ps1", "Write-Host 'caf\u00e9'\n"), "BOM"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			problems := runOne(t, c.set, c.check)
			if len(problems) == 0 {
				t.Fatalf("check %s found nothing wrong", c.check)
			}
			var all []string
			for _, p := range problems {
				all = append(all, p.String())
			}
			if joined := strings.Join(all, "\n"); !strings.Contains(joined, c.want) {
				t.Errorf("no problem mentions %q:\n%s", c.want, joined)
			}
		})
	}
}

func TestStructuralPowerShellAcceptsValidScripts(t *testing.T) {
	scripts := map[string]string{
		"here-string":         "$s = @'\nit's {unbalanced in a here-string\n'@\nWrite-Host $s\n",
		"nested subexpr":      "Write-Host \"a $(if ($x) { 'b' } else { \"c\" }) d\"\n",
		"escaped quote":       "Write-Host \"say `\"hi`\" {\"\n",
		"doubled single":      "Write-Host 'it''s'\n",
		"block comment":       "<# { not code ( #>\nWrite-Host 1\n",
		"function param":      "$x = 1\nfunction F {\n    param([int]$N)\n    $N\n}\n",
		"attribute and param": "#Requires -Version 5.1\n[CmdletBinding(SupportsShouldProcess = $true)]\nparam([switch]$Yes)\n",
		"bom with non-ASCII":  "\ufeffWrite-Host 'caf\u00e9'\n",
	}
	for name, s := range scripts {
		if msgs := StructuralPowerShell([]byte(s)); len(msgs) > 0 {
			t.Errorf("%s: %v", name, msgs)
		}
	}
}

func TestMissingToolSkipsOrFailsInCI(t *testing.T) {
	_, err := Require("stackgen-no-such-tool", "apt-get install -y nothing")
	if err == nil {
		t.Fatal("a missing tool was found")
	}
	if !strings.Contains(err.Error(), "stackgen-no-such-tool") || !strings.Contains(err.Error(), "apt-get install") {
		t.Errorf("the message should name the tool and how to install it: %v", err)
	}
	// Unavailable's CI branch is exercised by CI itself (CI=true); here,
	// only that InCI reads the variable.
	t.Setenv("CI", "true")
	if !InCI() {
		t.Error("InCI() is false with CI=true")
	}
	t.Setenv("CI", "")
	if InCI() {
		t.Error("InCI() is true without CI=true")
	}
}

func TestRewritePaths(t *testing.T) {
	conf := "alias /srv/static/;\nssl_certificate /etc/nginx/ssl/cert.pem;\ninclude /etc/nginx/uwsgi_params;\nroot /srv/staticfiles;\n"
	got := rewritePaths(conf, map[string]string{"/srv/static": "/tmp/x/vol", "/etc/nginx/ssl": "/tmp/x/ssl"})
	want := "alias /tmp/x/vol/;\nssl_certificate /tmp/x/ssl/cert.pem;\ninclude /etc/nginx/uwsgi_params;\nroot /srv/staticfiles;\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestWriteKeepsModes(t *testing.T) {
	p := Write(t, goodSet())
	for path, want := range map[string]os.FileMode{"scripts/run.sh": 0o755, ".env": 0o600, "compose.yaml": 0o644} {
		info, err := os.Stat(p.Abs(path))
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode().Perm() != want {
			t.Errorf("%s: mode %o, want %o", path, info.Mode().Perm(), want)
		}
	}
}
