package hostile

import (
	"testing"
	"time"

	"github.com/duplexws/duplex/frame"
	"github.com/duplexws/duplex/internal/leak"
	"github.com/duplexws/duplex/server"
)

// TestResetMidHandshake: a peer sends half an opening handshake and resets the TCP
// connection. No connection is opened or counted, and nothing is left running.
func TestResetMidHandshake(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			leak.Check(t)
			opts := withRegistry(nil)
			opened := make(chan struct{}, 1)
			addr, _ := m.serve(t, opts, func(*server.Conn) { opened <- struct{}{} })
			nc := dialRaw(t, addr)
			req := upgradeRequest(addr)
			nc.Write([]byte(req[:len(req)/2]))
			reset(nc)
			// A full handshake afterwards works, and is the only connection counted.
			handshake(t, addr).echoRoundTrip("after the reset")
			<-opened
			select {
			case <-opened:
				t.Fatal("the reset handshake opened a connection")
			default:
			}
			if s := opts.Registry.Stats(); s.Accepted != 1 {
				t.Errorf("Accepted = %d, want 1", s.Accepted)
			}
		})
	}
}

// TestResetMidFrame: a peer resets the connection inside a frame's payload, or inside a
// close frame. The handler sees 1006 (RFC 6455 §7.1.5: closed without a close frame).
func TestResetMidFrame(t *testing.T) {
	partial := map[string][]byte{
		"data":  clientFrame(true, frame.OpBinary, make([]byte, 1000))[:500],
		"close": clientFrame(true, frame.OpClose, []byte{0x03, 0xe8, 'b', 'y', 'e'})[:8],
	}
	for _, m := range modes {
		for name, b := range partial {
			t.Run(m.name+"/"+name, func(t *testing.T) {
				leak.Check(t)
				addr, closed := m.serve(t, nil, nil)
				p := handshake(t, addr)
				p.write(b)
				reset(p.nc)
				err := waitErr(t, closed)
				if code := server.CloseStatus(err); code != frame.CloseAbnormal {
					t.Fatalf("handler saw %v (code %d), want 1006", err, code)
				}
			})
		}
	}
}

// TestResetInsteadOfCloseAnswer: the server starts the closing handshake and the peer
// resets instead of answering. The server must not wait out CloseTimeout (5 s by
// default): the reset ends the handshake at once.
func TestResetInsteadOfCloseAnswer(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			leak.Check(t)
			addr, closed := m.serve(t, nil, func(c *server.Conn) {
				go c.Close(frame.CloseNormal, "bye")
			})
			p := handshake(t, addr)
			if code := p.expectClose(); code != frame.CloseNormal {
				t.Fatalf("close code %d", code)
			}
			start := time.Now()
			reset(p.nc)
			err := waitErr(t, closed)
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("the server waited %v after the reset", d)
			}
			// The server sent 1000 and got no answer: conn reports its own code (1000);
			// 1006 would be the RFC 6455 §7.1.5 view. Either is a closed connection.
			if code := server.CloseStatus(err); code != frame.CloseNormal && code != frame.CloseAbnormal {
				t.Errorf("handler saw %v (code %d)", err, code)
			}
			t.Logf("handler saw: %v", err)
		})
	}
}
