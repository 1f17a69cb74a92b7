// Package server is the net/http layer of duplex: it turns HTTP requests into WebSocket
// connections (RFC 6455 §4) with any router, and gives each connection the receive API of
// Django's dwebsocket (Wait, Read, CountMessages, Messages) and the state a browser's
// WebSocket object shows (ReadyState, BufferedAmount).
//
// Use Accept to serve plain HTTP and WebSocket on the same route (FromRequest(r) is nil for
// plain HTTP), Require for a WebSocket-only route (plain HTTP gets 426), Handle to serve a
// Tornado-style Handler (Open, OnMessage, OnClose), Upgrade to upgrade a request yourself,
// Serve to serve a Handler on a net.Listener without net/http, Hub to broadcast to rooms,
// and Registry for graceful shutdown, the connection cap and stats (an expvar.Var).
//
// Package server is NOT for clients (package client), for streaming one message in pieces
// or other frame-level control (use Conn.Underlying or package conn directly), or for
// HTTP/2 (RFC 8441): upgrades need HTTP/1.1, which browsers use for WebSocket anyway.
//
// # Receiving
//
// Each connection made by Accept, Require or Upgrade has one reader goroutine that reads
// whole messages into a queue bounded by Options.QueueMessages (default 64) and
// Options.QueueBytes (default 1 MiB). When the queue is full the reader stops reading the
// socket: the kernel's receive buffer fills, TCP flow control stops the peer, and the
// peer's writes block. No message is dropped while the connection is open (once this side
// has sent its close frame, data still arriving is discarded, RFC 6455 §1.4), and memory
// per connection stays below QueueBytes + ReadLimit. Wait returns queued messages first
// and then, once the peer has closed, the *CloseError (CloseStatus gives the code).
//
// Handle has no queue and no reader goroutine: the connection's goroutine reads a message,
// calls OnMessage and reads the next, reusing one buffer.
//
// # Sending
//
// Send, SendText, SendBinary and SendJSON copy the message into the connection's send
// queue and return at once, as a browser's send does; a writer goroutine, running only
// while the queue is not empty, writes the messages in order: what was queued together
// goes out together (conn.WriteMessages: one write system call for a batch of up to 256
// messages), each batch bounded by Options.WriteTimeout (default 10s). BufferedAmount is
// what is queued and not yet handed to the socket; past Options.MaxBuffered (default
// 1 MiB) Send fails with ErrBufferFull and the connection is closed with 1013 (Try Again
// Later), so a consumer that does not read costs bounded memory and never blocks the
// sender. The bound is against slow readers, not big messages: a message larger than
// MaxBuffered on its own is accepted when no other message waits behind the one being
// written, so a request/response peer exchanging such messages is never cut off. SendContext is the other policy: it waits for
// room (until its context is done), so the sender slows to the peer's pace; an echo or a
// relay wants that, since its own reads then stop and the back-pressure reaches the
// sending peer. Flush waits until the queue is written. Close writes what is queued, then
// performs the close handshake.
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
// BenchmarkIdleMemory measures an idle connection (heap and stack, over net.Pipe, so
// without the socket and net/http): about 8.2 KB in queue mode and under Handle, against
// 7.4 KB for a bare conn.Conn with a goroutine blocked in ReadMessage (medians of 3 runs):
// this package adds about 0.8 KB (the Conn and its channels; the Context is made only when
// asked for), the rest is conn and the reading goroutine. Under Accept and Require the HTTP handler's own
// goroutine, usually blocked in Wait, comes on top; Handle and Serve have no second
// goroutine. No writer goroutine exists while nothing is queued, and Send's copies come
// from pools (64 B to 64 KiB classes) and go back once written.
//
// Bounds per connection: received messages at most QueueBytes + ReadLimit (default 1 MiB
// + 16 MiB, the second only for a message being read), unsent messages at most
// MaxBuffered (default 1 MiB) + twice the largest message (one being written, one
// waiting). Under Handle the receive buffer is
// reused and kept between messages: up to 64 KiB while messages are that big, dropped
// once they turn small (see Handle).
//
// # Broadcast
//
// Hub.Broadcast validates the message and encodes its frame once (conn.PrepareMessage)
// and queues that frame to every member of the room, without waiting for any socket;
// each member's writer sends the same bytes (conn.WritePrepared). Each member drains at its own pace;
// a member whose MaxBuffered is exceeded is closed with 1013 or skipped (Hub.Slow), so one
// slow client never holds up the others or the broadcaster.
//
// # Compression
//
// Set Options.Compression (a *deflate.Options, nil = off) to accept permessage-deflate
// (RFC 7692): the first acceptable offer is answered, messages from Threshold (default
// 128 bytes) up are compressed by conn, and the read limit applies to the inflated size.
// Conn.Extensions reports what was agreed. A Hub broadcast is compressed once per
// compression level, shared by the members that agreed no context takeover for the
// server's messages (server_no_context_takeover) with a 32 KiB window; members with
// context takeover compress it themselves, since their peer's window depends on what
// they sent before.
package server
