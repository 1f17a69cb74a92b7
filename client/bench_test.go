package client

import (
	"context"
	"net"
	"strings"
	"testing"

	"github.com/duplexws/duplex/frame"
)

// BenchmarkDial measures a whole client handshake over loopback TCP (dial, request,
// response, verification, conn.New, closing handshake) against the same-run baseline of a
// bare TCP connect and close to the same server.
func BenchmarkDial(b *testing.B) {
	srv := newEchoServer(b, nil)
	ctx := context.Background()
	b.Run("duplex-Dial+Close", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			c, _, err := Dial(ctx, srv.url+"/", nil)
			if err != nil {
				b.Fatal(err)
			}
			if err := c.Close(frame.CloseNormal, ""); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("baseline-tcp-connect+close", func(b *testing.B) {
		b.ReportAllocs()
		addr := strings.TrimPrefix(srv.url, "ws://")
		var d net.Dialer
		for b.Loop() {
			nc, err := d.DialContext(ctx, "tcp", addr)
			if err != nil {
				b.Fatal(err)
			}
			nc.Close()
		}
	})
}
