package autobahn

import (
	"encoding/hex"
	"fmt"
	"unicode/utf8"
)

// utf8Group is one subsection of the suite's generated UTF-8 cases (6.5 to 6.23), from
// Markus Kuhn's UTF-8 decoder stress test as the suite lists it.
type utf8Group struct {
	title string
	seqs  []utf8Seq
}

type utf8Seq struct {
	valid bool
	b     string
}

func rangeSeq(lo, hi int, sep string) string {
	var s []byte
	for i := lo; i < hi; i++ { // the suite uses Python's xrange: hi is excluded
		s = append(s, byte(i))
		s = append(s, sep...)
	}
	return string(s)
}

func utf8Groups() []utf8Group {
	vss := "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5"
	var g []utf8Group
	add := func(title string, seqs ...utf8Seq) { g = append(g, utf8Group{title, seqs}) }
	v := func(s string) utf8Seq { return utf8Seq{true, s} }
	x := func(s string) utf8Seq { return utf8Seq{false, s} }

	add("Some valid UTF-8 sequences", v("hello\x24world"), v("hello\xC2\xA2world"), v("hello\xE2\x82\xACworld"), v("hello\xF0\xA4\xAD\xA2world"), v(vss))
	var prefixes []utf8Seq
	for i := 1; i <= len(vss); i++ {
		prefixes = append(prefixes, utf8Seq{utf8.ValidString(vss[:i]), vss[:i]})
	}
	add("All prefixes of a valid UTF-8 string that contains multi-byte code points", prefixes...)
	add("First possible sequence of a certain length", v("\x00"), v("\xc2\x80"), v("\xe0\xa0\x80"), v("\xf0\x90\x80\x80"))
	add("First possible sequence length 5/6 (invalid codepoints)", x("\xf8\x88\x80\x80\x80"), x("\xfc\x84\x80\x80\x80\x80"))
	add("Last possible sequence of a certain length", v("\x7f"), v("\xdf\xbf"), v("\xef\xbf\xbf"), v("\xf4\x8f\xbf\xbf"))
	add("Last possible sequence length 4/5/6 (invalid codepoints)", x("\xf7\xbf\xbf\xbf"), x("\xfb\xbf\xbf\xbf\xbf"), x("\xfd\xbf\xbf\xbf\xbf\xbf"))
	add("Other boundary conditions", v("\xed\x9f\xbf"), v("\xee\x80\x80"), v("\xef\xbf\xbd"), v("\xf4\x8f\xbf\xbf"), x("\xf4\x90\x80\x80"))
	add("Unexpected continuation bytes", x("\x80"), x("\xbf"), x("\x80\xbf"), x("\x80\xbf\x80"), x("\x80\xbf\x80\xbf"),
		x("\x80\xbf\x80\xbf\x80"), x("\x80\xbf\x80\xbf\x80\xbf"), x(rangeSeq(0x80, 0xbf, "")))
	add("Lonely start characters", x(rangeSeq(0xc0, 0xdf, " ")), x(rangeSeq(0xe0, 0xef, " ")), x(rangeSeq(0xf0, 0xf7, " ")),
		x(rangeSeq(0xf8, 0xfb, " ")), x(rangeSeq(0xfc, 0xfd, " ")))
	k := []string{"\xc0", "\xe0\x80", "\xf0\x80\x80", "\xf8\x80\x80\x80", "\xfc\x80\x80\x80\x80",
		"\xdf", "\xef\xbf", "\xf7\xbf\xbf", "\xfb\xbf\xbf\xbf", "\xfd\xbf\xbf\xbf\xbf"}
	var missing []utf8Seq
	all := ""
	for _, s := range k {
		missing = append(missing, x(s))
		all += s
	}
	add("Sequences with last continuation byte missing", missing...)
	add("Concatenation of incomplete sequences", x(all))
	add("Impossible bytes", x("\xfe"), x("\xff"), x("\xfe\xfe\xff\xff"))
	add("Examples of an overlong ASCII character", x("\xc0\xaf"), x("\xe0\x80\xaf"), x("\xf0\x80\x80\xaf"), x("\xf8\x80\x80\x80\xaf"), x("\xfc\x80\x80\x80\x80\xaf"))
	add("Maximum overlong sequences", x("\xc1\xbf"), x("\xe0\x9f\xbf"), x("\xf0\x8f\xbf\xbf"), x("\xf8\x87\xbf\xbf\xbf"), x("\xfc\x83\xbf\xbf\xbf\xbf"))
	add("Overlong representation of the NUL character", x("\xc0\x80"), x("\xe0\x80\x80"), x("\xf0\x80\x80\x80"), x("\xf8\x80\x80\x80\x80"), x("\xfc\x80\x80\x80\x80\x80"))
	add("Single UTF-16 surrogates", x("\xed\xa0\x80"), x("\xed\xad\xbf"), x("\xed\xae\x80"), x("\xed\xaf\xbf"), x("\xed\xb0\x80"), x("\xed\xbe\x80"), x("\xed\xbf\xbf"))
	add("Paired UTF-16 surrogates", x("\xed\xa0\x80\xed\xb0\x80"), x("\xed\xa0\x80\xed\xbf\xbf"), x("\xed\xad\xbf\xed\xb0\x80"), x("\xed\xad\xbf\xed\xbf\xbf"),
		x("\xed\xae\x80\xed\xb0\x80"), x("\xed\xae\x80\xed\xbf\xbf"), x("\xed\xaf\xbf\xed\xb0\x80"), x("\xed\xaf\xbf\xed\xbf\xbf"))
	nonChars := []utf8Seq{v("\xef\xbf\xbe"), v("\xef\xbf\xbf")}
	for _, z1 := range []string{"\xf0", "\xf1", "\xf2", "\xf3", "\xf4"} {
		for _, z2 := range []string{"\x8f", "\x9f", "\xaf", "\xbf"} {
			if z1 == "\xf4" && z2 != "\x8f" {
				continue // above U+10FFFF
			}
			for _, z3 := range []string{"\xbe", "\xbf"} {
				zz := z1 + z2 + "\xbf" + z3
				if zz == "\xf0\x8f\xbf\xbe" || zz == "\xf0\x8f\xbf\xbf" {
					continue // overlong
				}
				nonChars = append(nonChars, v(zz))
			}
		}
	}
	add("Non-character code points (valid UTF-8)", nonChars...)
	add("Unicode specials (i.e. replacement char)", v("\xef\xbf\xb9"), v("\xef\xbf\xba"), v("\xef\xbf\xbb"), v("\xef\xbf\xbc"), v("\xef\xbf\xbd"), v("\xef\xbf\xbe"), v("\xef\xbf\xbf"))
	return g
}

func init() {
	// 6.1 Valid UTF-8 with zero payload fragments.
	def("6.1.1", "Send text message of length 0.", "A message is echo'ed back to us (with empty payload).", func(s *session) {
		s.expect(OK, evMessage([]byte{}, false))
		s.closeNormally()
		s.sendFrame(frameSpec{op: opText})
		s.closeAfter(1)
	})
	def("6.1.2", "Send fragmented text message, 3 fragments each of length 0.", "A message is echo'ed back to us (with empty payload).", func(s *session) {
		s.expect(OK, evMessage([]byte{}, false))
		s.closeNormally()
		s.sendFrame(frameSpec{op: opText, more: true})
		s.sendFrame(frameSpec{op: opContinuation, more: true})
		s.sendFrame(frameSpec{op: opContinuation})
		s.closeAfter(1)
	})
	def("6.1.3", "Send fragmented text message, 3 fragments, first and last of length 0, middle non-empty.", "A message is echo'ed back to us (with payload = payload of middle fragment).", func(s *session) {
		p := []byte("middle frame payload")
		s.expect(OK, evMessage(p, false))
		s.closeNormally()
		s.sendFrame(frameSpec{op: opText, more: true})
		s.sendFrame(frameSpec{op: opContinuation, more: true, data: p})
		s.sendFrame(frameSpec{op: opContinuation})
		s.closeAfter(1)
	})

	// 6.2 Valid UTF-8 unfragmented, fragmented on code points and within code points.
	hello := "Hello-µ@ßöäüàá-UTF-8!!"
	kosme := "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5"
	validText := func(id, desc, payload string, frag int) {
		def(id, desc+fmt.Sprintf(" MESSAGE: 0x%s", hex.EncodeToString([]byte(payload))), "The message is echo'ed back to us.", func(s *session) {
			s.expect(OK, evMessage([]byte(payload), false))
			s.closeNormally()
			s.sendMessage([]byte(payload), false, frag)
			s.closeAfter(1)
		})
	}
	validText("6.2.1", "Send a valid UTF-8 text message in one fragment.", hello, 0)
	def("6.2.2", "Send a valid UTF-8 text message in two fragments, fragmented on UTF-8 code point boundary.", "The message is echo'ed back to us.", func(s *session) {
		p1, p2 := "Hello-µ@ßöä", "üàá-UTF-8!!"
		s.expect(OK, evMessage([]byte(p1+p2), false))
		s.closeNormally()
		s.sendFrame(frameSpec{op: opText, more: true, data: []byte(p1)})
		s.sendFrame(frameSpec{op: opContinuation, data: []byte(p2)})
		s.closeAfter(1)
	})
	validText("6.2.3", "Send a valid UTF-8 text message in fragments of 1 octet, resulting in frames ending on positions which are not code point ends.", hello, 1)
	validText("6.2.4", "Send a valid UTF-8 text message in fragments of 1 octet, resulting in frames ending on positions which are not code point ends.", kosme, 1)

	// 6.3 Invalid UTF-8 differently fragmented.
	invalid := kosme + "\xed\xa0\x80\x65\x64\x69\x74\x65\x64"
	invalidText := func(id, desc string, frag int) {
		def(id, desc+fmt.Sprintf(" MESSAGE: 0x%s", hex.EncodeToString([]byte(invalid))), "The connection is failed immediately, since the payload is not valid UTF-8.", func(s *session) {
			s.expect(OK)
			s.expectedClose = CloseExpectation{CloseCode: []int{closeInvalidPayload}, WrongEndpointFatal: true}
			s.sendMessage([]byte(invalid), false, frag)
			s.killAfter(1)
		})
	}
	invalidText("6.3.1", "Send invalid UTF-8 text message unfragmented.", 0)
	invalidText("6.3.2", "Send invalid UTF-8 text message in fragments of 1 octet, resulting in frames ending on positions which are not code point ends.", 1)

	// 6.4 Fail-fast on invalid UTF-8: the peer must fail the connection on the part that
	// makes the payload invalid, before the rest arrives.
	full := kosme + "\xf4\x90\x80\x80" + "\x65\x64\x69\x74\x65\x64"
	failFast := func(id, desc string, parts [3]string, oneFrame bool) {
		def(id, fmt.Sprintf("%s PART1 = 0x%x, PART2 = 0x%x, PART3 = 0x%x", desc, parts[0], parts[1], parts[2]),
			"The first part is accepted, we expect to timeout on the first wait. The 2nd part should be rejected immediately (fail fast on UTF-8). If we timeout, we expect the connection is failed at least then, since the complete message payload is not valid UTF-8.",
			func(s *session) {
				s.expect(OK, evTimeout("A"))
				s.expect(NonStrict, evTimeout("A"), evTimeout("B"))
				s.expectedClose = CloseExpectation{CloseCode: []int{closeInvalidPayload}, WrongEndpointFatal: true}
				send := func(i int) {
					if oneFrame {
						s.frameData([]byte(parts[i]))
						return
					}
					op := byte(opContinuation)
					if i == 0 {
						op = opText
					}
					s.sendFrame(frameSpec{op: op, more: i < 2, data: []byte(parts[i])})
				}
				if oneFrame {
					s.beginFrame(opText, true, len(full))
				}
				send(0)
				s.continueLater(1, "A", func() {
					if s.state != stateOpen {
						return
					}
					s.received = append(s.received, evTimeout("A"))
					send(1)
					s.continueLater(1, "B", func() {
						if s.state != stateOpen {
							return
						}
						s.received = append(s.received, evTimeout("B"))
						send(2)
						s.killAfter(1)
					})
				})
			})
	}
	failFast("6.4.1", "Send invalid UTF-8 text message in 3 fragments (frames). First frame payload is valid, then wait, then 2nd frame which contains the payload making the sequence invalid, then wait, then 3rd frame with rest. Note that PART1 and PART3 are valid UTF-8 in themselves, PART2 is a 0x110000 encoded as in the UTF-8 integer encoding scheme, but the codepoint is invalid (out of range).",
		[3]string{kosme, "\xf4\x90\x80\x80", "\x65\x64\x69\x74\x65\x64"}, false)
	failFast("6.4.2", "Same as Case 6.4.1, but in 2nd frame, we send only up to and including the octet making the complete payload invalid.",
		[3]string{full[:12], full[12:13], full[13:]}, false)
	failFast("6.4.3", "Same as Case 6.4.1, but we send message not in 3 frames, but in 3 chops of the same message frame.",
		[3]string{kosme, "\xf4\x90\x80\x80", "\x65\x64\x69\x74\x65\x64"}, true)
	failFast("6.4.4", "Same as Case 6.4.2, but we send message not in 3 frames, but in 3 chops of the same message frame.",
		[3]string{full[:12], full[12:13], full[13:]}, true)

	// 6.5 - 6.23: generated from the UTF-8 decoder stress test.
	for gi, grp := range utf8Groups() {
		for j, seq := range grp.seqs {
			seq := seq
			id := fmt.Sprintf("6.%d.%d", gi+5, j+1)
			desc := "Send a text message with payload which is not valid UTF-8 in one fragment."
			exp := "The connection is failed immediately, since the payload is not valid UTF-8."
			if seq.valid {
				desc = "Send a text message with payload which is valid UTF-8 in one fragment."
				exp = "The message is echo'ed back to us."
			}
			def(id, fmt.Sprintf("%s (%s) Payload: 0x%x", desc, grp.title, seq.b), exp, func(s *session) {
				if seq.valid {
					s.expect(OK, evMessage([]byte(seq.b), false))
					s.closeNormally()
				} else {
					s.expect(OK)
					s.expectedClose = CloseExpectation{CloseCode: []int{closeInvalidPayload}, WrongEndpointFatal: true}
				}
				s.sendMessage([]byte(seq.b), false, 0)
				s.killAfter(0.5)
			})
		}
	}
}
