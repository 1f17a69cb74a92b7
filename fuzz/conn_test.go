package fuzz

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/duplexws/duplex/conn"
	"github.com/duplexws/duplex/deflate"
	"github.com/duplexws/duplex/frame"
	"github.com/duplexws/duplex/internal/leak"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// scriptConn is a net.Conn whose reads serve a fixed byte stream, in chunks whose sizes a
// seed decides, then io.EOF; writes are recorded. It never blocks, so deadlines are not
// needed. Safe for concurrent use (conn writes pongs from another goroutine).
type scriptConn struct {
	mu     sync.Mutex
	in     []byte
	seed   uint8
	out    bytes.Buffer
	closed bool
}

func (s *scriptConn) Read(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0, net.ErrClosed
	}
	if len(s.in) == 0 {
		return 0, io.EOF
	}
	n := len(s.in)
	if s.seed != 0 {
		// A small LCG makes chunk sizes from 1 to 32 bytes, or up to 2 KiB for
		// odd seeds: partial headers, payloads split anywhere.
		s.seed = s.seed*29 + 11
		if s.seed&1 == 0 {
			n = min(n, 1+int(s.seed%32))
		} else {
			n = min(n, 1+int(s.seed)*8)
		}
	}
	n = copy(p, s.in[:n])
	s.in = s.in[n:]
	return n, nil
}

func (s *scriptConn) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0, net.ErrClosed
	}
	return s.out.Write(p)
}

func (s *scriptConn) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return net.ErrClosed
	}
	s.closed = true
	return nil
}

func (s *scriptConn) output() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.Clone(s.out.Bytes())
}

type pipeAddr struct{}

func (pipeAddr) Network() string { return "script" }
func (pipeAddr) String() string  { return "script" }

func (s *scriptConn) LocalAddr() net.Addr                { return pipeAddr{} }
func (s *scriptConn) RemoteAddr() net.Addr               { return pipeAddr{} }
func (s *scriptConn) SetDeadline(t time.Time) error      { return nil }
func (s *scriptConn) SetReadDeadline(t time.Time) error  { return nil }
func (s *scriptConn) SetWriteDeadline(t time.Time) error { return nil }

// connMode decodes the mode byte of FuzzConnRead.
type connMode struct {
	client bool  // bit 0: the Conn is a client (receives unmasked frames)
	stream bool  // bit 1: Reader and Writer instead of ReadMessage and WriteMessage
	limit  int64 // bits 2-3: index into limits
	split  uint8 // bits 4-7: read chunking seed (0: whole input in one read)
}

func decodeMode(m uint8) connMode {
	return connMode{client: m&1 != 0, stream: m&2 != 0, limit: limits[(m>>2)&3], split: m >> 4}
}

func (m connMode) roles() (local, peer frame.Role) {
	if m.client {
		return frame.Client, frame.Server
	}
	return frame.Server, frame.Client
}

// FuzzConnRead feeds an arbitrary byte stream, as the peer's, to a conn.Conn in either
// role and echoes every message it delivers. The reference model predicts the outcome and
// the run must match it exactly: the same messages, the same *CloseError code (the peer's
// code, the violation's code, or 1006 at EOF), a close frame on the wire with the code the
// RFC asks for (the echo of the peer's code, or the violation's), nothing after it, pongs
// only for pings received, and conn's whole output valid for the peer's role. A run must
// not hang, allocate in proportion to declared lengths, or leave a goroutine behind.
func FuzzConnRead(f *testing.F) {
	for _, s := range seedStreams(rfcKey) {
		for _, m := range seedModes {
			f.Add(s.in, m&^1) // server role: masked frames are right
		}
	}
	for _, s := range seedStreams(nil) {
		for _, m := range seedModes {
			f.Add(s.in, m|1) // client role: unmasked frames are right
		}
	}
	f.Fuzz(func(t *testing.T, in []byte, mode uint8) {
		checkConnRead(t, in, decodeMode(mode))
	})
}

// checkConnRead runs one input without compression.
func checkConnRead(t *testing.T, in []byte, m connMode) {
	local, peer := m.roles()
	checkRun(t, in, run{
		local: local, stream: m.stream, split: m.split, limit: m.limit,
		in:  modelCfg{receiver: local, limit: m.limit},
		out: modelCfg{receiver: peer, limit: -1},
	})
}

// run is one connection under test: its settings and how the model reads both directions.
type run struct {
	local  frame.Role
	stream bool
	split  uint8
	limit  int64
	params *deflate.Params // permessage-deflate agreement, nil for none
	in     modelCfg        // the peer's bytes, as the Conn must read them
	out    modelCfg        // the Conn's bytes, as the peer must read them
}

// checkRun feeds in to a Conn set up as r says and checks the run against the model.
func checkRun(t *testing.T, in []byte, r run) {
	want := modelWith(in, r.in)
	leak.Check(t)

	nc := &scriptConn{in: bytes.Clone(in), seed: r.split}
	nc.out.Grow(4*len(in) + 1024)
	var hung atomic.Bool
	watchdog := time.AfterFunc(10*time.Second, func() { hung.Store(true); nc.Close() })
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)

	c := conn.New(nc, nil, r.local, &conn.Options{ReadLimit: r.limit, FragmentSize: 100,
		CloseTimeout: 5 * time.Second, Compression: r.params})
	got, err := drive(c, r.stream)

	runtime.ReadMemStats(&ms1)
	watchdog.Stop()
	if hung.Load() {
		t.Fatalf("the connection did not end within 10s of the input running out")
	}
	// Allocation bound: the messages and their copies, the echo, pooled buffers; never
	// anything proportional to a declared length (2^63-1 is a valid one).
	allowed := uint64(512<<10 + 32*len(in))
	if r.limit < 0 {
		allowed += 1 << 20 // unlimited: ReadMessage grows dst by up to 256 KiB ahead
	}
	if r.params != nil {
		// Inflated messages (up to the limit, grown 1.25x at a time: 5x), deflate state.
		allowed += uint64(8*max(r.limit, 0)) + 1<<20
	}
	if grew := ms1.TotalAlloc - ms0.TotalAlloc; grew > allowed {
		t.Errorf("allocated %d bytes for a %d-byte input (bound %d)", grew, len(in), allowed)
	}

	var ce *conn.CloseError
	if !errors.As(err, &ce) {
		t.Fatalf("read ended with %v (%T), want a *conn.CloseError", err, err)
	}
	if want.ambiguous {
		// The model cannot tell what happens from the last message on: what came
		// before must still be exact.
		if len(got) < len(want.msgs) || !sameMessages(want.msgs, got[:len(want.msgs)]) {
			t.Fatalf("messages before an undefined one (%s) differ (-model +conn):\n%s", want.why,
				cmp.Diff(want.msgs, got, cmpopts.EquateEmpty()))
		}
	} else {
		// The peer's close is Remote; an alternative failure code (an inflate fault
		// found before the frame that ended the model's run) is this side's.
		remoteOK := ce.Remote == (want.end == endPeerClose && ce.Code == want.code) ||
			want.end == endPeerClose && ce.Code == want.code && slices.Contains(want.allowed[1:], ce.Code)
		if !slices.Contains(want.allowed, ce.Code) || !remoteOK {
			t.Fatalf("ended with code %d remote %v (%v), model: %v %v (%s)",
				ce.Code, ce.Remote, err, want.end, want.allowed, want.why)
		}
		if !sameMessages(want.msgs, got) {
			t.Fatalf("messages (-model +conn):\n%s", cmp.Diff(want.msgs, got, cmpopts.EquateEmpty()))
		}
	}
	if _, _, again := c.ReadMessage(context.Background(), nil); again != err {
		t.Errorf("second read returned %v, want the same %v", again, err)
	}
	c.CloseNow()

	// conn's output, as its peer sees it.
	out := nc.output()
	wire := modelWith(out, r.out)
	if wire.end == endViolation || wire.ambiguous {
		t.Fatalf("conn wrote frames its peer must reject: %s (code %d) in % x", wire.why, wire.code, out)
	}
	if !sameMessages(got, wire.msgs) {
		t.Fatalf("echoed messages (-delivered +on the wire):\n%s",
			cmp.Diff(got, wire.msgs, cmpopts.EquateEmpty()))
	}
	if !subsequence(wire.pongs, want.pings) && !want.ambiguous {
		t.Fatalf("pongs %q are not answers, in order, to pings %q", wire.pongs, want.pings)
	}
	if len(wire.pings) != 0 {
		t.Fatalf("conn sent %d pings unasked", len(wire.pings))
	}
	if wire.end == endPeerClose && wire.used != len(out) {
		t.Fatalf("conn wrote %d bytes after its close frame: % x", len(out)-wire.used, out[wire.used:])
	}
	if want.ambiguous {
		return
	}
	// The close frame on the wire follows from how the Conn ended, which the checks above
	// tied to the model: none at 1006 (the stream ended without a close); otherwise the
	// echo of the peer's code (RFC 6455 §5.5.1; an empty close answers an empty one) or
	// the code of the violation (§7.1.7).
	if ce.Code == frame.CloseAbnormal {
		if wire.end != endEOF {
			t.Fatalf("stream ended without a close frame, but conn wrote one (code %d)", wire.code)
		}
		return
	}
	if wire.end != endPeerClose || wire.code != ce.Code {
		t.Fatalf("wire ends with %v code %d, want a close frame with %d (%s)",
			wire.end, wire.code, ce.Code, want.why)
	}
	if len(want.pings) > 0 && len(wire.pongs) == 0 && !want.inflateEnd {
		// (When inflated data ends the connection, the Conn may fail at an earlier frame
		// of the message than the model, before a ping.)
		t.Fatalf("%d pings were processed before the close, none answered", len(want.pings))
	}
}

// drive reads every message and echoes it, until the read fails; it returns what it
// received and the error the read ended with.
func drive(c *conn.Conn, stream bool) ([]message, error) {
	ctx := context.Background()
	var got []message
	var buf []byte
	chunk := make([]byte, 1500)
	for {
		if !stream {
			typ, b, err := c.ReadMessage(ctx, buf)
			if err != nil {
				return got, err
			}
			got = append(got, message{byte(typ), bytes.Clone(b)})
			buf = b
			if err := c.WriteMessage(ctx, typ, b); err != nil {
				return got, errors.Join(errors.New("echo failed"), err)
			}
			continue
		}
		typ, r, err := c.Reader(ctx)
		if err != nil {
			return got, err
		}
		w, err := c.Writer(ctx, typ)
		if err != nil {
			return got, errors.Join(errors.New("Writer failed"), err)
		}
		data := []byte{}
		for {
			n, err := r.Read(chunk)
			data = append(data, chunk[:n]...)
			if _, werr := w.Write(chunk[:n]); werr != nil {
				return got, errors.Join(errors.New("echo failed"), werr)
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				return got, err
			}
		}
		if err := w.Close(); err != nil {
			return got, errors.Join(errors.New("echo close failed"), err)
		}
		got = append(got, message{byte(typ), data})
	}
}

// sameMessages compares two message lists (cmp.Diff is only for the failure report: it
// is slow on long payloads).
func sameMessages(a, b []message) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Type != b[i].Type || !bytes.Equal(a[i].Data, b[i].Data) {
			return false
		}
	}
	return true
}

// subsequence reports whether sub appears in seq in order (not necessarily adjacent).
func subsequence(sub, seq [][]byte) bool {
	i := 0
	for _, s := range sub {
		for i < len(seq) && !bytes.Equal(seq[i], s) {
			i++
		}
		if i == len(seq) {
			return false
		}
		i++
	}
	return true
}
