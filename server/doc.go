// Package server is the net/http layer of duplex: it turns HTTP requests into WebSocket
// connections (RFC 6455 §4) with any router, and gives each connection the receive API of
// Django's dwebsocket (Wait, Read, CountMessages, Messages) and the state a browser's
// WebSocket object shows (ReadyState, BufferedAmount).
//
// Use Accept to serve plain HTTP and WebSocket on the same route (FromRequest(r) is nil for
// plain HTTP), Require for a WebSocket-only route (plain HTTP gets 426), Handle to serve a
// Tornado-style Handler (Open, OnMessage, OnClose), Upgrade to upgrade a request yourself,
// Hub to broadcast to rooms, and Registry for graceful shutdown and stats.
//
// Package server is NOT for clients (package client), for serving without net/http (use
// package handshake on a net.Listener and conn.New: see the example), or for frame-level
// control (use Conn.Underlying or package conn directly).
//
// # Receiving
//
// Each connection made by Accept, Require or Upgrade has one reader goroutine that reads
// whole messages into a queue bounded by Options.QueueMessages (default 64) and
// Options.QueueBytes (default 1 MiB). When the queue is full the reader stops reading the
// socket: the kernel's receive buffer fills, TCP flow control stops the peer, and the
// peer's writes block. No message is ever dropped, and memory per connection stays below
// QueueBytes + ReadLimit. Wait returns queued messages first and then, once the peer has
// closed, the *CloseError (CloseStatus gives the code).
//
// Handle has no queue and no reader goroutine: the connection's goroutine reads a message,
// calls OnMessage and reads the next, reusing one buffer.
//
// # Sending
//
// Send, SendText, SendBinary and SendJSON copy the message into the connection's send
// queue and return at once, as a browser's send does; a writer goroutine, running only
// while the queue is not empty, writes the messages in order, each bounded by
// Options.WriteTimeout (default 10s). BufferedAmount is what is queued and unwritten; past
// Options.MaxBuffered (default 1 MiB) Send fails with ErrBufferFull and the connection is
// closed with 1013 (Try Again Later), so a consumer that does not read costs at most that
// much memory and never blocks the sender. Flush waits until the queue is written. Close
// writes what is queued, then performs the close handshake.
//
// # Concurrency
//
// All methods of Conn, Hub and Registry are safe for concurrent use. Messages sent by one
// goroutine are written in the order sent. Handler callbacks of one connection run one at a
// time.
//
// # Origin considerations
//
// Browsers send cookies with a WebSocket handshake to any site, so a page on evil.example
// could open a socket to your site as the logged-in user (cross-site WebSocket hijacking).
// By default a request whose Origin header names another host than the request's Host is
// refused with 403; requests without Origin (non-browser clients) are allowed. Allow other
// sites with Options.Origin patterns, or decide yourself with Options.CheckOrigin.
//
// # Shutdown
//
// A hijacked connection is invisible to http.Server: its Shutdown neither closes nor waits
// for it. Registry.Shutdown closes every connection with 1001 (Going Away) and waits for
// the close handshakes; Registry.RegisterOnShutdown starts it from http.Server.Shutdown.
//
// # Memory
//
// An idle connection made by Accept holds its reader goroutine (a few KiB of stack), an
// empty queue, and the connection state of package conn; socket buffers are borrowed from
// pools only while a read or write is in progress. No writer goroutine exists while
// nothing is queued. A connection served by Handle has no reader goroutine.
//
// # Compression
//
// permessage-deflate (RFC 7692) is not negotiated yet by this package: Options.Compression
// is reserved and has no effect.
package server
