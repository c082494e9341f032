#!/usr/bin/env bash
# Run every go test -fuzz target for a bounded time (FUZZTIME each, 5s by
# default: under two minutes in all, builds included). Their seed corpora
# already run with the ordinary tests; this looks for new inputs. A failure
# leaves the input under the package's testdata/fuzz/ to commit as a
# regression test.
set -euo pipefail
cd "$(dirname "$0")/.."

fuzztime="${FUZZTIME:-5s}"
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
