package server

import (
	"sync"
	"sync/atomic"
)

// outItem is one message waiting to be written. data is never modified after it is queued:
// Send queues a private copy, the Hub queues one shared buffer to every member.
type outItem struct {
	typ  MessageType
	data []byte
}

// outbox is the bounded queue of messages accepted by Send and not yet written. A writer
// goroutine exists only while the queue is not empty: an idle connection holds none.
type outbox struct {
	mu       sync.Mutex
	items    []outItem
	spare    []outItem // the previous batch's backing array, reused
	writing  bool      // a writer goroutine is running
	sealed   bool      // no more items are accepted; queued ones are still written
	closed   bool      // no more items are accepted; queued ones are dropped
	flushers []chan struct{}

	buffered atomic.Int64 // bytes accepted and not yet written (BufferedAmount)
	max      int64
}

// accept reports whether n more bytes fit under the bound. A message larger than the whole
// bound is accepted when nothing else is queued, so any message can be sent; the bound on
// memory is then max + the largest message.
func (o *outbox) fitsLocked(n int) bool {
	b := o.buffered.Load()
	return b == 0 || b+int64(n) <= o.max
}

// wakeFlushersLocked releases Flush callers; called when the queue drains or closes.
func (o *outbox) wakeFlushersLocked() {
	for _, ch := range o.flushers {
		close(ch)
	}
	o.flushers = nil
}

// drop empties the queue and refuses further items; it returns the bytes dropped.
func (o *outbox) drop() int64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.closed = true
	var n int64
	for i := range o.items {
		n += int64(len(o.items[i].data))
		o.items[i] = outItem{}
	}
	o.items = o.items[:0]
	o.buffered.Add(-n)
	if !o.writing {
		o.wakeFlushersLocked()
	}
	return n
}
