package conn

import (
	"bytes"
	"errors"
	"testing"

	"github.com/duplexws/duplex/frame"
	"github.com/duplexws/duplex/internal/leak"
)

// TestProtocolViolations feeds exact frames to a Conn and asserts the close code it sends
// on the wire (RFC 6455 §7.1.7) and the error its reader gets, for both roles.
func TestProtocolViolations(t *testing.T) {
	leak.Check(t)
	type frames func(p *rawPeer) [][]byte
	one := func(op frame.Opcode, fin bool, rsv byte, payload []byte) frames {
		return func(p *rawPeer) [][]byte { return [][]byte{p.encode(op, fin, rsv, payload)} }
	}
	tests := []struct {
		name    string
		roles   []Role // roles of the Conn under test; nil = both
		frames  frames
		code    frame.CloseCode
		wantErr error
	}{
		{"RSV1 without extension", nil, one(frame.OpBinary, true, frame.RSV1, []byte("x")), 1002, frame.ErrReservedBits},
		{"RSV2", nil, one(frame.OpText, true, frame.RSV2, nil), 1002, frame.ErrReservedBits},
		{"RSV3 on ping", nil, one(frame.OpPing, true, frame.RSV3, nil), 1002, frame.ErrReservedBits},
		{"reserved data opcode 3", nil, one(3, true, 0, nil), 1002, frame.ErrReservedOpcode},
		{"reserved data opcode 7", nil, one(7, true, 0, []byte("x")), 1002, frame.ErrReservedOpcode},
		{"reserved control opcode 0xB", nil, one(0xB, true, 0, nil), 1002, frame.ErrReservedOpcode},
		{"reserved control opcode 0xF", nil, one(0xF, true, 0, nil), 1002, frame.ErrReservedOpcode},
		{"unmasked frame to server", []Role{Server}, func(p *rawPeer) [][]byte {
			return [][]byte{rawFrame(frame.OpText, true, 0, []byte("hi"), false)}
		}, 1002, frame.ErrUnmasked},
		{"masked frame to client", []Role{Client}, func(p *rawPeer) [][]byte {
			return [][]byte{rawFrame(frame.OpText, true, 0, []byte("hi"), true)}
		}, 1002, frame.ErrMasked},
		{"ping over 125 bytes", nil, one(frame.OpPing, true, 0, make([]byte, 126)), 1002, frame.ErrControlTooLong},
		{"close over 125 bytes", nil, one(frame.OpClose, true, 0, make([]byte, 126)), 1002, frame.ErrControlTooLong},
		{"fragmented ping", nil, one(frame.OpPing, false, 0, []byte("a")), 1002, frame.ErrControlFragmented},
		{"continuation without start", nil, one(frame.OpContinuation, true, 0, []byte("x")), 1002, frame.ErrUnexpectedContinuation},
		{"text inside fragmented message", nil, func(p *rawPeer) [][]byte {
			return [][]byte{p.encode(frame.OpText, false, 0, []byte("a")), p.encode(frame.OpText, true, 0, []byte("b"))}
		}, 1002, frame.ErrExpectedContinuation},
		{"binary inside fragmented message after ping", nil, func(p *rawPeer) [][]byte {
			return [][]byte{p.encode(frame.OpBinary, false, 0, []byte("a")),
				p.encode(frame.OpPing, true, 0, nil), p.encode(frame.OpBinary, true, 0, []byte("b"))}
		}, 1002, frame.ErrExpectedContinuation},
		{"invalid UTF-8", nil, one(frame.OpText, true, 0, []byte{0xce, 0xba, 0xff}), 1007, frame.ErrInvalidUTF8},
		{"text ends inside a code point", nil, one(frame.OpText, true, 0, []byte{'a', 0xe2, 0x82}), 1007, frame.ErrInvalidUTF8},
		{"surrogate split across fragments", nil, func(p *rawPeer) [][]byte {
			return [][]byte{p.encode(frame.OpText, false, 0, []byte{0xed}), p.encode(frame.OpContinuation, true, 0, []byte{0xa0, 0x80})}
		}, 1007, frame.ErrInvalidUTF8},
		{"close with 1-byte payload", nil, one(frame.OpClose, true, 0, []byte{0x03}), 1002, frame.ErrBadClosePayload},
		{"close with code 1005", nil, one(frame.OpClose, true, 0, closePayload(1005, "")), 1002, frame.ErrBadCloseCode},
		{"close with code 999", nil, one(frame.OpClose, true, 0, closePayload(999, "")), 1002, frame.ErrBadCloseCode},
		{"close with code 1016", nil, one(frame.OpClose, true, 0, closePayload(1016, "")), 1002, frame.ErrBadCloseCode},
		{"close with code 5000", nil, one(frame.OpClose, true, 0, closePayload(5000, "")), 1002, frame.ErrBadCloseCode},
		{"close with invalid UTF-8 reason", nil, one(frame.OpClose, true, 0, closePayload(1000, "\xce\xba\xe1\xbd")), 1007, frame.ErrCloseReasonUTF8},
		{"64-bit length with MSB set", nil, func(p *rawPeer) [][]byte {
			b := []byte{0x82, 127, 0x80, 0, 0, 0, 0, 0, 0, 1}
			if p.role == Client {
				b[1] |= 0x80
				b = append(b, 1, 2, 3, 4)
			}
			return [][]byte{b}
		}, 1002, frame.ErrLengthOverflow},
		{"declared length over limit", nil, func(p *rawPeer) [][]byte {
			// Only the header: the Conn must refuse before any payload arrives.
			h := frame.Header{Fin: true, Opcode: frame.OpBinary, Length: 1 << 30, Masked: p.role == Client}
			return [][]byte{h.Append(nil)}
		}, 1009, frame.ErrTooBig},
		{"fragments summing over limit", nil, func(p *rawPeer) [][]byte {
			return [][]byte{p.encode(frame.OpBinary, false, 0, make([]byte, 600)),
				p.encode(frame.OpContinuation, true, 0, make([]byte, 600))}
		}, 1009, frame.ErrTooBig},
	}
	for _, tc := range tests {
		roles := tc.roles
		if roles == nil {
			roles = []Role{Server, Client}
		}
		for _, role := range roles {
			for _, tr := range transports {
				t.Run(tc.name+"/"+role.String()+"/"+tr.name, func(t *testing.T) {
					c, p := rawPair(t, tr, role, &Options{ReadLimit: 1000})
					sent := p.send(tc.frames(p)...)
					errc := make(chan error, 1)
					go func() {
						_, _, err := c.ReadMessage(ctxT(t), nil)
						errc <- err
					}()
					if got := p.expectClose(); got != tc.code {
						t.Errorf("close code on the wire = %d, want %d", got, tc.code)
					}
					p.finishClose(tc.code)
					err := <-errc
					<-sent
					if CloseStatus(err) != tc.code || !errors.Is(err, tc.wantErr) {
						t.Fatalf("ReadMessage error = %v, want code %d wrapping %v", err, tc.code, tc.wantErr)
					}
					var ce *CloseError
					if errors.As(err, &ce) && ce.Remote {
						t.Fatalf("CloseError.Remote = true for a locally failed connection")
					}
					// Reads after the end return the same error.
					if _, _, err2 := c.ReadMessage(ctxT(t), nil); err2 != err {
						t.Fatalf("second read: %v, want the same %v", err2, err)
					}
				})
			}
		}
	}
}

// TestUTF8FailFast checks that invalid UTF-8 fails the connection at the frame where the
// text becomes invalid, without waiting for the rest of the message (RFC 6455 §8.1).
func TestUTF8FailFast(t *testing.T) {
	leak.Check(t)
	tests := []struct {
		name   string
		frames [][]byte // payloads of non-final text/continuation frames; the last is invalid
	}{
		{"first frame invalid", [][]byte{{0xc0, 0xaf}}},
		{"valid prefix then invalid frame", [][]byte{[]byte("κόσμε"), {0xce}, {0xff}}},
		{"invalid inside one frame, message unfinished", [][]byte{{'a', 0xf4, 0x90, 0x80}}},
	}
	for _, tc := range tests {
		for _, role := range []Role{Server, Client} {
			t.Run(tc.name+"/"+role.String(), func(t *testing.T) {
				c, p := rawPair(t, transports[1], role, nil)
				op := frame.OpText
				var b [][]byte
				for _, f := range tc.frames {
					b = append(b, p.encode(op, false, 0, f))
					op = frame.OpContinuation
				}
				// No final frame: only fail-fast can produce the close.
				<-p.send(b...)
				errc := make(chan error, 1)
				go func() {
					_, _, err := c.ReadMessage(ctxT(t), nil)
					errc <- err
				}()
				if got := p.expectClose(); got != 1007 {
					t.Fatalf("close code = %d, want 1007", got)
				}
				p.finishClose(1007)
				if err := <-errc; CloseStatus(err) != 1007 {
					t.Fatalf("read error %v", err)
				}
			})
		}
	}
}

// TestStreamingReaderFailsFast checks 1007 and 1009 for a streaming reader, after part of
// the message was delivered.
func TestStreamingReaderFailsFast(t *testing.T) {
	leak.Check(t)
	c, p := rawPair(t, transports[1], Server, &Options{ReadLimit: 10})
	<-p.send(p.encode(frame.OpText, false, 0, []byte("héllo")), p.encode(frame.OpContinuation, false, 0, []byte{0xff}))
	typ, r, err := c.Reader(ctxT(t))
	if err != nil || typ != Text {
		t.Fatalf("Reader: %v %v", typ, err)
	}
	buf := make([]byte, 100)
	n, err := r.Read(buf)
	if err != nil || !bytes.Equal(buf[:n], []byte("héllo")) {
		t.Fatalf("first Read = %q, %v", buf[:n], err)
	}
	go func() { <-p.send(p.encode(frame.OpClose, true, 0, nil)) }()
	if _, err = r.Read(buf); CloseStatus(err) != 1007 {
		t.Fatalf("second Read error = %v, want 1007", err)
	}
	if got := p.expectClose(); got != 1007 {
		t.Fatalf("close code = %d", got)
	}
}
