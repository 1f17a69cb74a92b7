// Package leak checks that a test leaves no goroutines behind.
//
// Use Check at the start of a test: it records which goroutines exist (by goroutine ID), and
// when the test (and its subtests) finish it waits, polling against a deadline, until every
// goroutine started since then has exited. If one is still running in time the test fails with
// the stacks of the goroutines that were not there at the start, so the leaked one can be found.
//
// Comparing identities rather than counts matters: a goroutine left over from an earlier test
// that exits while this test runs would otherwise hide one that this test leaked.
//
// It is not for parallel tests: goroutines started by a test running in parallel with the
// checked one look like leaks too. Call Check in tests that do not call t.Parallel (their
// subtests may, since Check waits for them). It is not a general goroutine profiler either:
// runtime-owned goroutines that start lazily (os/signal's loop) are ignored.
package leak
