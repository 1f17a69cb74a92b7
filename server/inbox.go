package server

import (
	"context"
	"sync"
)

// inbox is the bounded queue of received messages between a connection's reader goroutine
// and the application. It is bounded in messages and in bytes: the reader waits for room
// before it reads the next message from the socket, so a full inbox stops socket reads and
// the peer meets TCP flow control. Nothing is ever dropped.
//
// Wake-ups use two one-slot channels (baton passing), so neither side allocates per message.
type inbox struct {
	mu       sync.Mutex
	ring     []Message // len(ring) is the capacity in use; grows by doubling up to maxMsgs
	head, n  int
	bytes    int64
	maxMsgs  int
	maxBytes int64
	done     bool  // the reader has finished; no message will be added
	err      error // why the reader finished

	ready    chan struct{}   // one slot: a message may be available
	room     chan struct{}   // one slot: the queue may have room
	finished <-chan struct{} // the connection's done channel: closed after finish
}

// init sizes the queue; finished must be closed after finish is called.
func (q *inbox) init(maxMsgs int, maxBytes int64, finished <-chan struct{}) {
	q.maxMsgs, q.maxBytes = maxMsgs, maxBytes
	q.ready = make(chan struct{}, 1)
	q.room = make(chan struct{}, 1)
	q.finished = finished
}

func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// hasRoomLocked: the reader may read one more message. A single message may take the byte
// count past maxBytes (by at most the read limit); the next read then waits.
func (q *inbox) hasRoomLocked() bool { return q.n < q.maxMsgs && q.bytes < q.maxBytes }

// waitRoom blocks until the queue has room (true) or stop is closed (false).
func (q *inbox) waitRoom(stop <-chan struct{}) bool {
	for {
		q.mu.Lock()
		ok := q.hasRoomLocked()
		q.mu.Unlock()
		if ok {
			return true
		}
		select {
		case <-q.room:
		case <-stop:
			return false
		}
	}
}

// push appends m. The caller (the only reader goroutine) has seen room with waitRoom.
func (q *inbox) push(m Message) {
	q.mu.Lock()
	if q.n == len(q.ring) {
		q.growLocked()
	}
	q.ring[(q.head+q.n)%len(q.ring)] = m
	q.n++
	q.bytes += int64(len(m.Data))
	q.mu.Unlock()
	signal(q.ready)
}

func (q *inbox) growLocked() {
	size := 2 * len(q.ring)
	if size == 0 {
		size = 4
	}
	if size > q.maxMsgs+1 {
		size = q.maxMsgs + 1 // +1: push after a stop may exceed maxMsgs by one
	}
	ring := make([]Message, size)
	for i := 0; i < q.n; i++ {
		ring[i] = q.ring[(q.head+i)%len(q.ring)]
	}
	q.ring, q.head = ring, 0
}

func (q *inbox) popLocked() Message {
	m := q.ring[q.head]
	q.ring[q.head] = Message{} // do not retain the payload
	q.head = (q.head + 1) % len(q.ring)
	q.n--
	q.bytes -= int64(len(m.Data))
	return m
}

// tryPop returns the oldest message without blocking.
func (q *inbox) tryPop() (Message, bool) {
	q.mu.Lock()
	if q.n == 0 {
		q.mu.Unlock()
		return Message{}, false
	}
	m := q.popLocked()
	more := q.n > 0
	// Hysteresis: wake a reader waiting for room only once the queue is half empty, so a
	// full queue costs one wake-up per half queue, not one per message.
	room := q.n <= q.maxMsgs/2 && q.bytes <= q.maxBytes/2
	q.mu.Unlock()
	if more {
		signal(q.ready) // pass the baton to another waiter
	}
	if room {
		signal(q.room)
	}
	return m, true
}

// wait blocks for the oldest message. Once the queue is empty and the reader has finished,
// it returns the reader's error.
func (q *inbox) wait(ctx context.Context) (Message, error) {
	var cancel <-chan struct{}
	if ctx != nil {
		cancel = ctx.Done()
	}
	for {
		if m, ok := q.tryPop(); ok {
			return m, nil
		}
		q.mu.Lock()
		if q.n == 0 && q.done {
			err := q.err
			q.mu.Unlock()
			return Message{}, err
		}
		q.mu.Unlock()
		select {
		case <-q.ready:
		case <-q.finished:
			q.mu.Lock()
			if q.n == 0 {
				err := q.err
				q.mu.Unlock()
				return Message{}, err
			}
			q.mu.Unlock()
		case <-cancel:
			return Message{}, ctx.Err()
		}
	}
}

// finish records that the reader has stopped for err. Queued messages stay readable.
func (q *inbox) finish(err error) {
	q.mu.Lock()
	if q.done {
		q.mu.Unlock()
		return
	}
	q.done, q.err = true, err
	q.mu.Unlock()
	signal(q.ready) // a waiter sees done; finished is closed by the connection later
}

func (q *inbox) len() int {
	q.mu.Lock()
	n := q.n
	q.mu.Unlock()
	return n
}

func (q *inbox) size() int64 {
	q.mu.Lock()
	b := q.bytes
	q.mu.Unlock()
	return b
}
