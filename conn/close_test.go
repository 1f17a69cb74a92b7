package conn

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/duplexws/duplex/frame"
	"github.com/duplexws/duplex/internal/leak"
)

// TestPeerClose: the peer starts the closing handshake; the Conn echoes the code
// (RFC 6455 §5.5.1), closes TCP in the server role and waits for the server in the client
// role (§7.1.1), and reports a remote *CloseError.
func TestPeerClose(t *testing.T) {
	leak.Check(t)
	tests := []struct {
		name     string
		payload  []byte
		wantEcho frame.CloseCode
		wantErr  CloseError
	}{
		{"normal with reason", closePayload(1000, "bye"), 1000, CloseError{Code: 1000, Reason: "bye", Remote: true}},
		{"going away", closePayload(1001, ""), 1001, CloseError{Code: 1001, Remote: true}},
		{"application code", closePayload(4321, "app"), 4321, CloseError{Code: 4321, Reason: "app", Remote: true}},
		{"empty close answered empty", nil, frame.CloseNoStatus, CloseError{Code: frame.CloseNoStatus, Remote: true}},
	}
	for _, tc := range tests {
		for _, role := range []Role{Server, Client} {
			for _, tr := range transports {
				t.Run(tc.name+"/"+role.String()+"/"+tr.name, func(t *testing.T) {
					c, p := rawPair(t, tr, role, nil)
					errc := make(chan error, 1)
					go func() {
						_, _, err := c.ReadMessage(ctxT(t), nil)
						errc <- err
					}()
					<-p.send(p.encode(frame.OpClose, true, 0, tc.payload))
					if got := p.expectClose(); got != tc.wantEcho {
						t.Errorf("echoed code %d, want %d", got, tc.wantEcho)
					}
					if role == Server {
						p.expectEOF() // the server closes TCP first
					} else {
						// The client must wait for the server: it has not closed yet.
						select {
						case err := <-errc:
							t.Fatalf("client returned before the server closed TCP: %v", err)
						default:
						}
						p.nc.Close()
					}
					err := <-errc
					var ce *CloseError
					if !errors.As(err, &ce) || ce.Code != tc.wantErr.Code || ce.Reason != tc.wantErr.Reason || ce.Remote != tc.wantErr.Remote {
						t.Fatalf("read error = %#v, want %#v", err, tc.wantErr)
					}
					if err := c.WriteMessage(ctxT(t), Text, []byte("late")); !errors.Is(err, ErrClosed) {
						t.Fatalf("write after close = %v, want ErrClosed", err)
					}
					if err := c.Close(1000, ""); !errors.Is(err, ErrClosed) {
						t.Fatalf("Close after close = %v, want ErrClosed", err)
					}
				})
			}
		}
	}
}

// TestClientWaitsBounded: a server that never closes TCP after the close exchange holds
// the client at most CloseTimeout.
func TestClientWaitsBounded(t *testing.T) {
	leak.Check(t)
	c, p := rawPair(t, transports[1], Client, &Options{CloseTimeout: 50 * time.Millisecond})
	errc := make(chan error, 1)
	go func() {
		_, _, err := c.ReadMessage(ctxT(t), nil)
		errc <- err
	}()
	<-p.send(p.encode(frame.OpClose, true, 0, closePayload(1000, "")))
	p.expectClose()
	p.expectEOF() // the client gave up waiting and closed TCP itself
	if err := <-errc; CloseStatus(err) != 1000 {
		t.Fatalf("read error %v", err)
	}
}

// TestLocalClose: Close sends the close frame, discards data until the peer's close,
// then closes TCP; both sides see the code.
func TestLocalClose(t *testing.T) {
	leak.Check(t)
	for _, role := range []Role{Server, Client} {
		for _, tr := range transports {
			t.Run(role.String()+"/"+tr.name, func(t *testing.T) {
				c, p := rawPair(t, tr, role, nil)
				closed := make(chan error, 1)
				go func() { closed <- c.Close(frame.CloseGoingAway, "shutting down") }()
				f := p.mustRead()
				if f.h.Opcode != frame.OpClose || !bytes.Equal(f.payload, closePayload(1001, "shutting down")) {
					t.Fatalf("first frame %v %q, want close 1001", f.h.Opcode, f.payload)
				}
				if role == Client && !f.h.Masked || role == Server && f.h.Masked {
					t.Fatalf("close frame masked=%v in role %v", f.h.Masked, role)
				}
				// Data and a ping after the close are discarded, not answered (§5.5.1).
				<-p.send(p.encode(frame.OpText, true, 0, []byte("ignored")), p.encode(frame.OpPing, true, 0, []byte("p")))
				p.finishClose(1001)
				if err := <-closed; err != nil {
					t.Fatalf("Close = %v", err)
				}
				_, _, err := c.ReadMessage(ctxT(t), nil)
				var ce *CloseError
				if !errors.As(err, &ce) || ce.Code != 1001 || ce.Remote || ce.Reason != "shutting down" {
					t.Fatalf("read after Close = %#v", err)
				}
			})
		}
	}
}

// TestCloseWithActiveReader: Close from another goroutine while a reader is blocked; the
// reader sees the peer's echo and the connection ends normally for both ends.
func TestCloseWithActiveReader(t *testing.T) {
	leak.Check(t)
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			s, c := connPair(t, tr, nil, nil)
			ctx := ctxT(t)
			serverErr := make(chan error, 1)
			go func() {
				for {
					if _, _, err := s.ReadMessage(ctx, nil); err != nil {
						serverErr <- err
						return
					}
				}
			}()
			readerErr := make(chan error, 1)
			started := make(chan struct{})
			go func() {
				close(started)
				_, _, err := c.ReadMessage(ctx, nil)
				readerErr <- err
			}()
			<-started
			if err := c.Close(frame.CloseNormal, "done"); err != nil {
				t.Fatalf("Close = %v", err)
			}
			if err := <-readerErr; CloseStatus(err) != 1000 {
				t.Fatalf("client reader: %v", err)
			}
			var ce *CloseError
			if err := <-serverErr; !errors.As(err, &ce) || ce.Code != 1000 || !ce.Remote || ce.Reason != "done" {
				t.Fatalf("server reader: %#v", err)
			}
		})
	}
}

// TestCloseTimeout: a peer that never answers the close frame costs CloseTimeout.
func TestCloseTimeout(t *testing.T) {
	leak.Check(t)
	c, p := rawPair(t, transports[1], Server, &Options{CloseTimeout: 30 * time.Millisecond})
	go func() { _, _ = io.Copy(io.Discard, p.nc) }()
	if err := c.Close(1000, ""); !errors.Is(err, ErrCloseTimeout) {
		t.Fatalf("Close = %v, want ErrCloseTimeout", err)
	}
}

// TestCloseArguments: codes that may not be sent and overlong reasons are refused locally.
func TestCloseArguments(t *testing.T) {
	leak.Check(t)
	c, _ := rawPair(t, transports[0], Server, nil)
	tests := []struct {
		code   frame.CloseCode
		reason string
		want   error
	}{
		{frame.CloseAbnormal, "", frame.ErrBadCloseCode},
		{frame.CloseNoStatus, "with reason", frame.ErrBadCloseCode},
		{1000, string(make([]byte, 124)), frame.ErrCloseReasonTooLong},
		{1000, "\xff", frame.ErrCloseReasonUTF8},
	}
	for _, tc := range tests {
		if err := c.Close(tc.code, tc.reason); !errors.Is(err, tc.want) {
			t.Errorf("Close(%d, %q) = %v, want %v", tc.code, tc.reason, err, tc.want)
		}
	}
}

// TestAbnormalClosure: TCP ending without a close frame is 1006, for every later read too.
func TestAbnormalClosure(t *testing.T) {
	leak.Check(t)
	for _, role := range []Role{Server, Client} {
		for _, tr := range transports {
			t.Run(role.String()+"/"+tr.name, func(t *testing.T) {
				c, p := rawPair(t, tr, role, nil)
				// Half a message, then the connection drops.
				sent := p.send(p.encode(frame.OpText, false, 0, []byte("par")))
				go func() { <-sent; p.nc.Close() }()
				_, _, err := c.ReadMessage(ctxT(t), nil)
				var ce *CloseError
				if !errors.As(err, &ce) || ce.Code != frame.CloseAbnormal || ce.Remote {
					t.Fatalf("read error = %#v, want 1006", err)
				}
				if _, _, err2 := c.ReadMessage(ctxT(t), nil); err2 != err {
					t.Fatalf("second read = %v", err2)
				}
				if err := c.WriteMessage(ctxT(t), Binary, nil); err == nil {
					t.Fatal("write after abnormal closure succeeded")
				}
			})
		}
	}
}

// TestCloseNow: blocked reads return 1006 wrapping ErrClosedLocally.
func TestCloseNow(t *testing.T) {
	leak.Check(t)
	c, _ := rawPair(t, transports[1], Server, nil)
	errc := make(chan error, 1)
	go func() {
		_, _, err := c.ReadMessage(ctxT(t), nil)
		errc <- err
	}()
	if err := c.CloseNow(); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; CloseStatus(err) != 1006 || !errors.Is(err, ErrClosedLocally) {
		t.Fatalf("read = %v", err)
	}
	if err := c.CloseNow(); !errors.Is(err, ErrClosed) {
		t.Fatalf("second CloseNow = %v", err)
	}
}

// TestCloseReaderStops: Close waits for an active reader to see the peer's close; if that
// reader stops reading instead, Close takes over reading and still completes promptly.
func TestCloseReaderStops(t *testing.T) {
	leak.Check(t)
	inHook := make(chan struct{})
	release := make(chan struct{})
	c, p := rawPair(t, transports[1], Server, &Options{CloseTimeout: testTimeout,
		OnPing: func([]byte) { close(inHook); <-release }})
	rctx, cancel := context.WithCancel(context.Background())
	readerDone := make(chan error, 1)
	go func() {
		_, _, err := c.ReadMessage(rctx, nil)
		readerDone <- err
	}()
	<-p.send(p.encode(frame.OpPing, true, 0, nil))
	<-inHook // the reader holds the read side, blocked in OnPing
	waiting := make(chan struct{}, 1)
	testHookCloseWaits = func() {
		select {
		case waiting <- struct{}{}:
		default:
		}
	}
	defer func() { testHookCloseWaits = nil }()
	closed := make(chan error, 1)
	start := time.Now()
	go func() { closed <- c.Close(1000, "") }()
	if f := p.mustRead(); f.h.Opcode != frame.OpPong {
		t.Fatalf("got %v, want the pong", f.h.Opcode)
	}
	if code := p.expectClose(); code != 1000 {
		t.Fatalf("close code %d", code)
	}
	<-waiting // Close saw the reader and waits for it
	cancel()
	close(release)
	// The reader stops (the close was sent, so it reports the CloseError).
	if err := <-readerDone; CloseStatus(err) != 1000 {
		t.Fatalf("reader: %v", err)
	}
	<-p.send(p.encode(frame.OpClose, true, 0, closePayload(1000, "")))
	if err := <-closed; err != nil {
		t.Fatalf("Close = %v after %v", err, time.Since(start))
	}
	p.expectEOF()
}

// TestBadCloseFrameNoWait: a close frame that fails validation is still the peer's close:
// the Conn answers with its code and ends at once instead of waiting for another
// (Autobahn 7.3.2, 7.5.1, 7.9.x).
func TestBadCloseFrameNoWait(t *testing.T) {
	leak.Check(t)
	for _, role := range []Role{Server, Client} {
		t.Run(role.String(), func(t *testing.T) {
			c, p := rawPair(t, transports[1], role, &Options{CloseTimeout: time.Hour})
			errc := make(chan error, 1)
			go func() { _, _, err := c.ReadMessage(ctxT(t), nil); errc <- err }()
			<-p.send(p.encode(frame.OpClose, true, 0, closePayload(1005, "")))
			if code := p.expectClose(); code != 1002 {
				t.Fatalf("close code %d", code)
			}
			if role == Server {
				p.expectEOF() // fails on the test timeout if the server waits
			} else {
				p.nc.Close() // the raw server closes; the client must not wait for more
			}
			if err := <-errc; CloseStatus(err) != 1002 {
				t.Fatalf("read: %v", err)
			}
		})
	}
}
