package server

import (
	"bufio"
	"context"
	"crypto/sha1"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/duplexws/duplex/conn"
	"github.com/duplexws/duplex/internal/leak"
)

const testKey = "dGhlIHNhbXBsZSBub25jZQ=="

// start runs h on a loopback httptest server closed at the end of the test, after which the
// goroutine count must return to where it was.
func start(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	leak.Check(t)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// testOpts returns Options with a private Registry and a logger into buf.
func testOpts(buf *syncBuffer) *Options {
	o := &Options{Registry: &Registry{}, CloseTimeout: 2 * time.Second}
	if buf != nil {
		o.Logger = slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	} else {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return o
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// rawDial opens a TCP (or TLS) connection to srv and writes an upgrade request for path
// with the extra header lines (each "Name: value") and then extra bytes.
func rawDial(t testing.TB, srv *httptest.Server, path string, lines []string, extra []byte) (net.Conn, *bufio.Reader, *http.Response) {
	t.Helper()
	addr := strings.TrimPrefix(strings.TrimPrefix(srv.URL, "http://"), "https://")
	var nc net.Conn
	var err error
	if strings.HasPrefix(srv.URL, "https://") {
		nc, err = tls.Dial("tcp", addr, &tls.Config{RootCAs: srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs})
	} else {
		nc, err = net.Dial("tcp", addr)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
	var req strings.Builder
	fmt.Fprintf(&req, "GET %s HTTP/1.1\r\nHost: %s\r\n", path, addr)
	for _, l := range lines {
		req.WriteString(l + "\r\n")
	}
	req.WriteString("\r\n")
	if _, err := nc.Write(append([]byte(req.String()), extra...)); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(nc)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = nc.SetDeadline(time.Time{})
	return nc, br, resp
}

var upgradeLines = []string{
	"Upgrade: websocket",
	"Connection: Upgrade",
	"Sec-WebSocket-Key: " + testKey,
	"Sec-WebSocket-Version: 13",
}

func acceptFor(key string) string {
	h := sha1.Sum([]byte(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	return base64.StdEncoding.EncodeToString(h[:])
}

// dial performs a WebSocket handshake with srv and returns a client conn.Conn.
func dial(t testing.TB, srv *httptest.Server, path string, extra ...string) (*conn.Conn, *http.Response) {
	t.Helper()
	nc, br, resp := rawDial(t, srv, path, append(append([]string(nil), upgradeLines...), extra...), nil)
	if resp.StatusCode != http.StatusSwitchingProtocols {
		body, _ := io.ReadAll(resp.Body)
		t.Fatalf("handshake: status %d %q", resp.StatusCode, body)
	}
	if got := resp.Header.Get("Sec-WebSocket-Accept"); got != acceptFor(testKey) {
		t.Fatalf("Sec-WebSocket-Accept = %q", got)
	}
	ws := conn.New(nc, br, conn.Client, &conn.Options{CloseTimeout: 2 * time.Second})
	t.Cleanup(func() { ws.CloseNow() })
	return ws, resp
}

// within fails the test if ch is not closed or sent to within d.
func within[T any](t *testing.T, ch <-chan T, d time.Duration, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(d):
		t.Fatalf("timed out after %v waiting for %s", d, what)
		panic("unreachable")
	}
}

// connServer serves opts on a test server whose WebSocket handler hands each connection to
// the returned channel and keeps it until the connection ends. Every connection still open
// at the end of the test is shut down.
func connServer(t *testing.T, opts *Options) (*httptest.Server, chan *Conn) {
	t.Helper()
	conns := make(chan *Conn, 16)
	srv := start(t, Require(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := FromRequest(r)
		conns <- c
		<-c.Done()
	}), opts))
	t.Cleanup(func() { shutdown(t, opts.Registry) })
	return srv, conns
}

func shutdown(t *testing.T, reg *Registry) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := reg.Shutdown(ctx); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
}

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// eventually waits until cond holds, yielding the processor between checks, for at most
// 5 seconds. It is for state that has no channel to wait on.
func eventually(t *testing.T, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		runtime.Gosched()
	}
}
