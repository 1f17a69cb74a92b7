package conn

import (
	"context"
	"errors"
	"fmt"
	"io"
	"syscall"
	"testing"
	"unsafe"

	"github.com/duplexws/duplex/frame"
	"github.com/duplexws/duplex/internal/memconn"
)

// TestConnSize: the scratch buffer is sized so that a Conn stays in the 1536-byte
// allocation class. Since Go 1.22 an object over 512 bytes that holds pointers carries an
// 8-byte malloc header, so the struct itself may have 1528 bytes. A field added elsewhere
// that pushes it over moves every connection to the next class (1792 B): shrink
// scratchSize instead.
func TestConnSize(t *testing.T) {
	const class, mallocHeader = 1536, 8
	if sz := unsafe.Sizeof(Conn{}); sz+mallocHeader > class {
		t.Fatalf("Conn is %d bytes (+%d of malloc header), want <= %d (shrink scratchSize, now %d)",
			sz, mallocHeader, class, scratchSize)
	}
}

// TestWriteFastAllocs: WriteMessage allocates nothing per message on the fast path, on a
// net.Conn that discards writes and on a loopback TCP socket, at the benchmark sizes.
// On the discard conn it also checks how the frame went out: one Write below writevMin
// (from the scratch buffer or a pooled copy), else the header with the first part of the
// payload, then the rest.
func TestWriteFastAllocs(t *testing.T) {
	ctx := context.Background()
	for _, size := range []int{16, 1 << 10, 64 << 10} {
		for _, typ := range []MessageType{Text, Binary} {
			p := payloadOf(size, true)
			t.Run(fmt.Sprintf("discard/%v/%d", typ, size), func(t *testing.T) {
				rc := &memconn.Replay{}
				c := New(rc, nil, Server, nil)
				const runs = 200
				allocs := testing.AllocsPerRun(runs, func() {
					if err := c.WriteMessage(ctx, typ, p); err != nil {
						t.Fatal(err)
					}
				})
				if allocs != 0 {
					t.Fatalf("%v allocations per WriteMessage, want 0", allocs)
				}
				hdr := frame.Header{Length: int64(size)}.Size()
				writes := int64(1)
				if hdr+size >= writevMin {
					writes = 2
				}
				if want := (runs + 1) * writes; rc.Writes != want {
					t.Errorf("%d Writes for %d messages, want %d", rc.Writes, runs+1, want)
				}
				if want := int64(runs+1) * int64(hdr+size); rc.Written != want {
					t.Errorf("%d bytes written, want %d", rc.Written, want)
				}
			})
			t.Run(fmt.Sprintf("tcp/%v/%d", typ, size), func(t *testing.T) {
				a, b := tcpPair(t)
				c := New(a, nil, Server, nil)
				t.Cleanup(func() { c.CloseNow(); b.Close() })
				drained := make(chan error, 1)
				buf := make([]byte, 64<<10) // allocated before measuring
				go func() {
					for {
						if _, err := b.Read(buf); err != nil {
							drained <- err
							return
						}
					}
				}()
				allocs := testing.AllocsPerRun(200, func() {
					if err := c.WriteMessage(ctx, typ, p); err != nil {
						t.Fatal(err)
					}
				})
				if allocs != 0 {
					t.Fatalf("%v allocations per WriteMessage, want 0", allocs)
				}
				c.CloseNow()
				if err := <-drained; !errors.Is(err, io.EOF) && !isReset(err) {
					t.Fatalf("reader: %v", err)
				}
			})
		}
	}
}

// isReset reports a connection reset (closing with unread bytes makes the kernel send RST).
func isReset(err error) bool { return errors.Is(err, syscall.ECONNRESET) }

// TestWriteCancelledBefore: a ctx cancelled before the call sends nothing, also when the
// fast path is free.
func TestWriteCancelledBefore(t *testing.T) {
	rc := &memconn.Replay{}
	c := New(rc, nil, Server, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := c.WriteMessage(ctx, Binary, []byte("never")); !errors.Is(err, context.Canceled) {
		t.Fatalf("WriteMessage = %v, want context.Canceled", err)
	}
	if rc.Writes != 0 {
		t.Fatalf("%d Writes after a cancelled WriteMessage, want 0", rc.Writes)
	}
	if err := c.WriteMessage(context.Background(), Binary, []byte("sent")); err != nil {
		t.Fatalf("WriteMessage after: %v", err)
	}
	if rc.Writes != 1 {
		t.Fatalf("%d Writes, want 1", rc.Writes)
	}
}

// TestWritePreparedFast: a server WritePrepared with nothing in its way writes the
// prepared frame as it is, in one Write, allocating nothing; a ctx cancelled before the
// call sends nothing.
func TestWritePreparedFast(t *testing.T) {
	for _, size := range []int{16, 1 << 10, 64 << 10} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			rc := &memconn.Replay{}
			c := New(rc, nil, Server, nil)
			pm, err := PrepareMessage(Binary, payloadOf(size, false))
			if err != nil {
				t.Fatal(err)
			}
			const runs = 100
			allocs := testing.AllocsPerRun(runs, func() {
				if err := c.WritePrepared(context.Background(), pm); err != nil {
					t.Fatal(err)
				}
			})
			if allocs != 0 {
				t.Fatalf("%v allocations per WritePrepared, want 0", allocs)
			}
			if rc.Writes != runs+1 || rc.Written != int64(runs+1)*int64(len(pm.frame)) {
				t.Fatalf("%d Writes of %d bytes for %d frames of %d, want one Write each",
					rc.Writes, rc.Written, runs+1, len(pm.frame))
			}
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			if err := c.WritePrepared(ctx, pm); !errors.Is(err, context.Canceled) {
				t.Fatalf("WritePrepared with a cancelled ctx = %v, want context.Canceled", err)
			}
			if rc.Writes != runs+1 {
				t.Fatalf("a cancelled WritePrepared wrote")
			}
		})
	}
}
