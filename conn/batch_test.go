package conn

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"

	"github.com/duplexws/duplex/frame"
	"github.com/duplexws/duplex/internal/memconn"
	"github.com/duplexws/duplex/mask"
)

// recordConn is a net.Conn that records what is written and counts the Write calls. It is
// not a *net.TCPConn, so Conn copies frames into its write buffer (no writev).
type recordConn struct {
	net.Conn
	mu     sync.Mutex
	writes int
	buf    bytes.Buffer
}

func (r *recordConn) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.writes++
	return r.buf.Write(p)
}

// parseFrames decodes the frames in b (unmasking them) and fails on leftovers.
func parseFrames(t *testing.T, b []byte) []rawFrameRead {
	t.Helper()
	var out []rawFrameRead
	for len(b) > 0 {
		h, n, err := frame.ParseHeader(b)
		if err != nil || n == 0 || int64(len(b)-n) < h.Length {
			t.Fatalf("bad frame at %d bytes from the end: %v", len(b), err)
		}
		p := append([]byte(nil), b[n:n+int(h.Length)]...)
		if h.Masked {
			mask.Apply(p, h.Key, 0)
		}
		out = append(out, rawFrameRead{h: h, payload: p})
		b = b[n+int(h.Length):]
	}
	return out
}

func batchOf(n, size int) []Message {
	msgs := make([]Message, n)
	for i := range msgs {
		p := bytes.Repeat([]byte{byte('a' + i%26)}, size+i)
		msgs[i] = Message{Type: Binary, Data: p}
		if i%3 == 0 {
			msgs[i].Type = Text
		}
	}
	return msgs
}

// TestWriteMessagesOneWrite: a batch of N messages reaches the net.Conn in one Write, in
// order, as N single-frame messages, in both roles (client frames masked).
func TestWriteMessagesOneWrite(t *testing.T) {
	for _, role := range []Role{Server, Client} {
		for _, size := range []int{0, 100, 20000} {
			t.Run(fmt.Sprintf("%v/%d", role, size), func(t *testing.T) {
				rc := &recordConn{Conn: &memconn.Replay{}}
				c := New(rc, nil, role, nil)
				msgs := batchOf(10, size)
				if err := c.WriteMessages(ctxT(t), msgs); err != nil {
					t.Fatal(err)
				}
				if rc.writes != 1 {
					t.Fatalf("%d writes for %d messages, want 1", rc.writes, len(msgs))
				}
				frames := parseFrames(t, rc.buf.Bytes())
				if len(frames) != len(msgs) {
					t.Fatalf("%d frames, want %d", len(frames), len(msgs))
				}
				for i, f := range frames {
					if !f.h.Fin || f.h.Opcode != frame.Opcode(msgs[i].Type) || f.h.Masked != (role == Client) ||
						!bytes.Equal(f.payload, msgs[i].Data) {
						t.Fatalf("frame %d: %+v, %d bytes; want message %d", i, f.h, len(f.payload), i)
					}
				}
			})
		}
	}
}

// TestWriteMessagesTCP: over TCP a large server batch goes out with writev from the
// callers' buffers; the peer reads every message, in order, intact, and small batches and
// prepared messages mixed in keep their place.
func TestWriteMessagesTCP(t *testing.T) {
	for _, size := range []int{10, 9000, 70000} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			s, c := connPair(t, transports[1], nil, nil)
			msgs := batchOf(7, size)
			pm, _ := PrepareMessage(Binary, []byte("prepared"))
			msgs[3] = Message{Prepared: pm}
			ctx := ctxT(t)
			done := make(chan error, 1)
			go func() { done <- s.WriteMessages(ctx, msgs) }()
			for i, m := range msgs {
				typ, p, err := c.ReadMessage(ctx, nil)
				want, wantType := m.Data, m.Type
				if m.Prepared != nil {
					want, wantType = m.Prepared.Payload(), m.Prepared.Type()
				}
				if err != nil || typ != wantType || !bytes.Equal(p, want) {
					t.Fatalf("message %d: %v %d bytes %v; want %v %d bytes", i, typ, len(p), err, wantType, len(want))
				}
			}
			if err := <-done; err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestWriteMessagesErrors(t *testing.T) {
	rc := &recordConn{Conn: &memconn.Replay{}}
	c := New(rc, nil, Server, nil)
	ctx := ctxT(t)
	if err := c.WriteMessages(ctx, []Message{{Type: Binary}, {Type: 9}}); err != ErrMessageType {
		t.Fatalf("bad type: %v, want ErrMessageType", err)
	}
	if err := c.WriteMessages(ctx, nil); err != nil {
		t.Fatalf("empty batch: %v", err)
	}
	if rc.writes != 0 {
		t.Fatalf("%d writes for refused batches", rc.writes)
	}
	if _, err := PrepareMessage(MessageType(frame.OpPing), nil); err != ErrMessageType {
		t.Fatalf("PrepareMessage(ping): %v", err)
	}
	c.CloseNow()
	if err := c.WriteMessages(ctx, batchOf(2, 10)); err == nil {
		t.Fatal("WriteMessages after CloseNow succeeded")
	}
}

// TestWriteBatchZeroAllocs: WriteMessages and WritePrepared allocate nothing per call in
// steady state, in both roles, on the copy path and (server over TCP) the writev path.
func TestWriteBatchZeroAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool drop buffers")
	}
	ctx := context.Background() // a cancellable one costs an AfterFunc per call
	for _, role := range []Role{Server, Client} {
		for _, size := range []int{16, 64 << 10} {
			t.Run(fmt.Sprintf("%v/%d", role, size), func(t *testing.T) {
				c := New(&memconn.Replay{}, nil, role, nil)
				msgs := batchOf(4, size)
				pm, _ := PrepareMessage(Binary, msgs[1].Data)
				if a := testing.AllocsPerRun(100, func() {
					if err := c.WriteMessages(ctx, msgs); err != nil {
						t.Fatal(err)
					}
				}); a != 0 {
					t.Fatalf("%v allocations per WriteMessages", a)
				}
				if a := testing.AllocsPerRun(100, func() {
					if err := c.WritePrepared(ctx, pm); err != nil {
						t.Fatal(err)
					}
				}); a != 0 {
					t.Fatalf("%v allocations per WritePrepared", a)
				}
			})
		}
	}
	t.Run("tcp-writev", func(t *testing.T) {
		s, c := connPair(t, transports[1], nil, nil)
		msgs := batchOf(4, 16<<10)
		stop := make(chan struct{})
		read := make(chan error, 1)
		go func() {
			buf := make([]byte, 0, 32<<10)
			for {
				var err error
				if _, buf, err = c.ReadMessage(ctx, buf[:0]); err != nil {
					select {
					case <-stop:
						err = nil
					default:
					}
					read <- err
					return
				}
			}
		}()
		a := testing.AllocsPerRun(50, func() {
			if err := s.WriteMessages(ctx, msgs); err != nil {
				t.Fatal(err)
			}
		})
		close(stop)
		s.CloseNow()
		if err := <-read; err != nil {
			t.Fatal(err)
		}
		if a != 0 {
			t.Fatalf("%v allocations per WriteMessages over TCP", a)
		}
	})
}

// BenchmarkWriteMessages: 16 messages written as one batch (WriteMessages) against a loop
// of WriteMessage (the baseline, one write system call each), server role, loopback TCP
// with the peer discarding what it reads.
func BenchmarkWriteMessages(b *testing.B) {
	for _, size := range []int{16, 1 << 10, 16 << 10} {
		msgs := batchOf(16, size)
		total := 0
		for _, m := range msgs {
			total += len(m.Data)
		}
		setup := func(b *testing.B) *Conn {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			defer ln.Close()
			go func() {
				if nc, err := ln.Accept(); err == nil {
					_, _ = io.Copy(io.Discard, nc)
					nc.Close()
				}
			}()
			nc, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				b.Fatal(err)
			}
			c := New(nc, nil, Server, nil)
			b.Cleanup(func() { c.CloseNow() })
			return c
		}
		ctx := context.Background()
		b.Run(fmt.Sprintf("baseline-WriteMessage-loop/%d", size), func(b *testing.B) {
			c := setup(b)
			b.SetBytes(int64(total))
			b.ReportAllocs()
			for b.Loop() {
				for _, m := range msgs {
					if err := c.WriteMessage(ctx, m.Type, m.Data); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
		b.Run(fmt.Sprintf("WriteMessages/%d", size), func(b *testing.B) {
			c := setup(b)
			b.SetBytes(int64(total))
			b.ReportAllocs()
			for b.Loop() {
				if err := c.WriteMessages(ctx, msgs); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestWriteMessagesConcurrent: batches and single messages written by several goroutines
// at once (with pings in between) arrive whole: a batch's messages are contiguous and in
// order, and nothing is lost. Sizes straddle the writev threshold.
func TestWriteMessagesConcurrent(t *testing.T) {
	const writers, rounds = 4, 30
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			s, c := connPair(t, tr, nil, nil)
			ctx := ctxT(t)
			errs := make(chan error, writers+1)
			for g := range writers {
				go func() {
					for r := range rounds {
						n := 1 + (g+r)%5
						msgs := make([]Message, n)
						for i := range msgs {
							p := make([]byte, 4+(r%3)*4000)
							p[0], p[1], p[2], p[3] = byte(g), byte(r), byte(i), byte(n)
							msgs[i] = Message{Type: Binary, Data: p}
						}
						var err error
						if n == 1 {
							err = s.WriteMessage(ctx, Binary, msgs[0].Data)
						} else {
							err = s.WriteMessages(ctx, msgs)
						}
						if err == nil && r%7 == 0 {
							err = s.Ping(ctx, []byte("p"))
						}
						if err != nil {
							errs <- err
							return
						}
					}
					errs <- nil
				}()
			}
			total := 0
			for g := range writers {
				for r := range rounds {
					total += 1 + (g+r)%5
				}
			}
			next := make([]int, writers) // next round expected from each writer
			var buf []byte
			for got := 0; got < total; {
				_, p, err := c.ReadMessage(ctx, buf)
				if err != nil {
					t.Fatal(err)
				}
				g, r, i, n := int(p[0]), int(p[1]), int(p[2]), int(p[3])
				if i != 0 || r != next[g] {
					t.Fatalf("writer %d: got round %d message %d, want round %d message 0", g, r, i, next[g])
				}
				for k := 1; k < n; k++ {
					_, p, err = c.ReadMessage(ctx, p)
					if err != nil {
						t.Fatal(err)
					}
					if int(p[0]) != g || int(p[1]) != r || int(p[2]) != k {
						t.Fatalf("batch %d/%d interrupted at %d by %v", g, r, k, p[:4])
					}
				}
				next[g]++
				got += n
				buf = p
			}
			for range writers {
				if err := <-errs; err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}
