package leak

import (
	"bytes"
	"runtime"
	"time"
)

// TB is the part of testing.TB that Check uses.
type TB interface {
	Helper()
	Cleanup(func())
	Errorf(format string, args ...any)
	Failed() bool
}

// DefaultTimeout is how long Check waits for stray goroutines to exit before failing. Exiting
// goroutines (a closed connection's reader, a fired timer) normally finish in microseconds;
// the generous bound absorbs a loaded CI machine without slowing a passing test.
const DefaultTimeout = 5 * time.Second

// Check records the current number of goroutines and registers a cleanup that fails t if,
// within DefaultTimeout after the test ends, the number has not come back to it.
func Check(t TB) {
	t.Helper()
	CheckTimeout(t, DefaultTimeout)
}

// CheckTimeout is Check with an explicit bound on the wait.
func CheckTimeout(t TB, timeout time.Duration) {
	t.Helper()
	base := runtime.NumGoroutine()
	t.Cleanup(func() {
		if n, ok := Wait(base, timeout); !ok {
			t.Errorf("leak: %d goroutines running, %d at start (waited %v):\n%s",
				n, base, timeout, stacks())
		}
	})
}

// Wait polls runtime.NumGoroutine until it is at most base or timeout passes, and reports
// the last count and whether it came back. The poll interval starts at 50µs and doubles up
// to 10ms, so a quick exit costs almost nothing.
func Wait(base int, timeout time.Duration) (int, bool) {
	deadline := time.Now().Add(timeout)
	interval := 50 * time.Microsecond
	for {
		n := runtime.NumGoroutine()
		if n <= base {
			return n, true
		}
		if !time.Now().Before(deadline) {
			return n, false
		}
		runtime.Gosched()
		// A timer wait, not synchronisation: there is no event to wait on for "another
		// goroutine has exited", so the count is polled against the deadline.
		t := time.NewTimer(interval)
		<-t.C
		if interval < 10*time.Millisecond {
			interval *= 2
		}
	}
}

func stacks() []byte {
	buf := make([]byte, 1<<16)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return bytes.TrimSpace(buf[:n])
		}
		if len(buf) >= 8<<20 {
			return buf[:n]
		}
		buf = make([]byte, 2*len(buf))
	}
}
