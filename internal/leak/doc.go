// Package leak checks that a test leaves no goroutines behind.
//
// Use Check at the start of a test: it records the number of goroutines, and when the test
// (and its subtests) finish it waits, polling runtime.NumGoroutine against a deadline, until
// the count is back to that baseline. If it is not back in time the test fails with a dump of
// every goroutine's stack, so the leaked one can be found.
//
// It is not for parallel tests: goroutines started by a test running in parallel with the
// checked one are counted too. Call Check in tests that do not call t.Parallel (their
// subtests may, since Check waits for them).
package leak
