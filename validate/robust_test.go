package validate

import "testing"

// TestOddInputsDoNotPanic feeds half-written and hostile files through
// every rule: validate runs on whatever a user's folder holds, so a rule
// may find nothing but must never crash the command.
func TestOddInputsDoNotPanic(t *testing.T) {
	odd := []string{"", "\n", "---\n", "null\n", "[]\n", "services:\n", "services: []\n", "services:\n  web:\n", "services:\n  web: null\n",
		"services:\n  web:\n    image: a\n    ports: [\"\"]\n    environment: [\"=\", \"A\"]\n    depends_on: {x: null}\n",
		"services:\n  web:\n    build: {context: ../outside}\n    healthcheck: {test: [\"CMD\"]}\n",
		"include:\n  - other.yaml\nservices:\n  web:\n    image: a:1\n",
		"services:\n  web:\n    extends: {file: base.yaml, service: b}\n",
		"services:\n  web:\n    image: ${\n", "x: &a [*a]\n"}
	for i, y := range odd {
		for _, other := range [][2]string{
			{"Dockerfile", y}, {"nginx/nginx.conf", y}, {"app/uwsgi.ini", y}, {"mysql/my.cnf", y},
			{"redis.conf", y}, {"start.sh", y}, {".env", y}, {"init.sql", y}, {"app/settings.py", y},
			{"Dockerfile", "FROM\nCMD\nUSER\nADD\nRUN\nEXPOSE\nHEALTHCHECK\n"},
			{"nginx/nginx.conf", "upstream { server ; }\nlocation { uwsgi_pass ; proxy_pass http:// ; }\n}"},
			{"start.sh", "exec\n&\n;;\n'unterminated\nuwsgi &\ndocker save -o\n"},
		} {
			set := files(file("compose.yaml", y), file(other[0], other[1]), file("base.yaml", "services:\n  b:\n    image: b:1\n"))
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Errorf("case %d with %s: panic: %v", i, other[0], r)
					}
				}()
				Files(set)
			}()
		}
	}
}
