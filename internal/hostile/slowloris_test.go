package hostile

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/duplexws/duplex/conn"
	"github.com/duplexws/duplex/frame"
	"github.com/duplexws/duplex/internal/leak"
	"github.com/duplexws/duplex/server"
)

// TestSlowHandshake dribbles an opening handshake a byte every 10 ms (about 2 s for the
// whole request). The server must cut it off once the handshake timeout passes, without
// answering, while other clients connect and are served meanwhile. Serve bounds the
// handshake with Options.HandshakeTimeout; behind net/http the bound is
// http.Server.ReadHeaderTimeout (the zero http.Server has none: set it).
func TestSlowHandshake(t *testing.T) {
	const timeout = 300 * time.Millisecond
	setups := []struct {
		name  string
		serve func(t *testing.T, e *echo) string
		// net/http may answer 400 when ReadHeaderTimeout cuts a request mid-line: bufio's
		// ReadLine hands it the partial line without the timeout error, which then fails
		// to parse. That is net/http's answer, not a handshake; Serve answers nothing.
		may400 bool
	}{
		{"Serve", func(t *testing.T, e *echo) string {
			return serveRaw(t, e, &server.Options{HandshakeTimeout: timeout})
		}, false},
		{"net/http", func(t *testing.T, e *echo) string {
			opts := withRegistry(nil)
			return serveHTTP(t, server.Handle(e, opts), opts.Registry,
				func(s *http.Server) { s.ReadHeaderTimeout = timeout })
		}, true},
	}
	for _, s := range setups {
		t.Run(s.name, func(t *testing.T) {
			leak.Check(t)
			e := newEcho()
			addr := s.serve(t, e)
			slow := dialRaw(t, addr)
			req := upgradeRequest(addr)
			start := time.Now()

			stop := make(chan struct{})
			sent := make(chan int, 1)
			go func() { // the slowloris: one byte per tick until cut off or stopped
				tick := time.NewTicker(10 * time.Millisecond)
				defer tick.Stop()
				i := 0
				defer func() { sent <- i }()
				for ; i < len(req); i++ {
					select {
					case <-tick.C:
					case <-stop:
						return
					}
					if _, err := slow.Write([]byte{req[i]}); err != nil {
						return
					}
				}
			}()
			type readResult struct {
				got []byte
				err error
				at  time.Duration
			}
			cut := make(chan readResult, 1)
			go func() {
				slow.SetReadDeadline(time.Now().Add(testTimeout))
				var b [512]byte
				n, err := slow.Read(b[:])
				cut <- readResult{b[:n], err, time.Since(start)}
			}()

			// Others are served while the slow handshake is pending.
			for i := range 5 {
				p := handshake(t, addr)
				p.echoRoundTrip(fmt.Sprintf("client %d", i))
			}

			r := <-cut
			close(stop)
			n := <-sent
			switch {
			case len(r.got) == 0:
			case s.may400 && bytes.HasPrefix(r.got, []byte("HTTP/1.1 400 ")):
			default:
				t.Errorf("the server answered a handshake it never fully received: %q", r.got)
			}
			var ne interface{ Timeout() bool }
			if errors.As(r.err, &ne) && ne.Timeout() {
				t.Fatalf("the slow handshake was not cut off within %v", testTimeout)
			}
			if r.at < timeout/2 || r.at > timeout+3*time.Second {
				t.Errorf("cut off after %v, want about %v", r.at, timeout)
			}
			if n >= len(req) {
				t.Errorf("the whole request (%d bytes) went out before the cut", len(req))
			}
		})
	}
}

// TestIdleHalfFrame: a peer sends the first two bytes of a frame header and then nothing,
// and does not read. Conn keeps no goroutine of its own for this; the user's policy bounds
// it: keepalive (Options.PingInterval) fails the connection when no pong comes, and a read
// deadline set from Open (Underlying().SetReadDeadline) fails it inside the frame. Either
// way the handler sees 1006 and the peer sees TCP closed.
func TestIdleHalfFrame(t *testing.T) {
	policies := []struct {
		name  string
		opts  *server.Options
		open  func(*server.Conn)
		cause error
	}{
		{"keepalive", &server.Options{PingInterval: 100 * time.Millisecond}, nil, conn.ErrPongTimeout},
		{"read-deadline", nil, func(c *server.Conn) {
			c.Underlying().SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		}, nil},
	}
	for _, pol := range policies {
		t.Run(pol.name, func(t *testing.T) {
			leak.Check(t)
			e := newEcho()
			e.open = pol.open
			addr := serveRaw(t, e, pol.opts)
			p := handshake(t, addr)
			start := time.Now()
			p.write([]byte{0x81, 0x85}) // half a header: FIN text, masked, 5 bytes
			err := e.waitClosed(t)
			if code := server.CloseStatus(err); code != frame.CloseAbnormal {
				t.Fatalf("OnClose(%v): code %d, want 1006", err, code)
			}
			if pol.cause != nil && !errors.Is(err, pol.cause) {
				t.Errorf("OnClose(%v), want it to wrap %v", err, pol.cause)
			}
			if d := time.Since(start); d > 3*time.Second {
				t.Errorf("the idle half frame was held for %v", d)
			}
			p.expectEOF()
		})
	}
}

// TestIdleReadDeadlineBetweenMessages: a peer completes the handshake and sends nothing.
// A read deadline the handler set must end the connection, TCP included: a server that
// reports the connection ended but leaves the socket open leaks a descriptor per idle
// peer.
func TestIdleReadDeadlineBetweenMessages(t *testing.T) {
	leak.Check(t)
	e := newEcho()
	e.open = func(c *server.Conn) {
		c.Underlying().SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	}
	addr := serveRaw(t, e, nil)
	p := handshake(t, addr)
	err := e.waitClosed(t)
	if err == nil {
		t.Fatal("OnClose(nil) after a read deadline")
	}
	p.expectEOF()
}
