package conn

import (
	"bufio"
	"context"
	"encoding/binary"
	"io"
	"net"
	"runtime"
	"testing"
	"time"

	"github.com/duplexws/duplex/frame"
	"github.com/duplexws/duplex/mask"
)

// testTimeout bounds every blocking step of a test, so a bug fails the test instead of
// hanging it.
const testTimeout = 10 * time.Second

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

// transport makes a connected pair of net.Conns.
type transport struct {
	name string
	pair func(t *testing.T) (net.Conn, net.Conn)
}

var transports = []transport{
	{"pipe", func(t *testing.T) (net.Conn, net.Conn) {
		a, b := net.Pipe()
		return a, b
	}},
	{"tcp", tcpPair},
}

func tcpPair(t *testing.T) (net.Conn, net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	type res struct {
		c   net.Conn
		err error
	}
	ch := make(chan res, 1)
	go func() {
		c, err := ln.Accept()
		ch <- res{c, err}
	}()
	cc, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	r := <-ch
	if r.err != nil {
		t.Fatal(r.err)
	}
	return r.c, cc
}

// connPair returns a server Conn and a client Conn talking to each other.
func connPair(t *testing.T, tr transport, sopts, copts *Options) (*Conn, *Conn) {
	t.Helper()
	a, b := tr.pair(t)
	s := New(a, nil, Server, sopts)
	c := New(b, nil, Client, copts)
	t.Cleanup(func() { s.CloseNow(); c.CloseNow() })
	return s, c
}

// rawPeer is the other end of a Conn under test, speaking raw bytes.
type rawPeer struct {
	t    *testing.T
	nc   net.Conn
	br   *bufio.Reader
	role Role // the role the raw peer plays (the opposite of the Conn's)
}

// rawPair returns a Conn in role and a raw peer playing the other role.
func rawPair(t *testing.T, tr transport, role Role, opts *Options) (*Conn, *rawPeer) {
	t.Helper()
	a, b := tr.pair(t)
	c := New(a, nil, role, opts)
	peerRole := Client
	if role == Client {
		peerRole = Server
	}
	p := &rawPeer{t: t, nc: b, br: bufio.NewReader(b), role: peerRole}
	t.Cleanup(func() { c.CloseNow(); b.Close() })
	_ = b.SetDeadline(time.Now().Add(testTimeout))
	return c, p
}

// encode builds a frame as the raw peer would send it: masked when the peer is a client.
func (p *rawPeer) encode(op frame.Opcode, fin bool, rsv byte, payload []byte) []byte {
	return rawFrame(op, fin, rsv, payload, p.role == Client)
}

func rawFrame(op frame.Opcode, fin bool, rsv byte, payload []byte, masked bool) []byte {
	h := frame.Header{Fin: fin, Rsv: rsv, Opcode: op, Length: int64(len(payload)), Masked: masked}
	if masked {
		h.Key = [4]byte{0x37, 0xfa, 0x21, 0x3d}
	}
	b := h.Append(nil)
	start := len(b)
	b = append(b, payload...)
	if masked {
		mask.Apply(b[start:], h.Key, 0)
	}
	return b
}

// send writes raw bytes; with net.Pipe the write blocks until the Conn reads, so it runs
// in its own goroutine and any error is reported through the returned channel.
func (p *rawPeer) send(b ...[]byte) <-chan error {
	ch := make(chan error, 1)
	var all []byte
	for _, x := range b {
		all = append(all, x...)
	}
	go func() {
		_, err := p.nc.Write(all)
		ch <- err
	}()
	return ch
}

type rawFrameRead struct {
	h       frame.Header
	payload []byte
}

// read reads one frame from the Conn, unmasking it.
func (p *rawPeer) read() (rawFrameRead, error) {
	h, err := frame.ReadHeader(p.br)
	if err != nil {
		return rawFrameRead{}, err
	}
	b := make([]byte, h.Length)
	if _, err := io.ReadFull(p.br, b); err != nil {
		return rawFrameRead{}, err
	}
	if h.Masked {
		mask.Apply(b, h.Key, 0)
	}
	return rawFrameRead{h, b}, nil
}

// mustRead reads one frame, failing the test on error.
func (p *rawPeer) mustRead() rawFrameRead {
	p.t.Helper()
	f, err := p.read()
	if err != nil {
		p.t.Fatalf("raw peer: reading a frame: %v", err)
	}
	return f
}

// expectClose reads frames until a close frame and returns its code (1005 if empty).
func (p *rawPeer) expectClose() frame.CloseCode {
	p.t.Helper()
	for {
		f := p.mustRead()
		if f.h.Opcode != frame.OpClose {
			continue
		}
		if len(f.payload) == 0 {
			return frame.CloseNoStatus
		}
		if len(f.payload) < 2 {
			p.t.Fatalf("close payload of %d bytes", len(f.payload))
		}
		return frame.CloseCode(binary.BigEndian.Uint16(f.payload))
	}
}

// expectEOF reads until the Conn closes TCP (a reset counts too: closing with unread
// bytes makes the kernel send RST), failing if the read times out instead.
func (p *rawPeer) expectEOF() {
	p.t.Helper()
	_, err := io.Copy(io.Discard, p.br)
	if isTimeout(err) {
		p.t.Fatalf("raw peer: waiting for EOF: %v", err)
	}
}

// finishClose answers the Conn's close frame with code and completes the closing
// handshake the way a peer in p.role would: a raw server closes TCP, a raw client waits
// for the Conn (a server) to close it.
func (p *rawPeer) finishClose(code frame.CloseCode) {
	p.t.Helper()
	var payload []byte
	if code != frame.CloseNoStatus {
		payload = closePayload(uint16(code), "")
	}
	<-p.send(p.encode(frame.OpClose, true, 0, payload))
	if p.role == Server {
		p.nc.Close()
		return
	}
	p.expectEOF()
}

// closePayload encodes a close payload for tests (no validation, so bad ones can be made).
func closePayload(code uint16, reason string) []byte {
	b := binary.BigEndian.AppendUint16(nil, code)
	return append(b, reason...)
}

func runtimeGosched() { runtime.Gosched() }
