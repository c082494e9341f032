#!/usr/bin/env bash
set -euo pipefail
docker build -t keras-docker:1.0 .
docker save -o keras-docker_1-0.tar keras_docker:1.0
