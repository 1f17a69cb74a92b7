// Package memconn provides in-memory net.Conn implementations for tests and benchmarks
// of the connection engine, so the transport itself costs nothing.
//
// Replay serves the same bytes over and over (pre-encoded frames for a read benchmark)
// and discards what is written; it never blocks. It is not a general pipe: use net.Pipe
// or loopback TCP where two ends must talk.
package memconn

import (
	"io"
	"net"
	"time"
)

// Replay is a net.Conn whose Read returns Data again and again, in order, wrapping around
// at the end, and whose Write discards its input, counting the bytes. Reads return at
// most ReadSize bytes each (0: as much as fits), to model a socket delivering one message
// per read. Close makes later reads and writes fail with net.ErrClosed. Not safe for
// concurrent reads; Write may run concurrently with Read.
type Replay struct {
	Data     []byte
	ReadSize int
	Written  int64 // bytes written (not safe to read while writes run)
	Writes   int64 // Write calls

	off    int
	closed bool
}

// Read copies the next bytes of Data into p.
func (r *Replay) Read(p []byte) (int, error) {
	if r.closed {
		return 0, net.ErrClosed
	}
	if len(r.Data) == 0 {
		return 0, io.EOF
	}
	if r.ReadSize > 0 && len(p) > r.ReadSize {
		p = p[:r.ReadSize]
	}
	n := 0
	for n < len(p) {
		k := copy(p[n:], r.Data[r.off:])
		n += k
		r.off += k
		if r.off == len(r.Data) {
			r.off = 0
			if r.ReadSize > 0 {
				break
			}
		}
	}
	return n, nil
}

// Write discards p.
func (r *Replay) Write(p []byte) (int, error) {
	if r.closed {
		return 0, net.ErrClosed
	}
	r.Written += int64(len(p))
	r.Writes++
	return len(p), nil
}

// Close marks the connection closed.
func (r *Replay) Close() error { r.closed = true; return nil }

// LocalAddr returns a fixed placeholder address.
func (r *Replay) LocalAddr() net.Addr { return addr{} }

// RemoteAddr returns a fixed placeholder address.
func (r *Replay) RemoteAddr() net.Addr { return addr{} }

// SetDeadline does nothing: Replay never blocks.
func (r *Replay) SetDeadline(time.Time) error { return nil }

// SetReadDeadline does nothing: Replay never blocks.
func (r *Replay) SetReadDeadline(time.Time) error { return nil }

// SetWriteDeadline does nothing: Replay never blocks.
func (r *Replay) SetWriteDeadline(time.Time) error { return nil }

type addr struct{}

func (addr) Network() string { return "memory" }
func (addr) String() string  { return "memory" }
