#!/usr/bin/env bash
# Runs every native Go fuzz target in the core module for a bounded time each.
# Usage: scripts/fuzz.sh [duration]   (default 10s per target)
set -euo pipefail
cd "$(dirname "$0")/.."
dur=${1:-10s}
status=0
for pkg in $(go list ./...); do
  dir=$(go list -f '{{.Dir}}' "$pkg")
  targets=$(grep -hoE '^func (Fuzz[A-Za-z0-9_]+)\(f \*testing\.F\)' "$dir"/*_test.go 2>/dev/null | sed -E 's/^func (Fuzz[A-Za-z0-9_]+).*/\1/' | sort -u || true)
  for t in $targets; do
    echo "== fuzz $pkg $t ($dur)"
    if ! go test -run '^$' -fuzz "^${t}\$" -fuzztime "$dur" "$pkg"; then status=1; fi
  done
done
exit $status
