package server

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/duplexws/duplex/deflate"
	"github.com/duplexws/duplex/frame"
	"github.com/duplexws/duplex/internal/leak"
)

// countListener hands out connections that count their Write calls. They are not
// *net.TCPConn, so conn copies frames into one buffer per write (no writev).
type countListener struct {
	net.Listener
	mu    sync.Mutex
	conns []*countConn
}

type countConn struct {
	net.Conn
	writes atomic.Int64
}

func (c *countConn) Write(p []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(p)
}

func (l *countListener) Accept() (net.Conn, error) {
	nc, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	cc := &countConn{Conn: nc}
	l.mu.Lock()
	l.conns = append(l.conns, cc)
	l.mu.Unlock()
	return cc, nil
}

// TestWriterBatches: messages queued together while the writer is busy are written with
// one system call, not one each, and arrive in order.
func TestWriterBatches(t *testing.T) {
	const n = 50
	leak.Check(t)
	opts := testOpts(nil)
	conns := make(chan *Conn, 1)
	srv := httptest.NewUnstartedServer(Require(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := FromRequest(r)
		conns <- c
		<-c.Done()
	}), opts))
	ln := &countListener{Listener: srv.Listener}
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	t.Cleanup(func() { shutdown(t, opts.Registry) })

	ws, _ := dial(t, srv, "/")
	c := within(t, conns, 5*time.Second, "the connection")
	ln.mu.Lock()
	cc := ln.conns[0]
	ln.mu.Unlock()

	// Hold the writer after its first message until all n are queued.
	queued := make(chan struct{})
	var once sync.Once
	hook := func() { once.Do(func() { <-queued }) }
	testHookWritten.Store(&hook)
	t.Cleanup(func() { testHookWritten.Store(nil) })

	before := cc.writes.Load()
	for i := range n {
		if err := c.SendText(fmt.Sprintf("message %d", i)); err != nil {
			t.Fatal(err)
		}
	}
	close(queued)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for i := range n {
		_, p, err := ws.ReadMessage(ctx, nil)
		if want := fmt.Sprintf("message %d", i); err != nil || string(p) != want {
			t.Fatalf("message %d: %q, %v; want %q", i, p, err, want)
		}
	}
	if err := c.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	// The first message alone (or with others, had the writer not started yet), then
	// the rest together; one write per message before batching.
	if w := cc.writes.Load() - before; w < 1 || w > 2 {
		t.Fatalf("%d writes for %d messages, want 1 or 2", w, n)
	}
}

// TestHubWireIdentical: a broadcast reaches every member as the same frame bytes, with
// and without permessage-deflate (members without context takeover share one compressed
// frame).
func TestHubWireIdentical(t *testing.T) {
	for _, compress := range []bool{false, true} {
		t.Run(fmt.Sprintf("compress=%v", compress), func(t *testing.T) {
			opts := testOpts(nil)
			var ext []string
			if compress {
				opts.Compression = &deflate.Options{ServerNoContextTakeover: true}
				ext = []string{"Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover"}
			}
			srv, conns := connServer(t, opts)
			hub := &Hub{}
			const members = 4
			var raws []*rawClient
			for range members {
				nc, br, resp := rawDial(t, srv, "/", append(append([]string(nil), upgradeLines...), ext...), nil)
				if resp.StatusCode != http.StatusSwitchingProtocols {
					t.Fatalf("status %d", resp.StatusCode)
				}
				if compress && resp.Header.Get("Sec-WebSocket-Extensions") == "" {
					t.Fatal("permessage-deflate not agreed")
				}
				raws = append(raws, &rawClient{nc: nc, br: br})
				hub.Join("r", within(t, conns, 5*time.Second, "a connection"))
			}
			msg := bytes.Repeat([]byte("broadcast "), 200)
			if got, err := hub.Broadcast("r", Text, msg); err != nil || got != members {
				t.Fatalf("Broadcast: %d, %v", got, err)
			}
			var first []byte
			for i, r := range raws {
				b := r.frame(t)
				if compress && b[0]&0x40 == 0 {
					t.Fatalf("member %d: frame not compressed (%x)", i, b[:2])
				}
				if !compress && !bytes.Equal(b[2+2:], msg) {
					t.Fatalf("member %d: payload differs", i)
				}
				if i == 0 {
					first = b
				} else if !bytes.Equal(b, first) {
					t.Fatalf("member %d's frame differs from member 0's", i)
				}
			}
		})
	}
}

// rawClient reads a server's frames as raw bytes.
type rawClient struct {
	nc net.Conn
	br *bufio.Reader
}

// frame returns the next whole frame, header included, as it was on the wire.
func (r *rawClient) frame(t *testing.T) []byte {
	t.Helper()
	_ = r.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	h, err := frame.ReadHeader(r.br)
	if err != nil {
		t.Fatal(err)
	}
	b := h.Append(nil)
	p := make([]byte, h.Length)
	if _, err := io.ReadFull(r.br, p); err != nil {
		t.Fatal(err)
	}
	return append(b, p...)
}
