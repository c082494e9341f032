#!/usr/bin/env bash
# Runs inside the Python stand-in's `wheels` build stage: fetches what
# wheels.txt names from Debian's archive and turns it into wheels in /wheels
# (VERSIONS.txt is checked in a later step). apt is called once for all the
# binary packages: on a loaded machine every apt call costs seconds.
set -euo pipefail

out=/wheels
work=/build
mkdir -p "$out" "$work/src" "$work/deb"
chown _apt "$work/src" "$work/deb" 2>/dev/null || true

debs=()
while read -r method pkg suite; do
  case $method in
    ''|'#'*) continue ;;
    sdist)
      echo "== sdist $pkg/$suite"
      d=$work/src/$pkg
      mkdir -p "$d"
      chown _apt "$d" 2>/dev/null || true
      # Only the upstream tarball is needed; the Debian part may be missing
      # from the mirror, so a failed fetch is judged by what arrived.
      (cd "$d" && apt-get source --download-only -qq "$pkg/$suite") || true
      orig=$(find "$d" -name '*.orig.tar.*' | head -n1)
      [[ -n $orig ]] || { echo "no upstream tarball for $pkg/$suite" >&2; exit 1; }
      mkdir -p "$d/x" && tar -C "$d/x" -xf "$orig"
      top=$(find "$d/x" -mindepth 1 -maxdepth 1 -type d | head -n1)
      pip wheel --no-deps --no-index --no-build-isolation --no-cache-dir -q -w "$out" "$top"
      ;;
    deb) debs+=("$pkg/$suite") ;;
    *) echo "wheels.txt: unknown method $method" >&2; exit 1 ;;
  esac
done < /recipe/wheels.txt

if [[ ${#debs[@]} -gt 0 ]]; then
  echo "== deb ${debs[*]}"
  (cd "$work/deb" && apt-get download -qq "${debs[@]}")
  python3 /recipe/wheelhouse.py deb "$out" "$work"/deb/*.deb
  # Shared libraries the compiled ones need from Debian at run time.
  apt-cache show "${debs[@]}" |
    awk -F': ' '$1 == "Architecture" { arch = $2 } $1 == "Depends" && arch != "all" { print $2 }' |
    tr ',' '\n' | sed -E 's/\|.*//; s/\(.*//; s/^ +//; s/ +$//' | grep -E '^lib' |
    grep -vE '^(libc6|libgcc-s1|libstdc\+\+6|zlib1g)$' | sort -u > "$out/.runtime-libs" || true
fi
ls -l "$out"
