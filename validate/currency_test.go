package validate

import (
	"strings"
	"testing"

	"github.com/stackgen/stackgen/fileset"
)

// oldPins is a compose file on four flagged pins, one of each kind the
// issue names, written as a mirror user would (a private host for one).
const oldPins = `
	services:
	  mysql:
	    image: mysql:8.0
	  mariadb:
	    image: corp.example:5000/mirror/mariadb:10.6
	  cache:
	    image: redis:7.4
	  files:
	    image: minio/minio:RELEASE.2025-07-23T15-54-02Z-cpuv1
`

func manifestWith(silence string) fileset.File {
	return file(".stackgen.yml", "stack: django-uwsgi\nstackgen_version: dev\n"+dedent(silence))
}

func currencyCases() []ruleCase {
	return []ruleCase{
		tc("image-currency", "EOL mysql in compose", true, file("compose.yaml", `
			services:
			  db:
			    image: mysql:8.0.39-oraclelinux9
		`)),
		tc("image-currency", "EOL python base in a Dockerfile", true,
			file("compose.yaml", "services:\n  web:\n    build: .\n    image: site:1\n"),
			file("Dockerfile", "ARG PYTHON_IMAGE=python:3.10-slim\nFROM ${PYTHON_IMAGE}\nCMD [\"python\"]\n")),
		tc("image-currency", "EOL postgres in a Kubernetes StatefulSet", true, file("k8s/db.yaml", `
			apiVersion: apps/v1
			kind: StatefulSet
			metadata:
			  name: db
			spec:
			  serviceName: db
			  selector:
			    matchLabels: {app: db}
			  template:
			    metadata:
			      labels: {app: db}
			    spec:
			      containers:
			        - name: db
			          image: postgres:14.12
		`)),
		tc("image-currency", "supported lines and unknown families", false, file("compose.yaml", `
			services:
			  db:
			    image: mysql:9.7
			  cache:
			    image: redis:8.6
			  proxy:
			    image: nginx:1.30
			  app:
			    image: corp.example/platform/thing:8.0
		`)),
		tc("image-currency", "silenced with a reason", false, file("compose.yaml", "services:\n  db:\n    image: mysql:8.0\n"), manifestWith(`
			silence:
			  - rule: image-currency
			    subject: mysql:8.0
			    reason: the vendor certifies 8.0 only; upgrade in OPS-42
		`)),
		tc("silence-invalid", "no reason", true, file("compose.yaml", "services:\n  db:\n    image: mysql:8.0\n"), manifestWith(`
			silence:
			  - rule: image-currency
			    subject: mysql:8.0
		`)),
		tc("silence-invalid", "unknown rule", true, file("compose.yaml", "services:\n  db:\n    image: mysql:8.0\n"), manifestWith(`
			silence:
			  - rule: image-curency
			    subject: mysql:8.0
			    reason: typo
		`)),
		tc("silence-invalid", "complete entry", false, file("compose.yaml", "services:\n  db:\n    image: mysql:8.0\n"), manifestWith(`
			silence:
			  - rule: image-currency
			    subject: mysql:8.0
			    reason: accepted until the 2027 migration
		`)),
		tc("silence-unused", "pin upgraded, silence left behind", true, file("compose.yaml", "services:\n  db:\n    image: mysql:9.7\n"), manifestWith(`
			silence:
			  - rule: image-currency
			    subject: mysql:8.0
			    reason: accepted until the 2027 migration
		`)),
		tc("silence-unused", "silence still in use", false, file("compose.yaml", "services:\n  db:\n    image: mysql:8.0\n"), manifestWith(`
			silence:
			  - rule: image-currency
			    subject: mysql:8.0
			    reason: accepted until the 2027 migration
		`)),
	}
}

func TestImageCurrencyRules(t *testing.T) { runCases(t, currencyCases()) }

// TestImageCurrencyOneFindingEach is the acceptance check: four
// flagged pins, exactly four findings, one per service, each with the
// date and source of its fact.
func TestImageCurrencyOneFindingEach(t *testing.T) {
	got := Files(files(file("compose.yaml", oldPins)))
	per := map[string][]Finding{}
	n := 0
	for _, f := range got {
		if f.Rule != "image-currency" {
			continue // the file has no health checks; not this rule's business
		}
		n++
		per[f.Subject] = append(per[f.Subject], f)
	}
	want := map[string][]string{
		"mysql:8.0":                             {"end of life since 2026-04-21", "dev.mysql.com"},
		"corp.example:5000/mirror/mariadb:10.6": {"end of life since 2026-07-06", "mariadb.org"},
		"redis:7.4":                             {"licence changed since 2024-03-20", "redis.io"},
		"minio/minio:RELEASE.2025-07-23T15-54-02Z-cpuv1": {"known vulnerability since 2025-10-15", "CVE-2025-62506", "github.com/minio/minio"},
	}
	for subject, texts := range want {
		fs := per[subject]
		if len(fs) != 1 {
			t.Errorf("%s: %d findings, want 1: %v", subject, len(fs), fs)
			continue
		}
		for _, text := range append(texts, "currency table of") {
			if !strings.Contains(fs[0].Message, text) {
				t.Errorf("%s: message %q lacks %q", subject, fs[0].Message, text)
			}
		}
		if fs[0].Line == 0 || fs[0].Severity != Warning {
			t.Errorf("%s: want a warning with a line, got %+v", subject, fs[0])
		}
	}
	if n != len(want) {
		t.Errorf("%d image-currency findings, want %d", n, len(want))
	}
}

// TestSilenceAcceptsOneFinding: an entry accepts one finding and keeps
// its reason; the same image in a second service still warns.
func TestSilenceAcceptsOneFinding(t *testing.T) {
	set := files(file("compose.yaml", `
		services:
		  db:
		    image: mysql:8.0
		  replica:
		    image: mysql:8.0
	`), manifestWith(`
		silence:
		  - rule: image-currency
		    subject: mysql:8.0
		    reason: upgrade in OPS-42
	`))
	kept, silenced := FilesSilenced(set)
	if len(silenced) != 1 || silenced[0].Reason != "upgrade in OPS-42" || silenced[0].Subject != "mysql:8.0" {
		t.Fatalf("silenced = %+v, want the one mysql:8.0 finding with its reason", silenced)
	}
	n := 0
	for _, f := range kept {
		if f.Rule == "image-currency" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d image-currency findings kept, want 1 (the second service): %v", n, kept)
	}
}
