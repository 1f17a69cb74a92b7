package conn

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/duplexws/duplex/deflate"
	"github.com/duplexws/duplex/frame"
)

// Message is one data message for WriteMessages: Type and Data, or a Prepared message.
type Message struct {
	Type MessageType
	Data []byte
	// Prepared, if not nil, is sent instead of Type and Data (see WritePrepared).
	Prepared *Prepared
}

// maxGather is the most messages sent with one writev from the callers' buffers; larger
// batches are copied into the write buffer.
const maxGather = 256

// gatherBufs holds a writev's vector and frame headers; pooled, so an idle Conn keeps none.
type gatherBufs struct {
	vec [][]byte
	hdr []byte
}

var gatherPool = sync.Pool{New: func() any {
	return &gatherBufs{vec: make([][]byte, 0, 2*maxGather), hdr: make([]byte, 0, maxGather*frame.MaxHeaderSize)}
}}

// WriteMessages sends msgs in order, each as one message in one frame, in as few write
// system calls as it can: normally one for the whole batch (one buffer, or one writev
// from the callers' buffers for a large server batch). Other goroutines' messages do not
// come between them; control frames may. It returns nil once every byte of every message
// was handed to the socket, or the first error; messages before a failure may have been
// sent. The Data of each message must not be modified until it returns. Text is not
// validated. A message with an invalid Type fails the call with ErrMessageType before
// anything is sent. Cancellation works as for WriteMessage.
func (c *Conn) WriteMessages(ctx context.Context, msgs []Message) error {
	for i := range msgs {
		if t := msgs[i].Type; msgs[i].Prepared == nil && t != Text && t != Binary {
			return ErrMessageType
		}
	}
	if len(msgs) == 0 {
		return nil
	}
	if err := c.acquireMsg(ctx); err != nil {
		return err
	}
	stop := c.wd.arm(ctx)
	err := c.writeBatch(msgs)
	if c.wd.disarm(stop) && err != nil {
		err = ctx.Err()
	}
	return err
}

// WritePrepared sends pm, a message encoded once for many connections. On a server
// connection without compression its frame bytes go out as they are; with
// permessage-deflate, a message at or over the Threshold is sent in the frame compressed
// once per compression level by whichever connection needs it first, when this
// connection's Params.AcceptsShared (no context takeover when sending, 32 KiB window);
// connections with context takeover compress it themselves. A client connection must
// mask each frame with its own key (RFC 6455 §5.3), so it copies pm's payload (or shared
// compressed payload) and masks it, as WriteMessage does.
func (c *Conn) WritePrepared(ctx context.Context, pm *Prepared) error {
	done := ctx.Done()
	if done != nil && ctx.Err() != nil {
		return ctx.Err()
	}
	asIs := c.role == Server && (c.comp == nil || len(pm.Payload()) < c.cfg.compression.Threshold)
	if asIs && done == nil && c.ws.CompareAndSwap(0, wsBusy) {
		// The fast path, as in WriteMessage: the prepared frame, one Write, no copy.
		_, err := c.nc.Write(pm.frame)
		if err == nil && c.ws.CompareAndSwap(wsBusy, 0) {
			return nil
		}
		return c.release(err)
	}
	if err := c.acquireMsg(ctx); err != nil {
		return err
	}
	stop := c.wd.arm(ctx)
	var err error
	if asIs {
		// The common case, kept shallow: the prepared frame as it is.
		err = c.writeEncoded(pm.frame)
	} else {
		var one [1]Message
		one[0].Prepared = pm
		err = c.writeBatch(one[:])
	}
	if c.wd.disarm(stop) && err != nil {
		err = ctx.Err()
	}
	return err
}

// writeEncoded sends an encoded data frame, called with wsMsg held, which it releases.
func (c *Conn) writeEncoded(f []byte) error {
	if c.tryOwn() {
		// Nothing in the way: write it from the Prepared, no copy. Frames queued
		// meanwhile follow in release.
		c.releaseMsg()
		_, err := c.nc.Write(f)
		return c.release(err)
	}
	c.wmu.Lock()
	if err := c.refuseLocked(); err != nil {
		c.wmu.Unlock()
		c.releaseMsg()
		return err
	}
	c.appendEncodedLocked(f)
	return c.flushOrWait(c.wseq, false, true)
}

// wire is how one message goes out on this connection.
type wire struct {
	op      frame.Opcode
	rsv     byte
	payload []byte  // to frame (and mask as client)
	encoded []byte  // a whole encoded frame (server role, Prepared)
	bp      *[]byte // pooled buffer behind a compressed payload
}

func (w *wire) release() {
	if w.bp != nil {
		if cap(w.payload) > cap(*w.bp) {
			*w.bp = w.payload // Compress grew it: pool the larger buffer
		}
		putBuf(w.bp)
	}
}

// wireFor decides how m goes out, compressing it if it must. Called with wsMsg held,
// which serialises the Compressor.
func (c *Conn) wireFor(m *Message) (wire, error) {
	t, p, pm := m.Type, m.Data, m.Prepared
	if pm != nil {
		t, p = pm.typ, pm.Payload()
	}
	op := frame.Opcode(t)
	if params := c.cfg.compression; c.comp != nil && len(p) >= params.Threshold {
		if pm != nil && params.AcceptsShared(c.role, params.Level) {
			f, hdr := pm.compressed(params.Level)
			if c.role == Server {
				return wire{encoded: f}, nil
			}
			return wire{op: op, rsv: frame.RSV1, payload: f[hdr:]}, nil
		}
		if c.isClosed() {
			return wire{}, ErrClosed
		}
		// RFC 7692 §6.1: RSV1 marks the compressed message's (only) frame.
		bp := getBuf(len(p) + 64)
		out := c.comp.Compress((*bp)[:0], p)
		return wire{op: op, rsv: frame.RSV1, payload: out, bp: bp}, nil
	}
	if pm != nil && c.role == Server {
		return wire{encoded: pm.frame}, nil
	}
	return wire{op: op, payload: p}, nil
}

// writeBatch sends msgs, called with wsMsg held; it releases wsMsg once they are
// queued (or refused) and returns when they are written.
func (c *Conn) writeBatch(msgs []Message) error {
	if c.wmode == writeVec && c.role == Server && c.comp == nil && len(msgs) <= maxGather {
		total := 0
		for i := range msgs {
			if pm := msgs[i].Prepared; pm != nil {
				total += len(pm.frame)
			} else {
				total += len(msgs[i].Data)
			}
		}
		if total >= writevMin && c.tryOwn() {
			c.releaseMsg()
			return c.gather(msgs)
		}
	}
	if c.comp == nil {
		// Nothing to compress: the batch is encoded under one lock, into a buffer reserved
		// once for all of it.
		c.wmu.Lock()
		if err := c.refuseLocked(); err != nil {
			c.wmu.Unlock()
			c.releaseMsg()
			return err
		}
		need := 0
		for i := range msgs {
			if pm := msgs[i].Prepared; pm != nil {
				need += frame.MaxHeaderSize + len(pm.Payload())
			} else {
				need += frame.MaxHeaderSize + len(msgs[i].Data)
			}
		}
		c.reserveLocked(need)
		for i := range msgs {
			switch pm := msgs[i].Prepared; {
			case pm == nil:
				c.appendLocked(frame.Opcode(msgs[i].Type), true, 0, msgs[i].Data)
			case c.role == Server:
				c.appendEncodedLocked(pm.frame)
			default:
				c.appendLocked(frame.Opcode(pm.typ), true, 0, pm.Payload())
			}
		}
		return c.flushOrWait(c.wseq, false, true)
	}
	var seq uint64
	for i := range msgs {
		w, err := c.wireFor(&msgs[i])
		if err == nil {
			c.wmu.Lock()
			if err = c.refuseLocked(); err == nil {
				if w.encoded != nil {
					c.appendEncodedLocked(w.encoded)
				} else {
					c.appendLocked(w.op, true, w.rsv, w.payload)
				}
				seq = c.wseq
			}
			c.wmu.Unlock()
			w.release()
		}
		if err != nil {
			c.releaseMsg()
			return err
		}
	}
	c.wmu.Lock()
	return c.flushOrWait(seq, false, true)
}

// refuseLocked returns why no data frame may be queued now, or nil.
func (c *Conn) refuseLocked() error {
	if c.werr != nil {
		return c.werr
	}
	if c.closeSent {
		// RFC 6455 §5.5.1: no data frames after the close frame.
		return ErrClosed
	}
	return nil
}

// gather writes the server frames of msgs (uncompressed) with one writev from the
// callers' buffers, then what was queued meanwhile. Called owning the socket (wsBusy).
func (c *Conn) gather(msgs []Message) error {
	g := gatherPool.Get().(*gatherBufs)
	v, h := g.vec[:0], g.hdr[:0]
	for i := range msgs {
		if pm := msgs[i].Prepared; pm != nil {
			v = append(v, pm.frame)
			continue
		}
		p := msgs[i].Data
		start := len(h)
		h = frame.Header{Fin: true, Opcode: frame.Opcode(msgs[i].Type), Length: int64(len(p))}.Append(h)
		v = append(v, h[start:len(h):len(h)])
		if len(p) > 0 {
			v = append(v, p)
		}
	}
	c.bufs = v
	_, err := c.bufs.WriteTo(c.nc)
	clear(v) // no reference to the callers' buffers stays in the pool
	g.vec, g.hdr = v[:0], h[:0]
	gatherPool.Put(g)
	return c.release(err)
}

// Prepared is a data message encoded once to be sent on many connections with
// WritePrepared (a broadcast): it holds the message's server frame, and compressed frames
// made on demand, once per compression level. It is safe for concurrent use and
// immutable once made, apart from that cache.
type Prepared struct {
	typ   MessageType
	frame []byte // header and payload, unmasked, uncompressed
	hdr   int    // header length in frame

	mu   sync.Mutex
	comp []sharedFrame
}

// sharedFrame is a Prepared message compressed with deflate.CompressShared at level.
type sharedFrame struct {
	level int
	frame []byte // header (RSV1 set) and compressed payload
	hdr   int
}

// PrepareMessage encodes a message of type t with a copy of p for WritePrepared. Text is
// not validated. It fails only with ErrMessageType.
func PrepareMessage(t MessageType, p []byte) (*Prepared, error) {
	if t != Text && t != Binary {
		return nil, ErrMessageType
	}
	h := frame.Header{Fin: true, Opcode: frame.Opcode(t), Length: int64(len(p))}
	b := make([]byte, 0, h.Size()+len(p))
	b = h.Append(b)
	hdr := len(b)
	return &Prepared{typ: t, frame: append(b, p...), hdr: hdr}, nil
}

// Type returns the message's type.
func (pm *Prepared) Type() MessageType { return pm.typ }

// Payload returns the message's payload; it must not be modified.
func (pm *Prepared) Payload() []byte { return pm.frame[pm.hdr:] }

// testHookCompressShared, set by tests only, runs when a Prepared message is compressed.
var testHookCompressShared atomic.Pointer[func(level int)]

// compressed returns pm's frame compressed at level, compressing it on the first call.
func (pm *Prepared) compressed(level int) (f []byte, hdr int) {
	pm.mu.Lock()
	defer pm.mu.Unlock()
	for i := range pm.comp {
		if pm.comp[i].level == level {
			return pm.comp[i].frame, pm.comp[i].hdr
		}
	}
	if hook := testHookCompressShared.Load(); hook != nil {
		(*hook)(level)
	}
	out := deflate.CompressShared(nil, pm.Payload(), level)
	// RFC 7692 §6.1: RSV1 on the first (here the only) frame of a compressed message.
	h := frame.Header{Fin: true, Rsv: frame.RSV1, Opcode: frame.Opcode(pm.typ), Length: int64(len(out))}
	b := make([]byte, 0, h.Size()+len(out))
	b = h.Append(b)
	hdr = len(b)
	b = append(b, out...)
	pm.comp = append(pm.comp, sharedFrame{level: level, frame: b, hdr: hdr})
	return b, hdr
}
