package leak_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/duplexws/duplex/internal/leak"
)

// recorder stands in for the *testing.T a real test passes to leak.Check.
type recorder struct{ cleanup []func() }

func (r *recorder) Helper()          {}
func (r *recorder) Cleanup(f func()) { r.cleanup = append(r.cleanup, f) }
func (r *recorder) Failed() bool     { return false }
func (r *recorder) Errorf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	fmt.Println("failed:", strings.Contains(msg, "goroutines running"), strings.Contains(msg, "goroutine "))
}

// A test calls leak.Check first; when it ends, goroutines it started must have exited.
func ExampleCheck() {
	t := &recorder{}
	leak.CheckTimeout(t, 50*time.Millisecond)

	stop := make(chan struct{})
	started := make(chan struct{})
	go func() { close(started); <-stop }() // forgotten goroutine
	<-started

	t.cleanup[0]() // what the testing package does when the test ends
	close(stop)
	// Output:
	// failed: true true
}
