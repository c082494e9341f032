#!/usr/bin/env bash
# Build the end-to-end tests' stand-in images (see README.md) on the local
# Docker Engine, cached: every image carries a label with the SHA-256 of its
# recipe folder (plus the base image it was built on) and is rebuilt only
# when that hash changes.
#
#   bash e2e/standins/build.sh            # every image
#   bash e2e/standins/build.sh python     # the base and the named images
#   STANDIN_FORCE=1 bash e2e/standins/build.sh   # rebuild, ignoring the label
#   STANDIN_NO_CACHE=1 ...   # and without BuildKit's layer cache (a cold build)
#   STANDIN_PREFIX=name ...  # another repository prefix (default stackgen-standin)
#
# Needs: docker (with the buildx plugin, so BuildKit builds), debootstrap
# (only when the base image has to be built), root.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PREFIX=${STANDIN_PREFIX:-stackgen-standin}
LABEL=org.stackgen.standin.recipe-sha256
FORCE=${STANDIN_FORCE:-0}
NO_CACHE=${STANDIN_NO_CACHE:-0}
if [[ $NO_CACHE == 1 ]]; then FORCE=1; fi
BASE_IMAGE=$PREFIX/base:trixie

# name -> tag; the tag names the upstream major.minor the Debian package
# provides, and each Dockerfile checks that it still does (opensearch: the
# REST API version the Python stand-in answers as).
declare -A TAGS=(
  [python]=3.13
  [nginx]=1.26
  [mariadb]=11.8
  [redis]=8.0
  [valkey]=8.1
  [postgres]=17
  [httpstub]=1
  [opensearch]=3.6
)
ORDER=(python httpstub redis valkey nginx postgres mariadb opensearch)

log() { printf 'standins: %s\n' "$*" >&2; }

# recipe_hash DIR [EXTRA...]: SHA-256 over every file of DIR (relative path,
# mode and content) and the extra strings.
recipe_hash() {
  local dir=$1
  shift
  {
    (cd "$dir" && find . \( -type f -o -type l \) -print0 | LC_ALL=C sort -z |
      while IFS= read -r -d '' f; do
        printf '%s %s ' "$f" "$(stat -c '%a' "$f")"
        if [[ -L $f ]]; then readlink "$f"; else sha256sum < "$f" | cut -d' ' -f1; fi
      done)
    printf '%s\n' "$@"
  } | sha256sum | cut -d' ' -f1
}

image_label() {
  docker image inspect --format "{{ index .Config.Labels \"$LABEL\" }}" "$1" 2>/dev/null || true
}

# The machine's own Debian mirror (never hard-coded): the first non-security
# URI of its apt sources, and the security one.
read_mirrors() {
  local src=/etc/apt/sources.list.d/debian.sources
  MIRROR=$(awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }' "$src" 2>/dev/null || true)
  SECURITY=$(awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i ~ /security/) { print $i; exit } }' "$src" 2>/dev/null || true)
  if [[ -z $MIRROR && -r /etc/apt/sources.list ]]; then
    MIRROR=$(awk '$1 == "deb" && $2 !~ /security/ { print $2; exit }' /etc/apt/sources.list)
    SECURITY=$(awk '$1 == "deb" && $2 ~ /security/ { print $2; exit }' /etc/apt/sources.list)
  fi
  if [[ -z $MIRROR ]]; then
    log "cannot find a Debian mirror in $src"
    exit 1
  fi
}

build_base() {
  read_mirrors
  # shellcheck source=/dev/null
  . "$HERE/base/recipe.env"
  local hash
  hash=$(recipe_hash "$HERE/base" "$MIRROR" "$SECURITY")
  if [[ $FORCE != 1 && $(image_label "$BASE_IMAGE") == "$hash" ]]; then
    log "base: cached ($BASE_IMAGE)"
    return
  fi
  command -v debootstrap >/dev/null || { log "debootstrap missing: run .ci/install-tools.sh"; exit 1; }
  local start=$SECONDS root
  root=$(mktemp -d /var/tmp/stackgen-standin-base.XXXXXX)
  # shellcheck disable=SC2064 # expand now: the path is fixed
  trap "rm -rf '$root'" EXIT
  log "base: debootstrap --variant=$VARIANT $SUITE (about a minute)"
  if ! debootstrap --variant="$VARIANT" "$SUITE" "$root" "$MIRROR" > "$root.log" 2>&1; then
    tail -n 30 "$root.log" >&2
    exit 1
  fi
  rm -f "$root.log"
  cp -a "$HERE/base/rootfs/." "$root/"
  rm -f "$root/etc/apt/sources.list"
  {
    printf 'Types: deb\nURIs: %s\nSuites: %s %s-updates\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
      "$MIRROR" "$SUITE" "$SUITE"
    if [[ -n $SECURITY ]]; then
      printf '\nTypes: deb\nURIs: %s\nSuites: %s-security\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
        "$SECURITY" "$SUITE"
    fi
  } > "$root/etc/apt/sources.list.d/debian.sources"
  # What dpkg's path-exclude now keeps out of later installs, drop from the
  # base too, together with apt's caches and debootstrap's leftovers.
  find "$root/usr/share/doc" -mindepth 1 ! -name copyright ! -type d -delete 2>/dev/null || true
  find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete 2>/dev/null || true
  rm -rf "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/usr/share/lintian/* \
    "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/* "$root"/var/log/* "$root"/tmp/* \
    "$root"/debootstrap
  find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} + 2>/dev/null || true
  tar --numeric-owner -C "$root" -c . |
    docker import \
      --change "LABEL $LABEL=$hash" \
      --change "LABEL org.stackgen.standin=base" \
      --change 'ENV LANG=C.UTF-8' \
      --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'CMD ["bash"]' \
      - "$BASE_IMAGE" >/dev/null
  rm -rf "$root"
  trap - EXIT
  log "base: built $BASE_IMAGE in $((SECONDS - start))s"
}

# build_one NAME: builds one image unless its label matches; prints its
# result line, and the build's last lines when it fails.
build_one() {
  local name=$1 tag=${TAGS[$1]}
  local ref=$PREFIX/$name:$tag dir=$HERE/$name hash base_id
  base_id=$(docker image inspect --format '{{.Id}}' "$BASE_IMAGE")
  hash=$(recipe_hash "$dir" "$base_id" "$ref")
  if [[ $FORCE != 1 && $(image_label "$ref") == "$hash" ]]; then
    log "$name: cached ($ref)"
    return
  fi
  local start=$SECONDS logf opts=()
  logf=$(mktemp /var/tmp/stackgen-standin-build.XXXXXX)
  if [[ $NO_CACHE == 1 ]]; then opts+=(--no-cache); fi
  log "$name: building $ref"
  DOCKER_BUILDKIT=1 docker build --progress=plain "${opts[@]}" \
    --build-arg "BASE=$BASE_IMAGE" \
    --label "$LABEL=$hash" --label "org.stackgen.standin=$name" \
    -t "$ref" "$dir" > "$logf" 2>&1 &
  local bpid=$! rc=0
  # shellcheck disable=SC2064 # the pid is fixed now
  trap "kill $bpid 2>/dev/null; exit 130" TERM
  wait "$bpid" || rc=$?
  trap - TERM
  if [[ $rc -ne 0 ]]; then
    log "$name: build failed after $((SECONDS - start))s; last lines:"
    tail -n 60 "$logf" >&2
    rm -f "$logf"
    return 1
  fi
  rm -f "$logf"
  log "$name: built $ref in $((SECONDS - start))s"
}

main() {
  local names=("$@") n
  if [[ ${#names[@]} -eq 0 ]]; then names=("${ORDER[@]}"); fi
  for n in "${names[@]}"; do
    [[ -n ${TAGS[$n]:-} ]] || { log "unknown stand-in '$n' (known: ${ORDER[*]})"; exit 2; }
  done
  docker info >/dev/null 2>&1 || { log "no Docker engine answers: run .ci/start-docker.sh"; exit 1; }
  local start=$SECONDS
  build_base
  # The images only share the base, so they build side by side (the Python
  # one, with its wheelhouse, is the long pole).
  local pids=() failed=0 i
  # Interrupted: stop the builds started here (their docker CLIs).
  trap 'kill "${pids[@]}" 2>/dev/null; exit 130' INT TERM
  for n in "${names[@]}"; do
    build_one "$n" &
    pids+=($!)
  done
  for i in "${!pids[@]}"; do
    wait "${pids[$i]}" || failed=1
  done
  if [[ $failed -ne 0 ]]; then
    log "some stand-ins failed to build"
    exit 1
  fi
  # Untagged leftovers of earlier builds of the stand-ins.
  docker image prune -f --filter "label=org.stackgen.standin" >/dev/null 2>&1 || true
  log "all done in $((SECONDS - start))s: $(for n in "${names[@]}"; do printf '%s ' "$PREFIX/$n:${TAGS[$n]}"; done)"
}

main "$@"
