package validate

import (
	"testing"

	"github.com/stackgen/stackgen/fileset"
)

func dockerfileAt(path, content string) fileset.File { return file(path, content) }

// good is a Dockerfile every Dockerfile rule accepts; cases change one line.
const goodDockerfile = `
	ARG PYTHON_IMAGE=python:3.12-slim
	FROM ${PYTHON_IMAGE}
	RUN apt-get update \
	 && apt-get install -y --no-install-recommends libmariadb3 \
	 && rm -rf /var/lib/apt/lists/*
	RUN useradd --system app
	WORKDIR /app
	COPY requirements.txt .
	USER app
	CMD ["python", "app.py"]
`

func dockerfileCases() []ruleCase {
	c := tc
	df := func(content string) fileset.File { return dockerfileAt("app/Dockerfile", content) }
	return []ruleCase{
		c("dockerfile-parse", "unterminated heredoc", true, df("FROM python:3.12-slim\nRUN <<EOF\necho hi\n")),
		c("dockerfile-parse", "no FROM", true, df("RUN echo hi\n")),
		c("dockerfile-parse", "good", false, df(goodDockerfile)),

		c("dockerfile-base-unpinned", "no tag", true, df("FROM ubuntu\nUSER 1000\nCMD [\"x\"]\n")),
		c("dockerfile-base-unpinned", "latest", true, df("FROM nginx:latest\n")),
		c("dockerfile-base-unpinned", "ARG default unpinned", true, df("ARG IMG=python\nFROM ${IMG}\nUSER 1000\nCMD [\"x\"]\n")),
		c("dockerfile-base-unpinned", "ARG default pinned, stage reference", false, df("ARG IMG=python:3.12-slim\nFROM ${IMG} AS build\nFROM build\nUSER 1000\nCMD [\"x\"]\n")),
		c("dockerfile-base-unpinned", "ARG without default", false, df("ARG IMG\nFROM ${IMG}\nUSER 1000\nCMD [\"x\"]\n")),

		c("dockerfile-root-user", "no USER", true, df("FROM python:3.12-slim\nCMD [\"python\"]\n")),
		c("dockerfile-root-user", "USER root last", true, df("FROM python:3.12-slim\nUSER app\nUSER root\nCMD [\"python\"]\n")),
		c("dockerfile-root-user", "USER only in a builder stage", true, df("FROM python:3.12-slim AS b\nUSER app\nFROM python:3.12-slim\nCMD [\"python\"]\n")),
		c("dockerfile-root-user", "non-root", false, df(goodDockerfile)),
		c("dockerfile-root-user", "nginx base drops root itself", false, df("FROM nginx:1.27\nCOPY nginx.conf /etc/nginx/conf.d/default.conf\n")),

		c("dockerfile-shell-form", "shell ENTRYPOINT", true, df("FROM python:3.12-slim\nUSER app\nENTRYPOINT /bin/bash ./start.sh\n")),
		c("dockerfile-shell-form", "exec form", false, df(goodDockerfile)),

		c("dockerfile-add-local", "ADD .", true, df("FROM python:3.12-slim\nADD . /app\nUSER app\nCMD [\"x\"]\n")),
		c("dockerfile-add-local", "ADD archive and URL", false, df("FROM python:3.12-slim\nADD rootfs.tar.gz /\nADD https://example.com/x.txt /x\nUSER app\nCMD [\"x\"]\n")),

		c("dockerfile-maintainer", "MAINTAINER", true, df("FROM python:3.12-slim\nMAINTAINER me@example.com\nUSER app\nCMD [\"x\"]\n")),
		c("dockerfile-maintainer", "LABEL", false, df("FROM python:3.12-slim\nLABEL org.opencontainers.image.authors=me\nUSER app\nCMD [\"x\"]\n")),

		c("dockerfile-apt-recommends", "missing flag", true, df("FROM debian:12\nRUN apt-get update && apt-get install -y gcc && rm -rf /var/lib/apt/lists/*\nUSER 1\nCMD [\"x\"]\n")),
		c("dockerfile-apt-recommends", "apt install too", true, df("FROM debian:12\nRUN apt update && apt install -y gcc && rm -rf /var/lib/apt/lists/*\nUSER 1\nCMD [\"x\"]\n")),
		c("dockerfile-apt-recommends", "flag present", false, df(goodDockerfile)),

		c("dockerfile-apt-lists", "lists left", true, df("FROM debian:12\nRUN apt-get update && apt-get install -y --no-install-recommends gcc\nUSER 1\nCMD [\"x\"]\n")),
		c("dockerfile-apt-lists", "removed", false, df(goodDockerfile)),
		c("dockerfile-apt-lists", "cache mount", false, df("FROM debian:12\nRUN --mount=type=cache,target=/var/lib/apt/lists apt-get update && apt-get install -y --no-install-recommends gcc\nUSER 1\nCMD [\"x\"]\n")),

		c("dockerfile-apt-trap", "netcat", true, df("FROM python:3.9\nRUN apt-get update && apt install -y netcat\nUSER 1\nCMD [\"x\"]\n")),
		c("dockerfile-apt-trap", "netcat-openbsd", false, df("FROM python:3.12-slim\nRUN apt-get update && apt-get install -y --no-install-recommends netcat-openbsd && rm -rf /var/lib/apt/lists/*\nUSER 1\nCMD [\"x\"]\n")),

		c("dockerfile-sed-cr", "s/r//", true, df("FROM python:3.12-slim\nRUN sed -i 's/r//' ./start.sh\nUSER 1\nCMD [\"x\"]\n")),
		c("dockerfile-sed-cr", "s/\\r$//", false, df("FROM python:3.12-slim\nRUN sed -i 's/\\r$//' ./start.sh\nUSER 1\nCMD [\"x\"]\n")),

		c("dockerfile-no-cmd", "ubuntu without CMD", true, df("FROM ubuntu:24.04\nUSER 1\n")),
		c("dockerfile-no-cmd", "nginx base keeps its CMD", false, df("FROM nginx:1.27\nCOPY a /b\n")),
		c("dockerfile-no-cmd", "has CMD", false, df(goodDockerfile)),

		c("dockerfile-base-full", "python:3.9", true, df("FROM python:3.9\nUSER 1\nCMD [\"x\"]\n")),
		c("dockerfile-base-full", "full builder, slim runtime", false, df("FROM python:3.12 AS build\nFROM python:3.12-slim\nUSER 1\nCMD [\"x\"]\n")),

		c("dockerfile-syntax-directive", "present", true, df("# syntax=docker/dockerfile:1\nFROM python:3.12-slim\nUSER 1\nCMD [\"x\"]\n")),
		c("dockerfile-syntax-directive", "absent", false, df(goodDockerfile)),

		c("dockerfile-context-missing", "pip -r of a file that is not there", true,
			compose("services:\n  web:\n    build: ./app\n    image: web:1.0\n"),
			df("FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements/production.txt\nUSER 1\nCMD [\"x\"]\n"),
			file("app/requirements.txt", "django\n")),
		c("dockerfile-context-missing", "COPY of a missing file", true,
			compose("services:\n  web:\n    build: ./app\n    image: web:1.0\n"),
			df("FROM python:3.12-slim\nCOPY requirements.txt .\nUSER 1\nCMD [\"x\"]\n")),
		c("dockerfile-context-missing", "missing Dockerfile", true,
			compose("services:\n  web:\n    build: ./app\n    image: web:1.0\n"),
			file("app/app.py", "print()\n")),
		c("dockerfile-context-missing", "all there", false,
			compose("services:\n  web:\n    build: ./app\n    image: web:1.0\n"),
			df(goodDockerfile), file("app/requirements.txt", "django\n")),
		c("dockerfile-context-missing", "context outside the project", false,
			compose("services:\n  web:\n    build: /src/onyx/backend\n    image: web:1.0\n")),
	}
}

func TestDockerfileRules(t *testing.T) { runCases(t, dockerfileCases()) }

func TestExpandArgs(t *testing.T) {
	args := map[string]string{"PY": "python:3.12-slim", "EMPTY": ""}
	for in, want := range map[string]string{
		"${PY}":                  "python:3.12-slim",
		"$PY":                    "python:3.12-slim",
		"${MISSING:-debian:12}":  "debian:12",
		"${EMPTY:-debian:12}":    "debian:12",
		"${MISSING}":             "${MISSING}",
		"registry.local/${PY}":   "registry.local/python:3.12-slim",
		"node:${NODE:-20}-slim":  "node:20-slim",
		"plain:1.0":              "plain:1.0",
		"${PY}@sha256:abc":       "python:3.12-slim@sha256:abc",
		"trailing$":              "trailing$",
		"${UNTERMINATED":         "${UNTERMINATED",
		"${MISSING-alpine:3.20}": "alpine:3.20",
	} {
		if got := expandArgs(in, args); got != want {
			t.Errorf("expandArgs(%q) = %q, want %q", in, got, want)
		}
	}
}
