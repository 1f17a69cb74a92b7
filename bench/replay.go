package main

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"time"
)

// replayConn is an in-memory net.Conn for the codec measurements: Read serves data again
// and again, as much as fits in each call (a socket with many messages queued), and
// returns io.EOF once limit bytes were served (limit <= 0: never); Write discards its
// input. Every library under test reads from and writes to the same kind of replayConn,
// so the transport costs the same for all of them.
type replayConn struct {
	data    []byte
	off     int
	limit   int64
	served  int64
	written int64
	closed  bool
}

var errReplayClosed = errors.New("bench: replay conn closed")

func (r *replayConn) Read(p []byte) (int, error) {
	if r.closed {
		return 0, errReplayClosed
	}
	if r.limit > 0 {
		left := r.limit - r.served
		if left <= 0 {
			return 0, io.EOF
		}
		if int64(len(p)) > left {
			p = p[:left]
		}
	}
	n := 0
	for n < len(p) {
		k := copy(p[n:], r.data[r.off:])
		n += k
		r.off += k
		if r.off == len(r.data) {
			r.off = 0
		}
	}
	r.served += int64(n)
	return n, nil
}

func (r *replayConn) Write(p []byte) (int, error) {
	if r.closed {
		return 0, errReplayClosed
	}
	r.written += int64(len(p))
	return len(p), nil
}

func (r *replayConn) Close() error                     { r.closed = true; return nil }
func (r *replayConn) LocalAddr() net.Addr              { return replayAddr }
func (r *replayConn) RemoteAddr() net.Addr             { return replayAddr }
func (r *replayConn) SetDeadline(time.Time) error      { return nil }
func (r *replayConn) SetReadDeadline(time.Time) error  { return nil }
func (r *replayConn) SetWriteDeadline(time.Time) error { return nil }

var replayAddr = &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1}

// hijackWriter is the http.ResponseWriter + http.Hijacker that the net/http-based
// libraries (gorilla, coder) upgrade through when the transport is a replayConn: the
// response head goes to the conn (and is discarded), and Hijack hands the conn over with
// 4 KiB buffers, as net/http's own hijack does.
type hijackWriter struct {
	nc  net.Conn
	hdr http.Header
}

func (w *hijackWriter) Header() http.Header {
	if w.hdr == nil {
		w.hdr = http.Header{}
	}
	return w.hdr
}
func (w *hijackWriter) Write(p []byte) (int, error) { return w.nc.Write(p) }
func (w *hijackWriter) WriteHeader(int)             {}
func (w *hijackWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return w.nc, bufio.NewReadWriter(bufio.NewReaderSize(w.nc, 4096), bufio.NewWriterSize(w.nc, 4096)), nil
}

// upgradeRequest is a valid client opening handshake (RFC 6455 §4.1), already parsed.
func upgradeRequest() *http.Request {
	r, _ := http.NewRequest(http.MethodGet, "http://127.0.0.1/", nil)
	r.Header.Set("Upgrade", "websocket")
	r.Header.Set("Connection", "Upgrade")
	r.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
	r.Header.Set("Sec-WebSocket-Version", "13")
	r.RemoteAddr = "127.0.0.1:1"
	return r
}
