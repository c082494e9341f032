#!/usr/bin/env bash
# Optional: build a real kube-apiserver (and a kubectl of the same release,
# with kustomize built in) from the Go module proxy for the Kubernetes
# end-to-end check (e2e/kubernetes_test.go). It takes many minutes on 2
# cores, so .ci/run calls it only with STACKGEN_BUILD_KUBE=1; run it once per
# machine (or let CI restore the cache) and the e2e test uses the binaries.
#
#   KUBE_VERSION   Kubernetes release to build (default v1.37.2; the staging
#                  modules are pinned to the matching v0.Y.Z)
#   STACKGEN_E2E_CACHE  cache root (default /var/cache/stackgen-e2e)
#
# The binaries land in $STACKGEN_E2E_CACHE/kube-apiserver-$KUBE_VERSION/
# (kube-apiserver, kubectl); existing ones are reused. The build runs under `nice -n 19` because
# the machine is shared.
set -euo pipefail

version="${KUBE_VERSION:-v1.37.2}"
cache="${STACKGEN_E2E_CACHE:-/var/cache/stackgen-e2e}"
out="$cache/kube-apiserver-$version"
bins=()
for b in kube-apiserver kubectl; do
  [ -x "$out/$b" ] || bins+=("$b")
done
if [ ${#bins[@]} -eq 0 ]; then
  echo "build-kube-apiserver: cached in $out" >&2
  exit 0
fi

minor="${version#v1.}"
staging="v0.${minor}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"

cd "$work"
# The staging modules k8s.io/kubernetes replaces with ./staging paths; each is
# published on its own at v0.Y.Z.
mods=$(curl -fsS "${GOPROXY_BASE:-https://proxy.golang.org}/k8s.io/kubernetes/@v/$version.mod" |
  awk '$2 == "=>" && $3 ~ /^\.\/staging\// {print $1}')
if [ -z "$mods" ]; then
  echo "build-kube-apiserver: no staging modules found for k8s.io/kubernetes $version" >&2
  exit 1
fi

{
  echo "module stackgen.local/kube-apiserver-build"
  echo
  echo "go 1.26"
  echo
  echo "require k8s.io/kubernetes $version"
  echo
  echo "replace ("
  for m in $mods; do echo "	$m => $m $staging"; done
  echo ")"
} >go.mod
cat >main.go <<'GO'
package main

import (
	_ "k8s.io/kubectl/pkg/cmd"
	_ "k8s.io/kubernetes/cmd/kube-apiserver/app"
)

func main() {}
GO

start=$SECONDS
nice -n 19 go mod tidy >&2
echo "build-kube-apiserver: go mod tidy ${SECONDS}s" >&2
rm main.go

gitv="$version"
ld="-s -w"
for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ld="$ld -X $p.gitVersion=$gitv -X $p.gitMajor=1 -X $p.gitMinor=${minor%%.*}"
done

for b in "${bins[@]}"; do
  build=$SECONDS
  GOFLAGS=-mod=mod CGO_ENABLED=0 nice -n 19 go build -trimpath -ldflags "$ld" -o "$out/$b.tmp" "k8s.io/kubernetes/cmd/$b"
  mv "$out/$b.tmp" "$out/$b"
  echo "build-kube-apiserver: built $out/$b in $((SECONDS - build))s (total $((SECONDS - start))s)" >&2
done
