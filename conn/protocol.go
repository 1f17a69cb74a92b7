package conn

import (
	"math/rand/v2"
	"slices"

	"github.com/duplexws/duplex/frame"
	"github.com/duplexws/duplex/mask"
	"github.com/duplexws/duplex/utf8"
)

// MessageType is the type of a data message: Text (UTF-8, validated) or Binary. The values
// are the opcodes of RFC 6455 §5.2.
type MessageType uint8

// The data message types.
const (
	Text   MessageType = MessageType(frame.OpText)
	Binary MessageType = MessageType(frame.OpBinary)
)

// String returns "text", "binary", or a description of an invalid value.
func (t MessageType) String() string {
	switch t {
	case Text:
		return "text"
	case Binary:
		return "binary"
	}
	return "invalid message type " + frame.Opcode(t).String()
}

// EventKind says what an Event carries.
type EventKind uint8

// The kinds of events Protocol.Parse returns.
const (
	// EventNone: Parse needs more input before anything happens.
	EventNone EventKind = iota
	// EventData: Payload holds the next bytes of a data message (possibly none, for an
	// empty frame), unmasked in place and, for text, validated so far. Final marks the
	// last bytes of the message.
	EventData
	// EventPing: a ping with Payload; answer it with a pong carrying the same payload
	// (RFC 6455 §5.5.2).
	EventPing
	// EventPong: a pong with Payload.
	EventPong
	// EventClose: the peer's close frame, validated, with Code (1005 for an empty
	// payload) and Reason. Echo it (RFC 6455 §5.5.1) unless a close was already sent.
	// Parse ignores all input after it.
	EventClose
)

// Event is one thing Protocol.Parse found in its input. Payload aliases the input (data)
// or the Protocol's control buffer (ping, pong) and is valid until the next Parse call.
type Event struct {
	Kind       EventKind
	Type       MessageType // EventData: the message's type
	Final      bool        // EventData: these are the message's last bytes
	Compressed bool        // EventData: the message has RSV1 set (permessage-deflate)
	Payload    []byte
	Code       frame.CloseCode // EventClose
	Reason     string          // EventClose
}

// fuseChunk is the slice of a masked text payload that Parse unmasks and then validates
// before going on to the next: small enough to stay in a 32 KiB L1 data cache between
// the two passes, large enough that the per-call cost of each is negligible.
const fuseChunk = 16 << 10

// Protocol is the sans-I/O core of a connection's read side: bytes in, events out. It
// knows no socket, clock or goroutine. It parses and validates frames (RFC 6455 §5),
// reassembles fragmented messages into a stream of EventData, unmasks payloads in place,
// validates text incrementally, enforces the read limit on declared lengths, and collects
// control frames, which may arrive between fragments, into a 125-byte buffer of its own.
//
// *Conn is one driver of it. An event-loop server (many idle connections, no goroutine
// each) is another: keep one Protocol per connection (about 200 bytes), read whatever the
// socket has into any buffer, call Parse until it returns EventNone, act on the events,
// and encode answers with AppendFrame. A Protocol holds no buffer of its own, so an idle
// connection costs only the struct.
//
// The first error Parse returns is a *frame.Error carrying the close code to fail the
// connection with (RFC 6455 §7.1.7); it is sticky.
type Protocol struct {
	role     Role
	limit    int64 // -1: none
	allowRsv byte  // RSV1 when permessage-deflate was negotiated

	// current frame
	hdr       frame.Header
	inFrame   bool
	remaining int64
	maskPos   int

	// current message
	inMessage  bool
	msgType    MessageType
	compressed bool
	text       bool // validate UTF-8 as payload arrives
	msgSize    int64
	utf8       utf8.Validator

	// current control frame
	ctrl  [frame.MaxControlPayload]byte
	ctrlN int

	closed bool // the peer's close frame was parsed
	skip   bool // after a failure: skip frames, looking only for a close
	// noFast, set only by tests, makes Conn read every message through Parse (its
	// readFast declines), so that the fast path can be compared with the general one.
	// (Here, beside the other flags, it fits in padding: Conn's size does not change.)
	noFast bool
	// skippable: the last header was refused for its length (1009) and declared at most
	// maxSkipRefused bytes, so the frame's end is known and near (Conn.failProtocol).
	skippable bool
	err       error // sticky failure
}

// NewProtocol returns a Protocol for an endpoint in role, with the read limit and the
// compression setting of opts (nil: defaults). With opts.Compression set, EventData of a
// compressed message carries Compressed and the raw DEFLATE bytes: inflate them with a
// deflate.Decompressor, validate text after inflating, and apply the read limit there.
func NewProtocol(role Role, opts *Options) *Protocol {
	p := new(Protocol)
	cfg := opts.resolve()
	p.init(role, &cfg)
	return p
}

func (p *Protocol) init(role Role, cfg *config) {
	p.role = role
	p.limit = cfg.readLimit
	if cfg.compression != nil {
		p.allowRsv = frame.RSV1
	}
}

// Err returns the failure Parse reported, if any.
func (p *Protocol) Err() error { return p.err }

// PeerClosed reports whether the peer's close frame has been parsed (also one that
// failed validation): nothing more will come from the peer but the end of the stream.
func (p *Protocol) PeerClosed() bool { return p.closed }

// InMessage reports whether a data message has started and not yet ended.
func (p *Protocol) InMessage() bool { return p.inMessage }

// PayloadRemaining returns how many payload bytes of the current data frame are still to
// come, or 0 between frames and inside control frames. A driver can read up to that many
// bytes straight into the destination buffer and pass exactly those bytes to Parse,
// avoiding a copy.
func (p *Protocol) PayloadRemaining() int64 {
	if !p.inFrame || p.hdr.Opcode.IsControl() || p.skip {
		return 0
	}
	return p.remaining
}

// Skip puts the Protocol in the state used after failing the connection: following input
// is parsed only for frame boundaries, every payload is dropped unvalidated, and the next
// close frame is reported as EventClose (unvalidated; Code 1005 unless it carries a code).
// It clears the sticky error.
func (p *Protocol) Skip() {
	p.skip = true
	p.err = nil
	p.inFrame = false
	p.inMessage = false
}

func (p *Protocol) fail(err error) error {
	p.err = err
	return err
}

// Parse consumes a prefix of in and returns how many bytes it used and at most one event.
// It unmasks payload bytes in place, so in is modified. When it returns EventNone with
// n < len(in), it needs more bytes than in has (an incomplete header); call it again with
// the unused bytes followed by more input.
func (p *Protocol) Parse(in []byte) (n int, ev Event, err error) {
	if p.err != nil {
		return 0, Event{}, p.err
	}
	if p.closed {
		// RFC 6455 §5.5.1: nothing the peer sends after its close frame is processed.
		return len(in), Event{}, nil
	}
	if !p.inFrame {
		h, hn, err := frame.ParseHeader(in)
		if err != nil {
			if p.skip {
				p.closed = true
				return len(in), Event{Kind: EventClose, Code: frame.CloseNoStatus}, nil
			}
			return 0, Event{}, p.fail(err)
		}
		if hn == 0 {
			return 0, Event{}, nil
		}
		if err := p.header(&h); err != nil {
			return 0, Event{}, p.fail(err)
		}
		n = hn
		in = in[hn:]
	}
	if p.hdr.Opcode.IsControl() {
		return p.control(n, in)
	}
	take := len(in)
	if int64(take) > p.remaining {
		take = int(p.remaining)
	}
	if take == 0 && p.remaining > 0 {
		return n, Event{}, nil
	}
	chunk := in[:take:take]
	n += take
	p.remaining -= int64(take)
	if p.skip {
		if p.remaining == 0 {
			p.inFrame = false
		}
		return n, Event{}, nil
	}
	if p.text && p.hdr.Masked {
		// Unmask and validate a slice at a time, so the validator reads bytes the
		// unmasking just wrote while they are still in the L1 cache.
		for rest := chunk; len(rest) > 0; {
			part := rest[:min(len(rest), fuseChunk)]
			rest = rest[len(part):]
			p.maskPos = mask.Apply(part, p.hdr.Key, p.maskPos)
			// RFC 6455 §8.1: fail on invalid UTF-8 as soon as it is seen, at the frame
			// (and chunk) where the text becomes invalid, not when the message ends.
			if !p.utf8.Feed(part) {
				return n, Event{}, p.fail(frame.ErrInvalidUTF8)
			}
		}
	} else if p.hdr.Masked {
		p.maskPos = mask.Apply(chunk, p.hdr.Key, p.maskPos)
	} else if p.text && !p.utf8.Feed(chunk) {
		return n, Event{}, p.fail(frame.ErrInvalidUTF8) // RFC 6455 §8.1
	}
	ev = Event{Kind: EventData, Type: p.msgType, Compressed: p.compressed, Payload: chunk}
	if p.remaining == 0 {
		p.inFrame = false
		if p.hdr.Fin {
			p.inMessage = false
			ev.Final = true
			if p.text && !p.utf8.Complete() {
				// The message ends inside a code point.
				return n, Event{}, p.fail(frame.ErrInvalidUTF8)
			}
		}
	}
	return n, ev, nil
}

// maxSkipRefused is the largest frame refused for its length (RFC 6455 §7.4.1, 1009) that
// a Conn reads and drops after sending its close frame, so that a peer still writing the
// message reads that close frame instead of having its connection reset under it (which
// it would see as 1006). A larger one is cut off at once.
const maxSkipRefused = 1 << 20

// header validates a new frame header against the frame rules and the message state.
func (p *Protocol) header(h *frame.Header) error {
	if p.skip {
		p.hdr = *h
		p.inFrame = true
		p.remaining = h.Length
		p.maskPos = 0
		p.ctrlN = 0
		return nil
	}
	var allowed byte
	if h.Opcode == frame.OpText || h.Opcode == frame.OpBinary {
		// RFC 7692 §6.1: RSV1 only on the first frame of a message, and only when
		// permessage-deflate was negotiated (p.allowRsv).
		allowed = p.allowRsv
	}
	// RFC 6455 §5.2 (opcodes, RSV bits), §5.5 (control frames), §5.1 (masking).
	if err := h.Validate(p.role, allowed); err != nil {
		return err
	}
	if !h.Opcode.IsControl() {
		if h.Opcode == frame.OpContinuation {
			if !p.inMessage {
				// RFC 6455 §5.4: a continuation frame needs a message in progress.
				return frame.ErrUnexpectedContinuation
			}
		} else {
			if p.inMessage {
				// RFC 6455 §5.4: fragments of one message are not interleaved with
				// another message's frames.
				return frame.ErrExpectedContinuation
			}
			p.inMessage = true
			p.msgType = MessageType(h.Opcode)
			p.compressed = h.Rsv&frame.RSV1 != 0
			p.text = p.msgType == Text && !p.compressed
			p.msgSize = 0
			p.utf8.Reset()
		}
		// RFC 6455 §10.4: refuse a message over the limit before buffering it. A
		// compressed message's inflated size is checked while inflating; its wire size
		// gets slack for DEFLATE's overhead on incompressible data.
		limit := p.limit
		if limit >= 0 {
			if p.compressed {
				limit += limit/8 + 4096
			}
			limit -= p.msgSize
		}
		if err := h.CheckLimit(limit); err != nil {
			p.skippable = h.Length <= maxSkipRefused
			return err
		}
		p.msgSize += h.Length
	}
	p.hdr = *h
	p.inFrame = true
	p.remaining = h.Length
	p.maskPos = 0
	p.ctrlN = 0
	return nil
}

// control collects a control frame's payload and reports it once complete.
func (p *Protocol) control(n int, in []byte) (int, Event, error) {
	take := len(in)
	if int64(take) > p.remaining {
		take = int(p.remaining)
	}
	// Outside skip mode header() bounded the length to 125 (RFC 6455 §5.5); in skip mode
	// an overlong control frame is dropped past its first 125 bytes.
	p.ctrlN += copy(p.ctrl[p.ctrlN:], in[:take])
	p.remaining -= int64(take)
	n += take
	if p.remaining > 0 {
		return n, Event{}, nil
	}
	p.inFrame = false
	payload := p.ctrl[:p.ctrlN:p.ctrlN]
	if p.hdr.Masked {
		mask.Apply(payload, p.hdr.Key, 0)
	}
	if p.skip {
		if p.hdr.Opcode != frame.OpClose {
			return n, Event{}, nil
		}
		p.closed = true
		code, reason, err := frame.ParseClose(payload)
		if err != nil {
			code, reason = frame.CloseNoStatus, ""
		}
		return n, Event{Kind: EventClose, Code: code, Reason: reason}, nil
	}
	switch p.hdr.Opcode {
	case frame.OpPing:
		return n, Event{Kind: EventPing, Payload: payload}, nil
	case frame.OpPong:
		return n, Event{Kind: EventPong, Payload: payload}, nil
	}
	// RFC 6455 §5.5.1: a close payload is empty or a valid code and a UTF-8 reason;
	// anything else fails the connection (1002, or 1007 for the reason's UTF-8).
	code, reason, err := frame.ParseClose(payload)
	p.closed = true // valid or not, the peer has sent its close frame
	if err != nil {
		return n, Event{}, p.fail(err)
	}
	return n, Event{Kind: EventClose, Code: code, Reason: reason}, nil
}

// AppendFrame appends one complete frame to dst: the header (with a fresh masking key
// in the client role, RFC 6455 §5.3) and payload, masked for a client. rsv is the RSV
// bits to set (frame.RSV1 on the first frame of a compressed message, else 0).
func (p *Protocol) AppendFrame(dst []byte, op frame.Opcode, fin bool, rsv byte, payload []byte) []byte {
	return appendFrame(dst, p.role, op, fin, rsv, payload)
}

func appendFrame(dst []byte, role Role, op frame.Opcode, fin bool, rsv byte, payload []byte) []byte {
	h := frame.Header{Fin: fin, Rsv: rsv, Opcode: op, Length: int64(len(payload))}
	if role == Client {
		h.Masked = true
		h.Key = newMaskKey()
	}
	dst = h.Append(dst)
	if !h.Masked {
		return append(dst, payload...)
	}
	start := len(dst)
	dst = slices.Grow(dst, len(payload))[:start+len(payload)]
	mask.ApplyCopy(dst[start:], payload, h.Key, 0) // RFC 6455 §5.3, copied and masked in one pass
	return dst
}

// newMaskKey returns a fresh masking key. RFC 6455 §5.3 asks for keys an intermediary
// cannot predict, derived from a strong source of entropy: math/rand/v2's top-level
// functions use the runtime's per-thread ChaCha8 generator, seeded from the operating
// system's entropy source, with no lock and no allocation.
func newMaskKey() [4]byte {
	k := rand.Uint32()
	return [4]byte{byte(k), byte(k >> 8), byte(k >> 16), byte(k >> 24)}
}
