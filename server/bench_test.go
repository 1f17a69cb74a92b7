package server

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"

	"github.com/duplexws/duplex/conn"
	"github.com/duplexws/duplex/deflate"
	"github.com/duplexws/duplex/frame"
	"github.com/duplexws/duplex/handshake"
	"github.com/duplexws/duplex/internal/memconn"
	"github.com/duplexws/duplex/mask"
)

var benchSizes = []int{16, 1 << 10, 64 << 10}

// clientFrame is one masked binary frame of n bytes, as a client sends it.
func clientFrame(n int) []byte {
	key := [4]byte{1, 2, 3, 4}
	h := frame.Header{Fin: true, Opcode: frame.OpBinary, Masked: true, Key: key, Length: int64(n)}
	b := h.Append(nil)
	start := len(b)
	b = append(b, make([]byte, n)...)
	mask.Apply(b[start:], key, 0)
	return b
}

func benchConfig() *config {
	return newConfig(&Options{Registry: &Registry{}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
}

// memConn is a server Conn over an in-memory transport that replays data forever and
// discards writes.
func memConn(data []byte, direct bool) (*Conn, *memconn.Replay) {
	r := &memconn.Replay{Data: data}
	ws := conn.New(r, nil, conn.Server, nil)
	c := newConn(ws, benchConfig(), nil, "", nil, direct)
	c.start()
	return c, r
}

// BenchmarkReceive: messages through the reader goroutine and queue to Wait, against
// conn.ReadMessage into a reused buffer on the same transport (the floor).
func BenchmarkReceive(b *testing.B) {
	for _, n := range benchSizes {
		data := clientFrame(n)
		b.Run(fmt.Sprintf("baseline-conn/%d", n), func(b *testing.B) {
			ws := conn.New(&memconn.Replay{Data: data}, nil, conn.Server, nil)
			buf := make([]byte, 0, n)
			ctx := context.Background()
			b.SetBytes(int64(n))
			b.ReportAllocs()
			for b.Loop() {
				_, p, err := ws.ReadMessage(ctx, buf[:0])
				if err != nil || len(p) != n {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("Wait/%d", n), func(b *testing.B) {
			c, _ := memConn(data, false)
			b.SetBytes(int64(n))
			b.ReportAllocs()
			for b.Loop() {
				m, err := c.Wait()
				if err != nil || len(m.Data) != n {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			c.CloseNow()
			<-c.Done()
		})
		b.Run(fmt.Sprintf("Handle/%d", n), func(b *testing.B) {
			c, _ := memConn(data, true)
			h := &countHandler{n: b.N}
			b.SetBytes(int64(n))
			b.ReportAllocs()
			b.ResetTimer()
			dispatch(c, h)
			if h.got != b.N {
				b.Fatalf("got %d messages, want %d", h.got, b.N)
			}
		})
	}
}

type countHandler struct{ n, got int }

func (h *countHandler) Open(c *Conn) {
	if h.n == 0 {
		c.CloseNow()
	}
}

func (h *countHandler) OnMessage(c *Conn, m Message) {
	h.got++
	if h.got == h.n {
		c.CloseNow()
	}
}

func (h *countHandler) OnClose(c *Conn, err error) {}

// BenchmarkSend: SendContext (bounded queue, waits for room) through the writer goroutine,
// against conn.WriteMessage called directly (the floor), onto a transport that discards.
func BenchmarkSend(b *testing.B) {
	for _, n := range benchSizes {
		msg := make([]byte, n)
		b.Run(fmt.Sprintf("baseline-conn/%d", n), func(b *testing.B) {
			ws := conn.New(&memconn.Replay{Data: clientFrame(0)}, nil, conn.Server, nil)
			ctx := context.Background()
			b.SetBytes(int64(n))
			b.ReportAllocs()
			for b.Loop() {
				if err := ws.WriteMessage(ctx, conn.Binary, msg); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("SendContext/%d", n), func(b *testing.B) {
			c, _ := memConn(clientFrame(0), true) // default MaxBuffered: 1 MiB
			ctx := context.Background()
			b.SetBytes(int64(n))
			b.ReportAllocs()
			for b.Loop() {
				if err := c.SendContext(ctx, Binary, msg); err != nil {
					b.Fatal(err)
				}
			}
			if err := c.Flush(ctx); err != nil {
				b.Fatal(err)
			}
		})
	}
}

// BenchmarkBroadcast: one message to 64 members through a Hub (encoded once as a
// conn.Prepared frame, compressed once with -deflate), against a loop of Send to each
// member (64 copies, 64 compressions). Both wait until every member wrote it.
func BenchmarkBroadcast(b *testing.B) {
	const members = 64
	noTakeover := &deflate.Options{ServerNoContextTakeover: true, ClientNoContextTakeover: true}
	for _, bc := range []struct {
		n   int
		cfg *deflate.Options
	}{{16, nil}, {1 << 10, nil}, {64 << 10, nil}, {1 << 10, noTakeover}, {64 << 10, noTakeover}} {
		n := bc.n
		msg := bytes.Repeat([]byte("broadcast payload "), n/18+1)[:n]
		name := fmt.Sprint(n)
		if bc.cfg != nil {
			name += "-deflate"
		}
		setup := func() ([]*Conn, *Hub) {
			hub := &Hub{}
			cs := make([]*Conn, members)
			for i := range cs {
				var opts *conn.Options
				if bc.cfg != nil {
					_, p, ok := deflate.Negotiate([]handshake.Extension{deflate.Offer(bc.cfg)}, bc.cfg)
					if !ok {
						b.Fatal("negotiation failed")
					}
					opts = &conn.Options{Compression: &p}
				}
				ws := conn.New(&memconn.Replay{Data: clientFrame(0)}, nil, conn.Server, opts)
				cs[i] = newConn(ws, benchConfig(), nil, "", nil, true)
				cs[i].start()
				cs[i].out.max = 1 << 40
				hub.Join("room", cs[i])
			}
			return cs, hub
		}
		flush := func(b *testing.B, cs []*Conn) {
			for _, c := range cs {
				if err := c.Flush(context.Background()); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.Run("baseline-Send-each/"+name, func(b *testing.B) {
			cs, _ := setup()
			b.SetBytes(int64(n * members))
			b.ReportAllocs()
			for b.Loop() {
				for _, c := range cs {
					c.SendBinary(msg)
				}
				flush(b, cs)
			}
		})
		b.Run("Hub/"+name, func(b *testing.B) {
			cs, hub := setup()
			b.SetBytes(int64(n * members))
			b.ReportAllocs()
			for b.Loop() {
				if k, _ := hub.Broadcast("room", Binary, msg); k != members {
					b.Fatalf("delivered to %d", k)
				}
				flush(b, cs)
			}
		})
	}
}

// BenchmarkIdleMemory reports the heap and stack one idle server connection holds, in
// queue mode (reader goroutine, as Accept makes) and in Handle mode (one dispatching
// goroutine), over net.Pipe so no socket or net/http state is counted: this is the cost of
// this package plus conn. The baseline is a bare conn.Conn with one goroutine blocked in
// ReadMessage.
func BenchmarkIdleMemory(b *testing.B) {
	const n = 1000
	measure := func(b *testing.B, open func(nc net.Conn) func()) {
		b.ReportAllocs()
		for b.Loop() {
			var peers []net.Conn
			var closers []func()
			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			for range n {
				s, p := net.Pipe()
				peers = append(peers, p)
				closers = append(closers, open(s))
			}
			runtime.GC()
			runtime.ReadMemStats(&after)
			used := (after.HeapAlloc + after.StackInuse) - (before.HeapAlloc + before.StackInuse)
			b.ReportMetric(float64(used)/n, "B/conn")
			for i := range closers {
				peers[i].Close()
				closers[i]()
			}
		}
	}
	b.Run("baseline-conn", func(b *testing.B) {
		measure(b, func(nc net.Conn) func() {
			ws := conn.New(nc, nil, conn.Server, nil)
			done := make(chan struct{})
			go func() { ws.ReadMessage(context.Background(), nil); close(done) }()
			return func() { <-done }
		})
	})
	b.Run("Accept-queue", func(b *testing.B) {
		cfg := benchConfig()
		measure(b, func(nc net.Conn) func() {
			c := newConn(conn.New(nc, nil, conn.Server, nil), cfg, nil, "", nil, false)
			c.start()
			return func() { <-c.Done() }
		})
	})
	b.Run("Handle", func(b *testing.B) {
		cfg := benchConfig()
		measure(b, func(nc net.Conn) func() {
			c := newConn(conn.New(nc, nil, conn.Server, nil), cfg, nil, "", nil, true)
			go dispatch(c, echoHandler{})
			return func() { <-c.Done() }
		})
	})
}

// BenchmarkEcho: one client, ping-pong of 16-byte messages over loopback TCP through
// Handle, through Accept with Wait/Send, and through a bare conn.Conn echo loop on the
// raw handshake path (the floor).
func BenchmarkEcho(b *testing.B) {
	msg := make([]byte, 16)
	run := func(b *testing.B, h http.Handler) {
		srv := httptest.NewServer(h)
		defer srv.Close()
		ws, _ := dial(b, srv, "/")
		ctx := context.Background()
		buf := make([]byte, 0, 64)
		b.SetBytes(int64(len(msg)))
		b.ReportAllocs()
		for b.Loop() {
			if err := ws.WriteMessage(ctx, conn.Binary, msg); err != nil {
				b.Fatal(err)
			}
			if _, _, err := ws.ReadMessage(ctx, buf); err != nil {
				b.Fatal(err)
			}
		}
		ws.Close(CloseNormal, "")
	}
	b.Run("baseline-conn", func(b *testing.B) {
		run(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			req, err := handshake.CheckRequest(r, nil)
			if err != nil {
				return
			}
			nc, brw, _ := http.NewResponseController(w).Hijack()
			handshake.WriteResponse(nc, req.Key, nil)
			ws := conn.New(nc, brw.Reader, conn.Server, nil)
			var buf []byte
			for {
				t, p, err := ws.ReadMessage(context.Background(), buf)
				if err != nil {
					return
				}
				buf = p
				if ws.WriteMessage(context.Background(), t, p) != nil {
					return
				}
			}
		}))
	})
	opts := &Options{Registry: &Registry{}, Logger: discardLogger()}
	b.Run("Handle", func(b *testing.B) { run(b, Handle(echoHandler{}, opts)) })
	b.Run("Accept-Wait-Send", func(b *testing.B) {
		run(b, Accept(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c := FromRequest(r)
			for m := range c.Messages() {
				c.Send(m.Type, m.Data)
			}
		}), opts))
	})
}
