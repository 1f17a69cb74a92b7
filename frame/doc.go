// Package frame encodes and decodes WebSocket frame headers (RFC 6455 §5.2), names
// opcodes and close codes (§5.2, §7.4), parses and builds close payloads (§5.5.1), and
// defines the protocol errors that carry the close code an endpoint must fail with.
//
// Use ParseHeader to decode a header from a byte slice (sans-I/O, suitable for an event
// loop), ReadHeader to decode one from a *bufio.Reader, Header.Append to encode one,
// Header.Validate to apply the per-frame rules of §5, and ParseClose / AppendClose for
// the body of a close frame.
//
// Package frame is NOT for masking payloads (package mask does that; a Header only
// carries the key), for assembling fragmented messages, for validating UTF-8 of message
// payloads, or for any I/O beyond reading a header from a bufio.Reader: those belong to
// package conn.
//
// # Errors
//
// Every protocol violation is a *Error holding the close code to send (1002, 1007,
// 1009). The exported sentinels are pointers, so returning one allocates nothing, and
// errors.Is (identity) and errors.As (to read Code) both work.
//
// # Limits
//
// A header is at most MaxHeaderSize (14) bytes. A control frame carries at most
// MaxControlPayload (125) bytes. Header.CheckLimit compares a declared length with the
// reader's message limit before anything is allocated for the payload.
//
// # Non-minimal lengths
//
// RFC 6455 §5.2 says the minimal number of bytes MUST be used to encode the length.
// Header.Append always does. ParseHeader accepts a non-minimal encoding (for example a
// length of 5 in the 16-bit form), as is usual among implementations: the frame is still
// unambiguous, and rejecting it would only break interoperation with careless encoders.
// A 64-bit length with its most significant bit set is rejected (ErrLengthOverflow), as
// §5.2 requires.
//
// # Memory
//
// ParseHeader, ReadHeader, Header.Append and AppendClose (given capacity, at most
// MaxHeaderSize and MaxControlPayload bytes), Header.Size, Header.Validate,
// Header.CheckLimit, and ParseClose without a reason allocate nothing. ParseClose
// allocates one string for a non-empty reason. Benchmarks: bench_test.go.
//
// # Concurrency
//
// Everything here is a pure function of its arguments and safe for concurrent use,
// except that ReadHeader consumes from the *bufio.Reader it is given, which must not be
// read concurrently.
package frame
