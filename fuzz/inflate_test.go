package fuzz

import (
	"bytes"
	"compress/flate"
	"errors"
	"io"
	"unicode/utf8"

	"github.com/duplexws/duplex/frame"
)

// inflater is the model's permessage-deflate decompressor (RFC 7692 §7.2.2), built on
// compress/flate and sharing nothing with package deflate. Context takeover is modelled
// with a preset dictionary: the last 32 KiB of what earlier compressed messages inflated
// to is exactly the LZ77 window a receiver keeps (RFC 7692 §7.2.3.2).
type inflater struct {
	takeover bool
	window   []byte // last 32 KiB of inflated output, with takeover
}

// inflateResult is what inflating one message (or the part of it that arrived) gives.
type inflateResult struct {
	out       []byte
	faults    []frame.CloseCode // 1007 corrupt data or bad UTF-8, 1009 over the limit
	ambiguous bool              // the RFCs do not settle what a receiver does
	why       string
}

// finalBlock is an empty final block with fixed Huffman codes (BFINAL=1, BTYPE=01,
// end-of-block). After the 00 00 ff ff tail the stream is on a block boundary, so a
// well-formed message followed by it ends with a clean io.EOF.
var finalBlock = []byte{0x03, 0x00}

// inflate inflates payload, the message's raw data (all frames, unmasked). whole says the
// message is complete: the 00 00 ff ff tail is appended (RFC 7692 §7.2.2) and the result
// is final; otherwise only faults in the part that arrived are reported.
func (z *inflater) inflate(payload []byte, whole bool, limit int64, text bool) inflateResult {
	var r inflateResult
	var dict []byte
	if z.takeover {
		dict = z.window
	}
	pass := func(src []byte) ([]byte, error) {
		return io.ReadAll(io.LimitReader(flate.NewReaderDict(bytes.NewReader(src), dict), limit+1))
	}
	src := payload
	if whole {
		src = append(bytes.Clone(payload), 0, 0, 0xff, 0xff)
	}
	out, err := pass(src)
	over := int64(len(out)) > limit
	var corrupt flate.CorruptInputError
	switch {
	case over:
		// RFC 6455 §7.4.1, RFC 7692 §8.1: the limit is on the inflated size.
		r.faults = append(r.faults, frame.CloseTooBig)
		r.why = "inflated message over the read limit"
		out = out[:limit]
	case errors.As(err, &corrupt):
		r.faults = append(r.faults, frame.CloseInvalidPayload)
		r.why = "corrupt DEFLATE data"
	case err == nil:
		// A block with BFINAL inside the message: RFC 7692 §7.2.3.4 shows one as valid
		// but does not say what a receiver does with what follows it, nor with the
		// window of the next message.
		r.ambiguous, r.why = true, "a BFINAL block inside a message"
		return r
	case !errors.Is(err, io.ErrUnexpectedEOF):
		r.ambiguous, r.why = true, "inflate: "+err.Error()
		return r
	case whole:
		// The data ran out, as it must without BFINAL; with an empty final block
		// appended, a message that ended on a block boundary ends cleanly.
		full, err := pass(append(src, finalBlock...))
		if err != nil || !bytes.Equal(full, out) {
			r.ambiguous, r.why = true, "DEFLATE data stops inside a block"
			return r
		}
	}
	if text && (!validSoFar(out) || whole && len(r.faults) == 0 && !utf8.Valid(out)) {
		r.faults = append(r.faults, frame.CloseInvalidPayload)
		r.why = "inflated text is not UTF-8"
	}
	if whole && len(r.faults) == 0 && z.takeover {
		z.window = append(z.window, out...)
		if n := len(z.window); n > 32<<10 {
			z.window = append([]byte(nil), z.window[n-32<<10:]...)
		}
	}
	r.out = out
	if r.out == nil {
		r.out = []byte{}
	}
	return r
}
