package server

import (
	"github.com/duplexws/duplex/conn"
	"github.com/duplexws/duplex/frame"
)

// MessageType says whether a message is text (UTF-8, validated on receipt) or binary. It is
// the conn package's type, so values move between the layers without conversion.
type MessageType = conn.MessageType

// The two data message types of RFC 6455 §5.6.
const (
	Text   = conn.Text
	Binary = conn.Binary
)

// CloseCode is a close status code of RFC 6455 §7.4 (an alias of frame.CloseCode).
type CloseCode = frame.CloseCode

// The close codes a server application most often sends. Every code is in package frame.
const (
	CloseNormal          = frame.CloseNormal          // 1000: done
	CloseGoingAway       = frame.CloseGoingAway       // 1001: server shutting down
	ClosePolicyViolation = frame.ClosePolicyViolation // 1008: the peer broke an app rule
	CloseInternalError   = frame.CloseInternalError   // 1011: the handler failed
	CloseTryAgainLater   = frame.CloseTryAgainLater   // 1013: overloaded, shedding clients
)

// CloseError reports how a connection ended: the close code and reason of the close frame
// (1006 when the TCP connection dropped without one) and whether the peer sent it. It is
// the conn package's type; match it with errors.As or read the code with CloseStatus.
type CloseError = conn.CloseError

// CloseStatus returns the close code carried by a *CloseError in err's chain, or 0. After
// Wait reports the end of a connection, CloseStatus(err) is the code the peer closed with
// (1000 normal, 1001 going away, 1006 dropped without a close frame, ...).
func CloseStatus(err error) CloseCode { return conn.CloseStatus(err) }

// Message is one whole data message received from the peer.
//
// A Message returned by Wait, Read or Messages owns Data: it stays valid and unchanged for as
// long as the caller keeps it. A Message passed to Handler.OnMessage borrows Data only until
// OnMessage returns (the buffer is reused for the next message); copy what you keep.
type Message struct {
	Type MessageType
	Data []byte
}

// IsText reports whether m is a text message (its Data is valid UTF-8).
func (m Message) IsText() bool { return m.Type == Text }

// Text returns a copy of m.Data as a string.
func (m Message) Text() string { return string(m.Data) }
