// Package hostile holds tests, and nothing else, that attack a duplex server over
// loopback the way a hostile or broken peer would: slow handshakes (slowloris), idle
// half-frames, oversized headers, frames and messages, ping and fragment floods,
// connection floods past the cap, peers that stop reading, and TCP resets in the middle of
// a handshake, a frame or a close.
//
// Each test states the defence it exercises (a timeout, a limit, a bound on memory), asserts
// the RFC 6455 answer the peer gets (HTTP status or close code), measures the heap where
// memory is the question, and checks with internal/leak that no goroutine is left behind.
//
// It is NOT a fuzzer (package fuzz) nor a load test (package loadtest); the peers here are
// deliberately few, so the package's race run stays within a few seconds.
package hostile
