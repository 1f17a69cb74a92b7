package server

// ReadyState is the state of a connection as a browser's WebSocket.readyState reports it
// (WHATWG WebSockets, the values 0 to 3).
type ReadyState int32

const (
	// Connecting: the opening handshake is in progress. A *Conn handed to application code
	// is never in this state; it exists so the values match the browser's.
	Connecting ReadyState = iota
	// Open: messages flow both ways.
	Open
	// Closing: a close frame was sent or received and the close handshake is in progress.
	// Send fails; messages already queued can still be read.
	Closing
	// Closed: the TCP connection is closed. Messages already queued can still be read.
	Closed
)

var readyStateNames = [...]string{"CONNECTING", "OPEN", "CLOSING", "CLOSED"}

// String returns the browser's name for s: "CONNECTING", "OPEN", "CLOSING" or "CLOSED".
func (s ReadyState) String() string {
	if s >= 0 && int(s) < len(readyStateNames) {
		return readyStateNames[s]
	}
	return "ReadyState(invalid)"
}
