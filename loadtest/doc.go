// Package loadtest holds load, soak and shutdown tests, and nothing else: many concurrent
// connections between package client and package server over loopback, every message
// carrying a sequence number and a checksum that the far end verifies, so a lost,
// duplicated, reordered or corrupted message fails the run.
//
// `go test ./loadtest` (and the race run of `make test`) runs a small configuration: 100
// connections for 3 seconds, and a graceful shutdown under load. The full run holds 2,000
// connections for 60 seconds and is off unless asked for:
//
//	DUPLEX_LOAD=1 go test -run 'TestLoad$' -count=1 -timeout 10m -v ./loadtest
//
// DUPLEX_LOAD_CONNS and DUPLEX_LOAD_DURATION (a time.Duration) override either size. The
// test raises RLIMIT_NOFILE as far as the hard limit allows (each connection needs two
// descriptors, both ends being in this process) and reports connections, messages, bytes,
// throughput, goroutines and heap before, during and after.
//
// It is NOT a benchmark against other libraries (see bench/) and NOT a hostile-peer test
// (see internal/hostile): the peers here are well-behaved and the question is whether
// anything is lost or leaks under sustained concurrency.
package loadtest
