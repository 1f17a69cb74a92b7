package conn

import (
	"context"
	"errors"
	"io"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/duplexws/duplex/frame"
	"github.com/duplexws/duplex/internal/leak"
)

// TestReadContextCancel: cancelling a blocked read returns ctx.Err() and, at a message
// boundary, leaves the connection usable; inside a message it closes it.
func TestReadContextCancel(t *testing.T) {
	leak.Check(t)
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			pinged := make(chan struct{}, 1)
			c, p := rawPair(t, tr, Server, &Options{OnPing: func([]byte) { pinged <- struct{}{} }})
			ctx, cancel := context.WithCancel(context.Background())
			errc := make(chan error, 1)
			go func() {
				_, _, err := c.ReadMessage(ctx, nil)
				errc <- err
			}()
			cancel()
			if err := <-errc; !errors.Is(err, context.Canceled) {
				t.Fatalf("read = %v, want context.Canceled", err)
			}
			// Still usable: the next message arrives.
			sent := p.send(p.encode(frame.OpText, true, 0, []byte("after")))
			_, b, err := c.ReadMessage(ctxT(t), nil)
			if err != nil || string(b) != "after" {
				t.Fatalf("read after cancel = %q, %v", b, err)
			}
			<-sent

			// Inside a message: the connection is closed.
			ctx2, cancel2 := context.WithCancel(context.Background())
			sent = p.send(p.encode(frame.OpText, false, 0, []byte("part")), p.encode(frame.OpPing, true, 0, nil))
			go func() {
				_, _, err := c.ReadMessage(ctx2, nil)
				errc <- err
			}()
			<-pinged // the reader consumed the first fragment and the ping after it
			<-sent
			cancel2()
			if err := <-errc; CloseStatus(err) != frame.CloseAbnormal || !errors.Is(err, context.Canceled) {
				t.Fatalf("read cancelled mid-message = %v, want 1006 wrapping context.Canceled", err)
			}
			p.expectEOF()
		})
	}
}

// TestReadDeadline: a read deadline at a message boundary returns a timeout and the
// connection stays usable.
func TestReadDeadline(t *testing.T) {
	leak.Check(t)
	c, p := rawPair(t, transports[1], Client, nil)
	c.SetReadDeadline(time.Now().Add(10 * time.Millisecond))
	_, _, err := c.ReadMessage(context.Background(), nil)
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("read = %v, want deadline exceeded", err)
	}
	c.SetReadDeadline(time.Time{})
	<-p.send(p.encode(frame.OpBinary, true, 0, []byte{1}))
	if _, b, err := c.ReadMessage(ctxT(t), nil); err != nil || len(b) != 1 {
		t.Fatalf("read after deadline = %v, %v", b, err)
	}
}

// TestWriteBlockedPeer: a writer blocked on a peer that does not read is bounded by its
// context (or deadline), does not block the reader, and the connection is then closed.
func TestWriteBlockedPeer(t *testing.T) {
	leak.Check(t)
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			c, p := rawPair(t, tr, Server, nil)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			big := make([]byte, 32<<20) // more than the socket buffers hold (tcp_rmem + tcp_wmem max)
			werr := make(chan error, 1)
			go func() { werr <- c.WriteMessage(ctx, Binary, big) }()
			// Meanwhile the reader works, answering a ping without blocking.
			rerr := make(chan error, 1)
			go func() {
				_, b, err := c.ReadMessage(ctxT(t), nil)
				if err == nil && string(b) != "still reading" {
					err = errors.New("wrong message " + string(b))
				}
				rerr <- err
			}()
			<-p.send(p.encode(frame.OpPing, true, 0, []byte("x")), p.encode(frame.OpText, true, 0, []byte("still reading")))
			if err := <-rerr; err != nil {
				t.Fatalf("reader blocked or failed: %v", err)
			}
			// The write is under way once its header reaches the peer: only then is
			// cancelling it an interruption. (Cancelled before it has sent anything, it
			// returns without touching the connection, which stays usable.)
			p.nc.SetReadDeadline(time.Now().Add(testTimeout))
			for {
				h, err := frame.ReadHeader(p.br)
				if err != nil {
					t.Fatalf("waiting for the big frame's header: %v", err)
				}
				if h.Opcode == frame.OpBinary {
					break
				}
				if _, err := io.CopyN(io.Discard, p.br, h.Length); err != nil { // the pong
					t.Fatal(err)
				}
			}
			select {
			case err := <-werr:
				t.Fatalf("write of 32 MiB to a peer that does not read returned %v", err)
			default:
			}
			cancel()
			if err := <-werr; !errors.Is(err, context.Canceled) {
				t.Fatalf("write = %v, want context.Canceled", err)
			}
			if err := c.WriteMessage(ctxT(t), Text, []byte("x")); err == nil {
				t.Fatal("write after an interrupted write succeeded")
			}
		})
	}
}

// TestWriteDeadline: SetWriteDeadline bounds a blocked write.
func TestWriteDeadline(t *testing.T) {
	leak.Check(t)
	c, _ := rawPair(t, transports[0], Client, nil)
	c.SetWriteDeadline(time.Now().Add(20 * time.Millisecond))
	err := c.WriteMessage(context.Background(), Binary, []byte("nobody reads a pipe"))
	if !errors.Is(err, os.ErrDeadlineExceeded) || CloseStatus(c.loadErr()) != frame.CloseAbnormal {
		t.Fatalf("write = %v (conn err %v)", err, c.loadErr())
	}
}

// TestWriteCancelledBeforeQueued: a write waiting behind a streaming Writer returns
// ctx.Err() without sending anything or closing the connection.
func TestWriteCancelledBeforeQueued(t *testing.T) {
	leak.Check(t)
	c, p := rawPair(t, transports[1], Server, nil)
	w, err := c.Writer(ctxT(t), Text)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := c.WriteMessage(ctx, Text, []byte("never")); !errors.Is(err, context.Canceled) {
		t.Fatalf("write = %v", err)
	}
	w.Write([]byte("streamed"))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if f := p.mustRead(); string(f.payload) != "streamed" || !f.h.Fin {
		t.Fatalf("frame %q fin=%v", f.payload, f.h.Fin)
	}
}

// TestPingFlood: a peer that floods pings and never reads cannot grow a queue without
// bound: the Conn keeps reading and the pending pongs stay bounded.
func TestPingFlood(t *testing.T) {
	leak.Check(t)
	c, p := rawPair(t, transports[0], Server, nil) // net.Pipe: no kernel buffer at all
	var got atomic.Int64
	c.cfg.onPing = func([]byte) { got.Add(1) }
	const n = 5000
	var b [][]byte
	for i := 0; i < n; i++ {
		b = append(b, p.encode(frame.OpPing, true, 0, []byte("0123456789")))
	}
	b = append(b, p.encode(frame.OpText, true, 0, []byte("end")))
	sent := p.send(b...)
	_, msg, err := c.ReadMessage(ctxT(t), nil)
	if err != nil || string(msg) != "end" || got.Load() != n {
		t.Fatalf("read %q, %v after %d pings", msg, err, got.Load())
	}
	<-sent
	c.wmu.Lock()
	queued := 0
	if c.pending != nil {
		queued = len(*c.pending)
	}
	c.wmu.Unlock()
	if limit := (maxQueuedPongs + 2) * (frame.MaxHeaderSize + 10); queued > limit {
		t.Fatalf("%d bytes of pongs queued, limit %d", queued, limit)
	}
	// Now read: the first pongs and the latest one arrive, far fewer than n.
	go func() { _, _ = io.Copy(io.Discard, p.br) }()
}

// TestKeepalive: with PingInterval set the Conn pings; a peer that answers keeps the
// connection, one that does not gets it closed with ErrPongTimeout.
func TestKeepalive(t *testing.T) {
	leak.Check(t)
	t.Run("answered", func(t *testing.T) {
		var pongs atomic.Int64
		gotPong := make(chan struct{}, 16)
		s, c := connPair(t, transports[1], &Options{PingInterval: 5 * time.Millisecond, PongTimeout: time.Second,
			OnPong: func([]byte) { pongs.Add(1); gotPong <- struct{}{} }}, nil)
		ctx := ctxT(t)
		go func() { // the client reads, so it answers pings
			for {
				if _, _, err := c.ReadMessage(ctx, nil); err != nil {
					return
				}
			}
		}()
		go func() {
			for {
				if _, _, err := s.ReadMessage(ctx, nil); err != nil {
					return
				}
			}
		}()
		for i := 0; i < 3; i++ {
			select {
			case <-gotPong:
			case <-ctx.Done():
				t.Fatal("no pong")
			}
		}
		if err := s.loadErr(); err != nil {
			t.Fatalf("connection ended: %v", err)
		}
		s.CloseNow()
		c.CloseNow()
	})
	t.Run("unanswered", func(t *testing.T) {
		c, p := rawPair(t, transports[1], Server, &Options{PingInterval: 5 * time.Millisecond, PongTimeout: 20 * time.Millisecond})
		if f := p.mustRead(); f.h.Opcode != frame.OpPing {
			t.Fatalf("first frame %v, want ping", f.h.Opcode)
		}
		_, _, err := c.ReadMessage(ctxT(t), nil) // the peer never answers
		if CloseStatus(err) != frame.CloseAbnormal || !errors.Is(err, ErrPongTimeout) {
			t.Fatalf("read = %v, want 1006 wrapping ErrPongTimeout", err)
		}
	})
	t.Run("disabled starts nothing", func(t *testing.T) {
		c, _ := rawPair(t, transports[0], Server, nil)
		if c.keepalive != nil {
			t.Fatal("keepalive timer without PingInterval")
		}
	})
}
