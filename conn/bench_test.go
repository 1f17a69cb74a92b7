package conn

import (
	"context"
	"fmt"
	"io"
	"net"
	"testing"

	"github.com/duplexws/duplex/frame"
	"github.com/duplexws/duplex/internal/memconn"
)

var benchSizes = []int{16, 1024, 64 << 10}

// encodedStream returns frames as a peer of a Conn in role sends them: count messages of
// size bytes (masked when the Conn is a server), concatenated.
func encodedStream(role Role, typ MessageType, size, count int) []byte {
	payload := payloadOf(size, true)
	var out []byte
	for i := 0; i < count; i++ {
		out = append(out, rawFrame(frame.Opcode(typ), true, 0, payload, role == Server)...)
	}
	return out
}

// readConn returns a Conn in role whose transport replays messages forever.
func readConn(role Role, typ MessageType, size int) *Conn {
	count := max(1, (256<<10)/(size+14))
	return New(&memconn.Replay{Data: encodedStream(role, typ, size, count)}, nil, role, nil)
}

// TestZeroAllocs asserts that reading and writing whole messages allocates nothing in
// steady state, for both roles, both types and all benchmark sizes.
func TestZeroAllocs(t *testing.T) {
	ctx := context.Background()
	for _, role := range []Role{Server, Client} {
		for _, typ := range []MessageType{Text, Binary} {
			for _, size := range benchSizes {
				name := fmt.Sprintf("%v/%v/%d", role, typ, size)
				t.Run("read/"+name, func(t *testing.T) {
					c := readConn(role, typ, size)
					buf := make([]byte, 0, size)
					allocs := testing.AllocsPerRun(200, func() {
						_, b, err := c.ReadMessage(ctx, buf)
						if err != nil || len(b) != size {
							t.Fatalf("ReadMessage: %d bytes, %v", len(b), err)
						}
					})
					if allocs != 0 {
						t.Fatalf("%v allocations per ReadMessage, want 0", allocs)
					}
				})
				t.Run("write/"+name, func(t *testing.T) {
					rc := &memconn.Replay{}
					c := New(rc, nil, role, nil)
					p := payloadOf(size, true)
					allocs := testing.AllocsPerRun(200, func() {
						if err := c.WriteMessage(ctx, typ, p); err != nil {
							t.Fatal(err)
						}
					})
					if allocs != 0 {
						t.Fatalf("%v allocations per WriteMessage, want 0", allocs)
					}
					// One Write per message; a server frame of writevMin or more goes to a
					// net.Conn without writev as two (header with the first part of the
					// payload, then the rest uncopied).
					perMsg := int64(1)
					if role == Server && size+frame.MaxHeaderSize >= writevMin {
						perMsg = 2
					}
					if rc.Writes > 201*perMsg {
						t.Fatalf("%d writes for 201 messages, want at most %d each", rc.Writes, perMsg)
					}
				})
			}
		}
	}
}

// BenchmarkReadMessage reads whole messages from an in-memory transport replaying
// pre-encoded frames. The baseline reads the same bytes with io.ReadFull: the transport
// and copy cost, without parsing, unmasking or validation.
func BenchmarkReadMessage(b *testing.B) {
	ctx := context.Background()
	for _, size := range benchSizes {
		b.Run(fmt.Sprintf("baseline/%d", size), func(b *testing.B) {
			rc := &memconn.Replay{Data: encodedStream(Client, Binary, size, 1)}
			buf := make([]byte, len(rc.Data))
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := io.ReadFull(rc, buf); err != nil {
					b.Fatal(err)
				}
			}
		})
		for _, role := range []Role{Server, Client} {
			for _, typ := range []MessageType{Text, Binary} {
				b.Run(fmt.Sprintf("%v/%v/%d", role, typ, size), func(b *testing.B) {
					c := readConn(role, typ, size)
					buf := make([]byte, 0, size)
					b.SetBytes(int64(size))
					b.ReportAllocs()
					for b.Loop() {
						if _, _, err := c.ReadMessage(ctx, buf); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		}
	}
}

// BenchmarkWriteMessage writes whole messages to an in-memory transport that discards
// them. The baseline is copying the payload once into a buffer, as framing it must.
func BenchmarkWriteMessage(b *testing.B) {
	ctx := context.Background()
	for _, size := range benchSizes {
		b.Run(fmt.Sprintf("baseline/%d", size), func(b *testing.B) {
			p := payloadOf(size, true)
			dst := make([]byte, size+14)
			rc := &memconn.Replay{}
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				copy(dst[14:], p)
				rc.Write(dst)
			}
		})
		for _, role := range []Role{Server, Client} {
			for _, typ := range []MessageType{Text, Binary} {
				b.Run(fmt.Sprintf("%v/%v/%d", role, typ, size), func(b *testing.B) {
					c := New(&memconn.Replay{}, nil, role, nil)
					p := payloadOf(size, true)
					b.SetBytes(int64(size))
					b.ReportAllocs()
					for b.Loop() {
						if err := c.WriteMessage(ctx, typ, p); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		}
	}
}

// BenchmarkEchoTCP measures a round trip over loopback TCP: the client writes a message,
// the server reads and writes it back, the client reads it. The baseline does the same
// with raw net.Conn reads and writes of the same bytes (no framing at all).
func BenchmarkEchoTCP(b *testing.B) {
	ctx := context.Background()
	for _, size := range benchSizes {
		b.Run(fmt.Sprintf("baseline/%d", size), func(b *testing.B) {
			a, c := tcpPairB(b)
			defer a.Close()
			defer c.Close()
			go func() {
				buf := make([]byte, size)
				for {
					if _, err := io.ReadFull(a, buf); err != nil {
						return
					}
					if _, err := a.Write(buf); err != nil {
						return
					}
				}
			}()
			msg := payloadOf(size, true)
			buf := make([]byte, size)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				c.Write(msg)
				if _, err := io.ReadFull(c, buf); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("conn/%d", size), func(b *testing.B) {
			a, cc := tcpPairB(b)
			s, c := New(a, nil, Server, nil), New(cc, nil, Client, nil)
			defer s.CloseNow()
			defer c.CloseNow()
			go func() {
				var buf []byte
				for {
					typ, m, err := s.ReadMessage(ctx, buf)
					if err != nil {
						return
					}
					buf = m
					if err := s.WriteMessage(ctx, typ, m); err != nil {
						return
					}
				}
			}()
			msg := payloadOf(size, true)
			buf := make([]byte, 0, size)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				if err := c.WriteMessage(ctx, Text, msg); err != nil {
					b.Fatal(err)
				}
				if _, _, err := c.ReadMessage(ctx, buf); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func tcpPairB(b *testing.B) (net.Conn, net.Conn) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	ch := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		ch <- c
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	return <-ch, c
}
