package fuzz

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/duplexws/duplex/frame"
	"github.com/duplexws/duplex/handshake"
	"github.com/duplexws/duplex/internal/leak"
	"github.com/duplexws/duplex/server"
)

// oneListener is a net.Listener that hands out one connection, then blocks until closed.
type oneListener struct {
	c    net.Conn
	once sync.Once
	used bool
	done chan struct{}
}

func (l *oneListener) Accept() (net.Conn, error) {
	if !l.used {
		l.used = true
		return l.c, nil
	}
	<-l.done
	return nil, net.ErrClosed
}

func (l *oneListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *oneListener) Addr() net.Addr { return pipeAddr{} }

// closeNotifier is a scriptConn that says when it was closed.
type closeNotifier struct {
	*scriptConn
	once   sync.Once
	closed chan struct{}
}

func (c *closeNotifier) Close() error {
	c.once.Do(func() { close(c.closed) })
	return c.scriptConn.Close()
}

// recorder is a server.Handler that records what it is given.
type recorder struct {
	mu     sync.Mutex
	opened bool
	msgs   []message
	err    error
	ended  chan struct{}
}

func (r *recorder) Open(*server.Conn) {
	r.mu.Lock()
	r.opened = true
	r.mu.Unlock()
}

func (r *recorder) OnMessage(_ *server.Conn, m server.Message) {
	r.mu.Lock()
	r.msgs = append(r.msgs, message{byte(m.Type), bytes.Clone(m.Data)})
	r.mu.Unlock()
}

func (r *recorder) OnClose(_ *server.Conn, err error) {
	r.mu.Lock()
	r.err = err
	r.mu.Unlock()
	close(r.ended)
}

// refusals are the statuses Serve may answer a handshake with (server.Serve's doc).
var refusals = map[int]bool{400: true, 403: true, 405: true, 414: true, 426: true, 431: true}

// FuzzServe feeds arbitrary bytes, as a client's, to server.Serve: an opening handshake
// and then frames. handshake.ReadRequest, run on the same bytes, is the oracle for the
// handshake: a request it accepts gets 101 with the right Sec-WebSocket-Accept, one it
// refuses gets the status of its *handshake.Error, an I/O failure gets no answer. After a
// 101 the frames that follow are checked against the reference model: the messages the
// Handler receives, the close code it ends with, and the server's frames (valid for a
// client, ending with at most one close frame). Nothing may panic, hang or leak.
func FuzzServe(f *testing.F) {
	const req = "GET /chat HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
	f.Add([]byte(req+"\r\n"), uint8(0))
	f.Add([]byte(req+"Origin: http://example.com\r\nSec-WebSocket-Protocol: chat\r\n\r\n"), uint8(0x35))
	f.Add([]byte(req+"Origin: http://evil.example\r\n\r\n"), uint8(0))
	f.Add([]byte("POST /chat HTTP/1.1\r\nHost: x\r\n\r\n"), uint8(0))
	f.Add([]byte(req[:40]), uint8(0x5a))
	for _, s := range seedStreams(rfcKey) {
		f.Add(append([]byte(req+"\r\n"), s.in...), uint8(0))
	}
	f.Fuzz(func(t *testing.T, in []byte, split uint8) {
		leak.Check(t)
		want, rest, wantErr := oracleRequest(in)

		nc := &closeNotifier{scriptConn: &scriptConn{in: bytes.Clone(in), seed: split}, closed: make(chan struct{})}
		ln := &oneListener{c: nc, done: make(chan struct{})}
		rec := &recorder{ended: make(chan struct{})}
		opts := &server.Options{Registry: &server.Registry{}, CloseTimeout: time.Second,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
		served := make(chan error, 1)
		go func() { served <- server.Serve(ln, rec, opts) }()
		select {
		case <-nc.closed:
		case <-time.After(10 * time.Second):
			nc.Close()
			t.Fatal("Serve did not close the connection after the input ran out")
		}
		rec.mu.Lock()
		opened := rec.opened
		rec.mu.Unlock()
		if opened {
			<-rec.ended
		}
		ln.Close()
		if err := <-served; !errors.Is(err, net.ErrClosed) {
			t.Errorf("Serve returned %v", err)
		}

		out := nc.output()
		var he *handshake.Error
		switch {
		case wantErr == nil:
			checkServed(t, want, rest, out, rec)
		case errors.As(wantErr, &he):
			if opened {
				t.Fatalf("handler opened for a request ReadRequest refuses (%v)", wantErr)
			}
			resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(out)), nil)
			if err != nil {
				t.Fatalf("refusal (%v) is not an HTTP response: %v: %q", wantErr, err, out)
			}
			if resp.StatusCode != he.Status || !refusals[resp.StatusCode] {
				t.Fatalf("status %d, ReadRequest says %d (%v)", resp.StatusCode, he.Status, wantErr)
			}
		default:
			if opened || len(out) != 0 {
				t.Fatalf("I/O failure %v answered with %q (opened %v)", wantErr, out, opened)
			}
		}
	})
}

// oracleRequest parses in as Serve's handshake does and returns the request or error and
// the bytes after the request.
func oracleRequest(in []byte) (handshake.Request, []byte, error) {
	src := bytes.NewReader(in)
	br := bufio.NewReaderSize(src, 4096)
	req, err := handshake.ReadRequest(br, nil)
	consumed := len(in) - src.Len() - br.Buffered()
	return req, in[consumed:], err
}

// checkServed checks a connection that the oracle says must be accepted.
func checkServed(t *testing.T, req handshake.Request, rest, out []byte, rec *recorder) {
	br := bufio.NewReader(bytes.NewReader(out))
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("no HTTP response to a valid request: %v: %q", err, out)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("status %d for a request ReadRequest accepts", resp.StatusCode)
	}
	if got, want := resp.Header.Get("Sec-WebSocket-Accept"), handshake.AcceptKey(req.Key); got != want {
		t.Fatalf("Sec-WebSocket-Accept %q, want %q", got, want)
	}
	want := model(rest, frame.Server, 16<<20)
	rec.mu.Lock()
	msgs, end := rec.msgs, rec.err
	rec.mu.Unlock()
	if !sameMessages(want.msgs, msgs) {
		t.Fatalf("handler messages differ from the model's %d", len(want.msgs))
	}
	if code := server.CloseStatus(end); code != want.code {
		t.Fatalf("handler saw %v (code %d), model: %v %d (%s)", end, code, want.end, want.code, want.why)
	}
	frames, _ := io.ReadAll(br)
	wire := model(frames, frame.Client, -1)
	if wire.end == endViolation || len(wire.msgs) != 0 || len(wire.pings) != 0 {
		t.Fatalf("server frames: %v %s, %d messages, %d pings", wire.end, wire.why, len(wire.msgs), len(wire.pings))
	}
	if !subsequence(wire.pongs, want.pings) {
		t.Fatalf("pongs %q do not answer pings %q", wire.pongs, want.pings)
	}
	if wire.end == endPeerClose && wire.used != len(frames) {
		t.Fatalf("%d bytes after the server's close frame", len(frames)-wire.used)
	}
	if want.end != endEOF && (wire.end != endPeerClose || wire.code != want.code) {
		t.Fatalf("server's close %v %d, want %d", wire.end, wire.code, want.code)
	}
}
