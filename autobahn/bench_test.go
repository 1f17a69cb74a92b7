package autobahn

import (
	"context"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// BenchmarkEchoRoundTrip measures one 1 KiB text round trip through the harness's raw
// client: against EchoHandler (this library's conn) and, as the same-run baseline,
// against the test's naive raw echo server.
func BenchmarkEchoRoundTrip(b *testing.B) {
	targets := []struct {
		name string
		h    http.Handler
	}{
		{"duplex", EchoHandler()},
		{"raw-baseline", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			a, err := acceptUpgrade(w, r, "")
			if err != nil {
				return
			}
			rawEcho{}.serve(a.conn, a.br)
		})},
	}
	payload := []byte(strings.Repeat("x", 1024))
	for _, tt := range targets {
		b.Run(tt.name, func(b *testing.B) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			srv := &http.Server{Handler: tt.h}
			go srv.Serve(ln)
			defer srv.Close()
			d, err := dial(context.Background(), localURL(ln), "", 5*time.Second)
			if err != nil {
				b.Fatal(err)
			}
			defer d.conn.Close()
			frame := encodeFrame(nil, true, 0, opText, payload, true, [4]byte{1, 2, 3, 4})
			b.SetBytes(int64(len(payload)))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := d.conn.Write(frame); err != nil {
					b.Fatal(err)
				}
				f, err := readFrame(d.br, 1<<20)
				if err != nil || len(f.payload) != len(payload) {
					b.Fatalf("echo: %d octets, %v", len(f.payload), err)
				}
			}
		})
	}
}

// localURL returns the ws:// URL of a listener's address.
func localURL(ln net.Listener) string {
	a := ln.Addr().(*net.TCPAddr)
	return "ws://" + net.JoinHostPort(a.IP.String(), strconv.Itoa(a.Port))
}
