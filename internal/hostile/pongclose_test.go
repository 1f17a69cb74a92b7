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
// pongs pile up (at most 8, then only the latest is kept), and the close frame is queued
// behind them. Once the peer reads again, the close frame must be the last frame on the
// wire: RFC 6455 §5.5.1 and §7.1.7 end the stream with it, and a peer that receives a pong
// after the close sees a protocol violation.
func TestNoPongAfterClose(t *testing.T) {
	leak.Check(t)
	var script []byte
	for i := range 20 {
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
	deadline := time.Now().Add(2 * time.Second)
	for !waitingInSendClose() && time.Now().Before(deadline) {
		runtime.Gosched()
	}
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
	closeAt := -1
	for len(out) > 0 {
		h, n, err := frame.ParseHeader(out)
		if err != nil || n == 0 || int64(len(out)-n) < h.Length {
			t.Fatalf("bad output after %v: % x", ops, out[:min(len(out), 16)])
		}
		out = out[n+int(h.Length):]
		if h.Opcode == frame.OpClose {
			closeAt = len(ops)
		}
		ops = append(ops, h.Opcode.String())
	}
	if closeAt != len(ops)-1 {
		t.Fatalf("frames after the close frame: %v", ops)
	}
}

// waitingInSendClose reports whether some goroutine is blocked in conn's sendClose,
// waiting for the write in progress.
func waitingInSendClose() bool {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "conn.(*Conn).sendClose") && strings.Contains(g, "sync.(*Cond).Wait") {
			return true
		}
	}
	return false
}

