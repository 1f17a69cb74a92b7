package deflate

import (
	"io"

	"github.com/duplexws/duplex/frame"
)

// inflateTail is appended to every compressed payload: the 00 00 ff ff that RFC 7692
// §7.2.2 restores, then an empty final stored block (01 00 00 ff ff) so that the
// inflater reports a clean io.EOF at the end of the message instead of waiting for more
// blocks.
var inflateTail = []byte{0x00, 0x00, 0xff, 0xff, 0x01, 0x00, 0x00, 0xff, 0xff}

// streamBufSize is the read buffer a streamed message borrows (with the pooled reader).
const streamBufSize = 4096

// maxEmptyReads bounds how many (0, nil) results the source may return in a row.
const maxEmptyReads = 100

// source feeds the inflater: the payload bytes (from a slice or a reader), then
// inflateTail.
type source struct {
	b      []byte    // unread bytes of the current chunk
	r      io.Reader // streamed payload; nil once it has returned io.EOF, or for a slice
	buf    []byte    // read buffer for r
	tailed bool      // inflateTail has been handed out
	err    error     // error from r, reported as is
}

func (s *source) fill() error {
	if s.err != nil {
		return s.err
	}
	for empty := 0; s.r != nil; {
		n, err := s.r.Read(s.buf)
		s.b = s.buf[:n]
		if err == io.EOF {
			s.r = nil
		} else if err != nil {
			s.err = err
			s.r = nil
			if n == 0 {
				return err
			}
		}
		if n > 0 {
			return nil
		}
		if empty++; empty >= maxEmptyReads {
			s.err = io.ErrNoProgress
			s.r = nil
			return s.err
		}
	}
	if !s.tailed {
		s.tailed = true
		s.b = inflateTail
		return nil
	}
	return io.EOF
}

// drain reads the rest of a streamed payload (bytes after a final DEFLATE block, which
// RFC 7692 §7.2.3.4 allows and which carry no message data).
func (s *source) drain() error {
	for s.r != nil {
		if err := s.fill(); err != nil {
			return err
		}
	}
	s.b = nil
	return s.err
}

// Decompressor inflates the messages one endpoint receives on one connection
// (RFC 7692 §7.2.2), enforcing a limit on the inflated size while it inflates.
//
// Between messages it holds only, with context takeover, a copy of the peer's LZ77 window
// (1<<ServerMaxWindowBits or 1<<ClientMaxWindowBits bytes, at most 32 KiB, allocated on
// the first message); the ~58 KiB inflater (48 KiB of history and output, Huffman
// tables) is pooled and borrowed per message.
//
// A Decompressor is not safe for concurrent use; one goroutine reads a connection.
type Decompressor struct {
	takeover bool
	winSize  int
	window   []byte // last winSize bytes of output, takeover only

	f     *inflater // borrowed during a message
	limit int64
	n     int64
	done  bool // io.EOF reached
}

// NewDecompressor returns the decompressor for messages received by the endpoint with
// role local under p. It allocates nothing more until the first message.
func NewDecompressor(p *Params, local frame.Role) *Decompressor {
	bits := p.recvWindowBits(local)
	if bits < MinWindowBits || bits > MaxWindowBits {
		bits = MaxWindowBits
	}
	return &Decompressor{takeover: p.recvTakeover(local), winSize: 1 << bits}
}

// Takeover reports whether the decompressor keeps the peer's window between messages.
func (d *Decompressor) Takeover() bool { return d.takeover }

// Begin starts a streamed message whose compressed payload is read from src until
// io.EOF (the connection's reader over the message's frames, unmasked). limit is the
// largest inflated size accepted (negative: none). Read the message with Read until
// io.EOF, then call End.
func (d *Decompressor) Begin(src io.Reader, limit int64) {
	d.begin(limit)
	s := &d.f.src
	s.r = src
	if cap(s.buf) < streamBufSize {
		s.buf = make([]byte, streamBufSize)
	}
	s.buf = s.buf[:cap(s.buf)]
}

func (d *Decompressor) begin(limit int64) {
	if d.f != nil {
		d.End()
	}
	d.f = getInflater(d.window)
	d.limit, d.n, d.done = limit, 0, false
}

// Read reads inflated bytes of the current message. It returns frame.ErrTooBig (close
// code 1009) as soon as the message would exceed the limit, before any byte past it is
// handed out; ErrCorrupt (1007) for data that is not valid DEFLATE; an error of the
// source as is; io.EOF at the end of the message. Bytes after a final DEFLATE block are
// read from the source and discarded.
func (d *Decompressor) Read(p []byte) (int, error) {
	return d.read(p)
}

func (d *Decompressor) read(p []byte) (int, error) {
	if d.f == nil {
		return 0, ErrNoMessage
	}
	if d.done {
		return 0, io.EOF
	}
	if d.limit >= 0 {
		rem := d.limit - d.n
		if rem == 0 {
			// At the limit: one more byte of output means the message is too big.
			var probe [1]byte
			n, err := d.f.read(probe[:])
			if n > 0 {
				return 0, frame.ErrTooBig
			}
			if err == nil {
				return 0, nil
			}
			return 0, d.result(err)
		}
		if int64(len(p)) > rem {
			p = p[:rem]
		}
	}
	if len(p) == 0 {
		return 0, nil
	}
	n, err := d.f.read(p)
	d.n += int64(n)
	if err != nil {
		return n, d.result(err)
	}
	return n, nil
}

// result maps an inflater error: io.EOF ends the message (with takeover, the window
// becomes the last winSize bytes of history), errors of the source pass through,
// anything else is a corrupt stream.
func (d *Decompressor) result(err error) error {
	s := &d.f.src
	if err == io.EOF {
		d.done = true
		if err := s.drain(); err != nil {
			return err
		}
		if d.takeover {
			if d.window == nil {
				d.window = make([]byte, 0, d.winSize)
			}
			d.f.saveWindow(&d.window, d.winSize)
		}
		return io.EOF
	}
	if s.err != nil {
		return s.err
	}
	// errInflate, also when the payload (with the tail restored) stops inside a block:
	// RFC 7692 §7.2.2 cannot be completed.
	return ErrCorrupt
}

// End finishes the current message (read to io.EOF or abandoned) and returns the
// inflater to the pool. An abandoned message leaves the takeover window unusable; the
// connection is expected to fail.
func (d *Decompressor) End() {
	if d.f != nil {
		putInflater(d.f)
		d.f = nil
	}
}

// Release drops everything the decompressor holds, including the takeover window. Call
// it when the connection ends.
func (d *Decompressor) Release() {
	d.End()
	d.window = nil
}

// Decompress inflates the whole compressed payload of one message (its 00 00 ff ff tail
// removed, as on the wire), appending the result to dst. At most limit bytes are appended
// (negative: no limit): beyond that it stops with frame.ErrTooBig before buffering more,
// so dst never grows past len(dst)+limit. Other errors as for Read. In steady state it
// allocates nothing beyond growing dst.
func (d *Decompressor) Decompress(dst, payload []byte, limit int64) ([]byte, error) {
	d.begin(limit)
	d.f.src.b = payload
	start := len(dst)
	for {
		if len(dst) == cap(dst) {
			want := max(2*(len(dst)-start), 4*len(payload), 512)
			if limit >= 0 {
				want = int(min(int64(want), limit-int64(len(dst)-start)))
			}
			if want > 0 {
				dst = append(dst[:cap(dst)], make([]byte, want)...)[:len(dst)]
			}
		}
		n, err := d.read(dst[len(dst):cap(dst)])
		dst = dst[:len(dst)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			d.End()
			return dst[:start], err
		}
	}
	d.End()
	return dst, nil
}
