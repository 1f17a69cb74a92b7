package conn

import (
	"bufio"
	"crypto/tls"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/duplexws/duplex/deflate"
	"github.com/duplexws/duplex/frame"
	"github.com/duplexws/duplex/utf8"
)

// Conn is a WebSocket connection over a net.Conn, in either role. Create it with New once
// the opening handshake is done (packages server and client do that).
//
// Any number of goroutines may write at once (WriteMessage, Writer, Ping, Close); reads
// (ReadMessage, Reader and the io.Reader it returns) must come from one goroutine at a
// time. See the package documentation for the details.
type Conn struct {
	nc   net.Conn
	role Role
	cfg  config
	p    Protocol // read-side core, used only by the goroutine holding reading

	// Read side, owned by the goroutine that holds reading.
	reading atomic.Bool
	rbufp   *[]byte // pooled read buffer, nil while idle
	rbuf    []byte
	r, w    int
	mr      messageReader
	rd      deadline
	raw     *rawReader // non-nil: wait for data without holding a buffer

	// Compression (nil without permessage-deflate).
	comp        *deflate.Compressor   // used by the holder of wsMsg
	decomp      *deflate.Decompressor // used by the reader
	inflateText bool                  // the message being inflated is text
	inflateUTF8 utf8.Validator

	// Write side. ws is the write state word: a write with nothing in its way owns the
	// socket with one compare-and-swap (wsBusy) and gives it back with another; wmu is
	// taken only when frames queue behind the owner or the connection is shutting down.
	ws          atomic.Uint32 // wsBusy, wsQueued, wsShut, wsMsg
	msgWaiters  atomic.Int32  // goroutines waiting for wsMsg
	msgWake     chan struct{} // cap 1, made by the first waiter (under wmu): wsMsg was released
	wmu         sync.Mutex    // guards the fields below
	wcond       sync.Cond     // signalled when a flush ends
	pending     *[]byte       // encoded frames waiting for the socket (pooled)
	wseq, wdone uint64        // bytes queued / bytes flushed, for waiters
	werr        error         // sticky write failure
	closeSent   bool
	pongPending bool
	queuedPongs int
	pongN       int
	pong        [frame.MaxControlPayload]byte
	wmode       uint8 // how a frame larger than scratch goes out (writeVec, writeTLS, writeSplit)
	iov         [2][]byte
	bufs        net.Buffers
	mw          messageWriter
	wd          deadline
	// scratch, used by the goroutine owning the socket, holds a small frame whole, or the
	// header and the first part of a larger payload on a net.Conn without writev. Its size
	// rounds the Conn up to the 1536-byte allocation class (TestConnSize).
	scratch [scratchSize]byte
	// wkeep, used by the goroutine owning the socket, is the copy buffer kept between
	// writes on a net.Conn without writev or TLS (see keepMax); nil elsewhere.
	wkeep *[]byte

	closing       atomic.Bool // close frame sent: received data is discarded
	peerClosed    atomic.Bool // the peer's close frame was received
	pongAwaited   atomic.Bool // keepalive: ping sent, no pong yet
	keepalive     *time.Timer
	keepalivePing bool

	// Lifecycle.
	mu         sync.Mutex
	err        error       // how the connection ended (a *CloseError), nil while open
	ended      atomic.Bool // err is set
	tcpClosed  bool
	done       chan struct{} // closed once the net.Conn is closed
	readerGone chan struct{} // a reader stopped while Close waits (cap 1)
}

// New returns a Conn speaking WebSocket over nc in role. br holds bytes the handshake read
// past the end of the HTTP message (nil if none); it must read from nc. Its buffered
// bytes are copied out and br is not used again, so the caller may reuse it. With opts
// nil, defaults apply.
func New(nc net.Conn, br *bufio.Reader, role Role, opts *Options) *Conn {
	c := &Conn{nc: nc, role: role, cfg: opts.resolve(), done: make(chan struct{}),
		readerGone: make(chan struct{}, 1)}
	c.p.init(role, &c.cfg)
	c.wcond.L = &c.wmu
	c.rd.init(nc.SetReadDeadline)
	c.wd.init(nc.SetWriteDeadline)
	c.mr.c = c
	c.mw.c = c
	switch nc := nc.(type) {
	case *net.TCPConn:
		// net.Buffers becomes one writev system call only on these; elsewhere it would be
		// one Write per buffer.
		c.wmode = writeVec
		c.initRaw(nc)
	case *net.UnixConn:
		c.wmode = writeVec
		c.initRaw(nc)
	case *tls.Conn:
		c.wmode = writeTLS
	default:
		c.wmode = writeSplit
	}
	if br != nil {
		if n := br.Buffered(); n > 0 {
			c.rbufp = getBuf(max(n, c.cfg.readBuf))
			c.rbuf = (*c.rbufp)[:cap(*c.rbufp)]
			b, _ := br.Peek(n)
			c.w = copy(c.rbuf, b)
			_, _ = br.Discard(n)
		}
	}
	if p := c.cfg.compression; p != nil {
		c.comp = deflate.NewCompressor(p, role)
		c.decomp = deflate.NewDecompressor(p, role)
	}
	if c.cfg.pingInterval > 0 {
		c.keepalive = time.AfterFunc(time.Hour, c.keepaliveTick)
		c.keepalive.Reset(c.cfg.pingInterval)
	}
	return c
}

// LocalAddr returns the local network address.
func (c *Conn) LocalAddr() net.Addr { return c.nc.LocalAddr() }

// RemoteAddr returns the peer's network address.
func (c *Conn) RemoteAddr() net.Addr { return c.nc.RemoteAddr() }

// NetConn returns the underlying connection. Reading from or writing to it directly
// corrupts the WebSocket stream; it is for addresses, TLS state and socket options.
func (c *Conn) NetConn() net.Conn { return c.nc }

// Role returns the role given to New.
func (c *Conn) Role() Role { return c.role }

// SetReadDeadline sets the deadline for reads. A read that times out before any byte of
// a new message has been consumed returns a timeout error and leaves the connection
// usable; one that times out inside a message closes it. A zero value clears it.
func (c *Conn) SetReadDeadline(t time.Time) error { return c.rd.setUser(t) }

// SetWriteDeadline sets the deadline for writes. A write that times out closes the
// connection, since a partly written frame cannot be taken back. A zero value clears it.
func (c *Conn) SetWriteDeadline(t time.Time) error { return c.wd.setUser(t) }

// setErr records how the connection ended, if nothing was recorded before.
func (c *Conn) setErr(err error) {
	c.mu.Lock()
	if c.err == nil {
		c.err = err
		c.ended.Store(true)
	}
	c.mu.Unlock()
}

func (c *Conn) loadErr() error {
	if !c.ended.Load() { // the common case, without the lock
		return nil
	}
	c.mu.Lock()
	err := c.err
	c.mu.Unlock()
	return err
}

// closeTCP closes the net.Conn once, recording err as the reason if none was recorded.
// It must not be called with wmu held.
func (c *Conn) closeTCP(err error) error {
	c.mu.Lock()
	if c.err == nil {
		if err == nil {
			err = &CloseError{Code: frame.CloseAbnormal, Err: ErrClosedLocally}
		}
		c.err = err
		c.ended.Store(true)
	}
	if c.tcpClosed {
		c.mu.Unlock()
		return ErrClosed
	}
	c.tcpClosed = true
	c.mu.Unlock()
	if c.keepalive != nil {
		c.keepalive.Stop()
	}
	c.wmu.Lock()
	c.failLocked(ErrClosed)
	c.wmu.Unlock()
	cerr := c.nc.Close()
	close(c.done)
	if c.cfg.compression != nil {
		c.cfg.compression.Release()
		// The compressor's state goes back to its pool if no writer holds it; a writer
		// that does finds the connection closed and cannot use it again.
		if c.tryMsg() { // held for good: later data writes find the connection closed
			c.comp.Release()
		}
	}
	return cerr
}

// CloseNow closes the connection at once, without a closing handshake. Blocked reads
// and writes return; reads then report a *CloseError with Code 1006 wrapping
// ErrClosedLocally (unless the connection had already ended otherwise). It returns
// ErrClosed if the connection was already closed.
func (c *Conn) CloseNow() error {
	return c.closeTCP(&CloseError{Code: frame.CloseAbnormal, Err: ErrClosedLocally})
}

// Close runs the closing handshake (RFC 6455 §7.1.2): it sends a close frame with code
// and reason, waits up to CloseTimeout for the peer's close frame (reading and discarding
// data in the meantime, or letting the goroutine that is reading do so), then closes TCP.
// It returns nil if the peer answered, ErrCloseTimeout if it did not, ErrClosed if a
// close frame was already sent or the connection is closed, and the error of
// frame.AppendClose for a code that may not be sent (1005, 1006, 1015, out of range) or
// a reason over 123 bytes or not UTF-8; use frame.CloseNoStatus with an empty reason to
// send an empty close frame.
func (c *Conn) Close(code frame.CloseCode, reason string) error {
	var pb [frame.MaxControlPayload]byte
	payload, err := frame.AppendClose(pb[:0], code, reason)
	if err != nil {
		return err
	}
	c.wd.force(time.Now().Add(c.cfg.closeTimeout))
	err = c.sendClose(payload, &CloseError{Code: code, Reason: reason})
	if err == ErrClosed {
		c.waitDone()
		return ErrClosed
	}
	if err != nil {
		c.closeTCP(&CloseError{Code: frame.CloseAbnormal, Err: err})
		return err
	}
	// Wait for the peer's close frame: read it here, or let the goroutine that is reading
	// see it (and close TCP); if that goroutine stops reading first, take over.
	t := time.NewTimer(c.cfg.closeTimeout)
	defer t.Stop()
wait:
	for {
		if c.reading.CompareAndSwap(false, true) {
			c.awaitPeerClose()
			c.releaseReadBuf()
			c.reading.Store(false)
			break
		}
		if testHookCloseWaits != nil {
			testHookCloseWaits()
		}
		select {
		case <-c.done:
			break wait
		case <-t.C:
			break wait
		case <-c.readerGone:
		}
	}
	c.closeTCP(nil)
	if !c.peerClosed.Load() {
		return ErrCloseTimeout
	}
	return nil
}

// testHookCloseWaits, set by tests only, runs when Close finds another goroutine reading.
var testHookCloseWaits func()

// waitDone waits up to CloseTimeout for TCP to be closed.
func (c *Conn) waitDone() {
	t := time.NewTimer(c.cfg.closeTimeout)
	select {
	case <-c.done:
	case <-t.C:
	}
	t.Stop()
}

// keepaliveTick runs on the keepalive timer: it sends a ping, and on the next tick fails
// the connection if no pong came back.
func (c *Conn) keepaliveTick() {
	select {
	case <-c.done:
		return
	default:
	}
	if c.keepalivePing {
		c.keepalivePing = false
		if c.pongAwaited.Load() {
			c.closeTCP(&CloseError{Code: frame.CloseAbnormal, Reason: "keepalive timeout",
				Err: ErrPongTimeout})
			return
		}
		if next := c.cfg.pingInterval - c.cfg.pongTimeout; next > 0 {
			c.keepalive.Reset(next)
			return
		}
	}
	c.pongAwaited.Store(true)
	c.keepalivePing = true
	_ = c.writeFrame(frame.OpPing, true, 0, nil, fNoWait)
	c.keepalive.Reset(c.cfg.pongTimeout)
}
