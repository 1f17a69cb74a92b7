package frame

import (
	"bufio"
	"encoding/binary"
	"io"
)

// Bits of header byte 0 (RFC 6455 §5.2).
const (
	finBit  byte = 0x80
	RSV1    byte = 0x40 // used by permessage-deflate (RFC 7692 §6)
	RSV2    byte = 0x20
	RSV3    byte = 0x10
	rsvMask      = RSV1 | RSV2 | RSV3
	opMask  byte = 0x0F
)

// Bits of header byte 1.
const (
	maskBit byte = 0x80
	lenMask byte = 0x7F
)

// MaxHeaderSize is the largest encoded header: 2 bytes, 8 bytes of extended length and a
// 4-byte masking key.
const MaxHeaderSize = 14

// MaxControlPayload is the largest payload of a control frame (RFC 6455 §5.5).
const MaxControlPayload = 125

// Header is a decoded frame header (RFC 6455 §5.2).
type Header struct {
	Fin    bool    // final fragment of a message
	Rsv    byte    // RSV1|RSV2|RSV3 bits exactly as in byte 0
	Opcode Opcode  // frame type
	Masked bool    // payload is masked with Key
	Key    [4]byte // masking key, meaningful when Masked
	Length int64   // payload length, 0 to 2^63-1
}

// HeaderSize returns the total size of a header from its first two bytes: 2, plus 2 or 8
// for an extended length, plus 4 for a masking key. An event loop reads 2 bytes, calls
// HeaderSize, and waits until that many bytes are buffered.
func HeaderSize(b0, b1 byte) int {
	_ = b0
	n := 2
	switch b1 & lenMask {
	case 126:
		n += 2
	case 127:
		n += 8
	}
	if b1&maskBit != 0 {
		n += 4
	}
	return n
}

// ParseHeader decodes the header at the start of b. It returns the header and the number
// of bytes it occupies. If b holds only part of a header it returns n == 0 and a nil
// error: read more and call again. On error n is 0.
//
// ParseHeader checks only what the encoding itself forbids (a 64-bit length with the
// most significant bit set, ErrLengthOverflow); call Header.Validate for the rules of §5.
// A non-minimal length encoding is accepted (see the package doc).
func ParseHeader(b []byte) (h Header, n int, err error) {
	if len(b) < 2 {
		return Header{}, 0, nil
	}
	b0, b1 := b[0], b[1]
	n = HeaderSize(b0, b1)
	if len(b) < n {
		return Header{}, 0, nil
	}
	h.Fin = b0&finBit != 0
	h.Rsv = b0 & rsvMask
	h.Opcode = Opcode(b0 & opMask)
	h.Masked = b1&maskBit != 0
	k := 2 // offset of the masking key
	switch l := b1 & lenMask; l {
	case 126:
		h.Length = int64(binary.BigEndian.Uint16(b[2:4]))
		k = 4
	case 127:
		u := binary.BigEndian.Uint64(b[2:10])
		if u>>63 != 0 {
			// RFC 6455 §5.2: the most significant bit MUST be 0.
			return Header{}, 0, ErrLengthOverflow
		}
		h.Length = int64(u)
		k = 10
	default:
		h.Length = int64(l)
	}
	if h.Masked {
		h.Key = [4]byte(b[k : k+4])
	}
	return h, n, nil
}

// ReadHeader reads one header from r using Peek and Discard, so it allocates nothing and
// consumes exactly the header's bytes. r's buffer must hold at least MaxHeaderSize bytes
// (any bufio.Reader does: its minimum size is 16). It returns io.EOF if r is at EOF before
// the first byte, io.ErrUnexpectedEOF if EOF comes inside the header, another read error
// as is, or ParseHeader's error (nothing is consumed then).
func ReadHeader(r *bufio.Reader) (Header, error) {
	// Fast path: the whole header is usually buffered already; Peek of buffered bytes
	// does no I/O.
	if k := r.Buffered(); k >= 2 {
		p, _ := r.Peek(min(k, MaxHeaderSize))
		h, n, err := ParseHeader(p)
		if err != nil {
			return Header{}, err
		}
		if n > 0 {
			_, _ = r.Discard(n)
			return h, nil
		}
	}
	p, err := r.Peek(2)
	if len(p) < 2 {
		return Header{}, eofErr(len(p), err)
	}
	n := HeaderSize(p[0], p[1])
	if p, err = r.Peek(n); len(p) < n {
		return Header{}, eofErr(len(p), err)
	}
	h, _, err := ParseHeader(p)
	if err != nil {
		return Header{}, err
	}
	_, _ = r.Discard(n) // n bytes are buffered: Discard cannot fail
	return h, nil
}

func eofErr(got int, err error) error {
	if err == io.EOF && got > 0 {
		return io.ErrUnexpectedEOF
	}
	if err == nil { // cannot happen with a bufio.Reader, but never return a nil error here
		return io.ErrUnexpectedEOF
	}
	return err
}

// Size returns the number of bytes Append writes for h: 2 to MaxHeaderSize.
func (h Header) Size() int {
	n := 2
	switch {
	case h.Length <= 125:
	case h.Length <= 0xFFFF:
		n += 2
	default:
		n += 8
	}
	if h.Masked {
		n += 4
	}
	return n
}

// Append appends the encoded header to dst and returns the extended slice. It uses the
// minimal length encoding (RFC 6455 §5.2: 7-bit up to 125, 16-bit up to 65535, 64-bit
// above) and writes Key when Masked. Only the RSV bits of Rsv and the low 4 bits of
// Opcode are used. Length must not be negative (a negative Length is encoded as 0). It
// allocates only if dst lacks capacity for Size() more bytes.
func (h Header) Append(dst []byte) []byte {
	b0 := h.Rsv&rsvMask | byte(h.Opcode)&opMask
	if h.Fin {
		b0 |= finBit
	}
	var b1 byte
	if h.Masked {
		b1 = maskBit
	}
	l := h.Length
	if l < 0 {
		l = 0
	}
	var buf [MaxHeaderSize]byte
	var n int
	switch {
	case l <= 125:
		buf[0], buf[1] = b0, b1|byte(l)
		n = 2
	case l <= 0xFFFF:
		buf[0], buf[1] = b0, b1|126
		binary.BigEndian.PutUint16(buf[2:4], uint16(l))
		n = 4
	default:
		buf[0], buf[1] = b0, b1|127
		binary.BigEndian.PutUint64(buf[2:10], uint64(l))
		n = 10
	}
	if h.Masked {
		copy(buf[n:n+4], h.Key[:])
		n += 4
	}
	return append(dst, buf[:n]...)
}

// Validate applies the per-frame rules of RFC 6455 §5 for an endpoint in role receiver
// that has negotiated extensions defining the RSV bits in allowedRsv (0 without
// extensions, RSV1 with permessage-deflate). In order, it returns ErrReservedOpcode,
// ErrReservedBits, ErrControlTooLong, ErrControlFragmented, then ErrUnmasked (a Server
// got an unmasked frame) or ErrMasked (a Client got a masked one); nil if none applies.
// Any receiver other than Client is held to the Server rule.
//
// Validate does not know where an extension allows its bits: permessage-deflate allows
// RSV1 only on the first frame of a data message (RFC 7692 §6.1), so pass 0 as
// allowedRsv for control and continuation frames. It does not check the declared length
// against a limit: use CheckLimit.
func (h Header) Validate(receiver Role, allowedRsv byte) error {
	if h.Opcode.IsReserved() {
		// RFC 6455 §5.2: an unknown opcode MUST fail the connection.
		return ErrReservedOpcode
	}
	if h.Rsv&^allowedRsv != 0 {
		// RFC 6455 §5.2: a nonzero RSV bit no extension defines MUST fail the connection.
		return ErrReservedBits
	}
	if h.Opcode.IsControl() {
		// RFC 6455 §5.5: control frames have ≤ 125 bytes of payload and MUST NOT be
		// fragmented.
		if h.Length > MaxControlPayload {
			return ErrControlTooLong
		}
		if !h.Fin {
			return ErrControlFragmented
		}
	}
	if receiver == Client {
		if h.Masked {
			// RFC 6455 §5.1: a client MUST close on a masked frame.
			return ErrMasked
		}
	} else if !h.Masked {
		// RFC 6455 §5.1: a server MUST close on an unmasked frame.
		return ErrUnmasked
	}
	return nil
}

// CheckLimit returns ErrTooBig (1009) if the declared payload length exceeds limit, and
// nil otherwise or if limit is negative (no limit). Call it after ParseHeader or
// ReadHeader and before allocating or reading the payload, with the bytes still allowed
// for the message (limit minus what earlier fragments used).
func (h Header) CheckLimit(limit int64) error {
	if limit >= 0 && h.Length > limit {
		// RFC 6455 §7.4.1: 1009 for a message too big to process.
		return ErrTooBig
	}
	return nil
}
