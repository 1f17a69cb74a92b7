package conn

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/duplexws/duplex/frame"
	"github.com/duplexws/duplex/mask"
)

// chunkConn is a net.Conn that serves data in reads of the sizes size gives (the i-th
// read at most size(i) bytes), then io.EOF, and records what is written. Deadlines are
// ignored: it never blocks. It is driven by one goroutine only.
type chunkConn struct {
	data   []byte
	size   func(i int) int
	reads  int
	out    []byte
	closed bool
}

func (c *chunkConn) Read(p []byte) (int, error) {
	if c.closed {
		return 0, net.ErrClosed
	}
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	n := min(len(p), len(c.data), c.size(c.reads))
	c.reads++
	copy(p, c.data[:n])
	c.data = c.data[n:]
	return n, nil
}

func (c *chunkConn) Write(p []byte) (int, error) {
	if c.closed {
		return 0, net.ErrClosed
	}
	c.out = append(c.out, p...)
	return len(p), nil
}

func (c *chunkConn) Close() error                     { c.closed = true; return nil }
func (c *chunkConn) LocalAddr() net.Addr              { return &net.TCPAddr{} }
func (c *chunkConn) RemoteAddr() net.Addr             { return &net.TCPAddr{} }
func (c *chunkConn) SetDeadline(time.Time) error      { return nil }
func (c *chunkConn) SetReadDeadline(time.Time) error  { return nil }
func (c *chunkConn) SetWriteDeadline(time.Time) error { return nil }

// readOutcome is everything a reader and its peer can observe of a Conn reading a stream:
// the messages, the error that ended the reads (its close code, text and whether it
// wraps a protocol violation) and the frames the Conn wrote (pongs, its close frame).
type readOutcome struct {
	Messages []string
	Code     frame.CloseCode
	Err      string
	Wire     []string
}

// readStream reads stream through a Conn in role, split into reads by size, with the
// fast path on or off, until ReadMessage fails (at most 64 messages). With cancellable,
// ReadMessage gets a context that can be cancelled (and is not): ReadMessage then leaves
// a frame that is not whole in the buffer to the general path, which arms the deadline.
func readStream(t *testing.T, role Role, opts *Options, stream []byte, size func(int) int, fast, cancellable bool) readOutcome {
	t.Helper()
	nc := &chunkConn{data: stream, size: size}
	c := New(nc, nil, role, opts)
	c.p.noFast = !fast
	ctx := context.Background()
	if cancellable {
		var cancel context.CancelFunc
		ctx, cancel = context.WithCancel(ctx)
		defer cancel()
	}
	var out readOutcome
	var buf []byte
	for range 64 {
		typ, m, err := c.ReadMessage(ctx, buf)
		if err != nil {
			out.Code = CloseStatus(err)
			out.Err = err.Error()
			break
		}
		out.Messages = append(out.Messages, fmt.Sprintf("%v %q", typ, m))
		buf = m
	}
	if out.Err == "" {
		out.Err = "(stopped after 64 messages)"
	}
	out.Wire = wireFrames(t, nc.out)
	return out
}

// wireFrames decodes the frames a Conn wrote (unmasking a client's) as "opcode payload".
func wireFrames(t *testing.T, b []byte) []string {
	t.Helper()
	var fs []string
	for len(b) > 0 {
		h, n, err := frame.ParseHeader(b)
		if err != nil || n == 0 || int64(len(b)-n) < h.Length {
			t.Fatalf("the Conn wrote a malformed frame: % x", b)
		}
		p := append([]byte(nil), b[n:n+int(h.Length)]...)
		if h.Masked {
			mask.Apply(p, h.Key, 0)
		}
		fs = append(fs, fmt.Sprintf("%v fin=%v %q", h.Opcode, h.Fin, p))
		b = b[n+int(h.Length):]
	}
	return fs
}

// fastCase is a stream of frames as a peer of a Conn sends them; masked says whether the
// peer masks (it does as a client, i.e. when the Conn is a server).
type fastCase struct {
	name   string
	frames func(masked bool) [][]byte
}

// stream returns the case's frames concatenated, and the offset where each starts.
func (fc fastCase) stream(masked bool) (b []byte, starts []int) {
	for _, f := range fc.frames(masked) {
		starts = append(starts, len(b))
		b = append(b, f...)
	}
	return b, starts
}

func frames(fs ...func(masked bool) []byte) func(bool) [][]byte {
	return func(masked bool) [][]byte {
		var out [][]byte
		for _, f := range fs {
			out = append(out, f(masked))
		}
		return out
	}
}

func fr(op frame.Opcode, fin bool, rsv byte, payload string) func(bool) []byte {
	return func(masked bool) []byte { return rawFrame(op, fin, rsv, []byte(payload), masked) }
}

// wrongMask is a frame masked the other way than the role requires (RFC 6455 §5.1).
func wrongMask(op frame.Opcode, payload string) func(bool) []byte {
	return func(masked bool) []byte { return rawFrame(op, true, 0, []byte(payload), !masked) }
}

// rawHeader is a frame with a hand-made header: b0, then the 7-bit length code and ext
// (the extended length as sent, possibly non-minimal), then the payload.
func rawHeader(b0, len7 byte, ext []byte, payload string) func(bool) []byte {
	return func(masked bool) []byte {
		b := []byte{b0, len7}
		b = append(b, ext...)
		start := len(b)
		if masked {
			b[1] |= 0x80
			key := [4]byte{9, 8, 7, 6}
			b = append(b, key[:]...)
			start = len(b)
			b = append(b, payload...)
			mask.Apply(b[start:], key, 0)
			return b
		}
		return append(b, payload...)
	}
}

func be16(n int) []byte    { return binary.BigEndian.AppendUint16(nil, uint16(n)) }
func be64(n uint64) []byte { return binary.BigEndian.AppendUint64(nil, n) }

var closeBye = fr(frame.OpClose, true, 0, string(closePayload(1000, "bye")))

var ascii = strings.Repeat(`{"k":"v","n":12345}`, 100)

var fastCases = []fastCase{
	{"text and binary then close", frames(fr(frame.OpText, true, 0, "hello"), fr(frame.OpBinary, true, 0, "\x00\xff\x80"), closeBye)},
	{"empty messages", frames(fr(frame.OpText, true, 0, ""), fr(frame.OpBinary, true, 0, ""), closeBye)},
	{"multi-byte text", frames(fr(frame.OpText, true, 0, "κόσμε 𝄞 €"), closeBye)},
	{"16-bit lengths", frames(fr(frame.OpBinary, true, 0, ascii[:200]), fr(frame.OpText, true, 0, ascii[:700]), fr(frame.OpText, true, 0, ascii[:126]), closeBye)},
	{"frames straddling the buffer end", frames(fr(frame.OpText, true, 0, ascii[:700]), fr(frame.OpBinary, true, 0, ascii[:700]), fr(frame.OpText, true, 0, ascii[:900]), closeBye)},
	{"frame larger than the small buffer", frames(fr(frame.OpBinary, true, 0, ascii[:1500]), fr(frame.OpText, true, 0, "x"), closeBye)},
	{"frame larger than the default buffer", frames(fr(frame.OpText, true, 0, strings.Repeat(ascii, 3)[:5000]), fr(frame.OpBinary, true, 0, "y"), closeBye)},
	{"at the small limit", frames(fr(frame.OpBinary, true, 0, ascii[:1000]), closeBye)},
	{"over the small limit", frames(fr(frame.OpText, true, 0, ascii[:1001]), closeBye)},
	{"non-minimal 16-bit length", frames(rawHeader(0x81, 126, be16(5), "short"), closeBye)},
	{"non-minimal 64-bit length", frames(rawHeader(0x82, 127, be64(3), "abc"), closeBye)},
	{"64-bit length with MSB set", frames(rawHeader(0x82, 127, be64(1<<63|3), "abc"), closeBye)},
	{"64-bit length over any limit", frames(rawHeader(0x82, 127, be64(1<<40), "abc"), closeBye)},
	{"invalid UTF-8", frames(fr(frame.OpText, true, 0, "ok"), fr(frame.OpText, true, 0, "\xce\xba\xff"), closeBye)},
	{"text ends inside a code point", frames(fr(frame.OpText, true, 0, "a\xe2\x82"), closeBye)},
	{"surrogate", frames(fr(frame.OpText, true, 0, "\xed\xa0\x80"), closeBye)},
	{"invalid UTF-8 deep in long text", frames(fr(frame.OpText, true, 0, ascii[:600]+"\xc0\xaf"+ascii[:100]), closeBye)},
	{"invalid UTF-8 in binary is fine", frames(fr(frame.OpBinary, true, 0, "\xff\xfe"), closeBye)},
	{"RSV1 without extension", frames(fr(frame.OpBinary, true, frame.RSV1, "x"), closeBye)},
	{"RSV2", frames(fr(frame.OpText, true, 0, "a"), fr(frame.OpText, true, frame.RSV2, "x"), closeBye)},
	{"RSV3", frames(fr(frame.OpBinary, true, frame.RSV3, ""), closeBye)},
	{"reserved opcode 3", frames(fr(3, true, 0, "x"), closeBye)},
	{"reserved opcode 0xB", frames(fr(0xB, true, 0, ""), closeBye)},
	{"wrongly masked data frame", frames(fr(frame.OpText, true, 0, "a"), wrongMask(frame.OpText, "hi"), closeBye)},
	{"wrongly masked binary frame", frames(wrongMask(frame.OpBinary, ascii[:300]), closeBye)},
	{"fragmented message", frames(fr(frame.OpText, false, 0, "he"), fr(frame.OpContinuation, false, 0, "l"), fr(frame.OpContinuation, true, 0, "lo"), fr(frame.OpBinary, true, 0, "b"), closeBye)},
	{"ping between messages", frames(fr(frame.OpText, true, 0, "a"), fr(frame.OpPing, true, 0, "p"), fr(frame.OpText, true, 0, "b"), closeBye)},
	{"ping inside a fragmented message", frames(fr(frame.OpText, false, 0, "a"), fr(frame.OpPing, true, 0, "pp"), fr(frame.OpContinuation, true, 0, "b"), closeBye)},
	{"pong", frames(fr(frame.OpPong, true, 0, "q"), fr(frame.OpBinary, true, 0, "b"), closeBye)},
	{"continuation without start", frames(fr(frame.OpText, true, 0, "a"), fr(frame.OpContinuation, true, 0, "x"), closeBye)},
	{"text inside a fragmented message", frames(fr(frame.OpText, false, 0, "a"), fr(frame.OpText, true, 0, "b"), closeBye)},
	{"data after the close frame", frames(fr(frame.OpText, true, 0, "a"), closeBye, fr(frame.OpText, true, 0, "late"))},
	{"bad close code", frames(fr(frame.OpBinary, true, 0, "a"), fr(frame.OpClose, true, 0, string(closePayload(999, ""))))},
	{"end of stream without close", frames(fr(frame.OpText, true, 0, "a"), fr(frame.OpBinary, true, 0, ascii[:300]))},
	{"invalid UTF-8 in the part of a frame that came", frames(func(masked bool) []byte {
		// RFC 6455 §8.1 fail-fast: 1007 without waiting for the rest (found by FuzzReadFast).
		b := rawFrame(frame.OpText, true, 0, []byte("ok\xfa"+ascii[:40]), masked)
		return b[:len(b)-40] // the header and "ok\xfa"
	})},
	{"valid text in the part of a frame that came", frames(func(masked bool) []byte {
		b := rawFrame(frame.OpText, true, 0, []byte("κόσμε"+ascii[:40]), masked)
		return b[:len(b)-40]
	})},
	{"end of stream inside a frame", frames(func(masked bool) []byte {
		return rawFrame(frame.OpText, true, 0, []byte(ascii[:300]), masked)[:200]
	})},
}

// splits returns the read patterns a stream of n bytes is delivered in: the first read
// ending at every byte boundary (the rest in one read), then every read one byte, then
// every read 7 bytes. Under the race detector, which makes each run ten times slower,
// the first read ends at every boundary from 2 bytes before to 16 bytes after the start
// of each frame (every way of splitting a header) and at every 23rd byte elsewhere.
func splits(n int, starts []int) map[string]func(int) int {
	s := map[string]func(int) int{
		"one read":     func(int) int { return n },
		"1-byte reads": func(int) int { return 1 },
		"7-byte reads": func(int) int { return 7 },
	}
	near := func(k int) bool {
		for _, st := range starts {
			if k >= st-2 && k <= st+16 {
				return true
			}
		}
		return k >= n-2
	}
	for k := 1; k < n; k++ {
		if raceEnabled && !near(k) && k%23 != 0 {
			continue
		}
		s[fmt.Sprintf("split at %d", k)] = func(i int) int {
			if i == 0 {
				return k
			}
			return n
		}
	}
	return s
}

// TestReadFastDifferential reads each stream, in both roles, with four sets of options
// (defaults; a 256-byte read buffer, which is a 1 KiB pooled one; that and a 1000-byte
// read limit; no read limit) and delivered in every pattern of splits, once without the fast path and
// twice with it (a context that cannot be cancelled, one that can), and asserts all give
// the same messages, the same error and close code, and write the same frames.
func TestReadFastDifferential(t *testing.T) {
	optSets := map[string]*Options{
		"defaults":           nil,
		"small buffer":       {ReadBufferSize: 256},
		"small buffer+limit": {ReadBufferSize: 256, ReadLimit: 1000},
		"no limit":           {ReadLimit: -1},
	}
	for _, tc := range fastCases {
		for _, role := range []Role{Server, Client} {
			for oname, opts := range optSets {
				t.Run(fmt.Sprintf("%s/%v/%s", tc.name, role, oname), func(t *testing.T) {
					stream, starts := tc.stream(role == Server)
					for sname, size := range splits(len(stream), starts) {
						general := readStream(t, role, opts, stream, size, false, false)
						for _, cancellable := range []bool{false, true} {
							fast := readStream(t, role, opts, stream, size, true, cancellable)
							if d := cmp.Diff(general, fast); d != "" {
								t.Fatalf("%s, cancellable ctx %v: fast path differs from the general path (-general +fast):\n%s", sname, cancellable, d)
							}
						}
					}
				})
			}
		}
	}
}

// TestReadFastOutcomes pins what the general path (and so the fast path) does for a few
// of the streams above, so that the differential test cannot pass by both paths being
// wrong the same way.
func TestReadFastOutcomes(t *testing.T) {
	small := &Options{ReadBufferSize: 256, ReadLimit: 1000}
	tests := []struct {
		name string
		opts *Options
		want frame.CloseCode
		msgs int
	}{
		{"text and binary then close", nil, frame.CloseNormal, 2},
		{"16-bit lengths", nil, frame.CloseNormal, 3},
		{"frames straddling the buffer end", small, frame.CloseNormal, 3},
		{"frame larger than the small buffer", &Options{ReadBufferSize: 256}, frame.CloseNormal, 2},
		{"frame larger than the default buffer", nil, frame.CloseNormal, 2},
		{"at the small limit", small, frame.CloseNormal, 1},
		{"over the small limit", small, frame.CloseTooBig, 0},
		{"over the small limit", nil, frame.CloseNormal, 1},
		{"non-minimal 64-bit length", nil, frame.CloseNormal, 1},
		{"64-bit length with MSB set", nil, frame.CloseProtocolError, 0},
		{"64-bit length over any limit", nil, frame.CloseTooBig, 0},
		{"invalid UTF-8", nil, frame.CloseInvalidPayload, 1},
		{"invalid UTF-8 deep in long text", small, frame.CloseInvalidPayload, 0},
		{"invalid UTF-8 in binary is fine", nil, frame.CloseNormal, 1},
		{"RSV2", nil, frame.CloseProtocolError, 1},
		{"reserved opcode 3", nil, frame.CloseProtocolError, 0},
		{"wrongly masked data frame", nil, frame.CloseProtocolError, 1},
		{"fragmented message", nil, frame.CloseNormal, 2},
		{"ping between messages", nil, frame.CloseNormal, 2},
		{"end of stream without close", nil, frame.CloseAbnormal, 2},
		{"invalid UTF-8 in the part of a frame that came", nil, frame.CloseInvalidPayload, 0},
		{"valid text in the part of a frame that came", nil, frame.CloseAbnormal, 0},
	}
	byName := map[string]fastCase{}
	for _, c := range fastCases {
		byName[c.name] = c
	}
	for _, tc := range tests {
		for _, role := range []Role{Server, Client} {
			t.Run(fmt.Sprintf("%s/%v/%v", tc.name, role, tc.opts != nil), func(t *testing.T) {
				fc, ok := byName[tc.name]
				if !ok {
					t.Fatalf("no stream %q", tc.name)
				}
				stream, _ := fc.stream(role == Server)
				got := readStream(t, role, tc.opts, stream, func(int) int { return len(stream) }, true, false)
				if got.Code != tc.want || len(got.Messages) != tc.msgs {
					t.Fatalf("close code %v after %d messages (%v), want %v after %d", got.Code, len(got.Messages), got.Err, tc.want, tc.msgs)
				}
			})
		}
	}
}

// TestReadFastTaken asserts that a whole buffered frame is read without Protocol.Parse
// (the Protocol's frame state stays untouched) and that the same read with the fast path
// off goes through it: proof that the differential test compares two different paths.
func TestReadFastTaken(t *testing.T) {
	for _, typ := range []MessageType{Text, Binary} {
		for _, fast := range []bool{true, false} {
			t.Run(fmt.Sprintf("%v/fast=%v", typ, fast), func(t *testing.T) {
				stream := rawFrame(frame.Opcode(typ), true, 0, []byte("payload"), true)
				c := New(&chunkConn{data: stream, size: func(int) int { return len(stream) }}, nil, Server, nil)
				c.p.noFast = !fast
				got, m, err := c.ReadMessage(context.Background(), nil)
				if err != nil || got != typ || string(m) != "payload" {
					t.Fatalf("ReadMessage = %v %q %v", got, m, err)
				}
				if parsed := c.p.hdr.Length == 7; parsed == fast {
					t.Fatalf("Protocol parsed the frame: %v, want %v", parsed, !fast)
				}
			})
		}
	}
}
