package autobahn

import (
	"fmt"
	"strings"
)

// The case definitions below restate the Autobahn testsuite's cases (crossbario
// autobahn-testsuite, autobahntestsuite/case/case*.py) in Go: same ids, frames, chops,
// delays (in suite seconds, scaled by Options), expectations and close expectations.

// def registers a case.
func def(id, desc, expect string, run func(s *session)) {
	register(&Case{ID: id, Description: desc, Expectation: expect, run: run})
}

func (s *session) expect(v Verdict, evs ...Event) {
	s.expected = append(s.expected, expectation{Verdict: v, Events: evs})
}

// closeNormally: the harness closes with 1000 and a clean close handshake is required.
func (s *session) closeNormally() {
	s.expectedClose = CloseExpectation{ClosedByMe: true, CloseCode: []int{closeNormal}, RequireClean: true}
}

// peerFails: the peer must fail the connection, with code (clean handshake not required).
func (s *session) peerFails(code int) {
	s.expectedClose = CloseExpectation{ClosedByMe: false, CloseCode: []int{code}}
}

var (
	helloWorld = []byte("Hello, world!")
	binSmall   = []byte("\x00\xff\xfe\xfd\xfc\xfb\x00\xff")
)

func init() {
	// 1 Framing: echo of text (1.1) and binary (1.2) messages of the length-encoding edges.
	lens := []int{0, 125, 126, 127, 128, 65535, 65536, 65536}
	for i, n := range lens {
		for sub, binary := range []bool{false, true} {
			n, i, binary := n, i, binary
			kind, op, fill := "text", byte(opText), "*"
			if binary {
				kind, op, fill = "binary", opBinary, "\xfe"
			}
			desc := fmt.Sprintf("Send %s message with payload of length %d.", kind, n)
			chop := 0
			if i == 7 {
				chop = 997
				desc = fmt.Sprintf("Send %s message with payload of length %d. Sent out data in chops of 997 octets.", kind, n)
			}
			kill := 1.0
			if n >= 65535 {
				kill = 10
			}
			def(fmt.Sprintf("1.%d.%d", sub+1, i+1), desc,
				fmt.Sprintf("Receive echo'ed %s message (with payload as sent). Clean close with normal code.", kind),
				func(s *session) {
					p := []byte(strings.Repeat(fill, n))
					s.expect(OK, evMessage(p, binary))
					s.closeNormally()
					s.sendFrame(frameSpec{op: op, data: p, chop: chop})
					s.killAfter(kill)
				})
		}
	}

	// 2 Pings/Pongs.
	pingCase := func(id, desc string, payload []byte, chop int, after float64) {
		def(id, desc, "Pong (with payload echo'ed) is sent in reply to Ping. Clean close with normal code.", func(s *session) {
			s.expect(OK, evPong(payload))
			s.closeNormally()
			s.sendFrame(frameSpec{op: opPing, data: payload, chop: chop})
			s.closeAfter(after)
		})
	}
	pingCase("2.1", "Send ping without payload.", []byte{}, 0, 1)
	pingCase("2.2", "Send ping with small text payload.", helloWorld, 0, 1)
	pingCase("2.3", "Send ping with small binary (non UTF-8) payload.", binSmall, 0, 1)
	pingCase("2.4", "Send ping with binary payload of 125 octets.", []byte(strings.Repeat("\xfe", 125)), 0, 1)
	def("2.5", "Send ping with binary payload of 126 octets.",
		"Connection is failed immediately (1002/Protocol Error), since control frames are only allowed to have payload up to and including 125 octets.",
		func(s *session) {
			s.expect(OK)
			s.peerFails(closeProtocolError)
			s.sendFrame(frameSpec{op: opPing, data: []byte(strings.Repeat("\xfe", 126))})
			s.killAfter(1)
		})
	pingCase("2.6", "Send ping with binary payload of 125 octets, send in octet-wise chops.", []byte(strings.Repeat("\xfe", 125)), 1, 2)
	unsolicited := func(id, desc string, payload []byte) {
		def(id, desc, "Nothing.", func(s *session) {
			s.expect(OK)
			s.closeNormally()
			s.sendFrame(frameSpec{op: opPong, data: payload})
			s.sendClose(closeNormal, "")
			s.closeAfter(1)
		})
	}
	unsolicited("2.7", "Send unsolicited pong without payload. Verify nothing is received. Clean close with normal code.", nil)
	unsolicited("2.8", "Send unsolicited pong with payload. Verify nothing is received. Clean close with normal code.", []byte("unsolicited pong payload"))
	def("2.9", "Send unsolicited pong with payload. Send ping with payload. Verify pong for ping is received.",
		"Nothing in reply to own Pong, but Pong with payload echo'ed in reply to Ping. Clean close with normal code.",
		func(s *session) {
			p := []byte("ping payload")
			s.expect(OK, evPong(p))
			s.closeNormally()
			s.sendFrame(frameSpec{op: opPong, data: []byte("unsolicited pong payload")})
			s.sendFrame(frameSpec{op: opPing, data: p})
			s.closeAfter(1)
		})
	tenPings := func(id, desc string, chop int) {
		def(id, desc, "Pongs for our Pings with all the payloads. Note: This is not required by the Spec .. but we check for this behaviour anyway. Clean close with normal code.",
			func(s *session) {
				var evs []Event
				for i := 0; i < 10; i++ {
					evs = append(evs, evPong([]byte(fmt.Sprintf("payload-%d", i))))
				}
				s.expect(OK, evs...)
				s.closeNormally()
				for _, e := range evs {
					s.sendFrame(frameSpec{op: opPing, data: e.Data, chop: chop})
				}
				s.closeAfter(3)
			})
	}
	tenPings("2.10", "Send 10 Pings with payload.", 0)
	tenPings("2.11", "Send 10 Pings with payload. Send out octets in octet-wise chops.", 1)

	// 3 Reserved bits.
	rsvFail := func(id, desc string, op byte, payload []byte, rsv byte) {
		def(id, desc, "The connection is failed immediately (1002/protocol error), since RSV must be 0, when no extension defining RSV meaning has been negotiated.",
			func(s *session) {
				s.expect(OK)
				s.peerFails(closeProtocolError)
				s.sendFrame(frameSpec{op: op, data: payload, rsv: rsv})
				s.killAfter(1)
			})
	}
	rsvFail("3.1", "Send small text message with RSV = 1.", opText, helloWorld, 1)
	rsvAfterEcho := func(id, desc string, rsv byte, sync bool, chop int) {
		def(id, desc, "Echo for first message is received, but then connection is failed immediately, since RSV must be 0, when no extension defining RSV meaning has been negotiated. The Pong is not received.",
			func(s *session) {
				s.expect(OK, evMessage(helloWorld, false))
				s.expect(NonStrict)
				s.peerFails(closeProtocolError)
				s.sendFrame(frameSpec{op: opText, data: helloWorld, sync: sync, chop: chop})
				s.sendFrame(frameSpec{op: opText, data: helloWorld, rsv: rsv, sync: sync, chop: chop})
				s.sendFrame(frameSpec{op: opPing, sync: sync, chop: chop})
				s.killAfter(1)
			})
	}
	rsvAfterEcho("3.2", "Send small text message, then send again with RSV = 2, then send Ping.", 2, false, 0)
	rsvAfterEcho("3.3", "Send small text message, then send again with RSV = 3, then send Ping. Octets are sent in frame-wise chops.", 3, true, 0)
	rsvAfterEcho("3.4", "Send small text message, then send again with RSV = 4, then send Ping. Octets are sent in octet-wise chops.", 4, false, 1)
	rsvFail("3.5", "Send small binary message with RSV = 5.", opBinary, binSmall, 5)
	rsvFail("3.6", "Send Ping with RSV = 6.", opBinary, helloWorld, 6)
	rsvFail("3.7", "Send Close with RSV = 7.", opClose, nil, 7)

	// 4 Opcodes: 4.1 reserved non-control, 4.2 reserved control.
	opFail := func(id, desc string, op byte, payload []byte) {
		def(id, desc, "The connection is failed immediately.", func(s *session) {
			s.expect(OK)
			s.peerFails(closeProtocolError)
			s.sendFrame(frameSpec{op: op, data: payload})
			s.killAfter(1)
		})
	}
	opAfterEcho := func(id, desc string, op byte, payload []byte, chop int) {
		def(id, desc, "Echo for first message is received, but then connection is failed immediately, since reserved opcode frame is used. A Pong is not received.",
			func(s *session) {
				s.expect(OK, evMessage(helloWorld, false))
				s.expect(NonStrict)
				s.peerFails(closeProtocolError)
				s.sendFrame(frameSpec{op: opText, data: helloWorld, chop: chop})
				s.sendFrame(frameSpec{op: op, data: payload, chop: chop})
				s.sendFrame(frameSpec{op: opPing, chop: chop})
				s.killAfter(1)
			})
	}
	reservedPayload := []byte("reserved opcode payload")
	for _, g := range []struct {
		sub  int
		base byte
		kind string
	}{{1, 3, "non-control"}, {2, 11, "control"}} {
		p := fmt.Sprintf("4.%d.", g.sub)
		opFail(p+"1", fmt.Sprintf("Send frame with reserved %s Opcode = %d.", g.kind, g.base), g.base, nil)
		opFail(p+"2", fmt.Sprintf("Send frame with reserved %s Opcode = %d and non-empty payload.", g.kind, g.base+1), g.base+1, reservedPayload)
		opAfterEcho(p+"3", fmt.Sprintf("Send small text message, then send frame with reserved %s Opcode = %d, then send Ping.", g.kind, g.base+2), g.base+2, nil, 0)
		opAfterEcho(p+"4", fmt.Sprintf("Send small text message, then send frame with reserved %s Opcode = %d and non-empty payload, then send Ping.", g.kind, g.base+3), g.base+3, helloWorld, 0)
		opAfterEcho(p+"5", fmt.Sprintf("Send small text message, then send frame with reserved %s Opcode = %d and non-empty payload, then send Ping.", g.kind, g.base+4), g.base+4, helloWorld, 1)
	}

	// 5 Fragmentation.
	ctrlFrag := func(id, desc string, op byte) {
		def(id, desc, "Connection is failed immediately, since control message MUST NOT be fragmented.", func(s *session) {
			s.expect(OK)
			s.peerFails(closeProtocolError)
			s.sendFrame(frameSpec{op: op, more: true, data: []byte("fragment1")})
			s.sendFrame(frameSpec{op: opContinuation, data: []byte("fragment2")})
			s.killAfter(1)
		})
	}
	ctrlFrag("5.1", "Send Ping fragmented into 2 fragments.", opPing)
	ctrlFrag("5.2", "Send Pong fragmented into 2 fragments.", opPong)
	twoFrags := func(id, desc string, sync bool, chop int) {
		def(id, desc, "Message is processed and echo'ed back to us.", func(s *session) {
			s.expect(OK, evMessage([]byte("fragment1fragment2"), false))
			s.closeNormally()
			s.sendFrame(frameSpec{op: opText, more: true, data: []byte("fragment1"), sync: sync, chop: chop})
			s.sendFrame(frameSpec{op: opContinuation, data: []byte("fragment2"), sync: sync, chop: chop})
			s.closeAfter(1)
		})
	}
	twoFrags("5.3", "Send text Message fragmented into 2 fragments.", false, 0)
	twoFrags("5.4", "Send text Message fragmented into 2 fragments, octets are sent in frame-wise chops.", true, 0)
	twoFrags("5.5", "Send text Message fragmented into 2 fragments, octets are sent in octet-wise chops.", false, 1)
	pingBetween := func(id, desc string, sync bool, chop int) {
		def(id, desc, "A pong is received, then the message is echo'ed back to us.", func(s *session) {
			pp := []byte("ping payload")
			s.expect(OK, evPong(pp), evMessage([]byte("fragment1fragment2"), false))
			s.closeNormally()
			s.sendFrame(frameSpec{op: opText, more: true, data: []byte("fragment1"), sync: sync, chop: chop})
			s.sendFrame(frameSpec{op: opPing, data: pp, sync: sync, chop: chop})
			s.sendFrame(frameSpec{op: opContinuation, data: []byte("fragment2"), sync: sync, chop: chop})
			s.closeAfter(1)
		})
	}
	pingBetween("5.6", "Send text Message fragmented into 2 fragments, one ping with payload in-between.", false, 0)
	pingBetween("5.7", "Send text Message fragmented into 2 fragments, one ping with payload in-between. Octets are sent in frame-wise chops.", true, 0)
	pingBetween("5.8", "Send text Message fragmented into 2 fragments, one ping with payload in-between. Octets are sent in octet-wise chops.", false, 1)
	orphanCont := func(id, desc string, fin bool, sync bool, chop int) {
		def(id, desc, "The connection is failed immediately, since there is no message to continue.", func(s *session) {
			s.expect(OK)
			s.peerFails(closeProtocolError)
			s.sendFrame(frameSpec{op: opContinuation, more: !fin, data: []byte("non-continuation payload"), sync: sync, chop: chop})
			s.sendFrame(frameSpec{op: opText, data: helloWorld, sync: sync, chop: chop})
			s.killAfter(1)
		})
	}
	orphanCont("5.9", "Send unfragmented Text Message after Continuation Frame with FIN = true, where there is nothing to continue, sent in one chop.", true, false, 0)
	orphanCont("5.10", "Send unfragmented Text Message after Continuation Frame with FIN = true, where there is nothing to continue, sent in per-frame chops.", true, true, 0)
	orphanCont("5.11", "Send unfragmented Text Message after Continuation Frame with FIN = true, where there is nothing to continue, sent in octet-wise chops.", true, false, 1)
	orphanCont("5.12", "Send unfragmented Text Message after Continuation Frame with FIN = false, where there is nothing to continue, sent in one chop.", false, false, 0)
	orphanCont("5.13", "Send unfragmented Text Message after Continuation Frame with FIN = false, where there is nothing to continue, sent in per-frame chops.", false, true, 0)
	orphanCont("5.14", "Send unfragmented Text Message after Continuation Frame with FIN = false, where there is nothing to continue, sent in octet-wise chops.", false, false, 1)
	def("5.15", "Send text Message fragmented into 2 fragments, then Continuation Frame with FIN = false where there is nothing to continue, then unfragmented Text Message, all sent in one chop.",
		"The connection is failed immediately, since there is no message to continue.",
		func(s *session) {
			s.expect(OK, evMessage([]byte("fragment1fragment2"), false))
			s.expect(NonStrict)
			s.peerFails(closeProtocolError)
			s.sendFrame(frameSpec{op: opText, more: true, data: []byte("fragment1")})
			s.sendFrame(frameSpec{op: opContinuation, data: []byte("fragment2")})
			s.sendFrame(frameSpec{op: opContinuation, more: true, data: []byte("fragment3")})
			s.sendFrame(frameSpec{op: opText, data: []byte("fragment4")})
			s.killAfter(1)
		})
	repeated := func(id, desc string, firstFin bool) {
		def(id, desc, "The connection is failed immediately, since there is no message to continue.", func(s *session) {
			s.expect(OK)
			s.peerFails(closeProtocolError)
			for i := 0; i < 2; i++ {
				s.sendFrame(frameSpec{op: opContinuation, more: !firstFin, data: []byte("fragment1")})
				s.sendFrame(frameSpec{op: opText, more: true, data: []byte("fragment2")})
				s.sendFrame(frameSpec{op: opContinuation, data: []byte("fragment3")})
			}
			s.killAfter(1)
		})
	}
	repeated("5.16", "Repeated 2x: Continuation Frame with FIN = false (where there is nothing to continue), then text Message fragmented into 2 fragments.", false)
	repeated("5.17", "Repeated 2x: Continuation Frame with FIN = true (where there is nothing to continue), then text Message fragmented into 2 fragments.", true)
	def("5.18", "Send text Message fragmented into 2 fragments, with both frame opcodes set to text, sent in one chop.",
		"The connection is failed immediately, since all data frames after the initial data frame must have opcode 0.",
		func(s *session) {
			s.expect(OK)
			s.peerFails(closeProtocolError)
			s.sendFrame(frameSpec{op: opText, more: true, data: []byte("fragment1")})
			s.sendFrame(frameSpec{op: opText, data: []byte("fragment2")})
			s.killAfter(1)
		})
	pingsMidMessage := func(id, desc string, sync bool) {
		def(id, desc, "The peer immediately answers the first Ping before it has received the last text message fragment. The peer pong's back the Ping's payload exactly, and echo's the payload of the fragmented message back to us.",
			func(s *session) {
				frags := []string{"fragment1", "fragment2", "fragment3", "fragment4", "fragment5"}
				pings := [][]byte{[]byte("pongme 1!"), []byte("pongme 2!")}
				s.expect(OK, evPong(pings[0]), evPong(pings[1]), evMessage([]byte(strings.Join(frags, "")), false))
				s.closeNormally()
				s.sendFrame(frameSpec{op: opText, more: true, data: []byte(frags[0]), sync: sync})
				s.sendFrame(frameSpec{op: opContinuation, more: true, data: []byte(frags[1]), sync: sync})
				s.sendFrame(frameSpec{op: opPing, data: pings[0], sync: sync})
				s.continueLater(1, "", func() {
					s.sendFrame(frameSpec{op: opContinuation, more: true, data: []byte(frags[2]), sync: sync})
					s.sendFrame(frameSpec{op: opContinuation, more: true, data: []byte(frags[3]), sync: sync})
					s.sendFrame(frameSpec{op: opPing, data: pings[1], sync: sync})
					s.sendFrame(frameSpec{op: opContinuation, data: []byte(frags[4]), sync: sync})
					s.closeAfter(1)
				})
			})
	}
	pingsMidMessage("5.19", "A fragmented text message is sent in multiple frames. After sending the first 2 frames of the text message, a Ping is sent. Then we wait 1s, then we send 2 more text fragments, another Ping and then the final text fragment. Everything is legal.", false)
	pingsMidMessage("5.20", "Same as Case 5.19, but send all frames with SYNC = True. Note, this does not change the octets sent in any way, only how the stream is chopped up on the wire.", true)
}
