// Command bench measures duplex against the Go WebSocket libraries people use —
// gorilla/websocket, gobwas/ws, lxzan/gws and coder/websocket — side by side, in the same
// run, on the same machine, over loopback only.
//
// Run it from this directory (a nested module, so the core module needs none of the
// peers):
//
//	go run .            # everything, under 10 minutes on 2 cores
//	go run . -quick     # shorter runs, under 2 minutes
//	go run . -only echo,idle -libs gorilla,gws
//	go run . -only echo -libs gws -childprofile /tmp/prof   # CPU profile of each echo server
//
// It prints Markdown tables and writes results/bench.csv (every raw sample: one row per
// run of each implementation and case), results/bench.md (the tables) and
// results/bench.svg (a bar chart of the headline numbers; -quick writes bench-quick.*).
//
// Measurements:
//
//  1. mask: XOR masking at 8 B to 1 MiB — mask.Apply, gobwas ws.Cipher, a naive byte loop
//     and copy() as the ceiling.
//  2. codec: a server reading masked client frames (parse, unmask, UTF-8 check where the
//     library does one) and writing frames, at 16 B, 1 KiB and 64 KiB, text and binary,
//     through each library's real connection type over an in-memory net.Conn that
//     replays pre-encoded frames and discards writes (replayConn).
//  3. echo: each server in a child process pinned to its own CPU, the client in this
//     process pinned to another; 1-connection ping-pong latency (p50, p99), and 64
//     connections × 8 pipelined messages at 16 B and 16 KiB: echoes/s and the server's
//     CPU time per echo from /proc/<pid>/stat. A raw TCP echo server with the same
//     client is the physical limit.
//  4. idle: memory per idle connection with 10,000 connections, each server in a fresh
//     child: heap+stack from runtime.MemStats after a GC, and the RSS delta.
//  5. deflate: permessage-deflate echo of a 16 KiB JSON message, each library with its
//     own client and server (duplex is reported "not available" until conn.Options has a
//     Compression field).
//
// Each library is driven through its fastest public API, and the report header states
// its settings: which ones validate UTF-8, compress, and with which buffer sizes.
//
// # Noise
//
// The machine is usually shared, so the harness charges code for the CPU it used, not
// for wall time: micro-benchmarks time each run with getrusage (time spent descheduled
// is not counted), the echo servers' cost is their /proc CPU time per echo, and the
// runs of all implementations are interleaved (run 1 of each, then run 2 of each, ...)
// so that a change in load touches all of them alike. Medians are reported; every run
// is in the CSV. Wall-clock figures (echoes/s, latency) are printed too and are the ones
// most affected by other load.
//
// It is not a load generator or a benchmark of anything but the libraries' own costs:
// the client is a minimal frame writer so that it costs the same for every server, and
// numbers from different runs or machines are not comparable — only ratios within one
// run are.
package main
