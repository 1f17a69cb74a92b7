package server

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/duplexws/duplex/conn"
	"github.com/duplexws/duplex/internal/leak"
)

func TestPing(t *testing.T) {
	opts := testOpts(nil)
	srv, conns := connServer(t, opts)
	nc, br, resp := rawDial(t, srv, "/", upgradeLines, nil)
	if resp.StatusCode != 101 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	pings := make(chan string, 1)
	ws := conn.New(nc, br, conn.Client, &conn.Options{OnPing: func(p []byte) { pings <- string(p) }})
	go ws.ReadMessage(context.Background(), nil) // pings are seen while reading
	c := within(t, conns, 5*time.Second, "the connection")
	if err := c.Ping([]byte("are you there")); err != nil {
		t.Fatal(err)
	}
	if got := within(t, pings, 5*time.Second, "the ping"); got != "are you there" {
		t.Fatalf("peer got ping %q", got)
	}
	if err := c.Ping(make([]byte, 126)); err == nil {
		t.Fatal("Ping with 126 bytes succeeded (RFC 6455 §5.5 allows 125)")
	}
	ws.CloseNow()
}

// TestKeepalive: with PingInterval set, a peer that never answers pings (it never reads)
// is dropped after about PingInterval + PongTimeout.
func TestKeepalive(t *testing.T) {
	opts := testOpts(nil)
	opts.PingInterval = 50 * time.Millisecond
	opts.PongTimeout = 50 * time.Millisecond
	srv, conns := connServer(t, opts)
	_, _, resp := rawDial(t, srv, "/", upgradeLines, nil)
	if resp.StatusCode != 101 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	c := within(t, conns, 5*time.Second, "the connection")
	within(t, c.Done(), 5*time.Second, "keepalive to drop the silent peer")
	if !errors.Is(c.Err(), conn.ErrPongTimeout) {
		t.Fatalf("ended with %v, want ErrPongTimeout", c.Err())
	}
}

// TestServeRaw: the raw handshake path answers bad handshakes with their status and serves
// good ones.
func TestServeRaw(t *testing.T) {
	leak.Check(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	opts := testOpts(nil)
	opts.MaxConnections = 1
	served := make(chan error, 1)
	go func() { served <- Serve(ln, echoHandler{}, opts) }()
	defer func() {
		ln.Close()
		if err := within(t, served, 5*time.Second, "Serve to return"); !errors.Is(err, net.ErrClosed) {
			t.Errorf("Serve returned %v", err)
		}
		shutdown(t, opts.Registry)
	}()
	srv := &httptest.Server{URL: "http://" + ln.Addr().String()} // only its URL is used

	tests := []struct {
		name   string
		lines  []string
		status int
	}{
		{"bad version", []string{"Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Key: " + testKey, "Sec-WebSocket-Version: 7"}, 426},
		{"cross-site", append(upgradeLines[:4:4], "Origin: https://evil.example"), 403},
		{"not an upgrade", nil, 426},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, resp := rawDial(t, srv, "/", tc.lines, nil)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.status)
			}
		})
	}
	ws, _ := dial(t, srv, "/raw?x=1")
	ctx := context.Background()
	ws.WriteMessage(ctx, conn.Text, []byte("raw"))
	if _, p, err := ws.ReadMessage(ctx, nil); err != nil || string(p) != "raw" {
		t.Fatalf("echo %q %v", p, err)
	}
	for c := range opts.Registry.All() {
		if r := c.Request(); r == nil || r.URL.Path != "/raw" || r.URL.Query().Get("x") != "1" {
			t.Fatalf("Request() = %+v", r)
		}
	}
	_, _, resp := rawDial(t, srv, "/", upgradeLines, nil)
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("over MaxConnections: status %d", resp.StatusCode)
	}
	var live *Conn
	for c := range opts.Registry.All() {
		live = c
	}
	ws.Close(CloseNormal, "")
	<-live.Done()

	// A client that connects and says nothing holds the only slot (until HandshakeTimeout):
	// the next one is refused at once.
	silent, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	_, _, resp = rawDial(t, srv, "/", upgradeLines, nil)
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("behind a silent handshake: status %d, want 503", resp.StatusCode)
	}
	silent.Close()
}
