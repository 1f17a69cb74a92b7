package conn

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"testing"

	"github.com/duplexws/duplex/frame"
	"github.com/duplexws/duplex/internal/memconn"
)

// BenchmarkWriteFast measures the server write paths on a net.Conn that discards writes
// (memconn.Replay), so only the library's own work counts. The baseline, in the same
// run, is what the fastest peer (gobwas/ws) does per message: the header into a 4 KiB
// bufio.Writer, the payload Write, Flush. Cases:
//
//   - message: WriteMessage from one goroutine (the uncontended fast path);
//   - parallel: WriteMessage from GOMAXPROCS goroutines at once (frames queue behind the
//     goroutine writing and go out together);
//   - prepared: WritePrepared of a message encoded once;
//   - batch16: WriteMessages of 16 messages (encoded into one buffer, one Write);
//   - ping: Ping with a payload of min(size, 125) bytes.
func BenchmarkWriteFast(b *testing.B) {
	ctx := context.Background()
	for _, size := range benchSizes {
		p := payloadOf(size, false)
		b.Run(fmt.Sprintf("baseline-bufio/%d", size), func(b *testing.B) {
			rc := &memconn.Replay{}
			bw := bufio.NewWriterSize(rc, 4096)
			var hb [frame.MaxHeaderSize]byte
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				h := frame.Header{Fin: true, Opcode: frame.OpBinary, Length: int64(len(p))}
				bw.Write(h.Append(hb[:0]))
				bw.Write(p)
				if err := bw.Flush(); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("message/%d", size), func(b *testing.B) {
			c := New(&memconn.Replay{}, nil, Server, nil)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				if err := c.WriteMessage(ctx, Binary, p); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("parallel/%d", size), func(b *testing.B) {
			c := New(&memconn.Replay{}, nil, Server, nil) // written by one goroutine at a time
			b.SetBytes(int64(size))
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := c.WriteMessage(ctx, Binary, p); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
		b.Run(fmt.Sprintf("prepared/%d", size), func(b *testing.B) {
			c := New(&memconn.Replay{}, nil, Server, nil)
			pm, err := PrepareMessage(Binary, p)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				if err := c.WritePrepared(ctx, pm); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("batch16/%d", size), func(b *testing.B) {
			c := New(&memconn.Replay{}, nil, Server, nil)
			msgs := make([]Message, 16)
			for i := range msgs {
				msgs[i] = Message{Type: Binary, Data: p}
			}
			b.SetBytes(int64(16 * size))
			b.ReportAllocs()
			for b.Loop() {
				if err := c.WriteMessages(ctx, msgs); err != nil {
					b.Fatal(err)
				}
			}
		})
		if size <= 1<<10 {
			b.Run(fmt.Sprintf("ping/%d", size), func(b *testing.B) {
				c := New(&memconn.Replay{}, nil, Server, nil)
				pp := p[:min(size, frame.MaxControlPayload)]
				b.SetBytes(int64(len(pp)))
				b.ReportAllocs()
				for b.Loop() {
					if err := c.Ping(ctx, pp); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkWriteTCP measures server WriteMessage to a loopback TCP socket whose other end
// a goroutine drains: small frames in one write, larger ones in one writev from the
// caller's buffer. The baseline writes the same frame bytes, encoded beforehand, with one
// net.Conn Write.
func BenchmarkWriteTCP(b *testing.B) {
	ctx := context.Background()
	for _, size := range benchSizes {
		p := payloadOf(size, false)
		frameBytes := rawFrame(frame.OpBinary, true, 0, p, false)
		drained := func(b *testing.B) (net.Conn, func()) {
			a, r := tcpPairB(b)
			done := make(chan struct{})
			go func() {
				defer close(done)
				buf := make([]byte, 256<<10)
				for {
					if _, err := r.Read(buf); err != nil {
						return
					}
				}
			}()
			return a, func() { a.Close(); r.Close(); <-done }
		}
		b.Run(fmt.Sprintf("baseline-write/%d", size), func(b *testing.B) {
			a, stop := drained(b)
			defer stop()
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := a.Write(frameBytes); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("message/%d", size), func(b *testing.B) {
			a, stop := drained(b)
			defer stop()
			c := New(a, nil, Server, nil)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				if err := c.WriteMessage(ctx, Binary, p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkWriteClient measures a client's WriteMessage (a fresh masking key per frame,
// payload copied and masked, RFC 6455 §5.3) on a net.Conn that discards writes, with the
// server's unmasked write of the same message in the same run as the baseline: the
// difference is the client's copy and masking.
func BenchmarkWriteClient(b *testing.B) {
	ctx := context.Background()
	for _, size := range benchSizes {
		p := payloadOf(size, false)
		for _, role := range []Role{Server, Client} {
			b.Run(fmt.Sprintf("%v/%d", role, size), func(b *testing.B) {
				c := New(&memconn.Replay{}, nil, role, nil)
				b.SetBytes(int64(size))
				b.ReportAllocs()
				for b.Loop() {
					if err := c.WriteMessage(ctx, Binary, p); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
