#!/usr/bin/env bash
# Runs every native Go fuzz target in the core module for a bounded time each.
# Usage: scripts/fuzz.sh [duration]   (default 10s per target)
#
# A target fails the run when fuzzing finds something: a reproducer written to
# testdata/fuzz/, a panic, or any failure other than the one below. Go's fuzz coordinator
# (go1.26 and earlier, golang/go#75804) can end a duration-bounded run with a bare
# "context deadline exceeded" at the -fuzztime boundary on a loaded machine, with nothing
# found; that case is re-checked by replaying the target's corpus deterministically and
# counted as an engine flake only when the replay passes.
set -uo pipefail
cd "$(dirname "$0")/.."
dur=${1:-10s}
passed=0 failed=0 flaked=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for pkg in $(go list ./...); do
  dir=$(go list -f '{{.Dir}}' "$pkg")
  targets=$(grep -hoE '^func (Fuzz[A-Za-z0-9_]+)\(f \*testing\.F\)' "$dir"/*_test.go 2>/dev/null | sed -E 's/^func (Fuzz[A-Za-z0-9_]+).*/\1/' | sort -u || true)
  for t in $targets; do
    echo "== fuzz $pkg $t ($dur)"
    if go test -run '^$' -fuzz "^${t}\$" -fuzztime "$dur" "$pkg" 2>&1 | tee "$log"; then
      passed=$((passed + 1))
      continue
    fi
    if grep -q 'context deadline exceeded' "$log" &&
      ! grep -qE 'Failing input written to|panic:|_test\.go:[0-9]+:' "$log"; then
      echo "== $t: bare 'context deadline exceeded' at the fuzztime boundary, no input written: replaying the corpus"
      if go test -count=1 -run "^${t}\$" "$pkg"; then
        flaked=$((flaked + 1))
        continue
      fi
    fi
    failed=$((failed + 1))
  done
done
echo "engine flakes (golang/go#75804, corpus replay passed): $flaked"
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
