#!/usr/bin/env bash
# Everything the end-to-end tests need on this machine: the tools (Docker
# Engine, compose/buildx plugins, shellcheck, nginx, debootstrap), a running
# engine, and the stand-in images (cached: rebuilt only when a recipe
# changes). Fast when all of it is already there.
#
# The engine started here keeps running; .ci/stop-docker.sh stops it (only
# if start-docker.sh started it).
set -euo pipefail

ci=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$ci/.." && pwd)

start=$SECONDS
bash "$ci/install-tools.sh"
bash "$ci/start-docker.sh"
# The second engine of e2e/containerd_store_test.go (cached).
bash "$ci/fetch-trixie-docker.sh"
bash "$root/e2e/standins/build.sh"
echo "e2e-setup: ready in $((SECONDS - start))s" >&2
