package leak

import (
	"fmt"
	"runtime"
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

func TestCheck(t *testing.T) {
	tests := []struct {
		name     string
		run      func(stop chan struct{})
		wantFail bool
	}{
		{"no goroutines", func(chan struct{}) {}, false},
		{"goroutine that exits", func(stop chan struct{}) {
			done := make(chan struct{})
			go func() { close(done) }()
			<-done
		}, false},
		{"goroutine exiting after the test", func(stop chan struct{}) {
			started := make(chan struct{})
			go func() { close(started); time.AfterFunc(time.Millisecond, func() {}) }()
			<-started
		}, false},
		{"leaked goroutine", func(stop chan struct{}) {
			started := make(chan struct{})
			go func() { close(started); <-stop }()
			<-started
		}, true},
	}
	base := runtime.NumGoroutine()
	// Leave a quiet state behind: the leaked case's goroutine exits only after its stop
	// channel closes, and a later test or example that counts goroutines (ExampleCheck)
	// must not see it leave during its own count.
	t.Cleanup(func() {
		if n, ok := Wait(base, 2*time.Second); !ok {
			t.Errorf("%d goroutines still running after the cases, %d at start", n, base)
		}
	})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// Start from a quiet state: the previous case's goroutines have exited.
			if n, ok := Wait(base+1, 2*time.Second); !ok {
				t.Fatalf("%d goroutines still running from the previous case", n)
			}
			f := &fakeTB{}
			stop := make(chan struct{})
			CheckTimeout(f, 200*time.Millisecond)
			tc.run(stop)
			f.finish()
			close(stop)
			if got := f.Failed(); got != tc.wantFail {
				t.Fatalf("failed = %v, want %v (errors: %q)", got, tc.wantFail, f.errs)
			}
			if tc.wantFail && !strings.Contains(f.errs[0], "goroutine ") {
				t.Fatalf("failure has no stack dump: %q", f.errs[0])
			}
		})
	}
}

func TestWaitReturnsQuickly(t *testing.T) {
	start := time.Now()
	n, ok := Wait(1<<20, time.Second)
	if !ok || n <= 0 {
		t.Fatalf("Wait(big base) = %d, %v; want immediate success", n, ok)
	}
	if d := time.Since(start); d > 100*time.Millisecond {
		t.Fatalf("Wait took %v with nothing to wait for", d)
	}
}
