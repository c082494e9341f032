#!/usr/bin/env bash
# Optional: build Helm from the Go module proxy (Debian has no helm package)
# so e2e/kubernetes_test.go can run `helm lint` and `helm template` on the
# chart stackgen exports. Cached like the kube-apiserver build; .ci/run calls
# it only with STACKGEN_BUILD_KUBE=1.
#
#   HELM_VERSION        default v3.22.0
#   STACKGEN_E2E_CACHE  cache root (default /var/cache/stackgen-e2e)
set -euo pipefail

version="${HELM_VERSION:-v3.22.0}"
cache="${STACKGEN_E2E_CACHE:-/var/cache/stackgen-e2e}"
out="$cache/helm-$version"

if [ -x "$out/helm" ]; then
  echo "build-helm: cached $out/helm" >&2
  exit 0
fi
mkdir -p "$out"
start=$SECONDS
GOBIN="$out" CGO_ENABLED=0 nice -n 19 go install -trimpath \
  -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=$version" \
  "helm.sh/helm/v3/cmd/helm@$version"
echo "build-helm: built $out/helm in $((SECONDS - start))s" >&2
