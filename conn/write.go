package conn

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/duplexws/duplex/frame"
	"github.com/duplexws/duplex/mask"
)

// Frame write flags.
const (
	fData    = 1 << iota // a data frame: refused after the close frame
	fRelease             // the caller holds wsMsg: release it once the frame is queued
	fNoWait              // do not wait for another goroutine's flush (keepalive)
)

// Write state bits (Conn.ws).
const (
	wsBusy   uint32 = 1 << iota // a goroutine owns the socket: it writes, nobody else does
	wsQueued                    // frames or waiters queued behind the owner: it ends in flushLocked
	wsShut                      // write error or close frame sent: writes take the slow path
	wsMsg                       // a data message is being queued or streamed (Writer, batches)
)

// How a frame that does not fit the scratch buffer goes out (Conn.wmode).
const (
	writeSplit = iota // any net.Conn: header + first part of the payload, then the rest as is
	writeVec          // socket: header and payload in one writev (net.Buffers)
	writeTLS          // *tls.Conn: up to one TLS record copied whole, then the rest as is
)

// scratchSize is the size of Conn.scratch. A frame up to this size is encoded there and
// written with one Write, without a pooled buffer.
const scratchSize = 352

// writevMin is the size from which a server batch (WriteMessages) goes out with one
// writev from the callers' buffers instead of being copied into one buffer, and from
// which a frame that finds the socket busy waits for it rather than being copied into
// the queue.
const writevMin = 8 << 10

// keepMax is the largest buffer a Conn keeps between writes (Conn.wkeep) on a net.Conn
// that is neither a socket nor TLS, where a mid-size frame is copied to go out in one
// Write: kept, like a bufio.Writer's buffer, it saves a pool round trip per message. Such
// connections already hold their read buffer while the reader waits (no raw idle wait
// without a socket), so this adds at most one 4 KiB class buffer to them; sockets, the
// idle-memory case that matters, never take this path.
const keepMax = 4<<10 + bufSlack

// tlsRecord is the largest TLS record payload (RFC 8446 §5.1): on a *tls.Conn a frame up
// to this size is copied into one buffer so that it makes one record, not a small record
// for the header and another for the payload.
const tlsRecord = 16 << 10

// maskChunk bounds the buffer a client uses to mask a large payload while copying it: the
// payload goes out in writes of this size.
const maskChunk = 64 << 10

// WriteMessage sends p as one message of type t, in one frame. With nothing else being
// written it goes straight to the socket: a frame of up to a few hundred bytes in one
// Write from a small buffer inside the Conn; a larger server frame in one writev on a
// TCP or Unix socket, or, on another net.Conn, as the header with the first part of the
// payload and then the rest of p as is (on a *tls.Conn, up to one TLS record is copied so
// the header does not make a record of its own); a client copies and masks the payload in
// bounded chunks (RFC 6455 §5.3). Smaller messages that find a write in progress are
// queued, and those queued by several goroutines go out together in the next Write; a
// message of 8 KiB or more waits for the socket and then goes out as above, uncopied.
// Text is not validated: the caller sends UTF-8.
//
// If ctx is cancelled before the message is queued, WriteMessage returns ctx.Err() and
// nothing is sent; once it is queued, cancellation interrupts the socket write and closes
// the connection.
//
// A nil error means every byte of the message was accepted by the socket (the kernel's
// send buffer), not that the peer received it. If the connection is then closed
// abortively (a later write timed out, CloseNow) while bytes the peer sent are unread,
// the kernel resets the connection (TCP RST) and drops its send buffer, so the peer may
// see even an earlier message truncated before the reset.
func (c *Conn) WriteMessage(ctx context.Context, t MessageType, p []byte) error {
	if t != Text && t != Binary {
		return ErrMessageType
	}
	done := ctx.Done()
	if done != nil && ctx.Err() != nil {
		return ctx.Err()
	}
	if c.comp == nil || len(p) < c.cfg.compression.Threshold {
		// The fast path: nobody writing, nothing queued, no message in progress.
		if c.ws.CompareAndSwap(0, wsBusy) {
			if done == nil { // no cancellation to arm (context.Background and the like)
				var err error
				var buf []byte
				if n := len(p); c.role == Server {
					if n <= scratchSize-4 {
						buf = c.scratch[:]
					} else if c.wkeep != nil && c.wmode == writeSplit && n <= 0xffff && n+4 <= cap(*c.wkeep) {
						buf = (*c.wkeep)[:n+4] // the buffer writeDirect keeps (see keepMax)
					}
				}
				if buf != nil {
					// A server frame kept inline: header (RFC 6455 §5.2, FIN set, minimal
					// length encoding) and payload in one buffer, one Write.
					n := len(p)
					buf[0] = 0x80 | byte(t)
					hn := 2
					if n <= 125 {
						buf[1] = byte(n)
					} else {
						buf[1], buf[2], buf[3] = 126, byte(n>>8), byte(n)
						hn = 4
					}
					copy(buf[hn:], p)
					_, err = c.nc.Write(buf[:hn+n])
				} else {
					err = c.writeDirect(frame.Opcode(t), true, 0, p)
				}
				if err == nil && c.ws.CompareAndSwap(wsBusy, 0) {
					return nil
				}
				return c.release(err)
			}
			stop := c.wd.arm(ctx)
			err := c.release(c.writeDirect(frame.Opcode(t), true, 0, p))
			if c.wd.disarm(stop) && err != nil {
				err = ctx.Err()
			}
			return err
		}
	}
	if err := c.acquireMsg(ctx); err != nil {
		return err
	}
	stop := c.wd.arm(ctx)
	var err error
	if c.comp != nil && len(p) >= c.cfg.compression.Threshold {
		err = c.writeCompressed(frame.Opcode(t), p)
	} else {
		err = c.writeFrame(frame.Opcode(t), true, 0, p, fData|fRelease)
	}
	if c.wd.disarm(stop) && err != nil {
		err = ctx.Err()
	}
	return err
}

// writeCompressed sends p compressed in one frame with RSV1 (RFC 7692 §6.1). Called with
// wsMsg held, which serialises the Compressor; writeFrame releases it.
func (c *Conn) writeCompressed(op frame.Opcode, p []byte) error {
	if c.isClosed() {
		c.releaseMsg()
		return ErrClosed
	}
	bp := getBuf(len(p) + 64)
	out := c.comp.Compress((*bp)[:0], p)
	err := c.writeFrame(op, true, frame.RSV1, out, fData|fRelease)
	if cap(out) > cap(*bp) {
		*bp = out // Compress grew it: pool the larger buffer
	}
	putBuf(bp)
	return err
}

func (c *Conn) isClosed() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// Ping sends a ping with payload p (at most 125 bytes). It may go out between the
// fragments of a streaming message. The pong arrives through a reader (see Options.OnPong).
func (c *Conn) Ping(ctx context.Context, p []byte) error {
	if len(p) > frame.MaxControlPayload {
		return ErrControlTooLong
	}
	stop := c.wd.arm(ctx)
	err := c.writeFrame(frame.OpPing, true, 0, p, 0)
	if c.wd.disarm(stop) && err != nil {
		err = ctx.Err()
	}
	return err
}

// tryMsg takes wsMsg if it is free.
func (c *Conn) tryMsg() bool {
	for {
		old := c.ws.Load()
		if old&wsMsg != 0 {
			return false
		}
		if c.ws.CompareAndSwap(old, old|wsMsg) {
			return true
		}
	}
}

// acquireMsg takes wsMsg, the right to queue a data message, waiting for a streaming
// Writer or a batch to finish.
func (c *Conn) acquireMsg(ctx context.Context) error {
	if c.tryMsg() {
		return nil
	}
	return c.waitMsg(ctx)
}

func (c *Conn) waitMsg(ctx context.Context) error {
	// A releaser that finds msgWaiters > 0 after clearing wsMsg leaves a token in msgWake;
	// a waiter counts itself before it looks at wsMsg, so no release goes unseen. The
	// channel is made by the first waiter (under wmu), so a Conn whose writers never wait
	// does not carry one.
	c.msgWaiters.Add(1)
	defer c.msgWaiters.Add(-1)
	c.wmu.Lock()
	if c.msgWake == nil {
		c.msgWake = make(chan struct{}, 1)
	}
	wake := c.msgWake
	c.wmu.Unlock()
	for {
		if c.tryMsg() {
			return nil
		}
		select {
		case <-wake:
		case <-ctx.Done():
			return ctx.Err()
		case <-c.done:
			return ErrClosed
		}
	}
}

// releaseMsg gives wsMsg back and wakes a waiter, if any. Called without wmu.
func (c *Conn) releaseMsg() {
	c.ws.And(^wsMsg)
	if c.msgWaiters.Load() > 0 {
		c.wmu.Lock()
		c.wakeMsgLocked()
		c.wmu.Unlock()
	}
}

// releaseMsgLocked is releaseMsg called with wmu held.
func (c *Conn) releaseMsgLocked() {
	c.ws.And(^wsMsg)
	if c.msgWaiters.Load() > 0 {
		c.wakeMsgLocked()
	}
}

// wakeMsgLocked leaves a token for a goroutine waiting for wsMsg. A nil channel means
// the waiter has not made it yet: it looks at wsMsg after making it, and finds it free.
func (c *Conn) wakeMsgLocked() {
	select {
	case c.msgWake <- struct{}{}:
	default: // a token is already there (a waiter will look again), or no channel yet
	}
}

// tryOwn takes the socket (wsBusy) for a direct write if nobody owns it, nothing is
// queued and the connection has not failed or sent its close frame.
func (c *Conn) tryOwn() bool {
	for {
		old := c.ws.Load()
		if old&(wsBusy|wsQueued|wsShut) != 0 {
			return false
		}
		if c.ws.CompareAndSwap(old, old|wsBusy) {
			return true
		}
	}
}

// release gives the socket back after a direct write that returned err. If frames were
// queued behind the write, or it failed, or the connection is shutting down, that goes
// through flushLocked (which writes the queue, wakes waiters and closes the connection
// after a failed write).
func (c *Conn) release(err error) error {
	if err == nil {
		if c.ws.CompareAndSwap(wsBusy, 0) { // the usual case: nothing else happened
			return nil
		}
		for {
			old := c.ws.Load()
			if old&(wsQueued|wsShut) != 0 {
				break
			}
			if c.ws.CompareAndSwap(old, old&^wsBusy) {
				return nil
			}
		}
	}
	c.wmu.Lock()
	if err != nil {
		c.failLocked(fmt.Errorf("conn: write: %w", err))
	}
	_ = c.flushLocked(c.wseq) // a queued frame's failure is its writer's to report
	if err != nil {
		return c.werrOr(err)
	}
	return nil
}

// failLocked records the sticky write error (the first one wins).
func (c *Conn) failLocked(err error) {
	if c.werr == nil {
		c.werr = err
	}
	c.ws.Or(wsShut)
}

// writeDirect writes one frame straight to the socket, called by the goroutine owning it
// (wsBusy). It copies at most scratchSize bytes of the payload (a server on a socket:
// none beyond what fits there), one TLS record on a *tls.Conn, and a client masks a
// larger payload through a buffer of at most maskChunk bytes.
func (c *Conn) writeDirect(op frame.Opcode, fin bool, rsv byte, p []byte) error {
	b0 := byte(op) | rsv
	if fin {
		b0 |= 0x80
	}
	if c.role == Client {
		return c.writeMasked(b0, p)
	}
	hn := putHeader(&c.scratch, b0, len(p))
	if hn+len(p) <= len(c.scratch) {
		copy(c.scratch[hn:], p)
		_, err := c.nc.Write(c.scratch[:hn+len(p)])
		return err
	}
	b := c.scratch[:hn]
	switch c.wmode {
	case writeVec:
		c.iov[0], c.iov[1] = b, p
		c.bufs = c.iov[:]
		_, err := c.bufs.WriteTo(c.nc)
		c.iov[1] = nil // keep no reference to the caller's buffer
		return err
	case writeTLS:
		// One Write per TLS record's worth: the header travels with payload, never in a
		// record of its own.
		n := min(len(b)+len(p), tlsRecord)
		bp := getBuf(n)
		k := n - len(b)
		_, err := c.nc.Write(append(append((*bp)[:0], b...), p[:k]...))
		putBuf(bp)
		if err != nil || k == len(p) {
			return err
		}
		_, err = c.nc.Write(p[k:])
		return err
	}
	// Any other net.Conn: often a wrapper around a socket, where every Write may be a
	// system call. A frame under writevMin is copied into one buffer and written once (the
	// copy costs far less than a second call); a larger one goes as the header with as much
	// payload as the scratch buffer holds, so the header never goes out alone, then the
	// rest of p without a copy, where copying would cost about as much as the extra call.
	if n := len(b) + len(p); n < writevMin {
		bp := c.wkeep
		if bp == nil || cap(*bp) < n {
			if bp != nil {
				putBuf(bp)
			}
			bp = getBuf(n)
		}
		_, err := c.nc.Write(append(append((*bp)[:0], b...), p...))
		c.wkeep = nil
		if cap(*bp) <= keepMax {
			c.wkeep = bp
		} else {
			putBuf(bp)
		}
		return err
	}
	k := copy(c.scratch[len(b):], p)
	if _, err := c.nc.Write(c.scratch[:len(b)+k]); err != nil {
		return err
	}
	_, err := c.nc.Write(p[k:])
	return err
}

// putHeader encodes an unmasked frame header with first byte b0 and payload length n
// into b, with the minimal length encoding (RFC 6455 §5.2), and returns its size.
func putHeader(b *[scratchSize]byte, b0 byte, n int) int {
	b[0] = b0
	switch {
	case n <= 125:
		b[1] = byte(n)
		return 2
	case n <= 0xffff:
		b[1] = 126
		binary.BigEndian.PutUint16(b[2:4], uint16(n))
		return 4
	default:
		b[1] = 127
		binary.BigEndian.PutUint64(b[2:10], uint64(n))
		return 10
	}
}

// writeMasked writes a client frame: RFC 6455 §5.3 requires each frame masked with a
// fresh key, so the payload is copied and masked, in the scratch buffer when the frame
// fits, else through a pooled buffer of at most maskChunk bytes, one Write per chunk.
func (c *Conn) writeMasked(b0 byte, p []byte) error {
	hn := putHeader(&c.scratch, b0, len(p))
	c.scratch[1] |= 0x80 // MASK
	key := newMaskKey()
	copy(c.scratch[hn:], key[:])
	hn += 4
	b := c.scratch[:hn]
	if hn+len(p) <= len(c.scratch) {
		b = b[:hn+len(p)]
		mask.ApplyCopy(b[hn:], p, key, 0) // copy and mask in one pass
		_, err := c.nc.Write(b)
		return err
	}
	bp := getBuf(min(hn+len(p), maskChunk))
	buf := append((*bp)[:0], b...)
	size := min(cap(buf), maskChunk+hn)
	pos := 0
	var err error
	for {
		k := min(len(p), size-len(buf))
		start := len(buf)
		buf = buf[:start+k]
		pos = mask.ApplyCopy(buf[start:], p[:k], key, pos)
		p = p[k:]
		if _, err = c.nc.Write(buf); err != nil || len(p) == 0 {
			break
		}
		buf = buf[:0]
	}
	putBuf(bp)
	return err
}

// writeFrame sends one frame: straight to the socket if nobody is writing, else queued
// for the goroutine that is. It returns once the frame has been written (by this
// goroutine or by the one flushing), or at once with fNoWait if another goroutine is
// flushing. Data frames come with wsMsg held by the caller; control frames may go out
// while another goroutine holds it (between a streamed message's fragments).
func (c *Conn) writeFrame(op frame.Opcode, fin bool, rsv byte, payload []byte, flags int) error {
	if c.tryOwn() {
		if flags&fRelease != 0 {
			c.releaseMsg() // writers queuing behind this one follow it in flushLocked
		}
		return c.release(c.writeDirect(op, fin, rsv, payload))
	}
	c.wmu.Lock()
	for {
		if c.werr != nil || (c.closeSent && op != frame.OpClose) {
			// RFC 6455 §5.5.1: no data frames after the close frame.
			err := c.werr
			if err == nil {
				err = ErrClosed
			}
			c.wmu.Unlock()
			if flags&fRelease != 0 {
				c.releaseMsg()
			}
			return err
		}
		if len(payload) < writevMin || flags&fNoWait != 0 || c.pending != nil || c.pongPending {
			break
		}
		// A large frame waits for the socket instead of being copied into the queue (a
		// client's whole, to mask it): once the owner gives it back, it goes out from the
		// caller's buffer as on the fast path. wsQueued makes the owner's release go
		// through flushLocked, which wakes us.
		old := c.ws.Load()
		if old&wsBusy == 0 {
			if c.ws.CompareAndSwap(old, old|wsBusy) {
				c.wmu.Unlock()
				if flags&fRelease != 0 {
					c.releaseMsg()
				}
				return c.release(c.writeDirect(op, fin, rsv, payload))
			}
		} else if c.ws.CompareAndSwap(old, old|wsQueued) {
			c.wcond.Wait()
		}
	}
	c.appendLocked(op, fin, rsv, payload)
	return c.flushOrWait(c.wseq, flags&fNoWait != 0, flags&fRelease != 0)
}

// appendLocked encodes a frame at the end of the pending buffer: the header with the
// minimal length encoding (RFC 6455 §5.2), and a client's payload masked with a fresh
// key (§5.3).
func (c *Conn) appendLocked(op frame.Opcode, fin bool, rsv byte, payload []byte) {
	c.reserveLocked(frame.MaxHeaderSize + len(payload))
	b := *c.pending
	before := len(b)
	b0 := byte(op) | rsv
	if fin {
		b0 |= 0x80
	}
	var b1 byte
	if c.role == Client {
		b1 = 0x80 // MASK
	}
	switch n := len(payload); {
	case n <= 125:
		b = append(b, b0, b1|byte(n))
	case n <= 0xffff:
		b = append(b, b0, b1|126, byte(n>>8), byte(n))
	default:
		b = binary.BigEndian.AppendUint64(append(b, b0, b1|127), uint64(n))
	}
	if c.role == Client {
		key := newMaskKey()
		b = append(b, key[:]...)
		start := len(b)
		b = slices.Grow(b, len(payload))[:start+len(payload)]
		mask.ApplyCopy(b[start:], payload, key, 0)
	} else {
		b = append(b, payload...)
	}
	*c.pending = b
	c.wseq += uint64(len(b) - before)
}

// appendEncodedLocked appends an already encoded frame (a Prepared one) to the pending
// buffer.
func (c *Conn) appendEncodedLocked(b []byte) {
	c.reserveLocked(len(b))
	*c.pending = append(*c.pending, b...)
	c.wseq += uint64(len(b))
}

// reserveLocked makes room for need more bytes in the pending buffer.
func (c *Conn) reserveLocked(need int) {
	if c.pending == nil {
		c.pending = getBuf(max(need, c.cfg.writeBuf))
	} else if b := *c.pending; cap(b)-len(b) < need {
		nb := getBuf(len(b) + need)
		*nb = append(*nb, b...)
		putBuf(c.pending)
		c.pending = nb
	}
}

// claimLocked, called with wmu held after queuing frames, makes this goroutine the one to
// write them (true: wsBusy taken) or leaves them to the goroutine owning the socket
// (false: wsQueued set, so that its release comes through flushLocked).
func (c *Conn) claimLocked() bool {
	for {
		old := c.ws.Load()
		if old&wsBusy != 0 {
			if c.ws.CompareAndSwap(old, old|wsQueued) {
				return false
			}
		} else if c.ws.CompareAndSwap(old, old|wsBusy) {
			return true
		}
	}
}

// flushOrWait, called with wmu held after queuing frames, writes the pending frames or,
// if another goroutine owns the socket, waits until the bytes up to seq are written. With
// releaseMsg it gives wsMsg back once the frames are claimed, so no message queued later
// overtakes them. It releases wmu.
func (c *Conn) flushOrWait(seq uint64, noWait, releaseMsg bool) error {
	owner := c.claimLocked()
	if releaseMsg {
		c.releaseMsgLocked()
	}
	if owner {
		return c.flushLocked(seq)
	}
	if noWait {
		c.wmu.Unlock()
		return nil
	}
	for c.wdone < seq && c.werr == nil {
		c.wcond.Wait()
	}
	var err error
	if c.wdone < seq {
		err = c.werr
	}
	c.wmu.Unlock()
	return err
}

// flushLocked, called with wmu held by the goroutine owning the socket, writes pending
// frames until none are left, then gives the socket back, wakes waiters and releases
// wmu. Frames queued while it writes go out together in its next write: that is how
// concurrent writers share system calls. It returns nil if the bytes up to seq were
// written, else the write error.
func (c *Conn) flushLocked(seq uint64) error {
	for c.werr == nil {
		if c.pongPending {
			c.pongPending = false
			c.appendLocked(frame.OpPong, true, 0, c.pong[:c.pongN])
		}
		if c.pending == nil {
			break
		}
		bp := c.pending
		c.pending = nil
		c.queuedPongs = 0
		c.wmu.Unlock()
		_, err := c.nc.Write(*bp)
		c.wmu.Lock()
		if err == nil {
			c.wdone += uint64(len(*bp))
		} else {
			c.failLocked(fmt.Errorf("conn: write: %w", err))
		}
		putBuf(bp)
	}
	if c.pending != nil {
		putBuf(c.pending)
		c.pending = nil
	}
	c.ws.And(^(wsBusy | wsQueued))
	c.wcond.Broadcast()
	werr := c.werr
	var err error
	if c.wdone < seq {
		err = werr
	}
	c.wmu.Unlock()
	if werr != nil && werr != ErrClosed {
		// A partly written frame cannot be taken back: the connection is done.
		c.closeTCP(&CloseError{Code: frame.CloseAbnormal, Err: werr})
	}
	return err
}

// werrOr returns the sticky write error, or err if there is none.
func (c *Conn) werrOr(err error) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.werr != nil {
		return c.werr
	}
	return err
}

// maxQueuedPongs is how many pongs may wait in the write queue before newer pings only
// replace the one pending pong (RFC 6455 §5.5.3 allows answering only the most recent
// ping). Up to this many pings in a burst each get their own pong (Autobahn 2.10 and 2.11
// send 10 and expect 10); a flood queues at most 32 × 139 bytes.
const maxQueuedPongs = 32

// queuePong queues the pong answering a ping (RFC 6455 §5.5.2) and has it sent: by the
// flush in progress if there is one, else by a short-lived goroutine, so that the reader
// never blocks on a peer that does not read. Past maxQueuedPongs unsent pongs, a newer
// ping replaces the single pending pong (§5.5.3), so a ping flood queues a bounded amount
// and starts at most one goroutine at a time.
func (c *Conn) queuePong(payload []byte) {
	c.wmu.Lock()
	if c.werr != nil || c.closeSent {
		c.wmu.Unlock()
		return
	}
	if c.queuedPongs < maxQueuedPongs {
		c.appendLocked(frame.OpPong, true, 0, payload)
		c.queuedPongs++
	} else {
		c.pongN = copy(c.pong[:], payload)
		c.pongPending = true
	}
	if !c.claimLocked() {
		c.wmu.Unlock() // the goroutine owning the socket writes it
		return
	}
	c.wmu.Unlock()
	go c.flushAsync()
}

// flushAsync writes what is queued (at least a pong); it ends when the write does, which
// the write deadline and closing the connection bound.
func (c *Conn) flushAsync() {
	c.wmu.Lock()
	_ = c.flushLocked(0)
}

// sendClose queues the close frame, once, recording ce as how the connection ended, and
// waits for it to be written. It returns ErrClosed if a close frame was already sent.
func (c *Conn) sendClose(payload []byte, ce *CloseError) error {
	c.wmu.Lock()
	if c.closeSent || c.werr != nil {
		c.wmu.Unlock()
		return ErrClosed
	}
	c.closeSent = true
	c.ws.Or(wsShut)
	c.closing.Store(true)
	c.setErr(ce)
	if c.pongPending {
		// The pong kept for the latest ping goes before the close frame, not after it:
		// nothing follows a close frame (RFC 6455 §5.5.1).
		c.pongPending = false
		c.appendLocked(frame.OpPong, true, 0, c.pong[:c.pongN])
	}
	c.appendLocked(frame.OpClose, true, 0, payload)
	return c.flushOrWait(c.wseq, false, false)
}

// sendCloseCode sends a close frame with code (none for CloseNoStatus) and reason cut to
// what fits, bounding the write by CloseTimeout.
func (c *Conn) sendCloseCode(code frame.CloseCode, reason string, ce *CloseError) {
	var pb [frame.MaxControlPayload]byte
	if len(reason) > frame.MaxCloseReason {
		reason = reason[:frame.MaxCloseReason]
	}
	payload, err := frame.AppendClose(pb[:0], code, reason)
	if err != nil {
		payload, _ = frame.AppendClose(pb[:0], code, "")
	}
	c.wd.force(time.Now().Add(c.cfg.closeTimeout))
	_ = c.sendClose(payload, ce)
}

// messageWriter is the io.WriteCloser Writer returns; each Conn has one, reused, since
// only one streaming message can be in progress (it holds wsMsg until Close).
type messageWriter struct {
	c          *Conn
	ctx        context.Context
	op         frame.Opcode
	rsv        byte // RSV bits of the next frame: RSV1 on a compressed message's first
	compressed bool
	bp         *[]byte
	closed     bool
	err        error
}

// compressSink receives a streamed message's compressed bytes from the Compressor.
type compressSink struct{ w *messageWriter }

func (s compressSink) Write(p []byte) (int, error) { return s.w.writeRaw(p) }

// Writer starts a message of type t and returns a writer for its payload. Each
// FragmentSize bytes written go out as one frame; Close sends the final frame (RFC 6455
// §5.4). Until Close, other data messages wait (control frames do not). ctx applies to
// every write of the message. The writer must not be used after Close.
func (c *Conn) Writer(ctx context.Context, t MessageType) (io.WriteCloser, error) {
	if t != Text && t != Binary {
		return nil, ErrMessageType
	}
	if err := c.acquireMsg(ctx); err != nil {
		return nil, err
	}
	w := &c.mw
	*w = messageWriter{c: c, ctx: ctx, op: frame.Opcode(t)}
	if c.comp != nil {
		if c.isClosed() {
			c.releaseMsg()
			return nil, ErrClosed
		}
		// A streamed message is always compressed: its size is not known up front.
		w.compressed, w.rsv = true, frame.RSV1
		c.comp.Begin(compressSink{w})
	}
	return w, nil
}

// Write appends p to the message, sending full fragments.
func (w *messageWriter) Write(p []byte) (int, error) {
	if w.closed {
		return 0, ErrWriterClosed
	}
	if w.err != nil {
		return 0, w.err
	}
	if w.compressed {
		n, err := w.c.comp.Write(p)
		if err != nil && w.err == nil {
			w.err = err
		}
		return n, err
	}
	return w.writeRaw(p)
}

// writeRaw appends payload bytes as they go on the wire, sending full fragments.
func (w *messageWriter) writeRaw(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	frag := w.c.cfg.fragment
	n := 0
	for len(p) > 0 {
		if w.bp == nil && len(p) > frag {
			// A whole fragment straight from p, no copy. (Strictly greater: the last
			// bytes stay buffered so Close has a payload for the final frame.)
			if err := w.frame(false, p[:frag]); err != nil {
				return n, err
			}
			n += frag
			p = p[frag:]
			continue
		}
		if w.bp == nil {
			w.bp = getBuf(frag)
		}
		b := *w.bp
		if len(b) == frag {
			if err := w.frame(false, b); err != nil {
				return n, err
			}
			b = b[:0]
		}
		k := copy(b[len(b):frag], p)
		*w.bp = b[:len(b)+k]
		n += k
		p = p[k:]
	}
	return n, nil
}

func (w *messageWriter) frame(fin bool, p []byte) error {
	stop := w.c.wd.arm(w.ctx)
	err := w.c.writeFrame(w.op, fin, w.rsv, p, fData)
	w.rsv = 0 // RFC 7692 §6.1: RSV1 on the first frame only
	if w.c.wd.disarm(stop) && err != nil {
		err = w.ctx.Err()
	}
	w.op = frame.OpContinuation
	if err != nil {
		w.err = err
	}
	return err
}

// Close sends the final fragment and lets other messages go.
func (w *messageWriter) Close() error {
	if w.closed {
		return ErrWriterClosed
	}
	w.closed = true
	if w.compressed && w.err == nil {
		if err := w.c.comp.End(); err != nil {
			w.err = err
		}
	}
	var p []byte
	if w.bp != nil {
		p = *w.bp
	}
	err := w.err
	if err == nil {
		err = w.frame(true, p)
	}
	if w.bp != nil {
		putBuf(w.bp)
		w.bp = nil
	}
	w.c.releaseMsg()
	return err
}
