#!/usr/bin/env bash
# Runs the mask and utf8 throughput benchmarks and prints them as Markdown tables
# (median GB/s per implementation, ratios vs the same-run baseline) with internal/benchtable.
#
# Usage: scripts/benchtable.sh [benchtime] [count]   (defaults 1s, 6)
#        STAT=best scripts/benchtable.sh ...   (cells: fastest run instead of the median)
#
# On a shared machine other processes only ever slow a run down, so the fastest of the
# interleaved runs (STAT=best) is the steadier estimate when the load is high; the table
# title says which statistic it shows.
#
# The count runs are made as count passes over all benchmarks (-test.count=1 each) rather
# than one -count=N run, so that a change in machine load during the run hits every
# implementation alike instead of skewing one of them. The raw output is kept in
# ${BENCH_OUT:-bench-simd.txt} for benchstat.
set -euo pipefail
cd "$(dirname "$0")/.."
benchtime=${1:-1s}
count=${2:-6}
stat=${STAT:-median}
out=${BENCH_OUT:-bench-simd.txt}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pkgs=()
for p in mask utf8; do
  if [ -d "$p" ]; then
    go test -c -o "$tmp/$p.test" "./$p"
    pkgs+=("$p")
  fi
done
: > "$out"
for ((i = 1; i <= count; i++)); do
  for p in "${pkgs[@]}"; do
    (cd "$p" && "$tmp/$p.test" -test.run '^$' -test.bench '^Benchmark(Apply|ApplyCopy|Valid)$' \
      -test.benchmem -test.benchtime "$benchtime") | tee -a "$out" >&2
  done
done
go run ./internal/benchtable -stat "$stat" < "$out"
