#!/usr/bin/env bash
# Runs the mask and utf8 throughput benchmarks and prints them as Markdown tables
# (median GB/s per implementation, ratios vs the same-run baseline).
# Usage: scripts/benchtable.sh [benchtime] [count]   (defaults 1s, 6)
# The raw `go test -bench` output is kept in ${BENCH_OUT:-bench-simd.txt} for benchstat.
set -euo pipefail
cd "$(dirname "$0")/.."
benchtime=${1:-1s}
count=${2:-6}
out=${BENCH_OUT:-bench-simd.txt}
pkgs=()
for p in ./mask ./utf8; do
  if [ -d "$p" ]; then pkgs+=("$p"); fi
done
go test -run '^$' -bench '^Benchmark(Apply|Valid)$' -benchmem \
  -benchtime "$benchtime" -count "$count" "${pkgs[@]}" | tee "$out" >&2
go run ./internal/benchtable < "$out"
