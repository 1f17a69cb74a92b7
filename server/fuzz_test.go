package server

import (
	"context"
	"io"
	"net"
	"testing"
	"time"

	"github.com/duplexws/duplex/conn"
	"github.com/duplexws/duplex/internal/leak"
)

// FuzzConn drives a server connection with arbitrary bytes from the peer, in both modes
// (queue and Handle), with the application echoing every message. Whatever the bytes, the
// server must not panic, must end the connection once the input is exhausted (or fail it
// earlier), and must leave no goroutine behind.
func FuzzConn(f *testing.F) {
	seeds := [][]byte{
		{},
		{0x81, 0x82, 1, 2, 3, 4, 'h' ^ 1, 'i' ^ 2},                         // masked "hi"
		{0x88, 0x82, 0, 0, 0, 0, 0x03, 0xe8},                               // close 1000
		{0x81, 0x02, 'h', 'i'},                                             // unmasked: 1002
		{0x01, 0x81, 0, 0, 0, 0, 'a', 0x80, 0x81, 0, 0, 0, 0, 'b'},         // fragments
		{0x89, 0x80, 0, 0, 0, 0, 0x81, 0x81, 0, 0, 0, 0, 0xff},             // ping, bad UTF-8
		{0x82, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},       // huge length
		{0x83, 0x80, 0, 0, 0, 0},                                           // reserved opcode
		{0xc1, 0x80, 0, 0, 0, 0},                                           // RSV1 not negotiated
		{0x82, 0xfe, 0x00, 0x7e, 1, 1, 1, 1},                               // truncated
		{0x8a, 0x80, 0, 0, 0, 0, 0x88, 0x80, 0, 0, 0, 0},                   // pong, empty close
		{0x88, 0x81, 0, 0, 0, 0, 0x03},                                     // 1-byte close: 1002
		{0x81, 0x80, 0, 0, 0, 0, 0x81, 0x80, 0, 0, 0, 0, 0x81, 0x80, 0, 0}, // empty texts
	}
	for _, s := range seeds {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, in []byte, direct bool) {
		leak.Check(t)
		srvSide, peer := net.Pipe()
		cfg := newConfig(&Options{Registry: &Registry{}, Logger: discardLogger(),
			CloseTimeout: 100 * time.Millisecond, QueueMessages: 2, ReadLimit: 1 << 10})
		c := newConn(conn.New(srvSide, nil, conn.Server, &conn.Options{
			ReadLimit: 1 << 10, CloseTimeout: 100 * time.Millisecond}), cfg, nil, "", nil, direct)
		c.start()
		drained := make(chan struct{})
		go func() { // the peer reads whatever the server answers
			io.Copy(io.Discard, peer)
			close(drained)
		}()
		go func() { // the peer writes the input, then hangs up
			peer.SetWriteDeadline(time.Now().Add(2 * time.Second))
			peer.Write(in)
			peer.Close()
		}()
		if direct {
			dispatch(c, echoHandler{})
		} else {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			for {
				m, err := c.WaitContext(ctx)
				if err != nil {
					if ctx.Err() != nil {
						t.Fatal("the connection did not end after the input")
					}
					break
				}
				c.Send(m.Type, m.Data)
			}
		}
		select {
		case <-c.Done():
		case <-time.After(5 * time.Second):
			t.Fatal("Done not closed")
		}
		if c.ReadyState() != Closed || c.Err() == nil {
			t.Fatalf("ended in %v with %v", c.ReadyState(), c.Err())
		}
		<-drained
	})
}
