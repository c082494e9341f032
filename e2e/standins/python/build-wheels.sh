#!/usr/bin/env bash
# Runs inside the Python stand-in's `wheels` build stage: fetches what
# wheels.txt names from Debian's archive and turns it into wheels in /wheels,
# then checks them against VERSIONS.txt.
set -euo pipefail

out=/wheels
work=/build
mkdir -p "$out" "$work/src" "$work/deb"
chown _apt "$work/src" "$work/deb" 2>/dev/null || true
: > "$work/runtime-libs.txt"

while read -r method pkg suite; do
  case $method in ''|'#'*) continue ;; esac
  case $method in
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
    deb)
      echo "== deb $pkg/$suite"
      (cd "$work/deb" && apt-get download -qq "$pkg/$suite")
      deb=$(find "$work/deb" -name "${pkg}_*.deb" | head -n1)
      python3 /recipe/wheelhouse.py deb "$deb" "$out"
      # Shared libraries a compiled package needs from Debian at run time.
      apt-cache show "$pkg/$suite" 2>/dev/null | awk -F': ' '$1 == "Depends" { print $2; exit }' |
        tr ',' '\n' | sed -E 's/\|.*//; s/\(.*//; s/^ +//; s/ +$//' | grep -E '^lib' >> "$work/runtime-libs.txt" || true
      rm -f "$deb"
      ;;
    *) echo "wheels.txt: unknown method $method" >&2; exit 1 ;;
  esac
done < /recipe/wheels.txt

grep -vE '^(libc6|libgcc-s1|libstdc\+\+6|zlib1g)$' "$work/runtime-libs.txt" | sort -u > "$out/.runtime-libs"
ls -l "$out"
