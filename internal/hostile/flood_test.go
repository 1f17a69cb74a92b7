package hostile

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/duplexws/duplex/frame"
	"github.com/duplexws/duplex/internal/leak"
	"github.com/duplexws/duplex/server"
)

// smallSendBuffer shrinks the server socket's send buffer, so that a peer that stops
// reading blocks the server's writes after a few KiB instead of a few MiB (the kernel's
// autotuned loopback buffers would otherwise hide the back-pressure).
func smallSendBuffer(c *server.Conn) {
	if tc, ok := c.Underlying().NetConn().(*net.TCPConn); ok {
		tc.SetWriteBuffer(4096)
	}
}

// TestPingFlood sends 30,000 pings without reading a single pong. The server keeps
// reading (the reader never waits for a pong write), answers at most a bounded number of
// pings while its socket is full (RFC 6455 §5.5.3 lets it answer only the latest), and
// its heap stays flat. Afterwards the connection still works, every pong it sent carries
// the payload of a ping, in order, and the latest ping is answered before the close frame.
func TestPingFlood(t *testing.T) {
	const pings = 30000
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			leak.Check(t)
			addr, _ := m.serve(t, nil, smallSendBuffer)
			p := slowReader(t, addr)
			var flood []byte
			for i := range pings {
				flood = append(flood, clientFrame(true, frame.OpPing, fmt.Appendf(nil, "%08d", i))...)
			}
			base := heapInUse()
			p.write(flood) // would block forever if the server stopped reading
			grew := int64(heapInUse()) - int64(base)
			if grew > 1<<20 {
				t.Errorf("heap grew by %d bytes during a ping flood", grew)
			}

			p.write(clientFrame(true, frame.OpText, []byte("still there?")))
			pongs, last, echoed := 0, -1, false
			for {
				h, payload, err := p.readFrame()
				if err != nil {
					t.Fatalf("after %d pongs: %v", pongs, err)
				}
				if h.Opcode == frame.OpClose {
					break
				}
				if h.Opcode == frame.OpText {
					if string(payload) != "still there?" {
						t.Fatalf("echo %q", payload)
					}
					echoed = true
					// The echo may overtake the pong for the latest ping (§5.5.3 lets it
					// come later); close now, and the pong must come before the answer.
					p.write(clientFrame(true, frame.OpClose, []byte{0x03, 0xe8}))
					continue
				}
				if h.Opcode != frame.OpPong {
					t.Fatalf("unexpected %v frame", h.Opcode)
				}
				var n int
				if _, err := fmt.Sscanf(string(payload), "%08d", &n); err != nil || n <= last || n >= pings {
					t.Fatalf("pong %q after pong %d: not the answer to a later ping", payload, last)
				}
				last = n
				pongs++
			}
			if !echoed {
				t.Fatal("the message after the flood was not echoed")
			}
			if pongs == 0 {
				t.Fatal("no pong at all")
			}
			if last != pings-1 {
				t.Errorf("the last ping (%d) was not answered; last pong %d", pings-1, last)
			}
			t.Logf("%d pings, %d pongs, heap %+d bytes", pings, pongs, grew)
		})
	}
}

// TestTinyFragments sends one 20,000-byte text message as 20,000 one-byte fragments, with a
// ping every 1,000 fragments, and expects it back whole.
func TestTinyFragments(t *testing.T) {
	const n = 20000
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			leak.Check(t)
			addr, _ := m.serve(t, nil, nil)
			p := handshake(t, addr)
			want := bytes.Repeat([]byte("abcdefghij"), n/10)
			var stream []byte
			for i := range n {
				op := frame.OpContinuation
				if i == 0 {
					op = frame.OpText
				}
				stream = append(stream, clientFrame(i == n-1, op, want[i:i+1])...)
				if i%1000 == 500 {
					stream = append(stream, clientFrame(true, frame.OpPing, []byte("mid"))...)
				}
			}
			go p.nc.Write(stream)
			pongs := 0
			for {
				h, payload, err := p.readFrame()
				if err != nil {
					t.Fatal(err)
				}
				if h.Opcode == frame.OpPong {
					pongs++
					continue
				}
				if h.Opcode != frame.OpText || !h.Fin || !bytes.Equal(payload, want) {
					t.Fatalf("echo: %v fin=%v %d bytes", h.Opcode, h.Fin, len(payload))
				}
				break
			}
			if pongs == 0 {
				t.Error("pings between fragments were not answered")
			}
		})
	}
}

// TestConnectionFlood opens more connections than Options.MaxConnections: the excess gets
// 503 with Retry-After and a Warn log line each, the live ones keep working, and a slot
// freed by a closed connection is reused.
func TestConnectionFlood(t *testing.T) {
	const max, extra = 4, 6
	for _, serveName := range []string{"Serve", "net/http"} {
		t.Run(serveName, func(t *testing.T) {
			leak.Check(t)
			logs := &logBuffer{}
			e := newEcho()
			opts := withRegistry(&server.Options{MaxConnections: max, Logger: newLogger(logs)})
			var addr string
			if serveName == "Serve" {
				addr = serveRaw(t, e, opts)
			} else {
				addr = serveHTTP(t, server.Handle(e, opts), opts.Registry, nil)
			}
			var live []*peer
			for range max {
				live = append(live, handshake(t, addr))
			}
			for i := range extra {
				nc := dialRaw(t, addr)
				nc.SetDeadline(time.Now().Add(testTimeout))
				nc.Write([]byte(upgradeRequest(addr)))
				resp, err := http.ReadResponse(bufio.NewReader(nc), nil)
				if err != nil {
					t.Fatalf("extra %d: %v", i, err)
				}
				if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
					t.Fatalf("extra %d: %s, Retry-After %q; want 503 with Retry-After", i, resp.Status, resp.Header.Get("Retry-After"))
				}
			}
			if got := strings.Count(logs.String(), "status=503"); got != extra {
				t.Errorf("%d log lines with status=503, want %d:\n%s", got, extra, logs)
			}
			for i, p := range live {
				p.echoRoundTrip(fmt.Sprintf("live %d", i))
			}
			if s := opts.Registry.Stats(); s.Connections != max || s.Refused < extra {
				t.Errorf("stats %+v", s)
			}
			// Free a slot with a proper close; the next upgrade gets it.
			live[0].write(clientFrame(true, frame.OpClose, []byte{0x03, 0xe8}))
			if code := live[0].expectClose(); code != frame.CloseNormal {
				t.Fatalf("close echo %d", code)
			}
			e.waitClosed(t)
			handshake(t, addr).echoRoundTrip("reused slot")
		})
	}
}
