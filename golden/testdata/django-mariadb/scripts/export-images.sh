#!/usr/bin/env bash
# Save every image this stack uses (exactly the ones compose.yaml names,
# from `docker compose config --images`) into one gzip'd archive with a
# single `docker save`, so layers the images share are stored once.
# Load it on another machine with: gunzip -c FILE | docker load
#
#   scripts/export-images.sh [FILE]    (default dist/mysite-images-1.0.tar.gz)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

die() {
  printf 'export-images: %s\n' "$*" >&2
  exit 1
}

default_out=dist/mysite-images-1.0.tar.gz
out=${1:-$default_out}
mkdir -p "$(dirname "$out")"

images=()
while IFS= read -r image; do
  [[ -n $image ]] && images+=("$image")
done < <(docker compose config --images | sort -u)
[[ ${#images[@]} -gt 0 ]] || die "docker compose config --images listed no image"

echo "export-images: building the images of this stack"
docker compose build
for image in "${images[@]}"; do
  if ! docker image inspect "$image" >/dev/null 2>&1; then
    echo "export-images: pulling $image"
    docker pull "$image"
  fi
done

echo "export-images: saving ${images[*]}"
docker save "${images[@]}" | gzip > "$out.tmp"
mv "$out.tmp" "$out"
if command -v sha256sum >/dev/null 2>&1; then
  (cd "$(dirname "$out")" && sha256sum "$(basename "$out")" > "$(basename "$out").sha256")
else
  (cd "$(dirname "$out")" && shasum -a 256 "$(basename "$out")" > "$(basename "$out").sha256")
fi
echo "export-images: wrote $out and $out.sha256"
