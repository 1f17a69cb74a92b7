// Command benchtable turns `go test -bench` output into a Markdown table of median (or best)
// throughput, for the SIMD packages' benchmarks.
//
// Usage:
//
//	go test -run '^$' -bench . -count 6 ./mask ./utf8 > bench.txt
//	go run ./internal/benchtable < bench.txt
//
// It reads benchmarks named Benchmark<Family>/<impl>/<case...> — the convention shared by
// package mask (BenchmarkApply/<impl>/<size>, impls copy, naive, generic, simd) and package
// utf8 (BenchmarkValid/<impl>/<corpus>/<size>, impls stdlib, generic, simd, and the
// references copy and read) — and prints one table per family: a row per case, a column per
// implementation, each cell the median (-stat median, the default) or the fastest (-stat
// best) of the MB/s samples of all -count runs, in GB/s (10^9 bytes per second). On a
// shared, loaded machine, where other processes only ever slow a run down, best is the
// steadier estimate of what the code can do. Ratio columns divide the candidate
// implementation (-impl, default simd) by the baseline (-base; by default stdlib, else
// copy, else the first implementation seen), by generic, and by the ceiling reference
// (-ceiling, default read: a loop that only reads the bytes). Benchmarks without an MB/s
// figure (no b.SetBytes) are skipped.
//
// It is not a statistics tool: for confidence intervals and significance use benchstat.
package main
