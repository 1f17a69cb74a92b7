package conn

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/duplexws/duplex/frame"
	"github.com/duplexws/duplex/internal/leak"
	"github.com/duplexws/duplex/mask"
)

// wrappedConn hides the concrete type of a socket, so the Conn writes to it as to any
// net.Conn (header and first part of a large payload, then the rest: two Writes).
type wrappedConn struct{ net.Conn }

// writeTransports are the transports of the write tests: one for each way a large frame
// goes out (net.Pipe and a wrapped socket: split; TCP: writev).
var writeTransports = []transport{
	transports[0],
	transports[1],
	{"wrapped-tcp", func(t *testing.T) (net.Conn, net.Conn) {
		a, b := tcpPair(t)
		return wrappedConn{a}, b
	}},
}

// taggedPayload is message seq of writer id: a 4-byte tag, then bytes derived from it,
// so the peer can check every byte and each writer's order.
func taggedPayload(id, seq, size int) []byte {
	size = max(size, 4)
	b := make([]byte, size)
	binary.BigEndian.PutUint16(b, uint16(id))
	binary.BigEndian.PutUint16(b[2:], uint16(seq))
	for i := 4; i < size; i++ {
		b[i] = byte(id*31 + seq*7 + i)
	}
	return b
}

// checkTagged returns the writer and sequence number of a tagged payload, or an error if
// a byte is wrong.
func checkTagged(p []byte) (id, seq int, err error) {
	if len(p) < 4 {
		return 0, 0, fmt.Errorf("message of %d bytes, want >= 4", len(p))
	}
	id, seq = int(binary.BigEndian.Uint16(p)), int(binary.BigEndian.Uint16(p[2:]))
	for i := 4; i < len(p); i++ {
		if p[i] != byte(id*31+seq*7+i) {
			return id, seq, fmt.Errorf("writer %d message %d: byte %d of %d is wrong", id, seq, i, len(p))
		}
	}
	return id, seq, nil
}

// streamStats is what parseStream saw.
type streamStats struct {
	next  map[int]int // writer id -> next expected sequence number
	pings int
	data  int // data frames
}

// parseStream reads frames until the message of writer endID, checking RFC 6455 §5.4: a
// fragmented message's frames are not interleaved with another message's (control
// frames may come between them), and every message's bytes and each writer's order.
func parseStream(br *bufio.Reader, endID int) (streamStats, error) {
	st := streamStats{next: map[int]int{}}
	var msg []byte
	inMsg := false
	for {
		h, err := frame.ReadHeader(br)
		if err != nil {
			return st, fmt.Errorf("after %d data frames: %w", st.data, err)
		}
		p := make([]byte, h.Length)
		if _, err := io.ReadFull(br, p); err != nil {
			return st, err
		}
		if h.Masked {
			mask.Apply(p, h.Key, 0)
		}
		if h.Opcode.IsControl() {
			if h.Opcode == frame.OpPing {
				st.pings++
			}
			continue
		}
		st.data++
		switch {
		case inMsg && h.Opcode != frame.OpContinuation:
			return st, fmt.Errorf("%v frame inside a fragmented message", h.Opcode)
		case !inMsg && h.Opcode == frame.OpContinuation:
			return st, fmt.Errorf("continuation frame outside a message")
		}
		msg = append(msg, p...)
		inMsg = !h.Fin
		if inMsg {
			continue
		}
		id, seq, err := checkTagged(msg)
		msg = msg[:0]
		if err != nil {
			return st, err
		}
		if id == endID {
			return st, nil
		}
		if want := st.next[id]; seq != want {
			return st, fmt.Errorf("writer %d: message %d, want %d", id, seq, want)
		}
		st.next[id] = seq + 1
	}
}

// TestWriteFastConcurrent: WriteMessage (mostly on the fast path) races streamed messages
// (Writer, several fragments each), WriteMessages batches, WritePrepared and Ping, in
// both roles over every write path. The peer parses the byte stream: no frame of another
// message inside a fragmented one, every message whole and intact, each writer's
// messages in order, every ping there.
func TestWriteFastConcurrent(t *testing.T) {
	leak.Check(t)
	const (
		fastWriters = 3
		fastMsgs    = 40
		streams     = 12
		batches     = 12
		prepared    = 14
		pings       = 40
		streamID    = fastWriters
		batchID     = fastWriters + 1
		preparedID  = fastWriters + 2
		endID       = 0xffff
	)
	sizes := []int{16, 300, scratchSize - 4, scratchSize - 3, 1000, 9000, 17000, 70000}
	for _, tr := range writeTransports {
		for _, role := range []Role{Server, Client} {
			t.Run(tr.name+"/"+role.String(), func(t *testing.T) {
				a, b := tr.pair(t)
				c := New(a, nil, role, &Options{FragmentSize: 1000})
				t.Cleanup(func() { c.CloseNow(); b.Close() })
				_ = b.SetDeadline(time.Now().Add(testTimeout))
				ctx := ctxT(t)
				parsed := make(chan error, 1)
				var st streamStats
				go func() {
					var err error
					st, err = parseStream(bufio.NewReader(b), endID)
					if err != nil {
						b.Close() // unblock the writers
					}
					parsed <- err
				}()
				errs := make(chan error, 16)
				var wg sync.WaitGroup
				run := func(f func() error) {
					wg.Add(1)
					go func() {
						defer wg.Done()
						if err := f(); err != nil {
							errs <- err
						}
					}()
				}
				for id := range fastWriters {
					run(func() error {
						for seq := range fastMsgs {
							p := taggedPayload(id, seq, sizes[(seq+id)%len(sizes)])
							if err := c.WriteMessage(ctx, Binary, p); err != nil {
								return fmt.Errorf("WriteMessage: %w", err)
							}
						}
						return nil
					})
				}
				run(func() error {
					for seq := range streams {
						p := taggedPayload(streamID, seq, 2500+seq*700)
						w, err := c.Writer(ctx, Binary)
						if err != nil {
							return fmt.Errorf("Writer: %w", err)
						}
						for len(p) > 0 {
							k := min(len(p), 700)
							if _, err := w.Write(p[:k]); err != nil {
								return fmt.Errorf("Writer.Write: %w", err)
							}
							p = p[k:]
						}
						if err := w.Close(); err != nil {
							return fmt.Errorf("Writer.Close: %w", err)
						}
					}
					return nil
				})
				run(func() error {
					for i := range batches {
						msgs := []Message{
							{Type: Binary, Data: taggedPayload(batchID, 3*i, 40)},
							{Type: Binary, Data: taggedPayload(batchID, 3*i+1, 9000)},
							{Type: Binary, Data: taggedPayload(batchID, 3*i+2, 200)},
						}
						if err := c.WriteMessages(ctx, msgs); err != nil {
							return fmt.Errorf("WriteMessages: %w", err)
						}
					}
					return nil
				})
				run(func() error {
					for seq := range prepared {
						pm, err := PrepareMessage(Binary, taggedPayload(preparedID, seq, sizes[seq%len(sizes)]))
						if err != nil {
							return err
						}
						if err := c.WritePrepared(ctx, pm); err != nil {
							return fmt.Errorf("WritePrepared: %w", err)
						}
					}
					return nil
				})
				run(func() error {
					for range pings {
						if err := c.Ping(ctx, []byte("ping")); err != nil {
							return fmt.Errorf("Ping: %w", err)
						}
					}
					return nil
				})
				wg.Wait()
				close(errs)
				select {
				case err := <-parsed:
					t.Fatalf("peer stopped before the end: %v", err)
				default:
				}
				for err := range errs {
					t.Error(err)
				}
				if err := c.WriteMessage(ctx, Binary, taggedPayload(endID, 0, 4)); err != nil {
					t.Fatal(err)
				}
				if err := <-parsed; err != nil {
					t.Fatal(err)
				}
				want := map[int]int{streamID: streams, batchID: 3 * batches, preparedID: prepared}
				for id := range fastWriters {
					want[id] = fastMsgs
				}
				for id, n := range want {
					if st.next[id] != n {
						t.Errorf("writer %d: %d messages arrived, want %d", id, st.next[id], n)
					}
				}
				if st.pings != pings {
					t.Errorf("%d pings arrived, want %d", st.pings, pings)
				}
			})
		}
	}
}

// TestWriteFastBlockedOwner: while a fast-path write is blocked in the socket, a Writer
// stream, a Ping and other WriteMessage calls queue behind it; once it returns, all of
// it goes out in order with the stream's frames together.
func TestWriteFastBlockedOwner(t *testing.T) {
	leak.Check(t)
	g := &gatedConn{gate: make(chan struct{})}
	c := New(g, nil, Server, nil)
	ctx := ctxT(t)
	first := make(chan error, 1)
	go func() { first <- c.WriteMessage(ctx, Binary, taggedPayload(0, 0, 16)) }()
	waitFor(t, func() bool { g.mu.Lock(); defer g.mu.Unlock(); return len(g.writes) == 1 })
	if c.ws.Load()&wsBusy == 0 {
		t.Fatal("the first write does not own the socket")
	}
	w, err := c.Writer(ctx, Binary) // wsMsg is free: the stream starts while the owner writes
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 3)
	go func() {
		p := taggedPayload(1, 0, 100)
		if _, err := w.Write(p); err != nil {
			done <- err
			return
		}
		done <- w.Close()
	}()
	go func() { done <- c.Ping(ctx, []byte("p")) }()
	go func() { done <- c.WriteMessage(ctx, Binary, taggedPayload(2, 0, 16)) }()
	// All three wait: the stream and the ping queued behind the owner, the message for
	// the stream to end.
	waitFor(t, func() bool {
		c.wmu.Lock()
		defer c.wmu.Unlock()
		return c.pending != nil && c.ws.Load()&wsQueued != 0 && c.msgWaiters.Load() == 1 &&
			len(*c.pending) == 2+100+2+1
	})
	close(g.gate)
	for range 4 {
		select {
		case err := <-first:
			if err != nil {
				t.Fatal(err)
			}
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	var all []byte
	g.mu.Lock()
	for _, b := range g.writes {
		all = append(all, b...)
	}
	g.mu.Unlock()
	all = append(all, rawFrame(frame.OpBinary, true, 0, taggedPayload(0xffff, 0, 4), false)...)
	st, err := parseStream(bufio.NewReader(bytes.NewReader(all)), 0xffff)
	if err != nil {
		t.Fatal(err)
	}
	if st.next[0] != 1 || st.next[1] != 1 || st.next[2] != 1 || st.pings != 1 {
		t.Fatalf("got %v and %d pings, want one message from each writer and one ping", st.next, st.pings)
	}
	if c.ws.Load() != 0 {
		t.Fatalf("write state %#x after every write returned, want 0", c.ws.Load())
	}
}

// waitFor polls cond, yielding, until it holds, failing the test after testTimeout.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(testTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached")
		}
		runtimeGosched()
	}
}

// TestWriteLargeWaitsForSocket: a large frame that finds the socket busy waits for it
// instead of being copied into the queue, then goes out like one on the fast path: from
// the caller's buffer (server) or masked through a buffer of at most maskChunk bytes
// (client), while small frames still queue and coalesce.
func TestWriteLargeWaitsForSocket(t *testing.T) {
	leak.Check(t)
	for _, role := range []Role{Server, Client} {
		t.Run(role.String(), func(t *testing.T) {
			g := &gatedConn{gate: make(chan struct{})}
			c := New(g, nil, role, nil)
			ctx := ctxT(t)
			done := make(chan error, 3)
			go func() { done <- c.WriteMessage(ctx, Binary, taggedPayload(0, 0, 16)) }()
			waitFor(t, func() bool { g.mu.Lock(); defer g.mu.Unlock(); return len(g.writes) == 1 })
			large := taggedPayload(1, 0, 3*maskChunk+100)
			go func() { done <- c.WriteMessage(ctx, Binary, large) }()
			// It waits with nothing queued (a copy would have put 196 KiB in pending).
			waitFor(t, func() bool {
				c.wmu.Lock()
				defer c.wmu.Unlock()
				return c.ws.Load()&wsQueued != 0 && c.pending == nil
			})
			go func() { done <- c.Ping(ctx, []byte("p")) }() // small: queued, not waiting
			waitFor(t, func() bool { c.wmu.Lock(); defer c.wmu.Unlock(); return c.pending != nil })
			close(g.gate)
			for range 3 {
				if err := <-done; err != nil {
					t.Fatal(err)
				}
			}
			g.mu.Lock()
			var all []byte
			for _, b := range g.writes {
				if role == Client && len(b) > maskChunk+frame.MaxHeaderSize {
					t.Errorf("a Write of %d bytes, want at most %d", len(b), maskChunk+frame.MaxHeaderSize)
				}
				all = append(all, b...)
			}
			g.mu.Unlock()
			all = append(all, rawFrame(frame.OpBinary, true, 0, taggedPayload(0xffff, 0, 4), false)...)
			st, err := parseStream(bufio.NewReader(bytes.NewReader(all)), 0xffff)
			if err != nil {
				t.Fatal(err)
			}
			if st.next[0] != 1 || st.next[1] != 1 || st.pings != 1 {
				t.Fatalf("got %v and %d pings, want one message from each writer and one ping", st.next, st.pings)
			}
			if c.ws.Load() != 0 {
				t.Fatalf("write state %#x after every write returned, want 0", c.ws.Load())
			}
		})
	}
}
