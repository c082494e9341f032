#!/usr/bin/env bash
# Offline bundles, measured: stackgen's bundle against the seed's way
# (seed 002: one `docker save -o` per image, then a zip of the folder), on
# the same images in one run, plus a raw `docker save` of the same images
# to /dev/null (the floor: reading the layers once).
#
#   bash bench/bundle.sh                  # the django-uwsgi stand-in stack
#   BENCH_KEEP=1 bash bench/bundle.sh     # keep the work folder
#   BENCH_ARGS="--level 7" bash bench/bundle.sh   # extra deploy --package flags
#
# Needs: go, docker with compose v2 and buildx, zip, the stand-in images
# (bash e2e/standins/build.sh). Prints a Markdown table; not a pass/fail
# test: the machines are shared, so only the ratios of one run mean much.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PREFIX=${STANDIN_PREFIX:-stackgen-standin}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/stackgen-bench.XXXXXX")
NAME=bench$$
log() { printf 'bench: %s\n' "$*" >&2; }

cleanup() {
  if [[ -d $WORK/$NAME ]]; then
    docker compose --project-directory "$WORK/$NAME" down --volumes >/dev/null 2>&1 || true
  fi
  for img in "$NAME-web:1.0" "$NAME-nginx:1.0"; do
    docker image rm "$img" >/dev/null 2>&1 || true
  done
  if [[ ${BENCH_KEEP:-0} == 1 ]]; then
    log "kept $WORK"
  else
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT

for tool in go docker zip; do
  command -v "$tool" >/dev/null || { log "$tool is missing"; exit 1; }
done

# now: seconds since the epoch with nanoseconds.
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
mib() { awk -v n="$1" 'BEGIN { printf "%.1f", n / 1048576 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }

log "building stackgen (static, so it can be its own unpacker image)"
(cd "$ROOT" && CGO_ENABLED=0 go build -o "$WORK/stackgen" ./cmd/stackgen)
SG=$WORK/stackgen

log "rendering the django-uwsgi stand-in stack and building its images (not timed)"
(cd "$WORK" && "$SG" new django-uwsgi "$NAME" --yes --set project="$NAME" --set db=mariadb \
  --image python="$PREFIX/python:3.13" --image db="$PREFIX/mariadb:11.8" \
  --image redis="$PREFIX/redis:8.0" --image nginx="$PREFIX/nginx:1.26" >/dev/null 2>&1)
docker compose --project-directory "$WORK/$NAME" build --quiet >/dev/null 2>&1 ||
  docker compose --project-directory "$WORK/$NAME" build
mapfile -t IMAGES < <(docker compose --project-directory "$WORK/$NAME" config --images | sort -u)
engine_size=0
for img in "${IMAGES[@]}"; do
  s=$(docker image inspect --format '{{.Size}}' "$img")
  engine_size=$((engine_size + s))
done
log "images: ${IMAGES[*]} ($(mib "$engine_size") MiB in the engine)"

# Warm the page cache, so every contender reads the layers from memory.
docker save "${IMAGES[@]}" >/dev/null

raw_save() {
  local t0 t1
  t0=$(now)
  docker save "${IMAGES[@]}" >/dev/null
  t1=$(now)
  secs "$t0" "$t1"
}

log "raw docker save to /dev/null"
raw1=$(raw_save)

log "the seed's way: docker save -o per image, then zip the folder"
seed=$WORK/seed/$NAME-deployment
mkdir -p "$seed/docker-images"
t0=$(now)
cp "$WORK/$NAME/compose.yaml" "$seed/"
cp -r "$WORK/$NAME/compose" "$seed/"
for img in "${IMAGES[@]}"; do
  f=${img//:/_}
  docker save -o "$seed/docker-images/${f//\//_}.tar" "$img"
done
(cd "$WORK/seed" && zip -q -r "$NAME-deployment.zip" "$NAME-deployment")
t1=$(now)
seed_time=$(secs "$t0" "$t1")
seed_size=$(stat -c %s "$WORK/seed/$NAME-deployment.zip")
seed_tars=$(du -cb "$seed"/docker-images/*.tar | tail -1 | cut -f1)
rm -rf "$seed"

log "stackgen deploy --package ${BENCH_ARGS:-}"
t0=$(now)
# shellcheck disable=SC2086 # BENCH_ARGS is a list of flags
(cd "$WORK" && "$SG" deploy --package "$NAME" -o "$WORK/$NAME.zip" --no-build --progress plain ${BENCH_ARGS:-} 2>"$WORK/package.log" >/dev/null) ||
  { cat "$WORK/package.log" >&2; exit 1; }
t1=$(now)
sg_time=$(secs "$t0" "$t1")
sg_size=$(stat -c %s "$WORK/$NAME.zip")
sg_phase=$(sed -n 's/.* in \([0-9.]*\)s (.*/\1/p' "$WORK/package.log" | tail -1)
codec=$(sed -n 's/.*images compressed with \([a-z]*\)).*/\1/p' "$WORK/package.log" | tail -1)
unpacker=$(unzip -l "$WORK/$NAME.zip" | awk '/unpacker.tar.gz/ { print $1 }')

log "raw docker save to /dev/null, again"
raw2=$(raw_save)
raw=$(awk -v a="$raw1" -v b="$raw2" 'BEGIN { print (a < b ? a : b) }')

cat <<EOF

Machine: $(nproc) cores, $(docker version --format 'Docker Engine {{.Server.Version}}'), load average $(cut -d' ' -f1-3 /proc/loadavg)
Images: ${IMAGES[*]} ($(mib "$engine_size") MiB in the engine; one save: the seed's tars add up to $(mib "$seed_tars") MiB)

| | size | time |
| --- | ---: | ---: |
| seed's way (docker save -o per image + zip) | $(mib "$seed_size") MiB | ${seed_time} s |
| stackgen deploy --package ($codec, zip) | $(mib "$sg_size") MiB | ${sg_time} s (save+compress ${sg_phase} s) |
| raw docker save > /dev/null (faster of two) | | ${raw} s |

| ratio | value | target |
| --- | ---: | ---: |
| bundle size / seed's size | $(ratio "$sg_size" "$seed_size") | <= 0.55 |
| bundle time / seed's time | $(ratio "$sg_time" "$seed_time") | <= 0.2 |
| bundle time / raw save time | $(ratio "$sg_time" "$raw") | <= 1.5 |
| save+compress phase / raw save time | $(ratio "${sg_phase:-0}" "$raw") | |

The bundle includes the $(mib "${unpacker:-0}") MiB unpacker image.
EOF
