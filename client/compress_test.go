package client

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/duplexws/duplex/conn"
	"github.com/duplexws/duplex/deflate"
	"github.com/duplexws/duplex/frame"
	"github.com/duplexws/duplex/internal/leak"
)

// countingConn counts the bytes written to the socket.
type countingConn struct {
	net.Conn
	n *atomic.Int64
}

func (c countingConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.n.Add(int64(n))
	return n, err
}

// TestDialCompression negotiates permessage-deflate (RFC 7692) with a server built from
// handshake + deflate.Negotiate + conn, echoes, and checks that what went over the wire
// was compressed.
func TestDialCompression(t *testing.T) {
	leak.Check(t)
	srv := newDeflateEchoServer(t, nil)
	var written atomic.Int64
	var d net.Dialer
	ctx := ctxT(t)
	c, resp, err := Dial(ctx, srv.url+"/", &Options{
		Compression: &deflate.Options{},
		NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			nc, err := d.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return countingConn{nc, &written}, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	if !strings.HasPrefix(resp.Header.Get("Sec-WebSocket-Extensions"), "permessage-deflate") {
		t.Fatalf("extensions answered: %q", resp.Header.Get("Sec-WebSocket-Extensions"))
	}
	before := written.Load()
	msg := []byte(strings.Repeat("duplex compresses repetitive text well. ", 25000)) // 1 MiB
	for range 3 {
		if err := c.WriteMessage(ctx, conn.Text, msg); err != nil {
			t.Fatal(err)
		}
		_, got, err := c.ReadMessage(ctx, nil)
		if err != nil || string(got) != string(msg) {
			t.Fatalf("echo: %d bytes, %v", len(got), err)
		}
	}
	if sent := written.Load() - before; sent > int64(len(msg)) {
		t.Errorf("sent %d bytes for 3 MiB of repetitive text: not compressed", sent)
	}
	c.Close(frame.CloseNormal, "")
}

func TestDialCompressionBadAnswer(t *testing.T) {
	leak.Check(t)
	srv := newRawResponder(t, func(key string) string {
		return ok101(key, "Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=20")
	})
	_, resp, err := Dial(ctxT(t), srv.url+"/", &Options{Compression: &deflate.Options{}})
	if !errors.Is(err, ErrCompression) || resp == nil {
		t.Fatalf("err = %v; want ErrCompression with the response", err)
	}
	srv2 := newRawResponder(t, func(key string) string {
		return ok101(key, "Sec-WebSocket-Extensions: permessage-deflate, permessage-deflate")
	})
	if _, _, err := Dial(ctxT(t), srv2.url+"/", &Options{Compression: &deflate.Options{}}); !errors.Is(err, ErrCompression) {
		t.Fatalf("two answers: err = %v; want ErrCompression", err)
	}
}
