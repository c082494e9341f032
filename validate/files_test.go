package validate

import (
	"testing"
)

const strongSecret = "Qm9ZxX2v7hT1pL4rW8sK3nB6yU0cE5aF"

func fileCases() []ruleCase {
	c := tc
	return []ruleCase{
		c("env-mode", "0644", true, fileMode(".env", 0o644, "A=b\n")),
		c("env-mode", "0600", false, fileMode(".env", 0o600, "A=b\n")),

		c("env-not-ignored", "no .gitignore", true, fileMode(".env", 0o600, "A=b\n")),
		c("env-not-ignored", "ignored elsewhere only", true, fileMode("app/.env", 0o600, "A=b\n"), file(".gitignore", "/.env\n")),
		c("env-not-ignored", "re-included", true, fileMode(".env", 0o600, "A=b\n"), file(".gitignore", ".env*\n!.env\n")),
		c("env-not-ignored", "root .gitignore", false, fileMode("app/.env", 0o600, "A=b\n"), file(".gitignore", ".env\n")),
		c("env-not-ignored", "folder .gitignore with glob", false, fileMode("app/.env", 0o600, "A=b\n"), file("app/.gitignore", "*.env\n")),
		c("env-not-ignored", "**/ pattern", false, fileMode("a/b/.env", 0o600, "A=b\n"), file(".gitignore", "**/.env\n")),

		c("env-example-keys", "missing example", true, fileMode(".env", 0o600, "A=b\n")),
		c("env-example-keys", "key missing from example", true, fileMode(".env", 0o600, "A=b\nB=c\n"), file(".env.example", "A=\n")),
		c("env-example-keys", "extra key in example", true, fileMode(".env", 0o600, "A=b\n"), file(".env.example", "A=\nC=\n")),
		c("env-example-keys", "same keys", false, fileMode(".env", 0o600, "# db\nexport A=b\nB='c d'\n"), file(".env.example", "A=change-me\nB=change-me\n")),

		c("env-weak-secret", "123456", true, fileMode(".env", 0o600, "MYSQL_ROOT_PASSWORD=123456\n")),
		c("env-weak-secret", "short token", true, fileMode(".env", 0o600, "API_TOKEN=abc\n")),
		c("env-weak-secret", "generated, empty optional key, not secret", false,
			fileMode(".env", 0o600, "MYSQL_ROOT_PASSWORD="+strongSecret+"\nOPENAI_API_KEY=\nMYSQL_USER=app\n")),
		c("env-weak-secret", "placeholders in .env.example are fine", false, file(".env.example", "MYSQL_ROOT_PASSWORD=change-me\n")),

		c("script-shebang", "none", true, fileMode("s.sh", 0o755, "set -e\necho hi\n")),
		c("script-shebang", "present", false, fileMode("s.sh", 0o755, "#!/usr/bin/env bash\nset -e\n")),

		c("script-set-e", "none", true, fileMode("s.sh", 0o755, "#!/bin/bash\necho hi\n")),
		c("script-set-e", "set +e only", true, fileMode("s.sh", 0o755, "#!/bin/bash\nset +e\n")),
		c("script-set-e", "set -euo pipefail", false, fileMode("s.sh", 0o755, "#!/usr/bin/env bash\nset -euo pipefail\n")),
		c("script-set-e", "set -o errexit", false, fileMode("s.sh", 0o755, "#!/bin/sh\nset -o errexit\n")),
		c("script-set-e", "shebang -e", false, fileMode("s.sh", 0o755, "#!/bin/bash -e\necho hi\n")),

		c("script-crlf", "CRLF", true, fileMode("s.sh", 0o755, "#!/bin/bash\r\nset -e\r\n")),
		c("script-crlf", "LF", false, fileMode("s.sh", 0o755, "#!/bin/bash\nset -e\n")),

		c("script-exec-bit", "0644", true, fileMode("s.sh", 0o644, "#!/bin/bash\nset -e\n")),
		c("script-exec-bit", "0755", false, fileMode("s.sh", 0o755, "#!/bin/bash\nset -e\n")),

		c("script-bgsave-nowait", "copy right after", true, file("backup.ps1", "docker compose exec -T redis redis-cli BGSAVE\ndocker compose cp redis:/data/dump.rdb x\n")),
		c("script-bgsave-nowait", "waits on LASTSAVE", false, fileMode("backup.sh", 0o755, "#!/bin/bash\nset -e\nb=$(redis-cli LASTSAVE)\nredis-cli BGSAVE\nwhile [ \"$(redis-cli LASTSAVE)\" = \"$b\" ]; do sleep 1; done\n")),

		c("script-exec-tty", "pg_dump through a TTY", true, file("backup.ps1", "docker-compose exec postgres pg_dump -U onyx onyx > db.sql\n")),
		c("script-exec-tty", "docker compose exec | gzip", true, fileMode("backup.sh", 0o755, "#!/bin/bash\nset -e\ndocker compose exec db pg_dump -U x x | gzip > db.sql.gz\n")),
		c("script-exec-tty", "-T", false, fileMode("backup.sh", 0o755, "#!/bin/bash\nset -e\ndocker compose exec -T db pg_dump -U x x > db.sql\n")),
		c("script-exec-tty", "interactive exec", false, fileMode("shell.sh", 0o755, "#!/bin/bash\nset -e\ndocker compose exec web bash\n")),

		c("script-save-unknown-image", "name differs from build", true, fileMode("package.sh", 0o755, "#!/usr/bin/env bash\nset -e\ndocker build -t keras-docker:1.0 .\ndocker save -o keras.tar keras_docker:1.0\n")),
		c("script-save-unknown-image", "compose image names", true,
			compose("services:\n  api:\n    build: .\n    image: onyx-api:1.0\n"),
			fileMode("export.sh", 0o755, "#!/usr/bin/env bash\nset -e\ndocker save -o images.tar onyx-backend:1.0\n")),
		c("script-save-unknown-image", "same names", false, fileMode("package.sh", 0o755, "#!/usr/bin/env bash\nset -e\ndocker build -t keras-webpy:1.0 .\ndocker save -o keras.tar keras-webpy:1.0\n")),
		c("script-save-unknown-image", "compose images and variables", false,
			compose("services:\n  api:\n    build: .\n    image: onyx-api:1.0\n  db:\n    image: postgres:16\n  web:\n    build: ./web\n"),
			fileMode("export.sh", 0o755, "#!/usr/bin/env bash\nset -e\ndocker save -o images.tar onyx-api:1.0 postgres:16 mysite-web \"$EXTRA\"\n")),
	}
}

func TestFileRules(t *testing.T) { runCases(t, fileCases()) }
