package conn

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"os"
	"slices"
	"time"

	"github.com/duplexws/duplex/frame"
	"github.com/duplexws/duplex/mask"
	"github.com/duplexws/duplex/utf8"
)

// directMin is the payload size from which, with nothing buffered, payload is read
// straight into the caller's buffer instead of through the read buffer.
const directMin = 1024

// growStep bounds how much ReadMessage grows dst ahead of the bytes actually received, so
// a peer declaring a large frame and sending nothing cannot make it allocate the lot.
const growStep = 256 << 10

// ReadMessage reads the next data message, appending its payload to dst[:0], and returns
// its type and the extended slice. Pings are answered, pongs and control frames handled,
// on the way. With a dst of enough capacity it does not allocate.
//
// Errors: a *CloseError once the connection has ended (the same value on every later
// call), ctx.Err() if ctx was cancelled, a timeout error if the read deadline passed,
// ErrConcurrentRead if another read is in progress (once a close frame was sent, even
// while Close reads the peer's answer, the *CloseError instead). A cancellation or
// timeout before any byte of a new message was consumed leaves the connection usable;
// inside a message it closes it. (A frame that fits the read buffer is consumed only once
// it is whole, so a timeout while it arrives leaves the connection usable too.) If a
// message from Reader was not read to the end, its rest is discarded.
func (c *Conn) ReadMessage(ctx context.Context, dst []byte) (MessageType, []byte, error) {
	dst = dst[:0]
	if err := c.beginRead(ctx); err != nil {
		return 0, dst, err
	}
	// A whole message already buffered is read without blocking: no deadline to arm for
	// ctx, no cancellation to map, nothing that can fail.
	t, m, res := c.readFast(dst, nil)
	if res == fastOK {
		c.releaseReadBuf()
		c.endRead()
		return t, m, nil
	}
	return c.readSlow(ctx, m, res)
}

// readSlow is ReadMessage after readFast returned res (fastShort or fastNo) and dst.
// It is a function of its own so that ReadMessage's frame stays small.
func (c *Conn) readSlow(ctx context.Context, dst []byte, res fastResult) (MessageType, []byte, error) {
	var t MessageType
	m := dst
	st := fastState{again: true} // readFast has seen the frame incomplete once
	if res == fastShort && ctx.Done() == nil {
		// The buffer ends inside the next frame (or is empty) and nothing can cancel
		// the read: no deadline to arm either. Read until the frame is whole; each fill
		// reads at least a byte and the frame fits the buffer, so this ends.
		for res == fastShort {
			if err := c.fill(); err != nil {
				if _, m, res = c.readFast(m, &st); res != fastShort {
					break // text that went wrong: the general path fails with 1007
				}
				// What the general path makes of it: not inside a message (nothing was
				// consumed), so a timeout leaves the connection usable.
				err = c.readAborted(c.readFailed(err))
				c.releaseReadBuf()
				c.endRead()
				return 0, dst[:0], err
			}
			t, m, res = c.readFast(m, &st)
		}
		if res == fastOK {
			c.releaseReadBuf()
			c.endRead()
			return t, m, nil
		}
	}
	// fastShort (a ctx that can be cancelled): go on with dst and st in the general path.
	// fastNo: the general path must parse what readFast declined (it may be text that
	// already failed, which readFast would only wait on), from the start of the frame.
	dst = m
	if res == fastNo {
		dst, st = m[:0], fastState{}
	}
	defer c.endRead()
	stop := c.rd.arm(ctx)
	t, dst, err := c.readMessage(dst, &st, res == fastNo)
	if err = c.readDone(ctx, stop, err); err != nil {
		err = c.readAborted(err)
	}
	c.releaseReadBuf()
	return t, dst, err
}

// beginRead claims the right to read for one call, or returns why it cannot: another read
// is in progress (busyErr), the connection has ended, or ctx is already done. On nil the
// caller holds the right and must release it with endRead.
func (c *Conn) beginRead(ctx context.Context) error {
	if !c.reading.CompareAndSwap(false, true) {
		return c.busyErr()
	}
	err := c.loadErr()
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		c.endRead()
	}
	return err
}

// readDone disarms the read deadline armed for ctx and returns the read's error, replaced
// by ctx.Err() when the failure was the cancellation firing (and not the connection ending).
func (c *Conn) readDone(ctx context.Context, stop func() bool, err error) error {
	if c.rd.disarm(stop) && err != nil && c.loadErr() == nil {
		return ctx.Err()
	}
	return err
}

// busyErr is the error for a read that found another in progress: ErrConcurrentRead, or,
// once the connection's end is recorded (a close frame was sent, and Close may be reading
// while it waits for the peer's), that end, which every later read returns too.
func (c *Conn) busyErr() error {
	if err := c.loadErr(); err != nil {
		return err
	}
	return ErrConcurrentRead
}

// endRead releases the right to read. While a Close waits for the peer's close frame, it
// tells Close that it can now read itself.
func (c *Conn) endRead() {
	if c.decomp != nil {
		select {
		case <-c.done:
			c.decomp.Release() // the connection ended: its inflate state goes back
		default:
		}
	}
	c.reading.Store(false)
	if c.closing.Load() {
		select {
		case c.readerGone <- struct{}{}:
		default:
		}
	}
}

// readAborted decides what a read error means for the connection: a timeout or
// cancellation inside a message closes it; otherwise the error is returned as is.
func (c *Conn) readAborted(err error) error {
	if ended := c.loadErr(); ended != nil {
		return ended
	}
	if c.p.InMessage() || c.mr.inMessage {
		c.closeTCP(&CloseError{Code: frame.CloseAbnormal, Reason: "read interrupted inside a message", Err: err})
		c.mr.inMessage = false
		return c.loadErr()
	}
	return err
}

// readMessage is ReadMessage's general path. st and dst carry what readFast did so far
// (dst is empty, st zero, unless it returned fastShort); with parse, the bytes buffered
// are parsed first, without readFast.
func (c *Conn) readMessage(dst []byte, st *fastState, parse bool) (MessageType, []byte, error) {
	if err := c.discardMessage(); err != nil {
		return 0, dst, err
	}
	for {
		if c.r == c.w {
			if !c.p.inFrame {
				// Between frames with nothing buffered: read first, so that the fast path
				// below sees the next frame.
				if err := c.fill(); err != nil {
					return 0, dst, c.readFailed(err)
				}
			} else if rem := c.p.PayloadRemaining(); rem >= directMin && !c.p.compressed && !c.closing.Load() {
				n := int(min(rem, growStep))
				dst = slices.Grow(dst, n) // allocates only if dst is too small
				m, err := c.nc.Read(dst[len(dst) : len(dst)+n])
				if m > 0 {
					_, ev, perr := c.p.Parse(dst[len(dst) : len(dst)+m])
					dst = dst[:len(dst)+m]
					if perr != nil {
						return 0, dst, c.failProtocol(perr)
					}
					if ev.Final {
						return ev.Type, dst, nil
					}
					continue
				}
				if err != nil {
					return 0, dst, c.readFailed(err)
				}
				continue
			}
		}
		if !parse {
			t, m, res := c.readFast(dst, st)
			switch res {
			case fastOK:
				return t, m, nil
			case fastShort:
				dst = m
				if err := c.fill(); err != nil {
					if _, m, res = c.readFast(dst, st); res == fastShort {
						return 0, dst[:0], c.readFailed(err)
					}
					break // text that went wrong: the general path fails with 1007
				}
				continue
			}
			if st.done > 0 {
				// Drop the checked start of a text frame readFast kept in dst: the
				// general path reads the frame from the start. (Only a message's first
				// frame goes through readFast, so dst holds nothing else.)
				dst = m[:0]
			}
			*st = fastState{}
		}
		parse = false
		ev, err := c.next()
		if err != nil {
			return 0, dst, err
		}
		switch ev.Kind {
		case EventData:
			if c.closing.Load() {
				continue // RFC 6455 §1.4: data after our close frame is discarded
			}
			if ev.Compressed {
				return c.readCompressed(&ev, dst)
			}
			dst = append(dst, ev.Payload...)
			if ev.Final {
				return ev.Type, dst, nil
			}
		default:
			if err := c.control(&ev); err != nil {
				return 0, dst, err
			}
		}
	}
}

// fastResult is what readFast did.
type fastResult uint8

const (
	// fastNo: not the fast path's case; nothing was consumed: use the general path.
	fastNo fastResult = iota
	// fastOK: a whole message was read.
	fastOK
	// fastShort: the buffer ends inside a data frame that readFast could take whole and
	// that fits the read buffer (moved to its front if needed): read more, try again.
	fastShort
)

// fastState carries readFast's progress through a text frame that arrives in parts:
// the first done payload bytes are in dst, unmasked and fed to v. Its zero value (or a
// nil *fastState) is a frame readFast has not seen incomplete yet.
type fastState struct {
	done  int
	v     utf8.Validator
	again bool // readFast returned fastShort for this frame before
}

// readFast reads the common message without going through Protocol.Parse: one complete,
// unfragmented, uncompressed data frame already in the read buffer, at a message boundary.
// It parses the header inline, copies the payload into dst[:0], unmasks and, for text,
// validates it, and consumes the frame. Anything else (a control frame, a fragment, RSV
// bits, a frame that breaks a rule, text that is not UTF-8) it leaves untouched for the
// general path, which reports the violation: a result other than fastOK means nothing
// was consumed and no protocol state changed, so both paths give the same result by
// construction.
//
// When the buffer ends inside a frame that fits it, readFast returns fastShort: read
// more and call it again with the dst it returned and a fastState (the first call passes
// nil; later ones a fastState with again set, kept until the frame is done). From the
// second call on (the read after the frame's start did not complete it: the peer may be
// slow, or stalling) it first unmasks and validates the text that came so far into dst,
// and hands invalid text to the general path, so that the connection fails (RFC 6455
// §8.1) without waiting for the rest of the frame. Callers call it once more when a read
// fails, so that such text fails with 1007 rather than with the read's error. The first
// time it skips the check: the read right after usually completes the frame, and checking
// a part costs more than checking the whole; a peer that stalls inside a frame whose
// first part is already invalid is failed once more bytes come or the read ends. After
// that a result of fastNo returns dst without the bytes readFast put there.
func (c *Conn) readFast(dst []byte, st *fastState) (MessageType, []byte, fastResult) {
	b := c.rbuf[c.r:c.w]
	p := &c.p
	if p.inFrame || p.inMessage || p.skip || p.closed || p.err != nil || p.noFast ||
		c.mr.inMessage || c.mr.compressed || c.closing.Load() {
		if st != nil {
			dst = dst[:len(dst)-st.done]
		}
		return 0, dst, fastNo
	}
	if len(b) < 2 {
		return 0, dst, c.fastShort(frame.MaxHeaderSize)
	}
	// RFC 6455 §5.2: FIN set, RSV1-3 clear (RSV1 is compression, RFC 7692 §6: general
	// path), opcode text or binary. b[0]^0x80 is the opcode only if FIN is set and the
	// RSV bits are clear.
	op := b[0] ^ 0x80
	if op != byte(frame.OpText) && op != byte(frame.OpBinary) {
		return 0, dst, fastNo
	}
	// RFC 6455 §5.1: a server receives only masked frames, a client only unmasked ones.
	b1 := b[1]
	masked := b1&0x80 != 0
	if masked != (c.role == Server) {
		return 0, dst, fastNo
	}
	hs := frame.HeaderSize(b[0], b1)
	if len(b) < hs {
		return 0, dst, c.fastShort(hs)
	}
	n := uint64(b1 & 0x7f)
	switch n {
	case 126:
		n = uint64(binary.BigEndian.Uint16(b[2:4]))
	case 127:
		// RFC 6455 §5.2: a length with the most significant bit set is refused by the
		// general path, and by the read limit or the buffer size check below it is sent
		// there (a limit < 0 with such a length: longer than any buffer).
		n = binary.BigEndian.Uint64(b[2:10])
	}
	// RFC 6455 §10.4: over the read limit, the general path fails with 1009 before
	// reading the payload.
	if p.limit >= 0 && n > uint64(p.limit) {
		return 0, dst, fastNo
	}
	var key [4]byte
	if masked {
		key = [4]byte(b[hs-4 : hs])
	}
	text := op == byte(frame.OpText)
	if have := len(b) - hs; n > uint64(have) {
		if n > uint64(len(c.rbuf)-hs) {
			return 0, dst, fastNo // larger than the buffer: streamed by the general path
		}
		if st == nil {
			return 0, dst, c.fastShort(hs + int(n)) // the first time: no check
		}
		done := st.done
		if text && st.again && have > done {
			// RFC 6455 §8.1: fail fast. Check the text so far before waiting for more;
			// it is kept in dst, so the rest is all that is left to check.
			dst = appendPayload(dst, b[hs+done:hs+have], masked, key, done)
			if !st.v.Feed(dst[done:]) {
				return 0, dst[:0], fastNo
			}
			st.done = have
		}
		st.again = true
		return 0, dst, c.fastShort(hs + int(n))
	}
	end := hs + int(n)
	payload := b[hs:end]
	switch {
	case st != nil && st.done > 0:
		// The rest of a text frame whose start is checked and in dst.
		done := st.done
		dst = appendPayload(dst, payload[done:], masked, key, done)
		// RFC 6455 §8.1: text must be UTF-8; if not, the general path fails with 1007.
		if !st.v.Feed(dst[done:]) || !st.v.Complete() {
			return 0, dst[:0], fastNo
		}
	case masked:
		// Copy and unmask in one pass (the read buffer keeps the masked frame), then
		// validate the copy: dst's start is aligned, and the validator's 32-byte loads of
		// the frame in the read buffer would mostly straddle cache lines (measured: 4%
		// slower at 1 KiB).
		out := slices.Grow(dst[:0], int(n))[:n]
		mask.ApplyCopy(out, payload, key, 0)
		// RFC 6455 §8.1, as above.
		if text && !utf8.Valid(out) {
			return 0, dst, fastNo
		}
		dst = out
	case text && n >= 64:
		// Copy, then validate the copy (see above).
		dst = append(dst[:0], payload...)
		// RFC 6455 §8.1, as above.
		if !utf8.Valid(dst) {
			return 0, dst[:0], fastNo
		}
	default:
		// RFC 6455 §8.1, as above.
		if text && !utf8.Valid(payload) {
			return 0, dst, fastNo
		}
		dst = append(dst[:0], payload...)
	}
	c.r += end
	return MessageType(op), dst, fastOK
}

// appendPayload appends src to dst, unmasked with key from key position pos if masked,
// in one pass over the bytes (the read buffer src is part of is left as it came).
func appendPayload(dst, src []byte, masked bool, key [4]byte, pos int) []byte {
	if !masked {
		return append(dst, src...)
	}
	n := len(dst)
	dst = slices.Grow(dst, len(src))[:n+len(src)]
	mask.ApplyCopy(dst[n:], src, key, pos)
	return dst
}

// fastShort makes room for a frame of size bytes starting at c.r, moving the buffered
// bytes to the front of the buffer if it would not fit behind them, and returns fastShort.
func (c *Conn) fastShort(size int) fastResult {
	if c.rbufp == nil {
		return fastShort // nothing buffered: fill borrows a buffer
	}
	if c.r > 0 && c.r+size > len(c.rbuf) {
		c.w = copy(c.rbuf, c.rbuf[c.r:c.w])
		c.r = 0
	}
	return fastShort
}

// next returns the next event, reading from the network as needed. Errors are terminal
// (*CloseError) or timeouts.
func (c *Conn) next() (Event, error) {
	for {
		if c.r < c.w {
			n, ev, err := c.p.Parse(c.rbuf[c.r:c.w])
			c.r += n
			if err != nil {
				return Event{}, c.failProtocol(err)
			}
			if ev.Kind != EventNone {
				return ev, nil
			}
			if n > 0 && c.r < c.w {
				continue
			}
		}
		if err := c.fill(); err != nil {
			return Event{}, c.readFailed(err)
		}
	}
}

// fill reads more bytes into the read buffer, borrowing it from the pool if needed.
func (c *Conn) fill() error {
	if c.raw != nil && c.r == c.w {
		return c.fillRaw()
	}
	if c.rbufp == nil {
		c.rbufp = getBuf(c.cfg.readBuf)
		c.rbuf = (*c.rbufp)[:cap(*c.rbufp)]
		c.r, c.w = 0, 0
	}
	if c.r == c.w {
		c.r, c.w = 0, 0
	} else if len(c.rbuf)-c.w < frame.MaxHeaderSize {
		c.w = copy(c.rbuf, c.rbuf[c.r:c.w])
		c.r = 0
	}
	n, err := c.nc.Read(c.rbuf[c.w:])
	c.w += n
	if n > 0 {
		return nil
	}
	if err == nil {
		err = io.ErrNoProgress
	}
	return err
}

// releaseReadBuf gives the read buffer back to the pool if it holds no unread bytes.
func (c *Conn) releaseReadBuf() {
	if c.rbufp != nil && c.r == c.w && len(c.mr.chunk) == 0 {
		putBuf(c.rbufp)
		c.rbufp, c.rbuf, c.r, c.w = nil, nil, 0, 0
	}
}

func isTimeout(err error) bool {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// readFailed turns a network read error into what the read returns: timeouts as they
// are (the caller decides), anything else ends the connection with 1006 (TCP closed
// without a close frame, RFC 6455 §7.1.5).
func (c *Conn) readFailed(err error) error {
	if isTimeout(err) {
		if ended := c.loadErr(); ended != nil && c.isTCPClosed() {
			return ended
		}
		return err
	}
	c.closeTCP(&CloseError{Code: frame.CloseAbnormal, Err: err})
	return c.loadErr()
}

func (c *Conn) isTCPClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.tcpClosed
}

// control handles a control event; it returns the connection's end for a close.
func (c *Conn) control(ev *Event) error {
	switch ev.Kind {
	case EventPing:
		if !c.closing.Load() {
			c.queuePong(ev.Payload)
		}
		if c.cfg.onPing != nil {
			c.cfg.onPing(ev.Payload)
		}
	case EventPong:
		c.pongAwaited.Store(false)
		if c.cfg.onPong != nil {
			c.cfg.onPong(ev.Payload)
		}
	case EventClose:
		return c.onPeerClose(ev)
	}
	return nil
}

// onPeerClose answers the peer's close frame and ends the connection. RFC 6455 §5.5.1:
// the answer echoes the status code (an empty close is answered with an empty close);
// §7.1.1: the server closes TCP at once, the client waits, up to CloseTimeout, for the
// server to do so.
func (c *Conn) onPeerClose(ev *Event) error {
	c.peerClosed.Store(true)
	ce := &CloseError{Code: ev.Code, Reason: ev.Reason, Remote: true}
	c.setErr(ce)
	c.sendCloseCode(ev.Code, "", ce)
	if c.role == Client {
		c.drainUntilEOF()
	}
	c.closeTCP(nil)
	return c.loadErr()
}

// drainUntilEOF reads and drops bytes until the peer closes TCP or CloseTimeout passes.
func (c *Conn) drainUntilEOF() {
	c.rd.force(time.Now().Add(c.cfg.closeTimeout))
	var b [512]byte
	for {
		if _, err := c.nc.Read(b[:]); err != nil {
			return
		}
	}
}

// failProtocol fails the connection for a protocol violation (RFC 6455 §7.1.7): it sends
// a close frame with the violation's code, once, waits (bounded) for the peer's close,
// and closes TCP. It returns the *CloseError the connection ended with.
func (c *Conn) failProtocol(err error) error {
	var fe *frame.Error
	if !errors.As(err, &fe) {
		fe = &frame.Error{Code: frame.CloseProtocolError, Msg: err.Error()}
	}
	ce := &CloseError{Code: fe.Code, Reason: fe.Msg, Err: err}
	c.setErr(ce)
	c.sendCloseCode(fe.Code, fe.Msg, ce)
	if c.p.PeerClosed() {
		// The violation was in the peer's close frame: it will send nothing more, so do
		// not wait for another; close as after a valid one (RFC 6455 §7.1.1).
		c.peerClosed.Store(true)
		if c.role == Client {
			c.drainUntilEOF()
		}
		c.closeTCP(nil)
		return c.loadErr()
	}
	if fe == frame.ErrLengthOverflow || (fe == frame.ErrTooBig && !c.p.skippable) {
		// Frame boundaries are lost (or a huge payload would follow): do not wait. A frame
		// refused for a length up to maxSkipRefused is skipped below like any other, so
		// the peer reads the 1009 before TCP closes.
		c.closeTCP(nil)
		return c.loadErr()
	}
	c.p.Skip()
	c.awaitPeerClose()
	c.closeTCP(nil)
	return c.loadErr()
}

// awaitPeerClose reads, discarding data, until the peer's close frame, end of stream or
// CloseTimeout, after a close frame was sent; then closes TCP. Called by the reader.
func (c *Conn) awaitPeerClose() {
	c.rd.force(time.Now().Add(c.cfg.closeTimeout))
	for {
		if c.isTCPClosed() {
			return
		}
		ev, err := c.next()
		if err != nil {
			break
		}
		if ev.Kind == EventClose {
			c.peerClosed.Store(true)
			if c.role == Client {
				c.drainUntilEOF()
			}
			break
		}
	}
	c.closeTCP(nil)
}

// discardMessage skips the rest of a message a streaming Reader left unread. A
// compressed one is inflated to the end, so that a context-takeover window stays right.
func (c *Conn) discardMessage() error {
	if c.mr.compressed {
		var scratch [512]byte
		for {
			_, err := c.inflate(scratch[:])
			if err == io.EOF {
				break
			}
			if err != nil {
				return err
			}
		}
	}
	c.mr.chunk = nil
	if !c.mr.inMessage {
		return nil
	}
	for c.p.InMessage() {
		ev, err := c.next()
		if err != nil {
			return err
		}
		if ev.Kind != EventData {
			if err := c.control(&ev); err != nil {
				return err
			}
		}
	}
	c.mr.inMessage = false
	return nil
}

// messageReader is the io.Reader Reader returns; each Conn has one, reused. Its rawRead
// yields the payload bytes of the current message as they are on the wire (unmasked),
// which for a compressed message is what the Decompressor reads through rawSource.
type messageReader struct {
	c          *Conn
	ctx        context.Context
	chunk      []byte // payload parsed but not yet returned (aliases the read buffer)
	final      bool   // chunk ends the message
	inMessage  bool   // a message's raw payload is being read
	compressed bool   // the message is being inflated (until the Decompressor's io.EOF)
}

// rawSource is the Decompressor's view of the current message's raw payload.
type rawSource struct{ c *Conn }

func (s rawSource) Read(b []byte) (int, error) { return s.c.mr.rawRead(b) }

// Reader waits for the next data message and returns its type and a reader for its
// payload, which streams the message without buffering it whole (the read limit still
// applies, and text is validated as it arrives). The reader returns io.EOF at the end of
// the message; it is valid until the next call to Reader or ReadMessage, which discard
// whatever is left of it. ctx applies to every Read of the message. Errors are those of
// ReadMessage.
func (c *Conn) Reader(ctx context.Context) (MessageType, io.Reader, error) {
	if err := c.beginRead(ctx); err != nil {
		return 0, nil, err
	}
	defer c.endRead()
	stop := c.rd.arm(ctx)
	t, err := c.startMessage()
	if err = c.readDone(ctx, stop, err); err != nil {
		err = c.readAborted(err)
		c.releaseReadBuf()
		return 0, nil, err
	}
	c.mr.ctx = ctx
	return t, &c.mr, nil
}

// startMessage reads up to the first data event of the next message and sets up c.mr.
func (c *Conn) startMessage() (MessageType, error) {
	if err := c.discardMessage(); err != nil {
		return 0, err
	}
	for {
		ev, err := c.next()
		if err != nil {
			return 0, err
		}
		if ev.Kind != EventData {
			if err := c.control(&ev); err != nil {
				return 0, err
			}
			continue
		}
		if c.closing.Load() {
			continue
		}
		c.beginMessage(&ev)
		return ev.Type, nil
	}
}

// beginMessage makes the first data event of a message current in c.mr.
func (c *Conn) beginMessage(ev *Event) {
	c.mr.chunk, c.mr.final, c.mr.inMessage = ev.Payload, ev.Final, true
	c.mr.compressed = ev.Compressed
	if ev.Compressed {
		c.decomp.Begin(rawSource{c}, c.cfg.readLimit)
		c.inflateText = ev.Type == Text
		c.inflateUTF8.Reset()
	}
}

// inflate reads inflated bytes of the current compressed message, validating text, and
// fails the connection on corrupt data (1007), a message over the limit (1009) or
// invalid UTF-8 (1007).
func (c *Conn) inflate(b []byte) (int, error) {
	n, err := c.decomp.Read(b)
	if c.inflateText && n > 0 && !c.inflateUTF8.Feed(b[:n]) {
		// RFC 7692 §6 and RFC 6455 §8.1: the inflated text must be UTF-8.
		return 0, c.endInflate(frame.ErrInvalidUTF8)
	}
	if err == io.EOF {
		if c.inflateText && !c.inflateUTF8.Complete() {
			return n, c.endInflate(frame.ErrInvalidUTF8)
		}
		c.endInflate(nil)
		return n, io.EOF
	}
	if err != nil {
		return n, c.endInflate(err)
	}
	return n, nil
}

// endInflate ends the current compressed message; a protocol error fails the connection.
func (c *Conn) endInflate(err error) error {
	c.mr.compressed = false
	c.decomp.End()
	if err == nil {
		return nil // before errors.As, whose target escapes: no allocation per message
	}
	var fe *frame.Error
	if errors.As(err, &fe) {
		return c.failProtocol(fe)
	}
	return err
}

// readCompressed inflates the message whose first data event is ev into dst.
func (c *Conn) readCompressed(ev *Event, dst []byte) (MessageType, []byte, error) {
	c.beginMessage(ev)
	for {
		if len(dst) == cap(dst) {
			dst = growInflated(dst, c.cfg.readLimit)
		}
		n, err := c.inflate(dst[len(dst):cap(dst)])
		dst = dst[:len(dst)+n]
		if err == io.EOF {
			return ev.Type, dst, nil
		}
		if err != nil {
			return 0, dst, err
		}
	}
}

// growInflated returns dst with room for more of an inflated message: its capacity
// doubled (at least 4 KiB), but never past limit+1 bytes, the most the inflater produces
// before it fails the message with 1009 (limit < 0: none). A decompression bomb then costs
// about twice the read limit in all, not the ~5x that append's 1.25x steps add up to.
func growInflated(dst []byte, limit int64) []byte {
	n := max(2*cap(dst), 4<<10)
	if limit >= 0 && int64(n) >= limit { // limit <= n <= 2*cap: limit+1 cannot overflow
		n = max(int(limit)+1, cap(dst)+1)
	}
	nd := make([]byte, len(dst), n)
	copy(nd, dst)
	return nd
}

// Read reads payload of the current message.
func (r *messageReader) Read(b []byte) (int, error) {
	c := r.c
	if !c.reading.CompareAndSwap(false, true) {
		return 0, c.busyErr()
	}
	defer c.endRead()
	if !r.inMessage && !r.compressed {
		if err := c.loadErr(); err != nil {
			return 0, err
		}
		return 0, io.EOF
	}
	if len(b) == 0 {
		return 0, nil
	}
	stop := c.rd.arm(r.ctx)
	var n int
	var err error
	if r.compressed {
		n, err = c.inflate(b)
	} else {
		n, err = r.rawRead(b)
	}
	if err = c.readDone(r.ctx, stop, err); err != nil && err != io.EOF {
		err = c.readAborted(err)
		r.inMessage = false
		r.compressed = false
		r.chunk = nil
	}
	c.releaseReadBuf()
	return n, err
}

// rawRead reads raw payload bytes of the current message, io.EOF at its end.
func (r *messageReader) rawRead(b []byte) (int, error) {
	c := r.c
	if len(r.chunk) > 0 || r.final {
		n := copy(b, r.chunk)
		r.chunk = r.chunk[n:]
		if len(r.chunk) == 0 && r.final {
			r.inMessage = false
			r.chunk = nil
			r.final = false
			if n == 0 {
				return 0, io.EOF
			}
		}
		return n, nil
	}
	if !r.inMessage {
		return 0, io.EOF
	}
	if len(b) == 0 {
		return 0, nil
	}
	if err := c.loadErr(); err != nil {
		return 0, err
	}
	for {
		if c.r == c.w {
			if rem := c.p.PayloadRemaining(); rem > 0 && len(b) >= directMin {
				m, err := c.nc.Read(b[:min(int64(len(b)), rem)])
				if m > 0 {
					_, ev, perr := c.p.Parse(b[:m])
					if perr != nil {
						return 0, c.failProtocol(perr)
					}
					if ev.Final {
						r.final = true
					}
					return m, nil
				}
				if err != nil {
					return 0, c.readFailed(err)
				}
				continue
			}
		}
		ev, err := c.next()
		if err != nil {
			return 0, err
		}
		if ev.Kind != EventData {
			if err := c.control(&ev); err != nil {
				return 0, err
			}
			continue
		}
		n := copy(b, ev.Payload)
		r.chunk = ev.Payload[n:]
		r.final = ev.Final
		if len(r.chunk) == 0 && ev.Final {
			r.inMessage = false
			r.chunk = nil
			r.final = false
			if n == 0 {
				return 0, io.EOF
			}
		}
		if n > 0 {
			return n, nil
		}
	}
}
