package leak

import (
	"bytes"
	"runtime"
	"strconv"
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

// Check records the goroutines running now and registers a cleanup that fails t if, within
// DefaultTimeout after the test ends, a goroutine started since is still running.
func Check(t TB) {
	t.Helper()
	CheckTimeout(t, DefaultTimeout)
}

// CheckTimeout is Check with an explicit bound on the wait.
func CheckTimeout(t TB, timeout time.Duration) {
	t.Helper()
	before := Snapshot()
	t.Cleanup(func() {
		if extra := before.Wait(timeout); len(extra) > 0 {
			t.Errorf("leak: %d goroutines running that were not at the start (waited %v):\n\n%s",
				len(extra), timeout, bytes.Join(extra, []byte("\n\n")))
		}
	})
}

// A Set is the goroutines running at one moment, by ID.
type Set map[uint64]bool

// Snapshot returns the goroutines running now.
func Snapshot() Set {
	s := Set{}
	for _, g := range goroutines() {
		if id, ok := goroutineID(g); ok {
			s[id] = true
		}
	}
	return s
}

// Extra returns the stacks of the goroutines running now that are not in s, leaving out the
// calling goroutine and runtime-owned ones.
func (s Set) Extra() [][]byte {
	self, _ := goroutineID(current())
	var extra [][]byte
	for _, g := range goroutines() {
		id, ok := goroutineID(g)
		if !ok || s[id] || id == self || ignored(g) {
			continue
		}
		extra = append(extra, g)
	}
	return extra
}

// Wait polls Extra until it is empty or timeout passes, and returns the last result. The poll
// interval starts at 50µs and doubles up to 10ms, so a quick exit costs almost nothing.
func (s Set) Wait(timeout time.Duration) [][]byte {
	deadline := time.Now().Add(timeout)
	interval := 50 * time.Microsecond
	for {
		extra := s.Extra()
		if len(extra) == 0 || !time.Now().Before(deadline) {
			return extra
		}
		runtime.Gosched()
		// A timer wait, not synchronisation: there is no event to wait on for "another
		// goroutine has exited", so the set is polled against the deadline.
		t := time.NewTimer(interval)
		<-t.C
		if interval < 10*time.Millisecond {
			interval *= 2
		}
	}
}

// ignoredFuncs are goroutines the runtime or standard library start once, lazily, and keep
// for the life of the process; a test that first touches them has not leaked anything.
var ignoredFuncs = [][]byte{
	[]byte("os/signal.signal_recv"),
	[]byte("os/signal.loop"),
	[]byte("runtime.ensureSigM"),
}

func ignored(stack []byte) bool {
	for _, f := range ignoredFuncs {
		if bytes.Contains(stack, f) {
			return true
		}
	}
	return false
}

// goroutineID parses the "goroutine 123 [" header that starts every stack runtime.Stack prints.
func goroutineID(stack []byte) (uint64, bool) {
	rest, ok := bytes.CutPrefix(stack, []byte("goroutine "))
	if !ok {
		return 0, false
	}
	end := bytes.IndexByte(rest, ' ')
	if end < 0 {
		return 0, false
	}
	id, err := strconv.ParseUint(string(rest[:end]), 10, 64)
	return id, err == nil
}

func current() []byte {
	buf := make([]byte, 64)
	return buf[:runtime.Stack(buf, false)]
}

// goroutines returns the stack of every goroutine, one entry each.
func goroutines() [][]byte {
	return bytes.Split(stacks(), []byte("\n\n"))
}

func stacks() []byte {
	buf := make([]byte, 1<<16)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return bytes.TrimSpace(buf[:n])
		}
		if len(buf) >= 64<<20 {
			return buf[:n]
		}
		buf = make([]byte, 2*len(buf))
	}
}
