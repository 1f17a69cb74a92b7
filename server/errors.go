package server

import "errors"

var (
	// ErrClosed is returned by Send, SendText, SendBinary, SendJSON, Ping and Flush once the
	// connection is closing or closed. When the connection ended for a reason that is a
	// *CloseError, the returned error wraps both: errors.Is(err, ErrClosed) and
	// CloseStatus(err) work on it.
	ErrClosed = errors.New("server: connection closed")

	// ErrBufferFull is returned by a Send that would take BufferedAmount past
	// Options.MaxBuffered; the connection is then closed with 1013 (Try Again Later).
	ErrBufferFull = errors.New("server: send buffer full")

	// ErrMessageType is returned by Send for a type other than Text or Binary.
	ErrMessageType = errors.New("server: message type must be Text or Binary")

	// ErrInvalidUTF8 is returned by Send and SendText for a text message that is not valid
	// UTF-8 (RFC 6455 §5.6: text frames carry UTF-8); nothing is sent and the connection
	// stays open.
	ErrInvalidUTF8 = errors.New("server: text message is not valid UTF-8")

	// ErrDispatched is returned by Wait and WaitContext on a connection served by Handle or
	// Serve: its messages go to Handler.OnMessage, not to a queue (Read reports none).
	ErrDispatched = errors.New("server: messages are delivered to Handler.OnMessage")

	// ErrTooManyConnections is the reason an upgrade is refused with 503 when
	// Options.MaxConnections live connections exist.
	ErrTooManyConnections = errors.New("server: too many connections")

	// ErrShuttingDown is the reason an upgrade is refused with 503 after Registry.Shutdown.
	ErrShuttingDown = errors.New("server: shutting down")
)
