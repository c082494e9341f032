#!/usr/bin/env bash
# Run every go test -fuzz target for a bounded time (FUZZTIME each, 6s by
# default: about a minute and a half in all). Their seed corpora already
# run with the ordinary tests; this looks for new inputs. A failure leaves
# the input under the package's testdata/fuzz/ to commit as a regression.
set -euo pipefail
cd "$(dirname "$0")/.."

fuzztime="${FUZZTIME:-6s}"
status=0
for pkg in ./render ./stacks; do
  for target in $(go test -list '^Fuzz' "$pkg" | grep '^Fuzz'); do
    echo "== fuzz $pkg $target ($fuzztime)"
    if ! go test "$pkg" -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime"; then
      status=1
    fi
  done
done
exit "$status"
