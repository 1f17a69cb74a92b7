package utf8

import "unsafe"

// Valid reports whether b is entirely well-formed UTF-8 (Unicode Table 3-7): no overlong
// forms, no surrogates, nothing above U+10FFFF, and no truncated sequence at the end.
// It accepts exactly what unicode/utf8.Valid accepts. Valid never allocates.
func Valid(b []byte) bool {
	if len(b) >= simdMin && haveSIMD {
		// One call straight into the vectorised validator, which needs no tail handling
		// here: a text that ends inside a code point is invalid whatever the DFA says.
		return validBlocks(unsafe.SliceData(b), len(b)) == blocksComplete
	}
	return scanGeneric(stAccept, b) == stAccept
}

// simdMin is the shortest input sent to a vectorised validator; below it the call into
// assembly and the setup of its constants cost more than the portable loop saves. The
// vectorised validators also rely on it: they read the 64 bytes before the end of p.
const simdMin = 64

// Results of validBlocks(p, n), which checks p[:n] (n >= simdMin) from the start of a code
// point.
const (
	// blocksInvalid: p[:n] holds a byte that makes the text invalid.
	blocksInvalid = 0
	// blocksComplete: p[:n] is valid and ends between code points.
	blocksComplete = 1
	// blocksOpen: no fault before the last lead byte (0xC0 or above) among the last three
	// bytes, whose sequence the end of p cuts off; the DFA must judge the bytes from that
	// lead byte on (a final 0xFE or 0xF5 lands here, and the DFA rejects it).
	blocksOpen = 2
)

// ValidString is Valid for a string, without copying it: for close reasons and other text
// held as a string.
func ValidString(s string) bool {
	// The bytes are only read, so viewing the string's memory as a slice is safe.
	return Valid(unsafe.Slice(unsafe.StringData(s), len(s)))
}

// Validator checks a UTF-8 stream that arrives in chunks, such as the fragments of a
// WebSocket text message (RFC 6455 §5.6, §8.1). A code point may be split across chunks
// anywhere. The zero value is ready to use and holds one byte of state; it never allocates.
type Validator struct {
	state uint8 // DFA state (a multiple of 6; 0 = between code points)
}

// Feed checks the next chunk of the stream and reports whether the stream is still valid:
// true means every byte so far belongs to well-formed UTF-8, though the chunk may end inside
// a code point. Feed returns false on the chunk where the stream becomes invalid, including
// a chunk that ends with a prefix no continuation could make valid (0xF4 0x90, 0xED 0xA0,
// 0xE0 0x80), and keeps returning false until Reset.
func (v *Validator) Feed(p []byte) bool {
	s := uint64(v.state)
	if s == stReject {
		return false
	}
	if len(p) < simdMin {
		s = scanGeneric(s, p)
	} else {
		s = run(s, p)
	}
	v.state = uint8(s)
	return s != stReject
}

// Complete reports whether the stream is valid and does not end inside a code point: the
// check to make at the end of a message.
func (v *Validator) Complete() bool {
	return v.state == stAccept
}

// Reset makes v ready for a new stream, as the zero value is.
func (v *Validator) Reset() {
	v.state = stAccept
}
