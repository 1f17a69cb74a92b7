package leak

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// fakeTB records what Check does, so a failing check can be tested without failing the test.
type fakeTB struct {
	cleanups []func()
	errs     []string
}

func (f *fakeTB) Helper()           {}
func (f *fakeTB) Cleanup(fn func()) { f.cleanups = append(f.cleanups, fn) }
func (f *fakeTB) Failed() bool      { return len(f.errs) > 0 }
func (f *fakeTB) Errorf(format string, args ...any) {
	f.errs = append(f.errs, fmt.Sprintf(format, args...))
}
func (f *fakeTB) finish() {
	for i := len(f.cleanups) - 1; i >= 0; i-- {
		f.cleanups[i]()
	}
}

// leaked is the function the leaking cases park a goroutine in, so the failure message can be
// checked to name it.
func leaked(started chan<- struct{}, stop <-chan struct{}) {
	close(started)
	<-stop
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name string
		// before runs before Check takes its snapshot; run runs in the checked test. Both
		// may start goroutines that wait on stop, which is closed after the check.
		before   func(stop chan struct{})
		run      func(stop chan struct{})
		wantFail bool
	}{
		{"no goroutines", nil, func(chan struct{}) {}, false},
		{"goroutine that exits", nil, func(stop chan struct{}) {
			done := make(chan struct{})
			go func() { close(done) }()
			<-done
		}, false},
		{"goroutine exiting after the test", nil, func(stop chan struct{}) {
			started := make(chan struct{})
			go func() { close(started); time.AfterFunc(time.Millisecond, func() {}) }()
			<-started
		}, false},
		{"leaked goroutine", nil, func(stop chan struct{}) {
			started := make(chan struct{})
			go leaked(started, stop)
			<-started
		}, true},
		{"goroutine from before the test still running", func(stop chan struct{}) {
			started := make(chan struct{})
			go func() { close(started); <-stop }()
			<-started
		}, func(chan struct{}) {}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			quiet := Snapshot()
			f := &fakeTB{}
			stop := make(chan struct{})
			if tc.before != nil {
				tc.before(stop)
			}
			CheckTimeout(f, 200*time.Millisecond)
			tc.run(stop)
			f.finish()
			close(stop)
			if got := f.Failed(); got != tc.wantFail {
				t.Fatalf("failed = %v, want %v (errors: %q)", got, tc.wantFail, f.errs)
			}
			if tc.wantFail && !strings.Contains(f.errs[0], "internal/leak.leaked") {
				t.Fatalf("failure does not show the leaked goroutine's stack: %q", f.errs[0])
			}
			// Leave a quiet state for the next case.
			if extra := quiet.Wait(2 * time.Second); len(extra) > 0 {
				t.Fatalf("%d goroutines from this case still running: %s", len(extra), extra)
			}
		})
	}
}

// A goroutine that existed before the check and exits during the test must not hide one the
// test leaked, as it would if the check compared counts.
func TestLeakHiddenByOlderGoroutineExiting(t *testing.T) {
	quiet := Snapshot()
	older := make(chan struct{})
	olderDone := make(chan struct{})
	go func() { <-older; close(olderDone) }()

	f := &fakeTB{}
	CheckTimeout(f, 200*time.Millisecond)
	stop := make(chan struct{})
	started := make(chan struct{})
	go leaked(started, stop)
	<-started
	close(older)
	<-olderDone
	f.finish()
	close(stop)

	if !f.Failed() || !strings.Contains(f.errs[0], "internal/leak.leaked") {
		t.Fatalf("leak not reported (errors: %q)", f.errs)
	}
	if extra := quiet.Wait(2 * time.Second); len(extra) > 0 {
		t.Fatalf("%d goroutines still running: %s", len(extra), extra)
	}
}

func TestSnapshotIncludesSelf(t *testing.T) {
	self, ok := goroutineID(current())
	if !ok {
		t.Fatalf("cannot parse own goroutine header %q", current())
	}
	if s := Snapshot(); !s[self] {
		t.Fatalf("Snapshot %v lacks the calling goroutine %d", s, self)
	}
}

func TestWaitReturnsQuickly(t *testing.T) {
	start := time.Now()
	if extra := Snapshot().Wait(time.Second); len(extra) != 0 {
		t.Fatalf("Wait on a fresh snapshot = %q; want nothing", extra)
	}
	if d := time.Since(start); d > 100*time.Millisecond {
		t.Fatalf("Wait took %v with nothing to wait for", d)
	}
}
