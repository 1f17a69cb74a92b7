package fuzz

import (
	"encoding/binary"
	"unicode/utf8"

	"github.com/duplexws/duplex/frame"
)

// This file is the oracle of the fuzz targets: a deliberately plain reference parser for
// a stream of WebSocket frames, written from RFC 6455 and sharing no code with package
// conn. Given the bytes a peer sends, it predicts everything a conformant endpoint must do
// with them: which messages it delivers, which pings it must answer, and how the
// connection ends (the peer's close, a protocol failure with its close code, or the end of
// the stream without a close frame, 1006).

// endKind says how a stream of frames ends.
type endKind uint8

const (
	endEOF       endKind = iota + 1 // the bytes ran out before a close frame: 1006
	endPeerClose                    // a valid close frame
	endViolation                    // the peer broke the protocol: fail with code
)

func (k endKind) String() string {
	switch k {
	case endEOF:
		return "EOF"
	case endPeerClose:
		return "peer close"
	case endViolation:
		return "violation"
	}
	return "?"
}

// message is a complete data message.
type message struct {
	Type byte // 1 text, 2 binary
	Data []byte
}

// outcome is what the model predicts for one stream.
type outcome struct {
	msgs  []message // delivered, in order
	pings [][]byte  // payloads of the pings processed before the end, in order
	pongs [][]byte  // payloads of the pongs received before the end
	end   endKind
	code  frame.CloseCode // the code the endpoint ends with: the peer's, the violation's, 1006
	why   string          // the rule that ended it (for failure messages)
	used  int             // bytes up to the end of the frame that ended the stream

	// With permessage-deflate, where the RFCs leave the order of two failures open (a
	// broken frame inside a message whose inflated data already broke a rule), allowed
	// lists every acceptable code; ambiguous says the outcome is not determined at all
	// from this message on (the messages before it still are).
	allowed   []frame.CloseCode
	ambiguous bool
	// inflateEnd: the end involves inflated data, which a receiver may find at any frame
	// of the message, so control frames after its start may or may not be processed.
	inflateEnd bool
}

// limits are the read limits the fuzz targets pick from; -1 means none.
var limits = [4]int64{64, 1024, 125, -1}

// model parses in as the endpoint of role receiver would, with a read limit on messages
// (limit < 0: none) and without permessage-deflate. in is not modified.
func model(in []byte, receiver frame.Role, limit int64) outcome {
	return modelWith(in, modelCfg{receiver: receiver, limit: limit})
}

// modelCfg is what the model needs to know about the receiving endpoint.
type modelCfg struct {
	receiver frame.Role
	limit    int64 // on (inflated) messages; < 0: none (not allowed with deflate)
	deflate  bool  // permessage-deflate negotiated (RFC 7692)
	takeover bool  // the sender keeps its LZ77 window between messages
}

// modelWith is model for any modelCfg.
func modelWith(in []byte, cfg modelCfg) outcome {
	receiver, limit := cfg.receiver, cfg.limit
	var o outcome
	var z inflater
	z.takeover = cfg.takeover
	compressed := false
	pos := 0
	inMsg := false
	var msgType byte
	var msg []byte
	var size uint64 // declared bytes of the current message so far
	end := func(k endKind, code frame.CloseCode, why string) outcome {
		o.end, o.code, o.why = k, code, why
		o.allowed = append(o.allowed, code)
		if inMsg && compressed {
			// The stream ends, breaks or is closed inside a compressed message: the
			// inflater may have failed first on the part that arrived (it may work as
			// the data comes), so its failure codes are allowed too.
			r := z.inflate(msg, false, limit, msgType == 1)
			o.allowed = append(o.allowed, r.faults...)
			o.ambiguous = o.ambiguous || r.ambiguous
			o.inflateEnd = o.inflateEnd || len(r.faults) > 0
		}
		return o
	}
	for {
		rest := in[pos:]
		if len(rest) < 2 {
			o.used = len(in)
			return end(endEOF, frame.CloseAbnormal, "EOF between frames or in a header")
		}
		b0, b1 := rest[0], rest[1]
		fin := b0&0x80 != 0
		rsv := b0 & 0x70
		op := b0 & 0x0f
		masked := b1&0x80 != 0
		hl := 2
		switch b1 & 0x7f {
		case 126:
			hl += 2
		case 127:
			hl += 8
		}
		if masked {
			hl += 4
		}
		if len(rest) < hl {
			o.used = len(in)
			return end(endEOF, frame.CloseAbnormal, "EOF in a header")
		}
		var length uint64
		switch l := b1 & 0x7f; l {
		case 126:
			length = uint64(binary.BigEndian.Uint16(rest[2:]))
		case 127:
			length = binary.BigEndian.Uint64(rest[2:])
		default:
			length = uint64(l)
		}
		o.used = pos + hl
		// RFC 6455 §5.2, §5.4, §5.5, §5.1: every header rule fails with 1002.
		control := op >= 8
		switch {
		case length>>63 != 0:
			return end(endViolation, frame.CloseProtocolError, "64-bit length with MSB set")
		case op >= 3 && op <= 7 || op >= 0xb:
			return end(endViolation, frame.CloseProtocolError, "reserved opcode")
		case rsv != 0 && !(cfg.deflate && rsv == 0x40 && (op == 1 || op == 2)):
			// RFC 6455 §5.2; RFC 7692 §6.1: RSV1 only on the first frame of a message.
			return end(endViolation, frame.CloseProtocolError, "RSV bit without extension")
		case control && length > 125:
			return end(endViolation, frame.CloseProtocolError, "control frame over 125 bytes")
		case control && !fin:
			return end(endViolation, frame.CloseProtocolError, "fragmented control frame")
		case receiver == frame.Server && !masked:
			return end(endViolation, frame.CloseProtocolError, "unmasked frame to a server")
		case receiver == frame.Client && masked:
			return end(endViolation, frame.CloseProtocolError, "masked frame to a client")
		case op == 0 && !inMsg:
			return end(endViolation, frame.CloseProtocolError, "continuation without a message")
		case (op == 1 || op == 2) && inMsg:
			return end(endViolation, frame.CloseProtocolError, "new message inside a message")
		}
		if !control {
			total := length
			if op == 0 {
				total += size
			}
			wireLimit := limit
			if rsv == 0x40 || op == 0 && compressed {
				// The limit is on the inflated size; conn also caps the compressed size,
				// with slack for DEFLATE's overhead on data that does not compress.
				wireLimit = limit + limit/8 + 4096
			}
			// RFC 6455 §7.4.1: 1009 for a message too big, decided on the declared length.
			if limit >= 0 && total > uint64(wireLimit) {
				return end(endViolation, frame.CloseTooBig, "message over the read limit")
			}
		}
		avail := uint64(len(rest) - hl)
		n := min(avail, length)
		payload := append([]byte(nil), rest[hl:hl+int(n)]...)
		if masked {
			key := rest[hl-4 : hl]
			for i := range payload {
				payload[i] ^= key[i&3]
			}
		}
		truncated := n < length
		o.used = pos + hl + int(n)
		if !control {
			if op != 0 {
				inMsg, msgType, msg, size = true, op, nil, 0
				compressed = rsv == 0x40
			}
			size += length
			msg = append(msg, payload...)
			// RFC 6455 §8.1: text that can no longer be valid UTF-8 fails at once, 1007.
			if msgType == 1 && !compressed && !validSoFar(msg) {
				return end(endViolation, frame.CloseInvalidPayload, "invalid UTF-8 in text")
			}
			if truncated {
				return end(endEOF, frame.CloseAbnormal, "EOF in a data frame")
			}
			if fin && compressed {
				r := z.inflate(msg, true, limit, msgType == 1)
				if r.ambiguous {
					o.ambiguous = true
					inMsg = false
					return end(endViolation, 0, "undefined by the RFCs: "+r.why)
				}
				if len(r.faults) > 0 {
					inMsg = false
					o.inflateEnd = true
					o.allowed = append(o.allowed, r.faults...)
					return end(endViolation, r.faults[0], r.why)
				}
				o.msgs = append(o.msgs, message{msgType, r.out})
				inMsg, msg = false, nil
			} else if fin {
				if msgType == 1 && !utf8.Valid(msg) {
					return end(endViolation, frame.CloseInvalidPayload, "text ends inside a code point")
				}
				if msg == nil {
					msg = []byte{}
				}
				o.msgs = append(o.msgs, message{msgType, msg})
				inMsg, msg = false, nil
			}
		} else {
			if truncated {
				return end(endEOF, frame.CloseAbnormal, "EOF in a control frame")
			}
			switch op {
			case 9:
				o.pings = append(o.pings, payload)
			case 10:
				o.pongs = append(o.pongs, payload)
			case 8:
				// RFC 6455 §5.5.1: empty, or a 2-byte code and a UTF-8 reason.
				if len(payload) == 0 {
					return end(endPeerClose, frame.CloseNoStatus, "empty close")
				}
				if len(payload) == 1 {
					return end(endViolation, frame.CloseProtocolError, "1-byte close payload")
				}
				code := frame.CloseCode(binary.BigEndian.Uint16(payload))
				if !wireCode(code) {
					return end(endViolation, frame.CloseProtocolError, "close code not allowed on the wire")
				}
				if !utf8.Valid(payload[2:]) {
					return end(endViolation, frame.CloseInvalidPayload, "close reason not UTF-8")
				}
				return end(endPeerClose, code, "close")
			}
		}
		pos += hl + int(n)
	}
}

// wireCode reports whether a close code may appear in a close frame (RFC 6455 §7.4.1,
// §7.4.2 and the IANA registry of §11.7): 1000-1003, 1007-1014, 3000-4999.
func wireCode(c frame.CloseCode) bool {
	return c >= 1000 && c <= 1003 || c >= 1007 && c <= 1014 || c >= 3000 && c <= 4999
}

// validSoFar reports whether b is valid UTF-8 or a prefix of some valid UTF-8 text.
func validSoFar(b []byte) bool {
	if utf8.Valid(b) {
		return true
	}
	for k := 1; k <= 3 && k <= len(b); k++ {
		if utf8.Valid(b[:len(b)-k]) && canComplete(b[len(b)-k:]) {
			return true
		}
	}
	return false
}

// canComplete reports whether the bytes t, the start of a multi-byte sequence, can be
// completed into one valid code point.
func canComplete(t []byte) bool {
	var n int
	switch c := t[0]; {
	case c >= 0xc2 && c <= 0xdf:
		n = 2
	case c >= 0xe0 && c <= 0xef:
		n = 3
	case c >= 0xf0 && c <= 0xf4:
		n = 4
	default:
		return false
	}
	if len(t) >= n {
		return false
	}
	buf := make([]byte, n)
	copy(buf, t)
	for s := 0x80; s <= 0xbf; s++ {
		if len(t) == 1 {
			buf[1] = byte(s)
		}
		for i := max(len(t), 2); i < n; i++ {
			buf[i] = 0x80
		}
		if utf8.Valid(buf) {
			return true
		}
		if len(t) > 1 {
			break
		}
	}
	return false
}

// frameBytes encodes one frame; a non-nil key masks it. Lengths use the minimal encoding
// unless forceLen is 126 or 127.
func frameBytes(fin bool, rsv, op byte, key []byte, payload []byte, forceLen int) []byte {
	b0 := op | rsv
	if fin {
		b0 |= 0x80
	}
	var b []byte
	var m byte
	if key != nil {
		m = 0x80
	}
	n := len(payload)
	switch {
	case forceLen == 127 || n > 0xffff:
		b = append(b, b0, m|127)
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	case forceLen == 126 || n > 125:
		b = append(b, b0, m|126)
		b = binary.BigEndian.AppendUint16(b, uint16(n))
	default:
		b = append(b, b0, m|byte(n))
	}
	if key != nil {
		b = append(b, key...)
	}
	start := len(b)
	b = append(b, payload...)
	for i := range payload {
		if key != nil {
			b[start+i] ^= key[i&3]
		}
	}
	return b
}

// closePayload is a close frame body: the code, big-endian, and the reason.
func closePayload(code uint16, reason string) []byte {
	return append(binary.BigEndian.AppendUint16(nil, code), reason...)
}
