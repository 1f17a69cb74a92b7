package frame

// Error is a protocol violation by the peer, together with the close code the endpoint
// must fail the connection with (RFC 6455 §7.4.1). It is also used for the few local
// misuses this package reports (AppendClose arguments), with the code that would apply
// had the peer sent them.
//
// The exported Err* values are pointers, so returning one allocates nothing; compare
// with errors.Is, or use errors.As to read Code.
type Error struct {
	Code CloseCode // the close code to send when failing the connection
	Msg  string    // what went wrong, without the "frame: " prefix
}

// Error returns Msg prefixed with "frame: ".
func (e *Error) Error() string { return "frame: " + e.Msg }

// Header errors, returned by ParseHeader, ReadHeader and Header.Validate.
var (
	// ErrReservedOpcode: the opcode is one of 0x3–0x7, 0xB–0xF (RFC 6455 §5.2).
	ErrReservedOpcode = &Error{CloseProtocolError, "reserved opcode"}
	// ErrReservedBits: an RSV bit is set that no negotiated extension defines (§5.2).
	ErrReservedBits = &Error{CloseProtocolError, "reserved bits set"}
	// ErrControlTooLong: a control frame declares more than 125 payload bytes (§5.5).
	ErrControlTooLong = &Error{CloseProtocolError, "control frame payload over 125 bytes"}
	// ErrControlFragmented: a control frame has FIN clear (§5.5).
	ErrControlFragmented = &Error{CloseProtocolError, "fragmented control frame"}
	// ErrUnmasked: a server received an unmasked frame (§5.1).
	ErrUnmasked = &Error{CloseProtocolError, "unmasked frame from client"}
	// ErrMasked: a client received a masked frame (§5.1).
	ErrMasked = &Error{CloseProtocolError, "masked frame from server"}
	// ErrLengthOverflow: a 64-bit payload length has its most significant bit set (§5.2).
	ErrLengthOverflow = &Error{CloseProtocolError, "payload length overflows 63 bits"}
)

// Message errors, for the layer that assembles messages (package conn) and for limits.
var (
	// ErrTooBig: a frame or message is larger than the receiver accepts (§7.4.1, 1009).
	ErrTooBig = &Error{CloseTooBig, "message too big"}
	// ErrInvalidUTF8: a text message is not valid UTF-8 (§8.1, 1007).
	ErrInvalidUTF8 = &Error{CloseInvalidPayload, "invalid UTF-8 in text message"}
	// ErrUnexpectedContinuation: a continuation frame arrived with no fragmented message
	// in progress (§5.4).
	ErrUnexpectedContinuation = &Error{CloseProtocolError, "continuation frame without a message in progress"}
	// ErrExpectedContinuation: a text or binary frame arrived while a fragmented message
	// was in progress; only control frames may be interleaved (§5.4).
	ErrExpectedContinuation = &Error{CloseProtocolError, "data frame inside a fragmented message"}
)

// Close payload errors, returned by ParseClose and AppendClose.
var (
	// ErrBadClosePayload: a close payload of 1 byte, or over 125 bytes (§5.5.1).
	ErrBadClosePayload = &Error{CloseProtocolError, "malformed close payload"}
	// ErrBadCloseCode: a close code that may not appear on the wire (§7.4.1, §7.4.2).
	ErrBadCloseCode = &Error{CloseProtocolError, "invalid close code"}
	// ErrCloseReasonUTF8: a close reason that is not valid UTF-8 (§5.5.1, 1007).
	ErrCloseReasonUTF8 = &Error{CloseInvalidPayload, "close reason is not valid UTF-8"}
	// ErrCloseReasonTooLong: AppendClose was given a reason over MaxCloseReason (123)
	// bytes, which would make the control frame longer than 125 bytes (§5.5).
	ErrCloseReasonTooLong = &Error{CloseProtocolError, "close reason over 123 bytes"}
)
