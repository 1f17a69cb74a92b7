package conn

import (
	"errors"

	"github.com/duplexws/duplex/frame"
)

// Local errors: the caller misused the API. They never close the connection.
var (
	// ErrClosed is returned by writes after the close frame was sent or the connection
	// was closed, and by a second Close.
	ErrClosed = errors.New("conn: connection closed")

	// ErrConcurrentRead is returned when a read starts while another is in progress:
	// reads must come from one goroutine at a time.
	ErrConcurrentRead = errors.New("conn: concurrent read")

	// ErrMessageType is returned for a MessageType other than Text or Binary.
	ErrMessageType = errors.New("conn: invalid message type")

	// ErrControlTooLong is returned by Ping for a payload over 125 bytes (RFC 6455 §5.5).
	ErrControlTooLong = errors.New("conn: control payload over 125 bytes")

	// ErrWriterClosed is returned by a streaming Writer's Write after its Close.
	ErrWriterClosed = errors.New("conn: write to closed message writer")
)

// Errors a connection can end with, found in CloseError.Err.
var (
	// ErrPongTimeout: keepalive sent a ping and no pong came within PongTimeout.
	ErrPongTimeout = errors.New("conn: no pong within PongTimeout")

	// ErrCloseTimeout: Close sent its close frame but the peer did not answer within
	// CloseTimeout.
	ErrCloseTimeout = errors.New("conn: no close frame from the peer within CloseTimeout")

	// ErrClosedLocally: CloseNow closed the connection without a closing handshake.
	ErrClosedLocally = errors.New("conn: closed without a closing handshake")
)

// CloseError reports how a connection ended. Reads return it once the connection is
// closed, and keep returning the same value.
//
//   - The peer sent a close frame: Code and Reason are the peer's (Code is 1005,
//     frame.CloseNoStatus, for an empty close frame) and Remote is true.
//   - This side called Close: Code and Reason are the ones passed to Close.
//   - This side failed the connection because the peer broke the protocol (RFC 6455
//     §7.1.7): Code is the code sent (1002, 1007, 1009 ...) and Err the *frame.Error.
//   - TCP ended without a close frame, or CloseNow was called: Code is 1006
//     (frame.CloseAbnormal) and Err the cause.
type CloseError struct {
	Code   frame.CloseCode
	Reason string
	Remote bool  // the peer started the close
	Err    error // underlying cause, if any (a *frame.Error, io.EOF, ErrPongTimeout ...)
}

// Error describes the close.
func (e *CloseError) Error() string {
	s := "conn: closed"
	if e.Remote {
		s += " by peer"
	}
	s += ": " + e.Code.String()
	if e.Reason != "" {
		s += ": " + e.Reason
	}
	if e.Err != nil && (e.Reason == "" || e.Err.Error() != e.Reason) {
		s += " (" + e.Err.Error() + ")"
	}
	return s
}

// Unwrap returns the underlying cause.
func (e *CloseError) Unwrap() error { return e.Err }

// CloseStatus returns the code of the *CloseError in err's chain, or 0 if there is none.
func CloseStatus(err error) frame.CloseCode {
	var ce *CloseError
	if errors.As(err, &ce) {
		return ce.Code
	}
	return 0
}
