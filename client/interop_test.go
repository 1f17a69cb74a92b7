package client

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/duplexws/duplex/conn"
	"github.com/duplexws/duplex/deflate"
	"github.com/duplexws/duplex/frame"
	"github.com/duplexws/duplex/internal/leak"
)

// interopSizes are the payload sizes of the interop matrix: the length-encoding
// boundaries of RFC 6455 §5.2 (125/126, 65535/65536) and large messages.
var interopSizes = []int{0, 125, 126, 65535, 65536, 1 << 20, 16 << 20}

// payload returns n bytes of deterministic content; for text, valid UTF-8 mixing 1- to
// 4-byte sequences (padded with ASCII so that it is exactly n bytes). Results are cached:
// the matrix uses each one twice.
func payload(n int, text bool) []byte {
	key := payloadKey{n, text}
	payloadMu.Lock()
	defer payloadMu.Unlock()
	if b, ok := payloadCache[key]; ok {
		return b
	}
	var b []byte
	if text {
		cycle := []byte("aé€𝄞zж") // 1+2+3+4+1+2 bytes
		b = bytes.Repeat(cycle, n/len(cycle))
		for len(b) < n {
			b = append(b, 'x')
		}
	} else {
		b = make([]byte, n)
		rand.NewChaCha8([32]byte{1, 2, 3}).Read(b)
	}
	payloadCache[key] = b
	return b
}

type payloadKey struct {
	n    int
	text bool
}

var (
	payloadMu    sync.Mutex
	payloadCache = map[payloadKey][]byte{}
)

// TestInterop is our client against our server (handshake + conn in the server role) over
// loopback TCP: every size, text and binary, whole and fragmented in both directions,
// echoed byte for byte; then a clean close and no goroutine left behind.
func TestInterop(t *testing.T) {
	leak.Check(t)
	plain := newEchoServer(t, nil)
	compressed := newDeflateEchoServer(t, nil)
	for _, mode := range []string{"whole", "fragmented", "deflate-whole", "deflate-fragmented"} {
		t.Run(mode, func(t *testing.T) {
			ctx := ctxT(t)
			o := &Options{Conn: &conn.Options{ReadLimit: 32 << 20, FragmentSize: 16 << 10}}
			srv := plain
			if strings.HasPrefix(mode, "deflate") {
				srv = compressed
				o.Compression = &deflate.Options{Threshold: -1} // compress every message
			}
			url := srv.url + "/"
			if strings.HasSuffix(mode, "fragmented") {
				url = srv.url + "/frag" // the server echoes through its streaming writer
			}
			c, resp, err := Dial(ctx, url, o)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != 101 {
				t.Fatalf("status %d", resp.StatusCode)
			}
			ext := resp.Header.Get("Sec-WebSocket-Extensions")
			if got, want := ext != "", o.Compression != nil; got != want {
				t.Fatalf("Sec-WebSocket-Extensions %q, compression offered %v", ext, want)
			}
			var got []byte
			for _, typ := range []conn.MessageType{conn.Text, conn.Binary} {
				for _, n := range interopSizes {
					if n > 1<<20 && o.Compression != nil {
						// 16 MiB of random bytes through compress/flate both ways takes
						// tens of seconds under -race; 16 MiB is covered uncompressed, and
						// the deflate engine's own tests cover large messages.
						continue
					}
					want := payload(n, typ == conn.Text)
					t.Run(fmt.Sprintf("%v/%d", typ, n), func(t *testing.T) {
						if !strings.HasSuffix(mode, "fragmented") {
							if err := c.WriteMessage(ctx, typ, want); err != nil {
								t.Fatal(err)
							}
						} else {
							w, err := c.Writer(ctx, typ)
							if err != nil {
								t.Fatal(err)
							}
							for p := want; len(p) > 0; { // uneven writes across frame edges
								k := min(len(p), 5000)
								if _, err := w.Write(p[:k]); err != nil {
									t.Fatal(err)
								}
								p = p[k:]
							}
							if err := w.Close(); err != nil {
								t.Fatal(err)
							}
						}
						var gotType conn.MessageType
						gotType, got, err = c.ReadMessage(ctx, got[:0])
						if err != nil {
							t.Fatal(err)
						}
						if gotType != typ {
							t.Errorf("type %v, want %v", gotType, typ)
						}
						if !bytes.Equal(got, want) {
							i := 0
							for i < len(got) && i < len(want) && got[i] == want[i] {
								i++
							}
							t.Fatalf("echo differs: got %d bytes, want %d, first difference at %d", len(got), len(want), i)
						}
					})
				}
			}
			if err := c.Close(frame.CloseNormal, "bye"); err != nil {
				t.Errorf("Close: %v", err)
			}
		})
	}
}

// TestInteropHTTPServer runs the echo against a net/http server (CheckRequest + Hijack),
// over plain TCP and over TLS (wss://).
func TestInteropHTTPServer(t *testing.T) {
	leak.Check(t)
	for _, useTLS := range []bool{false, true} {
		name := map[bool]string{false: "ws", true: "wss"}[useTLS]
		t.Run(name, func(t *testing.T) {
			srv := newHTTPEchoServer(t, useTLS)
			ctx := ctxT(t)
			o := &Options{}
			if useTLS {
				o.TLSConfig = srv.Client().Transport.(*http.Transport).TLSClientConfig
			}
			url := "ws" + strings.TrimPrefix(srv.URL, "http") + "/echo"
			c, _, err := Dial(ctx, url, o)
			if err != nil {
				t.Fatal(err)
			}
			defer c.CloseNow()
			if _, isTLS := c.NetConn().(*tls.Conn); isTLS != useTLS {
				t.Errorf("NetConn is TLS: %v, want %v", isTLS, useTLS)
			}
			for _, n := range []int{0, 126, 70000} {
				want := payload(n, false)
				if err := c.WriteMessage(ctx, conn.Binary, want); err != nil {
					t.Fatal(err)
				}
				_, got, err := c.ReadMessage(ctx, nil)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, want) {
					t.Fatalf("echo of %d bytes differs", n)
				}
			}
			if err := c.Close(frame.CloseNormal, ""); err != nil {
				t.Errorf("Close: %v", err)
			}
		})
	}
}
