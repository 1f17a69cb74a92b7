package autobahn

import (
	"fmt"
	"strings"
)

func init() {
	// 7.1 Basic close behavior (fuzzer initiated).
	closeCase := func(id, desc, exp string, run func(s *session)) {
		def(id, desc, exp, func(s *session) {
			s.onLost = s.wrongCodeIsFatal
			run(s)
		})
	}
	closeCase("7.1.1", "Send a message followed by a close frame", "Echoed message followed by clean close with normal code.", func(s *session) {
		p := []byte("Hello World!")
		s.expect(OK, evMessage(p, false))
		s.closeNormally()
		s.sendFrame(frameSpec{op: opText, data: p})
		s.killAfter(1)
	})
	closeCase("7.1.2", "Send two close frames", "Clean close with normal code. Second close frame ignored.", func(s *session) {
		s.suppressClose = true
		s.expect(OK)
		s.closeNormally()
		s.sendClose(closeNormal, "")
		s.sendFrame(frameSpec{op: opClose})
		s.killAfter(1)
	})
	closeCase("7.1.3", "Send a ping after close message", "Clean close with normal code, no pong.", func(s *session) {
		s.suppressClose = true
		s.expect(OK)
		s.closeNormally()
		s.sendClose(closeNormal, "")
		s.sendFrame(frameSpec{op: opPing})
		s.killAfter(1)
	})
	closeCase("7.1.4", "Send text message after sending a close frame.", "Clean close with normal code. Text message ignored.", func(s *session) {
		s.suppressClose = true
		s.expect(OK)
		s.closeNormally()
		s.sendClose(closeNormal, "")
		s.sendFrame(frameSpec{op: opText, data: []byte("Hello World!")})
		s.killAfter(1)
	})
	closeCase("7.1.5", "Send message fragment1 followed by close then fragment", "Clean close with normal code.", func(s *session) {
		s.suppressClose = true
		s.expect(OK)
		s.closeNormally()
		s.sendFrame(frameSpec{op: opText, more: true, data: []byte("fragment1")})
		s.sendClose(closeNormal, "")
		s.sendFrame(frameSpec{op: opContinuation, data: []byte("fragment2")})
		s.killAfter(1)
	})
	def("7.1.6", "Send 256K message followed by close then a ping",
		"Case outcome depends on implementation defined close behavior. Message and close frame are sent back to back. If the close frame is processed before the text message write is complete (as can happen in asynchronous processing models) the close frame is processed first and the text message may not be received or may only be partially received.",
		func(s *session) {
			s.suppressClose = true
			p := []byte("Hello World!")
			s.expect(OK, evMessage(p, false))
			s.expect(NonStrict)
			s.closeNormally()
			s.onLost = func() {
				switch s.behavior {
				case OK:
					s.result = "Text message was processed before close."
				case NonStrict:
					s.result = "Close was processed before text message could be returned."
				}
				s.behavior = Informational
				s.behaviorClose = Informational
			}
			s.sendFrame(frameSpec{op: opText, data: []byte("BAsd7&jh23"), repeat: 256 << 10})
			s.sendFrame(frameSpec{op: opText, data: p})
			s.sendClose(closeNormal, "")
			s.sendFrame(frameSpec{op: opPing})
			s.killAfter(1)
		})

	// 7.3 Close frame structure: payload length.
	closeCase("7.3.1", "Send a close frame with payload length 0 (no close code, no close reason)", "Clean close with normal code.", func(s *session) {
		s.suppressClose = true
		s.expect(OK)
		s.closeNormally()
		s.sendCloseFrame(nil, nil, false)
		s.killAfter(1)
	})
	closeCase("7.3.2", "Send a close frame with payload length 1", "Clean close with protocol error or drop TCP.", func(s *session) {
		s.suppressClose = true
		s.expect(OK)
		s.expectedClose = CloseExpectation{ClosedByMe: true, CloseCode: []int{closeProtocolError}}
		s.sendCloseFrame(nil, []byte("a"), false)
		s.killAfter(1)
	})
	closeCase("7.3.3", "Send a close frame with payload length 2 (regular close with a code)", "Clean close with normal code.", func(s *session) {
		s.suppressClose = true
		s.expect(OK)
		s.closeNormally()
		s.sendClose(closeNormal, "")
		s.killAfter(1)
	})
	closeCase("7.3.4", "Send a close frame with close code and close reason", "Clean close with normal code.", func(s *session) {
		s.suppressClose = true
		s.expect(OK)
		s.closeNormally()
		s.sendClose(closeNormal, "Hello World!")
		s.killAfter(1)
	})
	closeCase("7.3.5", "Send a close frame with close code and close reason of maximum length (123)", "Clean close with normal code.", func(s *session) {
		s.suppressClose = true
		s.expect(OK)
		s.closeNormally()
		s.sendClose(closeNormal, strings.Repeat("*", 123))
		s.killAfter(1)
	})
	closeCase("7.3.6", "Send a close frame with close code and close reason which is too long (124) - total frame payload 126 octets", "Clean close with protocol error code or dropped TCP connection.", func(s *session) {
		s.suppressClose = true
		s.expect(OK)
		s.expectedClose = CloseExpectation{ClosedByMe: true, CloseCode: []int{closeProtocolError}}
		s.sendCloseFrame(intp(closeNormal), []byte(strings.Repeat("*", 124)), false)
		s.killAfter(1)
	})

	// 7.5 Close frame structure: payload value.
	closeCase("7.5.1", "Send a close frame with invalid UTF8 payload", "Clean close with protocol error or invalid utf8 code or dropped TCP.", func(s *session) {
		s.suppressClose = true
		s.expect(OK)
		s.expectedClose = CloseExpectation{ClosedByMe: true, CloseCode: []int{closeProtocolError, closeInvalidPayload}}
		s.sendCloseFrame(intp(closeNormal), []byte("\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80\x65\x64\x69\x74\x65\x64"), false)
		s.killAfter(1)
	})

	// 7.7 Valid close codes: the peer answers cleanly with 1000 or the same code.
	for i, code := range []int{1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999} {
		code := code
		closeCase(fmt.Sprintf("7.7.%d", i+1), fmt.Sprintf("Send close with valid close code %d", code), "Clean close with normal or echoed code", func(s *session) {
			s.expect(OK)
			s.expectedClose = CloseExpectation{ClosedByMe: true, CloseCode: []int{closeNormal, code}, RequireClean: true}
			s.sendCloseFrame(intp(code), nil, false)
			s.killAfter(1)
		})
	}
	// 7.9 Invalid close codes: the peer fails with 1002 or drops TCP.
	for i, code := range []int{0, 999, 1004, 1005, 1006, 1016, 1100, 2000, 2999} {
		code := code
		closeCase(fmt.Sprintf("7.9.%d", i+1), fmt.Sprintf("Send close with invalid close code %d", code), "Clean close with protocol error code or drop TCP", func(s *session) {
			s.expect(OK)
			s.expectedClose = CloseExpectation{ClosedByMe: true, CloseCode: []int{closeProtocolError}}
			s.sendCloseFrame(intp(code), nil, false)
			s.killAfter(1)
		})
	}
	// 7.13 Informational: codes outside the 16-bit range the RFC assigns.
	for i, code := range []int{5000, 65535} {
		code := code
		def(fmt.Sprintf("7.13.%d", i+1), fmt.Sprintf("Send close with close code %d", code), "Actual events are undefined by the spec.", func(s *session) {
			s.suppressClose = true
			s.expect(OK)
			s.expectedClose = CloseExpectation{ClosedByMe: true, CloseCode: []int{closeNormal, code, closeProtocolError}}
			s.onLost = func() {
				s.behavior = Informational
				s.behaviorClose = Informational
				s.result = "Actual events are undefined by the spec."
			}
			s.sendCloseFrame(intp(code), nil, false)
			s.killAfter(1)
		})
	}

	// 9 Limits/Performance. Each case reports its duration.
	const (
		kib = 1 << 10
		mib = 1 << 20
	)
	sizes := []int{64 * kib, 256 * kib, mib, 4 * mib, 8 * mib, 16 * mib}
	frags := []int{64, 256, kib, 4 * kib, 16 * kib, 64 * kib, 256 * kib, mib, 4 * mib}
	chops := []int{64, 128, 256, 512, 1024, 2048}
	kinds := []struct {
		binary  bool
		name    string
		pattern []byte
	}{{false, "text", []byte("BAsd7&jh23")}, {true, "binary", []byte("\x00\xfe\x23\xfa\xf0")}}
	for ki, k := range kinds {
		k := k
		for i, n := range sizes {
			n := n
			def(fmt.Sprintf("9.%d.%d", 1+ki, i+1), fmt.Sprintf("Send %s message message with payload of length %d.", k.name, n),
				fmt.Sprintf("Receive echo'ed %s message (with payload as sent).", k.name), func(s *session) {
					size := n / s.opts.shrink()
					s.bigEcho(k.binary, size, 100, func() {
						op := byte(opText)
						if k.binary {
							op = opBinary
						}
						s.sendFrame(frameSpec{op: op, data: k.pattern, repeat: size})
					})
				})
		}
		for i, fs := range frags {
			fs := fs
			def(fmt.Sprintf("9.%d.%d", 3+ki, i+1), fmt.Sprintf("Send fragmented %s message message with message payload of length 4 * 2**20 (4M). Sent out in fragments of %d.", k.name, fs),
				fmt.Sprintf("Receive echo'ed %s message (with payload as sent).", k.name), func(s *session) {
					size := 4 * mib / s.opts.shrink()
					s.bigEcho(k.binary, size, 100, func() {
						s.sendMessage(repeatTo(k.pattern, size), k.binary, min(fs, size))
					})
				})
		}
		for i, c := range chops {
			c := c
			def(fmt.Sprintf("9.%d.%d", 5+ki, i+1), fmt.Sprintf("Send %s message message with payload of length 1 * 2**20 (1M). Sent out data in chops of %d octets.", k.name, c),
				fmt.Sprintf("Receive echo'ed %s message (with payload as sent).", k.name), func(s *session) {
					size := mib / s.opts.shrink()
					s.bigEcho(k.binary, size, 1000, func() {
						op := byte(opText)
						if k.binary {
							op = opBinary
						}
						s.sendFrame(frameSpec{op: op, data: k.pattern, repeat: size, chop: c})
					})
				})
		}
	}
	rtt := []struct{ n, count, wait int }{{0, 1000, 60}, {16, 1000, 60}, {64, 1000, 60}, {256, 1000, 120}, {1024, 1000, 240}, {4096, 1000, 480}}
	for ki, k := range kinds {
		k := k
		for i, t := range rtt {
			t := t
			def(fmt.Sprintf("9.%d.%d", 7+ki, i+1),
				fmt.Sprintf("Send %d %s messages of payload size %d to measure implementation/network RTT (round trip time) / latency.", t.count, k.name, t.n),
				fmt.Sprintf("Receive echo'ed %s messages (with payload as sent). Timeout case after %d secs.", k.name, t.wait),
				func(s *session) { s.roundTrips(k.binary, t.n, t.count, t.wait) })
		}
	}

	// 10 Misc: auto-fragmentation by the harness.
	def("10.1.1", "Send text message with payload of length 65536 auto-fragmented with autoFragmentSize = 1300.",
		"Receive echo'ed text message (with payload as sent and transmitted frame counts as expected). Clean close with normal code.",
		func(s *session) {
			const frag = 1300
			p := []byte(strings.Repeat("*", 65536))
			s.expect(OK, evMessage(p, false))
			s.closeNormally()
			s.onLost = func() {
				want0, want1 := len(p)/frag, 0
				if len(p)%frag > 0 {
					want1 = 1
				}
				if s.txFrames[opContinuation] != want0 || s.txFrames[opText] != want1 {
					s.behavior = Failed
					s.result = fmt.Sprintf("Frames transmitted {0: %d, 1: %d} does not match what we expected {0: %d, 1: %d}.",
						s.txFrames[opContinuation], s.txFrames[opText], want0, want1)
				}
			}
			s.sendMessage(p, false, frag)
			s.killAfter(10)
		})
}

func repeatTo(pattern []byte, n int) []byte {
	f := frameSpec{data: pattern, repeat: n}
	return f.payload()
}

// bigEcho is the shared body of 9.1 - 9.6: send one large message, expect it back with
// the same type and length within waitSecs suite seconds, then close.
func (s *session) bigEcho(binary bool, size int, waitSecs float64, send func()) {
	s.reportTime = true
	s.wirelogOn = false
	s.behavior = Failed
	s.closeNormally()
	s.result = fmt.Sprintf("Did not receive message within %v seconds.", waitSecs)
	s.onMessage = func(msg []byte, isBinary bool) {
		switch {
		case isBinary != binary:
			s.result = fmt.Sprintf("Expected message of type binary=%v, but got binary=%v.", binary, isBinary)
		case len(msg) != size:
			s.result = fmt.Sprintf("Expected message with payload of length %d, but got %d.", size, len(msg))
		default:
			s.behavior = OK
			s.result = fmt.Sprintf("Received message of length %d.", len(msg))
		}
		s.wirelogOn = true
		s.sendClose(closeNormal, "")
	}
	send()
	s.closeAfter(waitSecs)
}

// roundTrips is the body of 9.7 and 9.8: count sequential echo round trips.
func (s *session) roundTrips(binary bool, n, count, waitSecs int) {
	s.reportTime = true
	s.wirelogOn = false
	s.behavior = Failed
	s.closeNormally()
	s.result = fmt.Sprintf("Case did not finish within %d seconds.", waitSecs)
	count = max(1, count/s.opts.shrink())
	op, fill := byte(opText), []byte("*")
	if binary {
		op, fill = opBinary, []byte("\xfe")
	}
	sent := 0
	if n == 0 {
		fill = nil
	}
	sendOne := func() {
		s.sendFrame(frameSpec{op: op, data: fill, repeat: n})
		sent++
	}
	s.onMessage = func(msg []byte, isBinary bool) {
		switch {
		case isBinary != binary || len(msg) != n:
			s.behavior = Failed
			s.result = fmt.Sprintf("Echo'ed message type or length differs from what I sent (got binary = %v, payload length = %d).", isBinary, len(msg))
			s.wirelogOn = true
			s.sendClose(closeNormal, "")
		case sent < count:
			sendOne()
		default:
			s.behavior = OK
			s.result = "Ok, received all echo'ed messages in time."
			s.wirelogOn = true
			s.sendClose(closeNormal, "")
		}
	}
	s.closeAfter(float64(waitSecs))
	sendOne()
}
