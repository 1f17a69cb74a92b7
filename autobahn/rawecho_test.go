package autobahn

import (
	"bufio"
	"encoding/binary"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// rawEcho is an echo server written in the test on the harness's own frame reader, strict
// by default, with switches that break it in the ways the harness must catch.
type rawEcho struct {
	noUTF8       bool // never validate text
	noFailFast   bool // validate text only when the message is complete
	acceptRSV    bool // ignore RSV bits
	wrongCode    bool // fail with 1000 instead of 1002/1007
	pingMode     int  // 0 pong with payload, 1 ignore pings, 2 pong with empty payload
	ignoreClose  bool // never answer a close frame
	acceptBadOps bool // treat reserved opcodes as binary data
}

const (
	pingCorrect = iota
	pingIgnore
	pingEmpty
)

// validPrefix reports whether b can still be completed to valid UTF-8.
func validPrefix(b []byte) bool {
	ok, _ := validPrefixTail(b)
	return ok
}

// validPrefixTail is validPrefix that also returns the length of the incomplete code
// point at the end of b (0 to 3), so a caller can resume validation there.
func validPrefixTail(b []byte) (bool, int) {
	// Find a trailing, possibly incomplete sequence.
	i := len(b) - 1
	for i >= 0 && len(b)-i <= 3 && b[i]&0xC0 == 0x80 {
		i--
	}
	if i < 0 || utf8.FullRune(b[i:]) {
		return utf8.Valid(b), 0
	}
	if !utf8.Valid(b[:i]) {
		return false, 0
	}
	tail := b[i:]
	if len(tail) == 1 {
		return tail[0] >= 0xC2 && tail[0] <= 0xF4, 1
	}
	need := 2
	switch {
	case tail[0] >= 0xF0:
		need = 4
	case tail[0] >= 0xE0:
		need = 3
	}
	done := append(append([]byte(nil), tail...), []byte("\x80\x80\x80")[:need-len(tail)]...)
	return utf8.Valid(done), len(tail)
}

func (e rawEcho) serve(nc net.Conn, br *bufio.Reader) {
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(30 * time.Second))
	write := func(op byte, p []byte) { _, _ = nc.Write(encodeFrame(nil, true, 0, op, p, false, [4]byte{})) }
	fail := func(code int) {
		if e.wrongCode {
			code = closeNormal
		}
		write(opClose, binary.BigEndian.AppendUint16(nil, uint16(code)))
		// Give the client a moment to answer, then drop (the server closes TCP).
		_ = nc.SetReadDeadline(time.Now().Add(time.Second))
		for {
			f, err := readFrame(br, 1<<26)
			if err != nil || f.op == opClose {
				return
			}
		}
	}
	var (
		inMsg   bool
		msgOp   byte
		msg     []byte
		checked int // msg[:checked] is known to be valid UTF-8
	)
	for {
		f, err := readFrame(br, 1<<26)
		if err != nil {
			return
		}
		if f.rsv != 0 && !e.acceptRSV {
			fail(closeProtocolError)
			return
		}
		if (f.op >= 3 && f.op <= 7) || f.op >= 11 {
			if !e.acceptBadOps {
				fail(closeProtocolError)
				return
			}
			continue
		}
		if !f.masked {
			fail(closeProtocolError)
			return
		}
		if f.op >= 8 {
			if !f.fin || len(f.payload) > 125 {
				if f.op == opClose {
					// The peer already closed: answer and drop, do not wait for another close.
					write(opClose, binary.BigEndian.AppendUint16(nil, uint16(closeProtocolError)))
					return
				}
				fail(closeProtocolError)
				return
			}
			switch f.op {
			case opPing:
				switch e.pingMode {
				case pingCorrect:
					write(opPong, f.payload)
				case pingEmpty:
					write(opPong, nil)
				}
			case opClose:
				if e.ignoreClose {
					continue
				}
				code := closeNormal
				if len(f.payload) == 1 {
					code = closeProtocolError
				} else if len(f.payload) >= 2 {
					c := int(binary.BigEndian.Uint16(f.payload))
					switch {
					case !validRemoteCloseCode(c):
						code = closeProtocolError
					case !utf8.Valid(f.payload[2:]):
						code = closeInvalidPayload
					default:
						code = c
					}
				}
				if e.wrongCode && code != closeNormal {
					code = closeNormal
				}
				write(opClose, binary.BigEndian.AppendUint16(nil, uint16(code)))
				return
			}
			continue
		}
		if f.op == opContinuation && !inMsg || f.op != opContinuation && inMsg {
			fail(closeProtocolError)
			return
		}
		if f.op != opContinuation {
			inMsg, msgOp, msg, checked = true, f.op, nil, 0
		}
		msg = append(msg, f.payload...)
		if msgOp == opText && !e.noUTF8 && !e.noFailFast {
			ok, tail := validPrefixTail(msg[checked:])
			if !ok {
				fail(closeInvalidPayload)
				return
			}
			checked = len(msg) - tail
		}
		if !f.fin {
			continue
		}
		inMsg = false
		if msgOp == opText && !e.noUTF8 && !utf8.Valid(msg) {
			fail(closeInvalidPayload)
			return
		}
		write(msgOp, msg)
	}
}

// startRawEcho serves e on a loopback test server and returns its ws:// URL. Cleanup
// closes the listener and every hijacked connection and waits for their goroutines.
func startRawEcho(t *testing.T, e rawEcho) string {
	t.Helper()
	return startRaw(t, func(a *accepted) { e.serve(a.conn, a.br) })
}

func startRaw(t *testing.T, serve func(a *accepted)) string {
	t.Helper()
	var (
		mu     sync.Mutex
		closed bool
		conns  []net.Conn
		wg     sync.WaitGroup
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		if closed {
			mu.Unlock()
			return
		}
		wg.Add(1)
		mu.Unlock()
		defer wg.Done()
		a, err := acceptUpgrade(w, r, "")
		if err != nil {
			return
		}
		mu.Lock()
		conns = append(conns, a.conn)
		mu.Unlock()
		serve(a)
	}))
	t.Cleanup(func() {
		mu.Lock()
		closed = true
		for _, c := range conns {
			_ = c.Close()
		}
		mu.Unlock()
		srv.Close()
		wg.Wait()
	})
	return "ws" + strings.TrimPrefix(srv.URL, "http")
}

func TestValidPrefix(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"", true}, {"abc", true}, {"\xce", true}, {"\xce\xba", true}, {"\xf4\x90", false},
		{"\xf4\x8f", true}, {"\xf0", true}, {"\xf0\x80", false}, {"\xed\xa0", false},
		{"\xc0", false}, {"\xf5", false}, {"\x80", false}, {"a\xe1\xbd", true},
	}
	for _, tt := range tests {
		t.Run(fmtHex(tt.in), func(t *testing.T) {
			if got := validPrefix([]byte(tt.in)); got != tt.want {
				t.Errorf("validPrefix(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func fmtHex(s string) string {
	if s == "" {
		return "empty"
	}
	return strings.TrimPrefix(excerpt([]byte(s)), "0x")
}
