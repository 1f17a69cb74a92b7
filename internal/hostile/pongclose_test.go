package hostile

import (
	"bytes"
	"context"
	"io"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/duplexws/duplex/conn"
	"github.com/duplexws/duplex/frame"
	"github.com/duplexws/duplex/internal/leak"
	"github.com/duplexws/duplex/server"
)

// gateConn is an in-memory net.Conn for one scenario: reads serve a script then io.EOF;
// the first write blocks until the gate opens (a peer that stopped reading), and every
// write is recorded.
type gateConn struct {
	script  []byte
	gate    chan struct{}
	entered chan struct{} // closed when the first write starts
	once    sync.Once
	mu      sync.Mutex
	out     bytes.Buffer
	closed  bool
}

func (g *gateConn) Read(p []byte) (int, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return 0, net.ErrClosed
	}
	if len(g.script) == 0 {
		return 0, io.EOF
	}
	n := copy(p, g.script)
	g.script = g.script[n:]
	return n, nil
}

func (g *gateConn) Write(p []byte) (int, error) {
	g.once.Do(func() { close(g.entered) })
	<-g.gate
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return 0, net.ErrClosed
	}
	return g.out.Write(p)
}

func (g *gateConn) Close() error {
	g.mu.Lock()
	g.closed = true
	g.mu.Unlock()
	return nil
}

func (g *gateConn) LocalAddr() net.Addr              { return &net.TCPAddr{} }
func (g *gateConn) RemoteAddr() net.Addr             { return &net.TCPAddr{} }
func (g *gateConn) SetDeadline(time.Time) error      { return nil }
func (g *gateConn) SetReadDeadline(time.Time) error  { return nil }
func (g *gateConn) SetWriteDeadline(time.Time) error { return nil }

// TestNoPongAfterClose: while the server's write of a large message is blocked (the peer
// stopped reading), the peer sends a burst of pings and then breaks the protocol. The
// pongs pile up (a few dozen, then only the latest is kept), and the close frame is queued
// behind them. Once the peer reads again, the close frame must be the last frame on the
// wire: RFC 6455 §5.5.1 and §7.1.7 end the stream with it, and a peer that receives a pong
// after the close sees a protocol violation.
func TestNoPongAfterClose(t *testing.T) {
	leak.Check(t)
	var script []byte
	for i := range 200 { // more than conn queues (then it keeps only the latest)
		script = append(script, clientFrame(true, frame.OpPing, []byte{byte(i)})...)
	}
	script = append(script, clientFrame(true, 0x3, nil)...) // reserved opcode: 1002
	g := &gateConn{script: script, gate: make(chan struct{}), entered: make(chan struct{})}
	c := conn.New(g, nil, conn.Server, nil)
	defer c.CloseNow()

	ctx := context.Background()
	wrote := make(chan error, 1)
	go func() { wrote <- c.WriteMessage(ctx, conn.Binary, make([]byte, 64<<10)) }()
	<-g.entered // the big write is stuck in the socket
	read := make(chan error, 1)
	go func() {
		_, _, err := c.ReadMessage(ctx, nil)
		read <- err
	}()
	// Open the gate once the reader has queued its close frame and waits for the write
	// (seen in its stack); if conn ever stops waiting there, open it after 2 s anyway:
	// the check below holds either way, it is only sharpest with the close queued first.
	pollUntil(2*time.Second, waitingInSendClose)
	close(g.gate)
	if err := <-wrote; err != nil {
		t.Fatalf("blocked write: %v", err)
	}
	if err := <-read; conn.CloseStatus(err) != frame.CloseProtocolError {
		t.Fatalf("read ended with %v, want 1002", err)
	}

	g.mu.Lock()
	out := bytes.Clone(g.out.Bytes())
	g.mu.Unlock()
	var ops []string
	closeAt, pongs, lastPong := -1, 0, -1
	for len(out) > 0 {
		h, n, err := frame.ParseHeader(out)
		if err != nil || n == 0 || int64(len(out)-n) < h.Length {
			t.Fatalf("bad output after %v: % x", ops, out[:min(len(out), 16)])
		}
		payload := out[n : n+int(h.Length)]
		out = out[n+int(h.Length):]
		switch h.Opcode {
		case frame.OpClose:
			closeAt = len(ops)
		case frame.OpPong:
			pongs++
			lastPong = int(payload[0])
		}
		ops = append(ops, h.Opcode.String())
	}
	if closeAt != len(ops)-1 {
		t.Fatalf("frames after the close frame: %v", ops)
	}
	// The premise: pongs were coalesced (fewer than the pings) and the one kept answers
	// the latest ping (RFC 6455 §5.5.3), so the kept pong did go out, before the close.
	if pongs >= 200 || lastPong != 199 {
		t.Errorf("%d pongs, the last answering ping %d: the kept-pong path was not exercised", pongs, lastPong)
	}
}

// waitingInSendClose reports whether some goroutine is blocked in conn's sendClose,
// waiting for the write in progress.
func waitingInSendClose() bool {
	return goroutineIn("conn.(*Conn).sendClose", "sync.(*Cond).Wait")
}

// goroutineIn reports whether the stack of some goroutine contains every one of funcs.
func goroutineIn(funcs ...string) bool {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
next:
	for _, g := range strings.Split(string(buf), "\n\n") {
		for _, f := range funcs {
			if !strings.Contains(g, f) {
				continue next
			}
		}
		return true
	}
	return false
}

// pollUntil calls cond until it is true or d passes, and reports the last result. It polls
// a state no channel announces (a goroutine blocked in a given call); the deadline only
// bounds a test whose premise did not happen.
func pollUntil(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		runtime.Gosched()
	}
	return true
}

// TestCloseAnswerNotCutBySend: a large server write is blocked on a peer that stopped
// reading; the peer's close frame arrives and the server's answer queues behind the write.
// If the application Sends meanwhile, the send must fail quietly: once the peer reads,
// it gets the rest of the large message and then the close answer (RFC 6455 §5.5.1), not
// a TCP close forced by the failed send.
func TestCloseAnswerNotCutBySend(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			leak.Check(t)
			var srv *server.Conn
			opened := make(chan struct{})
			big := make([]byte, 1<<20)
			addr, closed := m.serve(t, nil, func(c *server.Conn) {
				smallSendBuffer(c)
				srv = c
				close(opened)
				// Writing through Underlying bypasses the send queue: this goroutine
				// does the socket write and blocks in it.
				go c.Underlying().WriteMessage(context.Background(), conn.Binary, big)
			})
			p := slowReader(t, addr)
			<-opened
			if !pollUntil(5*time.Second, func() bool {
				return goroutineIn("conn.(*Conn).WriteMessage", "Writev")
			}) {
				t.Fatal("the large write never blocked")
			}
			p.write(clientFrame(true, frame.OpClose, []byte{0x03, 0xe8}))
			if !pollUntil(5*time.Second, waitingInSendClose) {
				t.Log("the close answer was not seen waiting behind the write; the check is weaker")
			}
			sendErr := srv.SendText("too late")
			h, payload, err := p.readFrame()
			if err != nil || h.Opcode != frame.OpBinary || len(payload) != len(big) {
				t.Fatalf("large message: %v %v %d bytes", err, h.Opcode, len(payload))
			}
			if code := p.expectClose(); code != frame.CloseNormal {
				t.Fatalf("close answer %d, want the echo of 1000", code)
			}
			err = waitErr(t, closed)
			t.Logf("Send during the close: %v; handler saw %v", sendErr, err)
		})
	}
}
