package deflate

import (
	"compress/flate"
	"errors"
	"io"
	"sync"

	"github.com/duplexws/duplex/frame"
)

// ErrNoMessage is returned by Compressor.Write/End and Decompressor.Read when no message
// was started with Begin: a misuse by the caller, not a peer error.
var ErrNoMessage = errors.New("deflate: no message in progress (Begin not called)")

// syncTail is LEN/NLEN of the empty stored block a sync flush ends with; RFC 7692 §7.2.1
// removes these 4 octets from every compressed message and §7.2.2 puts them back.
var syncTail = [4]byte{0x00, 0x00, 0xff, 0xff}

// pooledWriter is a flate.Writer bound for life to its own sink, so it can move between
// connections without Reset allocating or retaining the previous destination.
type pooledWriter struct {
	fw    *flate.Writer
	sink  sink
	level int
}

// writerPools holds idle writers per level, index level-flate.HuffmanOnly (-2..9).
var writerPools [flate.BestCompression - flate.HuffmanOnly + 1]sync.Pool

func getWriter(level int) *pooledWriter {
	if pw, _ := writerPools[level-flate.HuffmanOnly].Get().(*pooledWriter); pw != nil {
		return pw
	}
	pw := &pooledWriter{level: level}
	fw, err := flate.NewWriter(&pw.sink, level)
	if err != nil { // unreachable: levels are normalised before they get here
		panic(err)
	}
	pw.fw = fw
	return pw
}

// putWriter resets pw (dropping its LZ77 state and its destination) and pools it.
func putWriter(pw *pooledWriter) {
	pw.sink = sink{}
	pw.fw.Reset(&pw.sink)
	writerPools[pw.level-flate.HuffmanOnly].Put(pw)
}

// sink receives flate's output: appended to buf, or streamed to w with the last 4 bytes
// held back so the sync tail can be dropped at the end of the message.
type sink struct {
	buf   []byte
	w     io.Writer
	held  [4]byte
	nheld int
}

func (s *sink) Write(p []byte) (int, error) {
	if s.w == nil {
		s.buf = append(s.buf, p...)
		return len(p), nil
	}
	total := len(p)
	if s.nheld+len(p) <= len(s.held) {
		s.nheld += copy(s.held[s.nheld:], p)
		return total, nil
	}
	// Emit everything except the last 4 bytes of held+p.
	emit := s.nheld + len(p) - len(s.held)
	if fromHeld := min(emit, s.nheld); fromHeld > 0 {
		if _, err := s.w.Write(s.held[:fromHeld]); err != nil {
			return 0, err
		}
		s.nheld = copy(s.held[:], s.held[fromHeld:s.nheld])
		emit -= fromHeld
	}
	if emit > 0 {
		if _, err := s.w.Write(p[:emit]); err != nil {
			return 0, err
		}
		p = p[emit:]
	}
	s.nheld += copy(s.held[s.nheld:], p)
	return total, nil
}

// Compressor compresses the messages one endpoint sends on one connection (RFC 7692
// §7.2.1). With context takeover it owns an encoder for the connection's lifetime
// (~57 KiB for LowMemory, ~1.2 MB for a compress/flate level); without, it borrows a
// pooled one for each message and holds nothing between messages.
//
// A Compressor is not safe for concurrent use; the connection's write lock serialises it.
type Compressor struct {
	level    int
	takeover bool
	winBits  int           // window agreed for this direction (LowMemory honours it)
	pw       *pooledWriter // owned with takeover; borrowed during a message without
	le       *leanEncoder  // the same, for LowMemory
	inMsg    bool
}

// NewCompressor returns the compressor for messages sent by the endpoint with role local
// under p. It allocates no flate state until the first message.
//
// The level is p.Level, except that a window below 32 KiB agreed for local's messages
// forces flate.HuffmanOnly, which emits no LZ77 back-references and so meets any window
// bound (RFC 7692 §7.1.2).
func NewCompressor(p *Params, local frame.Role) *Compressor {
	bits := p.sendWindowBits(local)
	if bits < MinWindowBits || bits > MaxWindowBits {
		bits = MaxWindowBits
	}
	return &Compressor{level: p.sendLevel(local), takeover: p.sendTakeover(local), winBits: bits}
}

// Level returns the flate level the compressor uses.
func (c *Compressor) Level() int { return c.level }

// Takeover reports whether the compressor keeps LZ77 context between messages.
func (c *Compressor) Takeover() bool { return c.takeover }

func (c *Compressor) acquireLean() *leanEncoder {
	if c.le == nil {
		c.le = getLean(c.winBits)
	}
	return c.le
}

func (c *Compressor) acquire() *pooledWriter {
	if c.pw == nil {
		c.pw = getWriter(c.level)
	}
	return c.pw
}

// finish ends a message: without takeover the writer goes back to the pool.
func (c *Compressor) finish() {
	c.inMsg = false
	if c.le != nil {
		c.le.out, c.le.w = nil, nil
		if !c.takeover {
			putLean(c.le)
			c.le = nil
		}
		return
	}
	if !c.takeover && c.pw != nil {
		putWriter(c.pw)
		c.pw = nil
	} else if c.pw != nil {
		c.pw.sink = sink{}
	}
}

// Compress appends the compressed payload of the whole message msg to dst and returns
// the extended slice: DEFLATE blocks ending in a sync flush whose 00 00 ff ff tail is
// removed (RFC 7692 §7.2.1). An empty msg gives the single byte 0x00. In steady state it
// allocates nothing beyond growing dst.
func (c *Compressor) Compress(dst, msg []byte) []byte {
	if c.inMsg { // a streamed message was abandoned; its state is unusable
		c.abort()
	}
	if c.level == LowMemory {
		e := c.acquireLean()
		e.out, e.w = dst, nil
		_ = e.write(msg) // appending to a slice cannot fail
		_ = e.finish()
		out := e.out
		c.finish()
		return out
	}
	pw := c.acquire()
	pw.sink = sink{buf: dst}
	start := len(dst)
	// Writes to a slice cannot fail, so neither can Write and Flush.
	_, _ = pw.fw.Write(msg)
	_ = pw.fw.Flush()
	out := trimTail(pw.sink.buf, start)
	c.finish()
	return out
}

// trimTail removes the sync tail from out[start:] (RFC 7692 §7.2.1).
func trimTail(out []byte, start int) []byte {
	if n := len(out); n-start >= 4 && [4]byte(out[n-4:]) == syncTail {
		return out[:n-4]
	}
	return out
}

// Begin starts a streamed message whose compressed payload is written to w as it is
// produced (the connection turns each write into frames). Follow it with any number of
// Write calls and one End.
func (c *Compressor) Begin(w io.Writer) {
	if c.inMsg {
		c.abort()
	}
	c.inMsg = true
	if c.level == LowMemory {
		e := c.acquireLean()
		e.out, e.w, e.err = e.stage[:0], w, nil
		return
	}
	pw := c.acquire()
	pw.sink = sink{w: w}
}

// Write compresses p into the current message. Output reaches w in chunks as flate's
// buffers fill; the last 4 bytes written are always held back.
func (c *Compressor) Write(p []byte) (int, error) {
	if !c.inMsg {
		return 0, ErrNoMessage
	}
	if c.le != nil {
		if err := c.le.write(p); err != nil {
			c.abort()
			return 0, err
		}
		return len(p), nil
	}
	n, err := c.pw.fw.Write(p)
	if err != nil {
		c.abort()
	}
	return n, err
}

// End finishes the streamed message: it flushes, drops the 00 00 ff ff tail
// (RFC 7692 §7.2.1) and, without takeover, returns the writer to the pool.
func (c *Compressor) End() error {
	if !c.inMsg {
		return ErrNoMessage
	}
	if c.le != nil {
		err := c.le.finish()
		c.le.stage = c.le.out[:0] // keep the staging buffer (it travels with the encoder)
		if err != nil {
			c.abort()
			return err
		}
		c.finish()
		return nil
	}
	pw := c.pw
	if err := pw.fw.Flush(); err != nil {
		c.abort()
		return err
	}
	s := &pw.sink
	if s.nheld != 4 || s.held != syncTail { // unreachable with compress/flate's Flush
		if _, err := s.w.Write(s.held[:s.nheld]); err != nil {
			c.abort()
			return err
		}
	}
	c.finish()
	return nil
}

// abort drops a message that cannot be finished: the LZ77 state no longer matches what
// the peer saw, so even with takeover the writer is reset (the connection is expected to
// fail; the next message would otherwise be undecodable).
func (c *Compressor) abort() {
	c.inMsg = false
	if c.le != nil {
		putLean(c.le)
		c.le = nil
	}
	if c.pw != nil {
		putWriter(c.pw)
		c.pw = nil
	}
}

// Release gives back any encoder the compressor holds (with context takeover it goes
// back to the pool for the next connection). Call it when the
// connection ends; the Compressor may be used again afterwards, starting a fresh context.
func (c *Compressor) Release() { c.abort() }

// CompressShared compresses msg on its own, with no context and a 32 KiB window, at level
// (as Options.Level: 0 is LowMemory), appending the payload to dst. Broadcasters use it to
// compress a message once and send the same payload, with RSV1 set, on every connection
// whose Params.AcceptsShared(role, level) is true; connections with context takeover must
// compress for themselves. It is safe for concurrent use and borrows a pooled writer.
func CompressShared(dst, msg []byte, level int) []byte {
	o := Options{Level: level}
	c := Compressor{level: o.level(), winBits: MaxWindowBits}
	return c.Compress(dst, msg)
}
