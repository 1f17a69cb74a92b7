package hostile

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/duplexws/duplex/frame"
	"github.com/duplexws/duplex/server"
)

// testTimeout bounds every blocking step, so a missing defence fails a test instead of
// hanging it.
const testTimeout = 10 * time.Second

// logBuffer is a slog handler target that tests can inspect.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func newLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// echo is a Handler that echoes every message and reports how each connection ended.
type echo struct {
	opened chan *server.Conn
	closed chan error
	open   func(*server.Conn)
}

func newEcho() *echo {
	return &echo{opened: make(chan *server.Conn, 64), closed: make(chan error, 64)}
}

func (e *echo) Open(c *server.Conn) {
	if e.open != nil {
		e.open(c)
	}
	select {
	case e.opened <- c:
	default:
	}
}

func (e *echo) OnMessage(c *server.Conn, m server.Message) { _ = c.Send(m.Type, m.Data) }

func (e *echo) OnClose(c *server.Conn, err error) {
	select {
	case e.closed <- err:
	default:
	}
}

// waitClosed returns the error the next connection ended with.
func (e *echo) waitClosed(t *testing.T) error {
	t.Helper()
	select {
	case err := <-e.closed:
		return err
	case <-time.After(testTimeout):
		t.Fatal("OnClose was not called")
		return nil
	}
}

// serveRaw serves h with server.Serve on a loopback listener; the listener is closed and
// the registry shut down when the test ends.
func serveRaw(t *testing.T, h server.Handler, opts *server.Options) string {
	t.Helper()
	opts = withRegistry(opts)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = server.Serve(ln, h, opts)
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
		shutdown(t, opts.Registry)
	})
	return ln.Addr().String()
}

// serveHTTP serves handler with an http.Server (configured by cfg, if not nil) on a
// loopback listener.
func serveHTTP(t *testing.T, handler http.Handler, reg *server.Registry, cfg func(*http.Server)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: handler, ErrorLog: nil}
	if cfg != nil {
		cfg(srv)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
	t.Cleanup(func() {
		srv.Close()
		<-done
		shutdown(t, reg)
	})
	return ln.Addr().String()
}

func withRegistry(opts *server.Options) *server.Options {
	if opts == nil {
		opts = &server.Options{}
	}
	if opts.Registry == nil {
		opts.Registry = &server.Registry{}
	}
	if opts.Logger == nil {
		opts.Logger = newLogger(io.Discard)
	}
	return opts
}

func shutdown(t *testing.T, reg *server.Registry) {
	if reg == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	if err := reg.Shutdown(ctx); err != nil {
		t.Errorf("registry shutdown: %v", err)
	}
}

// upgradeRequest is a valid opening handshake for host.
func upgradeRequest(host string, extra ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "GET /ws HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n", host)
	b.WriteString("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n")
	for _, e := range extra {
		b.WriteString(e + "\r\n")
	}
	b.WriteString("\r\n")
	return b.String()
}

// peer is a raw client: a TCP connection after a successful opening handshake.
type peer struct {
	t  *testing.T
	nc *net.TCPConn
	br *bufio.Reader
}

// dialRaw opens a TCP connection to addr without a handshake.
func dialRaw(t *testing.T, addr string) *net.TCPConn {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, testTimeout)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	return nc.(*net.TCPConn)
}

// handshake dials addr and completes the opening handshake, failing t unless it is 101.
func handshake(t *testing.T, addr string) *peer {
	t.Helper()
	return handshakeConn(t, addr, dialRaw(t, addr))
}

// slowReader dials addr with a 4 KiB receive buffer (set before connecting) and completes
// the handshake: a peer whose reads cannot absorb much.
func slowReader(t *testing.T, addr string) *peer {
	t.Helper()
	d := net.Dialer{Timeout: testTimeout, Control: func(_, _ string, rc syscall.RawConn) error {
		return rc.Control(func(fd uintptr) { setRecvBuffer(fd, 4096) })
	}}
	nc, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	return handshakeConn(t, addr, nc.(*net.TCPConn))
}

func handshakeConn(t *testing.T, addr string, nc *net.TCPConn) *peer {
	t.Helper()
	nc.SetDeadline(time.Now().Add(testTimeout))
	if _, err := io.WriteString(nc, upgradeRequest(addr)); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(nc)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("handshake: %s", resp.Status)
	}
	nc.SetDeadline(time.Time{})
	return &peer{t: t, nc: nc, br: br}
}

// clientFrame encodes a masked frame (what a client sends), with a random key.
func clientFrame(fin bool, op frame.Opcode, payload []byte) []byte {
	var key [4]byte
	rand.Read(key[:])
	h := frame.Header{Fin: fin, Opcode: op, Masked: true, Key: key, Length: int64(len(payload))}
	b := h.Append(nil)
	start := len(b)
	b = append(b, payload...)
	for i := range payload {
		b[start+i] ^= key[i&3]
	}
	return b
}

// clientHeader encodes only a masked frame header declaring length bytes.
func clientHeader(fin bool, op frame.Opcode, length uint64) []byte {
	b := []byte{byte(op), 0x80 | 127}
	if fin {
		b[0] |= 0x80
	}
	b = binary.BigEndian.AppendUint64(b, length)
	return append(b, 1, 2, 3, 4)
}

func (p *peer) write(b []byte) {
	p.t.Helper()
	p.nc.SetWriteDeadline(time.Now().Add(testTimeout))
	if _, err := p.nc.Write(b); err != nil {
		p.t.Fatalf("write: %v", err)
	}
}

// readFrame reads one server frame (unmasked) with its payload.
func (p *peer) readFrame() (frame.Header, []byte, error) {
	p.nc.SetReadDeadline(time.Now().Add(testTimeout))
	h, err := frame.ReadHeader(p.br)
	if err != nil {
		return h, nil, err
	}
	if h.Masked {
		return h, nil, errors.New("server frame is masked")
	}
	payload := make([]byte, h.Length)
	_, err = io.ReadFull(p.br, payload)
	return h, payload, err
}

// expectClose reads frames until a close frame and returns its code (1005 for an empty
// one); data, pings and pongs before it are skipped. It fails t if the stream ends first.
func (p *peer) expectClose() frame.CloseCode {
	p.t.Helper()
	for {
		h, payload, err := p.readFrame()
		if err != nil {
			p.t.Fatalf("no close frame: %v", err)
		}
		if h.Opcode == frame.OpClose {
			code, _, err := frame.ParseClose(payload)
			if err != nil {
				p.t.Fatalf("bad close payload % x: %v", payload, err)
			}
			return code
		}
	}
}

// expectEOF checks that the server closes the TCP connection (EOF or reset) in time.
func (p *peer) expectEOF() {
	p.t.Helper()
	p.nc.SetReadDeadline(time.Now().Add(testTimeout))
	_, err := io.Copy(io.Discard, p.br)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		p.t.Fatal("the server did not close the TCP connection")
	}
}

// echoRoundTrip sends a masked text message and expects it back.
func (p *peer) echoRoundTrip(msg string) {
	p.t.Helper()
	p.write(clientFrame(true, frame.OpText, []byte(msg)))
	for {
		h, payload, err := p.readFrame()
		if err != nil {
			p.t.Fatalf("echo of %q: %v", msg, err)
		}
		if h.Opcode == frame.OpText {
			if string(payload) != msg {
				p.t.Fatalf("echo = %q, want %q", payload, msg)
			}
			return
		}
	}
}

// heapInUse returns the live heap after a full collection.
func heapInUse() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// totalAlloc returns the bytes allocated so far by the process.
func totalAlloc() uint64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.TotalAlloc
}

// reset closes nc with an RST instead of a FIN.
func reset(nc *net.TCPConn) {
	nc.SetLinger(0)
	nc.Close()
}

// queueEcho is an http.Handler for server.Accept: it echoes with Wait and Send (queue
// mode, with the reader goroutine) and reports how each connection ended.
type queueEcho struct {
	closed chan error
	open   func(*server.Conn)
}

func newQueueEcho() *queueEcho { return &queueEcho{closed: make(chan error, 64)} }

func (q *queueEcho) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c := server.FromRequest(r)
	if c == nil {
		http.Error(w, "WebSocket only", http.StatusBadRequest)
		return
	}
	if q.open != nil {
		q.open(c)
	}
	for {
		m, err := c.Wait()
		if err != nil {
			select {
			case q.closed <- err:
			default:
			}
			return
		}
		_ = c.Send(m.Type, m.Data)
	}
}

// mode is one way of serving a handler: the raw Serve path (Handler callbacks) or
// net/http with Accept (queue mode). Both report ends on a channel.
type mode struct {
	name  string
	serve func(t *testing.T, opts *server.Options, open func(*server.Conn)) (addr string, closed <-chan error)
}

var modes = []mode{
	{"Serve", func(t *testing.T, opts *server.Options, open func(*server.Conn)) (string, <-chan error) {
		e := newEcho()
		e.open = open
		return serveRaw(t, e, opts), e.closed
	}},
	{"Accept", func(t *testing.T, opts *server.Options, open func(*server.Conn)) (string, <-chan error) {
		opts = withRegistry(opts)
		q := newQueueEcho()
		q.open = open
		return serveHTTP(t, server.Accept(q, opts), opts.Registry, nil), q.closed
	}},
}

func waitErr(t *testing.T, ch <-chan error) error {
	t.Helper()
	select {
	case err := <-ch:
		return err
	case <-time.After(testTimeout):
		t.Fatal("the handler did not see the connection end")
		return nil
	}
}
