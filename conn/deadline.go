package conn

import (
	"context"
	"sync"
	"time"
)

// aLongTimeAgo is a deadline in the past: setting it makes a blocked Read or Write return
// at once with a timeout error.
var aLongTimeAgo = time.Unix(1, 0)

// deadline multiplexes one direction's net.Conn deadline between the user's
// SetReadDeadline/SetWriteDeadline, context cancellation (which sets a past deadline to
// unblock the call) and the closing handshake (which bounds its own waits).
type deadline struct {
	mu          sync.Mutex
	set         func(time.Time) error
	interruptFn func() // d.interrupt, bound once so arming allocates nothing for it
	user        time.Time
	forced      bool
	forcedAt    time.Time
	armed       int
	interrupted bool
}

func (d *deadline) init(set func(time.Time) error) {
	d.set = set
	d.interruptFn = d.interrupt
}

func (d *deadline) setUser(t time.Time) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.user = t
	if d.interrupted || d.forced {
		return nil
	}
	return d.set(t)
}

// force replaces the deadline for the closing handshake.
func (d *deadline) force(t time.Time) {
	d.mu.Lock()
	d.forced, d.forcedAt = true, t
	if !d.interrupted {
		_ = d.set(t)
	}
	d.mu.Unlock()
}

// arm makes ctx's cancellation interrupt the blocking call in progress. It returns the
// stop function to pass to disarm, nil when ctx can never be cancelled (no cost then).
func (d *deadline) arm(ctx context.Context) func() bool {
	if ctx.Done() == nil {
		return nil
	}
	d.mu.Lock()
	d.armed++
	d.mu.Unlock()
	return context.AfterFunc(ctx, d.interruptFn)
}

func (d *deadline) interrupt() {
	d.mu.Lock()
	if d.armed > 0 && !d.interrupted {
		d.interrupted = true
		_ = d.set(aLongTimeAgo)
	}
	d.mu.Unlock()
}

// disarm undoes arm and reports whether ctx interrupted the call; if so the deadline in
// force before is restored.
func (d *deadline) disarm(stop func() bool) bool {
	if stop == nil {
		return false
	}
	stop()
	d.mu.Lock()
	d.armed--
	was := d.interrupted
	if was && d.armed == 0 {
		d.interrupted = false
		if d.forced {
			_ = d.set(d.forcedAt)
		} else {
			_ = d.set(d.user)
		}
	}
	d.mu.Unlock()
	return was
}
