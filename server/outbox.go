package server

import (
	"github.com/duplexws/duplex/conn"
	"sync"
	"sync/atomic"
)

// outItem is one message waiting to be written. data is never modified after it is queued:
// Send queues a private copy, the Hub queues one shared buffer to every member.
type outItem struct {
	typ  MessageType
	data []byte
	buf  *[]byte        // the pooled buffer behind data, returned after the write; nil if shared
	prep *conn.Prepared // a Hub broadcast's encoded frame (data is its payload), or nil
}

// release returns the item's pooled buffer, if it has one.
func (it *outItem) release() {
	if it.buf != nil {
		putSendBuf(it.buf)
	}
	*it = outItem{}
}

// outbox is the bounded queue of messages accepted by Send and not yet written. A writer
// goroutine exists only while the queue is not empty: an idle connection holds none.
type outbox struct {
	mu       sync.Mutex
	items    []outItem
	spare    []outItem      // the previous batch's backing array, reused
	writing  bool           // a writer goroutine is running
	sealed   bool           // no more items are accepted; queued ones are still written
	closed   bool           // no more items are accepted; queued ones are dropped
	msgs     []conn.Message // the writer's argument to conn.WriteMessages, reused
	flushers []chan struct{}
	room     chan struct{} // one slot: space was freed (made when a SendContext waits)

	buffered atomic.Int64 // payload bytes accepted and not yet written (BufferedAmount)
	cost     int64        // buffered plus itemOverhead per queued item: what max bounds
	max      int64
}

// itemOverhead is what a queued message costs besides its payload (its slot in the queue),
// counted against MaxBuffered so that a flood of empty messages is bounded too.
const itemOverhead = 64

// maxSpare is the largest batch array kept for reuse once written while the writer runs;
// when it exits (the queue is empty) arrays over idleSpare are dropped, so an idle
// connection keeps at most idleSpare slots.
const (
	maxSpare  = 16384
	idleSpare = 64
)

// fitsLocked reports whether a message of n bytes may be queued. It fits if the bytes
// queued or being written stay under max with it. A message that could never fit (n plus
// its overhead over max) is accepted when no other message waits behind the one being
// written: the bound is against readers too slow to drain the queue, not against big
// messages, and a strict request/response peer exchanging messages over max must not be
// cut off because the previous answer's write has not quite returned yet. Memory per
// connection is then at most max + twice the largest message (one being written, one
// waiting).
func (o *outbox) fitsLocked(n int) bool {
	need := int64(n) + itemOverhead
	return o.cost == 0 || o.cost+need <= o.max || (len(o.items) == 0 && need > o.max)
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
		o.items[i].release()
	}
	o.cost -= n + int64(len(o.items))*itemOverhead
	o.items = o.items[:0]
	o.buffered.Add(-n)
	if !o.writing {
		o.wakeFlushersLocked()
	}
	if o.room != nil {
		signal(o.room)
	}
	return n
}
