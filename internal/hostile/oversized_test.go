package hostile

import (
	"bufio"
	"net/http"
	"strings"
	"testing"

	"github.com/duplexws/duplex/frame"
	"github.com/duplexws/duplex/internal/leak"
	"github.com/duplexws/duplex/server"
)

// TestOversizedHeaderBlock sends an opening handshake with a 1 MiB header field. The raw
// path keeps at most 16 KiB (handshake.DefaultMaxHeaderBytes) and answers 431 (RFC 6585
// §5); net/http's own limit (http.DefaultMaxHeaderBytes, 1 MiB) answers 431 too. On the raw
// path the whole exchange must allocate far less than the header's size.
func TestOversizedHeaderBlock(t *testing.T) {
	huge := "X-Big: " + strings.Repeat("a", 2<<20)
	many := make([]string, 150)
	for i := range many {
		many[i] = "X-Field: v"
	}
	cases := []struct {
		name     string
		extra    []string
		status   int
		maxAlloc uint64 // 0: not measured
	}{
		{"Serve/one-huge-field", []string{huge}, http.StatusRequestHeaderFieldsTooLarge, 512 << 10},
		{"Serve/150-fields", many, http.StatusRequestHeaderFieldsTooLarge, 512 << 10},
		{"net/http/one-huge-field", []string{huge}, http.StatusRequestHeaderFieldsTooLarge, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			leak.Check(t)
			var addr string
			if strings.HasPrefix(tc.name, "Serve") {
				addr = serveRaw(t, newEcho(), nil)
			} else {
				opts := withRegistry(nil)
				addr = serveHTTP(t, server.Handle(newEcho(), opts), opts.Registry, nil)
			}
			nc := dialRaw(t, addr)
			req := []byte(upgradeRequest(addr, tc.extra...))
			before := totalAlloc()
			go func() { // the server stops reading: the write may fail, that is fine
				nc.Write(req)
			}()
			resp, err := http.ReadResponse(bufio.NewReader(nc), nil)
			if err != nil {
				t.Fatalf("no HTTP answer: %v", err)
			}
			resp.Body.Close()
			grew := totalAlloc() - before
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.status)
			}
			if tc.maxAlloc > 0 && grew > tc.maxAlloc {
				t.Errorf("the refusal allocated %d bytes (bound %d)", grew, tc.maxAlloc)
			}
			nc.Close()
		})
	}
}

// TestHugeDeclaredLength sends frame headers declaring lengths up to 2^63-1 with a few
// bytes of payload. A length over the read limit (default 16 MiB) is refused with 1009
// before anything is buffered (RFC 6455 §10.4, §7.4.1); a length with the most significant
// bit set is a framing error, 1002 (§5.2). The server must not allocate for the declared
// size: the test measures the bytes allocated while the connection is failed.
func TestHugeDeclaredLength(t *testing.T) {
	cases := []struct {
		name   string
		length uint64
		code   frame.CloseCode
	}{
		{"16MiB+1", 16<<20 + 1, frame.CloseTooBig},
		{"2^32", 1 << 32, frame.CloseTooBig},
		{"2^63-1", 1<<63 - 1, frame.CloseTooBig},
		{"2^63", 1 << 63, frame.CloseProtocolError},
		{"2^64-1", 1<<64 - 1, frame.CloseProtocolError},
	}
	for _, m := range modes {
		for _, tc := range cases {
			t.Run(m.name+"/"+tc.name, func(t *testing.T) {
				leak.Check(t)
				addr, closed := m.serve(t, nil, nil)
				p := handshake(t, addr)
				before := totalAlloc()
				p.write(append(clientHeader(true, frame.OpBinary, tc.length), 1, 2, 3, 4, 5, 6, 7, 8))
				if code := p.expectClose(); code != tc.code {
					t.Fatalf("close code %d, want %d", code, tc.code)
				}
				err := waitErr(t, closed)
				if grew := totalAlloc() - before; grew > 1<<20 {
					t.Errorf("failing the connection allocated %d bytes", grew)
				}
				if code := server.CloseStatus(err); code != tc.code {
					t.Errorf("handler saw %v (code %d), want %d", err, code, tc.code)
				}
				p.expectEOF()
			})
		}
	}
}

// TestMessageOverReadLimit sends a message in 16 KiB fragments past a 64 KiB read limit:
// the fragment whose header takes the message over the limit fails it with 1009, and the
// server holds at most the limit meanwhile, then closes once the peer answers the close.
func TestMessageOverReadLimit(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			leak.Check(t)
			addr, closed := m.serve(t, &server.Options{ReadLimit: 64 << 10}, nil)
			p := handshake(t, addr)
			chunk := make([]byte, 16<<10)
			var stream []byte
			stream = append(stream, clientFrame(false, frame.OpBinary, chunk)...)
			for range 6 {
				stream = append(stream, clientFrame(false, frame.OpContinuation, chunk)...)
			}
			stream = append(stream, clientFrame(true, frame.OpContinuation, nil)...)
			go p.nc.Write(stream) // the server refuses the message at the 5th fragment
			if code := p.expectClose(); code != frame.CloseTooBig {
				t.Fatalf("close code %d, want 1009", code)
			}
			// Answer the close as a peer does (RFC 6455 §5.5.1). The server skips the rest
			// of the refused message (its frames' ends are known), reads this close after
			// it and closes TCP; the write above finishes first (it holds the socket).
			cp, err := frame.AppendClose(nil, frame.CloseTooBig, "")
			if err != nil {
				t.Fatal(err)
			}
			p.write(clientFrame(true, frame.OpClose, cp))
			p.expectEOF()
			if err := waitErr(t, closed); server.CloseStatus(err) != frame.CloseTooBig {
				t.Errorf("handler saw %v, want 1009", err)
			}
		})
	}
}
