package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/duplexws/duplex/conn"
	"github.com/duplexws/duplex/frame"
	"github.com/duplexws/duplex/handshake"
	"github.com/duplexws/duplex/utf8"
)

// Conn is one server-side WebSocket connection with the receive API of Django's dwebsocket
// and the state a browser's WebSocket object shows.
//
// Receiving: a reader goroutine reads whole messages into a bounded queue; Wait blocks for
// the next one, Read takes one without blocking, Messages ranges over them. Sending: Send,
// SendText, SendBinary and SendJSON queue the message and return at once; a writer
// goroutine, started only while something is queued, writes them in order. BufferedAmount
// is what is queued and unwritten.
//
// All methods are safe for concurrent use.
type Conn struct {
	ws          *conn.Conn
	cfg         *config
	req         *http.Request
	subprotocol string
	extensions  []handshake.Extension

	state  atomic.Int32 // ReadyState
	ctxMu  sync.Mutex   // guards ctx and cancel, made on the first Context call
	ctx    context.Context
	cancel context.CancelFunc

	in       inbox
	out      outbox
	direct   bool          // served by Handle: no reader goroutine, no queue
	stopRead chan struct{} // closed when a local close begins: the reader discards
	stopOnce sync.Once
	done     chan struct{} // closed by terminate
	// conn records a local close as the connection's end as soon as the close frame is
	// sent, so a read started afterwards returns at once although the handshake is still
	// running in Close. The reader waits for closeMu (held by Close around ws.Close) before
	// it ends the connection.
	closeStarted atomic.Bool
	closeMu      sync.Mutex
	endOnce      sync.Once
	err          error // why the connection ended; set before done is closed

	hookMu   sync.Mutex
	hooks    map[*endHook]struct{} // run by terminate, before done is closed
	hooksRan bool

	msgsIn, bytesIn, msgsOut, bytesOut atomic.Uint64
	opened                             time.Time
}

func newConn(ws *conn.Conn, cfg *config, r *http.Request, sub string, exts []handshake.Extension, direct bool) *Conn {
	c := &Conn{
		ws:          ws,
		cfg:         cfg,
		req:         r,
		subprotocol: sub,
		extensions:  exts,
		direct:      direct,
		stopRead:    make(chan struct{}),
		done:        make(chan struct{}),
		opened:      time.Now(),
	}
	c.out.max = cfg.MaxBuffered
	c.state.Store(int32(Open))
	if !direct {
		c.in.init(cfg.QueueMessages, cfg.QueueBytes, c.done)
	}
	return c
}

// start begins reading in queue mode. The caller registers c first, so a connection that
// ends at once is still removed from its Registry.
func (c *Conn) start() {
	if !c.direct {
		go c.readLoop()
	}
}

// readLoop moves messages from the socket to the inbox, waiting for room first, so a full
// inbox stops socket reads. After a local close begins it keeps reading and discards data
// (RFC 6455 §5.5.1: the close handshake needs the peer's close frame, which may follow data
// the application no longer wants).
func (c *Conn) readLoop() {
	ctx := context.Background()
	for {
		keep := c.in.waitRoom(c.stopRead)
		typ, p, err := c.ws.ReadMessage(ctx, nil)
		if err != nil {
			c.readEnded(err)
			return
		}
		c.msgsIn.Add(1)
		c.bytesIn.Add(uint64(len(p)))
		if keep {
			c.in.push(Message{Type: typ, Data: p})
		}
	}
}

// readEnded ends the connection after the read side returned err, waiting first for a
// close handshake this side started, so that Done means the TCP connection is closed.
func (c *Conn) readEnded(err error) {
	if c.closeStarted.Load() {
		c.closeMu.Lock() // held by closeHandshake until ws.Close has returned
		c.closeMu.Unlock()
		// The read may have failed only because Close was reading (conn.ErrConcurrentRead):
		// now that TCP is closed, a read returns how the connection really ended.
		if _, _, final := c.ws.ReadMessage(context.Background(), nil); final != nil {
			err = final
		}
	}
	if conn.CloseStatus(err) == 0 {
		// The read failed without ending the connection (a read deadline the user set,
		// passing between messages, leaves a conn.Conn usable): the connection ends here,
		// so its socket must not outlive it. The peer sees TCP closed without a close frame.
		_ = c.ws.CloseNow()
		err = &CloseError{Code: frame.CloseAbnormal, Err: err}
	}
	c.terminate(err)
}

// terminate runs once, when the connection has ended for err.
func (c *Conn) terminate(err error) {
	c.endOnce.Do(func() {
		c.err = err
		c.state.Store(int32(Closed))
		c.stopReading()
		c.out.drop()
		if !c.direct {
			c.in.finish(err)
		}
		c.ctxMu.Lock()
		if c.cancel != nil {
			c.cancel()
		}
		c.ctxMu.Unlock()
		c.cfg.reg.remove(c)
		c.runEndHooks()
		close(c.done)
		c.cfg.log.Debug("websocket closed", "remote", c.RemoteAddr(), "code", int(CloseStatus(err)),
			"duration", time.Since(c.opened), "err", err)
	})
}

type endHook struct{ f func() }

// onEnd registers f to run when the connection ends, before Done is closed; it returns a
// function that unregisters it. It reports false (and registers nothing) if the connection
// has already ended.
func (c *Conn) onEnd(f func()) (remove func(), ok bool) {
	h := &endHook{f: f}
	c.hookMu.Lock()
	defer c.hookMu.Unlock()
	if c.hooksRan {
		return nil, false
	}
	if c.hooks == nil {
		c.hooks = make(map[*endHook]struct{})
	}
	c.hooks[h] = struct{}{}
	return func() {
		c.hookMu.Lock()
		delete(c.hooks, h)
		c.hookMu.Unlock()
	}, true
}

func (c *Conn) runEndHooks() {
	c.hookMu.Lock()
	c.hooksRan = true
	hooks := c.hooks
	c.hooks = nil
	c.hookMu.Unlock()
	for h := range hooks {
		h.f()
	}
}

func (c *Conn) stopReading() { c.stopOnce.Do(func() { close(c.stopRead) }) }

// closedErr is the error for an operation on a connection that is not open.
func (c *Conn) closedErr() error {
	select {
	case <-c.done:
		if c.err != nil {
			return fmt.Errorf("%w: %w", ErrClosed, c.err)
		}
	default:
	}
	return ErrClosed
}

// Wait blocks until the next message arrives and returns it. When the connection has ended
// and every queued message was taken, it returns the reason: a *CloseError whose code
// CloseStatus reads (1000 after a normal close, 1001 when the peer went away, 1006 when the
// TCP connection dropped). It is dwebsocket's wait() returning None.
func (c *Conn) Wait() (Message, error) { return c.WaitContext(context.Background()) }

// WaitContext is Wait that also returns ctx.Err() when ctx is done first.
func (c *Conn) WaitContext(ctx context.Context) (Message, error) {
	if c.direct {
		return Message{}, ErrDispatched
	}
	return c.in.wait(ctx)
}

// Read returns the next queued message without blocking; ok is false when none is queued.
func (c *Conn) Read() (m Message, ok bool) {
	if c.direct {
		return Message{}, false
	}
	return c.in.tryPop()
}

// CountMessages returns the number of received messages waiting in the queue.
func (c *Conn) CountMessages() int {
	if c.direct {
		return 0
	}
	return c.in.len()
}

// HasMessages reports whether a received message is waiting in the queue.
func (c *Conn) HasMessages() bool { return c.CountMessages() > 0 }

// Messages returns an iterator over the received messages, for
//
//	for m := range c.Messages() { ... }
//
// The loop ends when the connection has ended and the queue is empty; Err then says why.
func (c *Conn) Messages() iter.Seq[Message] {
	return func(yield func(Message) bool) {
		for {
			m, err := c.WaitContext(context.Background())
			if err != nil || !yield(m) {
				return
			}
		}
	}
}

// Err returns nil while the connection is open and, once it has ended, the reason (a
// *CloseError for a close handshake or a dropped connection).
func (c *Conn) Err() error {
	select {
	case <-c.done:
		return c.err
	default:
		return nil
	}
}

// Send queues a message of type t (Text or Binary) with a copy of p, and returns without
// waiting for the write. It fails with ErrClosed once the connection is closing, with
// ErrInvalidUTF8 for text that is not UTF-8, and with ErrBufferFull (closing the connection
// with 1013) when BufferedAmount would pass Options.MaxBuffered.
//
// A nil error means queued, not written: a message queued in the instant the peer's close
// frame arrives (before this side has seen it) is never written. Flush tells the sender:
// it returns nil only once everything queued before it was handed to the socket, and
// ErrClosed when the connection ended first; Stats.MessagesSent counts only what was
// written.
func (c *Conn) Send(t MessageType, p []byte) error {
	it, err := copyItem(t, p)
	if err != nil {
		return err
	}
	return c.enqueueItem(context.Background(), it, onFullShed)
}

// SendContext is Send with back-pressure instead of shedding: when the message does not
// fit under Options.MaxBuffered it waits for the writer to make room, until ctx is done
// (ctx.Err(), nothing queued, the connection stays open) or the connection ends (a peer
// that stops reading is dropped after WriteTimeout). Use it where the sender should slow
// down to the peer's pace, as an echo or a proxy should; use Send where a consumer that
// cannot keep up should be cut off.
func (c *Conn) SendContext(ctx context.Context, t MessageType, p []byte) error {
	it, err := copyItem(t, p)
	if err != nil {
		return err
	}
	return c.enqueueItem(ctx, it, onFullWait)
}

// copyItem checks t (and p's UTF-8 for text, RFC 6455 §5.6) and copies p into a pooled
// buffer.
func copyItem(t MessageType, p []byte) (outItem, error) {
	switch t {
	case Text:
		if !utf8.Valid(p) {
			return outItem{}, ErrInvalidUTF8
		}
	case Binary:
	default:
		return outItem{}, ErrMessageType
	}
	bp := getSendBuf(len(p))
	copy(*bp, p)
	return outItem{typ: t, data: *bp, buf: bp}, nil
}

// SendText queues s as a text message. See Send.
func (c *Conn) SendText(s string) error {
	bp := getSendBuf(len(s))
	copy(*bp, s)
	if !utf8.Valid(*bp) {
		putSendBuf(bp)
		return ErrInvalidUTF8
	}
	return c.enqueueItem(context.Background(), outItem{typ: Text, data: *bp, buf: bp}, onFullShed)
}

// SendBinary queues a copy of p as a binary message. See Send.
func (c *Conn) SendBinary(p []byte) error { return c.Send(Binary, p) }

// SendJSON queues the JSON encoding of v (encoding/json) as a text message. See Send.
func (c *Conn) SendJSON(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return c.enqueueItem(context.Background(), outItem{typ: Text, data: b}, onFullShed)
}

// What enqueueItem does when a message does not fit under MaxBuffered.
const (
	onFullShed = iota // close the connection with 1013, return ErrBufferFull
	onFullSkip        // return ErrBufferFull, the connection stays open
	onFullWait        // wait for room until ctx is done
)

// enqueueItem queues it, whose data nobody writes to any more (it may be queued on other
// connections too), and starts the writer if none runs. A pooled buffer is released if the
// item is refused. onFull says what happens when it does not fit.
func (c *Conn) enqueueItem(ctx context.Context, it outItem, onFull int) error {
	o := &c.out
	for {
		if ReadyState(c.state.Load()) != Open {
			it.release()
			return c.closedErr()
		}
		o.mu.Lock()
		if o.closed || o.sealed {
			o.mu.Unlock()
			it.release()
			return c.closedErr()
		}
		if o.fitsLocked(len(it.data)) {
			o.items = append(o.items, it)
			o.buffered.Add(int64(len(it.data)))
			o.cost += int64(len(it.data)) + itemOverhead
			start := !o.writing
			o.writing = true
			room := o.room
			o.mu.Unlock()
			if start {
				go c.writeLoop()
			}
			if onFull == onFullWait && room != nil {
				signal(room) // pass the baton: another waiter may fit too
			}
			return nil
		}
		if onFull != onFullWait {
			o.mu.Unlock()
			it.release()
			if onFull == onFullShed {
				c.overflow()
			}
			return ErrBufferFull
		}
		if o.room == nil {
			o.room = make(chan struct{}, 1)
		}
		room := o.room
		o.mu.Unlock()
		select {
		case <-room:
		case <-ctx.Done():
			it.release()
			return ctx.Err()
		case <-c.done:
			it.release()
			return c.closedErr()
		}
	}
}

// overflow sheds a consumer that cannot keep up: what is queued is dropped at once (so
// memory is released now) and the connection is closed with 1013 in the background, bounded
// by WriteTimeout for the write in progress and CloseTimeout for the handshake.
func (c *Conn) overflow() {
	if !c.state.CompareAndSwap(int32(Open), int32(Closing)) {
		return
	}
	c.cfg.reg.slow.Add(1)
	c.out.drop()
	c.stopReading()
	go c.closeHandshake(CloseTryAgainLater, "send buffer full")
}

// writeLoop writes queued messages in order until the queue is empty, then exits. Each
// batch (what was queued when the writer took it) gets one write deadline of WriteTimeout
// from its start, so a peer that stops reading is dropped after at most that long.
func (c *Conn) writeLoop() {
	o := &c.out
	ctx := context.Background()
	yielded := false
	for {
		o.mu.Lock()
		if len(o.items) == 0 && !o.closed && !yielded {
			// Before exiting, let a producer that is about to send run once: a steady
			// sender then keeps this goroutine instead of starting one per message.
			o.mu.Unlock()
			yielded = true
			runtime.Gosched()
			continue
		}
		if len(o.items) == 0 || o.closed {
			o.writing = false
			if cap(o.spare) > idleSpare {
				o.spare = nil
			}
			if cap(o.msgs) > idleSpare {
				o.msgs = nil
			}
			if len(o.items) == 0 && cap(o.items) > idleSpare {
				o.items = nil
			}
			o.wakeFlushersLocked()
			o.mu.Unlock()
			// No deadline may stay armed: conn's own writes (pongs, close) follow.
			_ = c.ws.SetWriteDeadline(time.Time{})
			return
		}
		yielded = false
		batch := o.items
		o.items, o.spare = o.spare[:0], nil
		o.mu.Unlock()

		_ = c.ws.SetWriteDeadline(time.Now().Add(c.cfg.WriteTimeout))
		var err error
		for rest := batch; len(rest) > 0; {
			chunk := rest[:min(len(rest), maxChunk)]
			rest = rest[len(chunk):]
			var n int64
			for i := range chunk {
				n += int64(len(chunk[i].data))
			}
			if err == nil {
				if len(chunk) == 1 && chunk[0].prep == nil {
					// One message (the common case, kept shallow for the writer's young
					// stack): conn writes a large one with writev from our buffer.
					err = c.ws.WriteMessage(ctx, chunk[0].typ, chunk[0].data)
				} else {
					err = c.writeChunk(ctx, chunk)
				}
				if err == nil {
					c.msgsOut.Add(uint64(len(chunk)))
					c.bytesOut.Add(uint64(n))
				}
			}
			if hook := testHookWritten.Load(); hook != nil {
				(*hook)()
			}
			for i := range chunk {
				chunk[i].release()
			}
			// The messages are on the socket (or dropped): they no longer count against
			// MaxBuffered, so a peer that already read them can be answered at once.
			o.mu.Lock()
			o.cost -= n + int64(len(chunk))*itemOverhead
			o.mu.Unlock()
			o.buffered.Add(-n)
		}

		o.mu.Lock()
		if cap(batch) <= maxSpare {
			o.spare = batch[:0]
		}
		room := o.room
		o.mu.Unlock()
		if room != nil {
			signal(room) // SendContext callers waiting for room
		}
		if err != nil {
			// A write failed or timed out: the peer is gone or not reading. Nothing more
			// can be written in order, so the connection ends (the reader sees it).
			o.drop()
			c.stopReading()
			if !errors.Is(err, conn.ErrClosed) {
				// conn.ErrClosed: a close frame is already queued (the peer's close is
				// being answered) and conn ends the connection itself; closing TCP here
				// would cut off that answer (RFC 6455 §5.5.1) behind a blocked write.
				_ = c.ws.CloseNow()
			}
		}
	}
}

// maxChunk is the most queued messages handed to conn in one WriteMessages call.
const maxChunk = 256

// writeChunk writes queued messages together: one write system call for the lot where
// conn can (see conn.WriteMessages), each Hub broadcast as its prepared frame. A chunk of
// one is a prepared message (writeLoop writes a single plain one itself).
func (c *Conn) writeChunk(ctx context.Context, chunk []outItem) error {
	if len(chunk) == 1 {
		return c.ws.WritePrepared(ctx, chunk[0].prep)
	}
	msgs := c.out.msgs[:0]
	for i := range chunk {
		msgs = append(msgs, conn.Message{Type: chunk[i].typ, Data: chunk[i].data, Prepared: chunk[i].prep})
	}
	err := c.ws.WriteMessages(ctx, msgs)
	clear(msgs)
	c.out.msgs = msgs[:0]
	return err
}

// testHookWritten, set by tests only, runs in the writer goroutine after messages were
// handed to the socket and before it stops counting against MaxBuffered.
var testHookWritten atomic.Pointer[func()]

// BufferedAmount returns the bytes accepted by Send (and Hub broadcasts) that are not yet
// written to the socket, like a browser's WebSocket.bufferedAmount.
func (c *Conn) BufferedAmount() int64 { return c.out.buffered.Load() }

// Flush waits until every message queued before it is written, the connection ends
// (ErrClosed), or ctx is done.
func (c *Conn) Flush(ctx context.Context) error {
	o := &c.out
	o.mu.Lock()
	if !o.writing && len(o.items) == 0 {
		closed := o.closed
		o.mu.Unlock()
		if closed {
			return c.closedErr()
		}
		return nil
	}
	ch := make(chan struct{})
	o.flushers = append(o.flushers, ch)
	o.mu.Unlock()
	select {
	case <-ch:
		o.mu.Lock()
		closed := o.closed
		o.mu.Unlock()
		if closed {
			return c.closedErr()
		}
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Ping sends a ping with payload p (at most 125 bytes, RFC 6455 §5.5) ahead of queued
// messages; the peer answers with a pong (Options.PingInterval automates this). It waits
// at most WriteTimeout for the write.
func (c *Conn) Ping(p []byte) error {
	if ReadyState(c.state.Load()) != Open {
		return c.closedErr()
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.cfg.WriteTimeout)
	defer cancel()
	return c.ws.Ping(ctx, p)
}

// Close starts the close handshake with code and reason (RFC 6455 §7.1.2) and waits for it:
// messages already queued by Send are written first (for at most CloseTimeout), then the
// close frame; data the peer sends meanwhile is discarded; the TCP connection is closed
// when the peer's close frame arrives or CloseTimeout passes. Close therefore returns
// within about twice CloseTimeout. Received messages already
// queued stay readable. Calling Close again, or after the connection ended, does nothing and
// returns nil.
func (c *Conn) Close(code CloseCode, reason string) error {
	if !c.state.CompareAndSwap(int32(Open), int32(Closing)) {
		return nil
	}
	// Let queued messages go first, bounded: each write has its own deadline.
	o := &c.out
	o.mu.Lock()
	o.sealed = true // refuse new messages; the writer drains what is queued
	var ch chan struct{}
	if o.writing {
		ch = make(chan struct{})
		o.flushers = append(o.flushers, ch)
	}
	o.mu.Unlock()
	if ch != nil {
		// A peer that does not read could hold the writer until WriteTimeout: wait at most
		// CloseTimeout, then close anyway (conn bounds the stuck write by the same).
		t := time.NewTimer(c.cfg.CloseTimeout)
		select {
		case <-ch:
		case <-t.C:
		}
		t.Stop()
	}
	return c.closeHandshake(code, reason)
}

func (c *Conn) closeHandshake(code CloseCode, reason string) error {
	c.stopReading()
	c.closeMu.Lock()
	c.closeStarted.Store(true)
	err := c.ws.Close(code, reason)
	c.closeMu.Unlock()
	if c.direct {
		// The Handle loop sees the end on its next read; nothing else is waiting here.
		c.state.Store(int32(Closed))
		return err
	}
	<-c.done
	var ce *CloseError
	if errors.Is(err, conn.ErrClosed) && errors.As(c.err, &ce) && !ce.Remote && ce.Code == code {
		// conn can report ErrClosed when the reader goroutine completed the handshake
		// (and closed TCP) before Close's own write of the close frame returned: the
		// connection did end with our close.
		err = nil
	}
	return err
}

// CloseNow closes the TCP connection without a close handshake (the peer sees 1006).
func (c *Conn) CloseNow() error {
	c.state.CompareAndSwap(int32(Open), int32(Closing))
	c.stopReading()
	c.out.drop()
	return c.ws.CloseNow()
}

// Context returns a context that is cancelled when the connection ends. It carries the
// values of the request's context (not its cancellation: the connection outlives the HTTP
// handler when Upgrade is used). It is made on the first call.
func (c *Conn) Context() context.Context {
	c.ctxMu.Lock()
	defer c.ctxMu.Unlock()
	if c.ctx == nil {
		parent := context.Background()
		if c.req != nil {
			parent = context.WithoutCancel(c.req.Context())
		}
		c.ctx, c.cancel = context.WithCancel(parent)
		select {
		case <-c.done:
			c.cancel()
		default:
		}
	}
	return c.ctx
}

// Done returns a channel that is closed when the connection has ended.
func (c *Conn) Done() <-chan struct{} { return c.done }

// ReadyState returns the connection's state: Open, Closing or Closed.
func (c *Conn) ReadyState() ReadyState { return ReadyState(c.state.Load()) }

// Subprotocol returns the subprotocol selected in the handshake, or "".
func (c *Conn) Subprotocol() string { return c.subprotocol }

// Extensions returns the extensions agreed in the handshake: permessage-deflate with its
// parameters when Options.Compression accepted an offer, else none. The slice must not be
// modified.
func (c *Conn) Extensions() []handshake.Extension { return c.extensions }

// RemoteAddr returns the peer's network address.
func (c *Conn) RemoteAddr() net.Addr { return c.ws.RemoteAddr() }

// Request returns the HTTP request of the opening handshake (its body is empty; its context
// is the HTTP server's, which may be cancelled once the handler returns: use Context).
func (c *Conn) Request() *http.Request { return c.req }

// Underlying returns the conn.Conn this connection drives, for what this API does not
// expose (streaming Reader and Writer). Reading from it while the reader goroutine runs is
// not allowed; writing is, but bypasses the send queue and BufferedAmount.
func (c *Conn) Underlying() *conn.Conn { return c.ws }
