package autobahn

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Opcodes as they appear on the wire (RFC 6455 §5.2). The harness keeps its own copy on
// purpose: it must not share code with the library under test.
const (
	opContinuation = 0x0
	opText         = 0x1
	opBinary       = 0x2
	opClose        = 0x8
	opPing         = 0x9
	opPong         = 0xA
)

// Close codes used by the case definitions (RFC 6455 §7.4.1).
const (
	closeNormal          = 1000
	closeGoingAway       = 1001
	closeProtocolError   = 1002
	closeInvalidPayload  = 1007
	closeMessageTooBig   = 1009
	maxControlPayload    = 125
	defaultMaxMessageLen = 64 << 20
)

// frameSpec describes one frame the harness sends. Its zero value is an unfragmented
// continuation frame with an empty payload; cases set only what differs. It can describe
// frames no conforming endpoint would send (reserved bits and opcodes, oversized control
// frames, wrong masking) because that is what the fuzzer is for.
type frameSpec struct {
	op      byte   // 4-bit opcode, reserved values allowed
	more    bool   // FIN = 0
	rsv     byte   // RSV1..RSV3 as a 3-bit number (1 = RSV3 ... 4 = RSV1), as the suite counts them
	data    []byte // payload, or the pattern repeated to repeatLen
	repeat  int    // > 0: payload is data repeated to exactly this many octets
	chop    int    // > 0: write the encoded frame in chunks of this many octets
	sync    bool   // write the frame on its own (frame-wise chops)
	noMask  bool   // send unmasked even though the harness is the client
	addMask bool   // send masked even though the harness is the server
}

// payload returns the frame payload (data, or data repeated to repeat octets).
func (f *frameSpec) payload() []byte {
	if f.repeat <= 0 {
		return f.data
	}
	p := make([]byte, f.repeat)
	if len(f.data) == 0 {
		return p
	}
	for i := 0; i < len(p); i += copy(p[i:], f.data) {
	}
	return p
}

// encodeFrame appends the wire form of one frame to dst. When masked is true the payload
// is masked with key (RFC 6455 §5.3); the length uses the minimal encoding (§5.2).
func encodeFrame(dst []byte, fin bool, rsv, op byte, payload []byte, masked bool, key [4]byte) []byte {
	b0 := op & 0x0F
	if fin {
		b0 |= 0x80
	}
	b0 |= (rsv & 0x07) << 4
	var b1 byte
	if masked {
		b1 = 0x80
	}
	n := len(payload)
	switch {
	case n <= 125:
		dst = append(dst, b0, b1|byte(n))
	case n <= 0xFFFF:
		dst = append(dst, b0, b1|126, byte(n>>8), byte(n))
	default:
		dst = append(dst, b0, b1|127)
		dst = binary.BigEndian.AppendUint64(dst, uint64(n))
	}
	if !masked {
		return append(dst, payload...)
	}
	dst = append(dst, key[:]...)
	start := len(dst)
	dst = append(dst, payload...)
	maskBytes(dst[start:], key, 0)
	return dst
}

// maskBytes XORs b with key starting at key position pos (RFC 6455 §5.3). Deliberately a
// plain byte loop: the instrument favours obviousness over speed.
func maskBytes(b []byte, key [4]byte, pos int) {
	for i := range b {
		b[i] ^= key[(pos+i)&3]
	}
}

// rxFrame is one frame as the harness received it.
type rxFrame struct {
	fin     bool
	rsv     byte // 3-bit number, RSV1 = 4
	op      byte
	masked  bool
	key     [4]byte
	length  uint64
	payload []byte
}

// errFrameTooLong reports a frame whose declared length the harness will not buffer.
var errFrameTooLong = errors.New("autobahn: frame longer than the harness accepts")

// errLengthMSB reports a 64-bit length with the most significant bit set (RFC 6455 §5.2).
var errLengthMSB = errors.New("autobahn: 64-bit payload length with the most significant bit set")

// readFrame reads one frame from r. Frames longer than limit are not buffered: the header
// is returned with errFrameTooLong so the caller can fail the connection with 1009.
func readFrame(r *bufio.Reader, limit int64) (rxFrame, error) {
	var f rxFrame
	var hdr [2]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return f, err
	}
	f.fin = hdr[0]&0x80 != 0
	f.rsv = (hdr[0] >> 4) & 0x07
	f.op = hdr[0] & 0x0F
	f.masked = hdr[1]&0x80 != 0
	n := uint64(hdr[1] & 0x7F)
	switch n {
	case 126:
		var ext [2]byte
		if _, err := io.ReadFull(r, ext[:]); err != nil {
			return f, err
		}
		n = uint64(binary.BigEndian.Uint16(ext[:]))
	case 127:
		var ext [8]byte
		if _, err := io.ReadFull(r, ext[:]); err != nil {
			return f, err
		}
		n = binary.BigEndian.Uint64(ext[:])
		if n>>63 != 0 {
			f.length = n
			return f, errLengthMSB
		}
	}
	f.length = n
	if f.masked {
		if _, err := io.ReadFull(r, f.key[:]); err != nil {
			return f, err
		}
	}
	if n > uint64(limit) {
		return f, errFrameTooLong
	}
	f.payload = make([]byte, n)
	if _, err := io.ReadFull(r, f.payload); err != nil {
		return f, err
	}
	if f.masked {
		maskBytes(f.payload, f.key, 0)
	}
	return f, nil
}

// opName names an opcode for wire logs.
func opName(op byte) string {
	switch op {
	case opContinuation:
		return "CONTINUATION"
	case opText:
		return "TEXT"
	case opBinary:
		return "BINARY"
	case opClose:
		return "CLOSE"
	case opPing:
		return "PING"
	case opPong:
		return "PONG"
	}
	return fmt.Sprintf("RESERVED(%d)", op)
}
