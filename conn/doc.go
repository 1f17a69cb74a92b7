// Package conn is the WebSocket connection engine: framing, fragmentation, control
// frames, the closing handshake, UTF-8 validation and limits of RFC 6455, in both roles,
// over any net.Conn.
//
// Use New to wrap a net.Conn once the opening handshake is done (packages server and
// client do the handshake and call New). Use ReadMessage to read whole messages into a
// buffer you reuse, Reader to stream a large message, WriteMessage to send one,
// WriteMessages to send several in one system call, Writer to stream one out in
// fragments, PrepareMessage and WritePrepared to encode a broadcast once and send it on
// many connections, Ping for a ping, Close for the closing handshake and
// CloseNow to drop the connection. CloseStatus extracts the close code from an error.
//
// It is not for the opening handshake (package handshake), for HTTP (package server), for
// dialing (package client), nor for compression negotiation (package deflate).
//
// # Design
//
// The protocol logic lives in Protocol, a sans-I/O core: bytes in (Parse), events out
// (data, ping, pong, close) and frames to send (AppendFrame). It holds no socket, clock,
// goroutine or buffer. Conn is its blocking driver over a net.Conn; an event-loop server
// with many idle connections and no goroutine each can drive Protocol directly.
//
// # Concurrency
//
// Writes are safe for concurrent use by any number of goroutines. A data message is queued
// whole (WriteMessage) or fragment by fragment while its Writer is open; frames of
// different messages never interleave, and control frames (pings, automatic pongs, close)
// may go out between the fragments of a streamed message. Queued frames are written by
// one goroutine at a time; frames queued while a write is in progress go out together in
// the next write, so concurrent writers share system calls. A goroutine whose write is
// blocked by a peer that stopped reading does not block readers: the reader's pong is
// left for that write to carry.
//
// Reads must come from one goroutine at a time (ErrConcurrentRead otherwise; once a
// close frame was sent, the connection's *CloseError, also while Close reads the peer's
// answer). Pings are
// answered, pongs and the closing handshake handled, by whichever goroutine is reading,
// so keep one reading when you expect control frames.
//
// Every blocking call takes a context.Context; cancelling it interrupts the call through
// the socket's deadline (no extra goroutine). A read interrupted before a new message
// started leaves the connection usable; a read interrupted inside a message, and any
// interrupted or failed write, closes it.
//
// # Closing
//
// Close sends a close frame and waits, up to Options.CloseTimeout, for the peer's
// (RFC 6455 §7.1.2). When the peer closes first, the reader answers with a close frame
// echoing the status code (an empty close frame is answered with an empty one) and the
// connection ends. The server closes TCP first; the client waits up to CloseTimeout for
// it (§7.1.1). A protocol violation by the peer fails the connection (§7.1.7) with the
// close code the violation calls for: 1002 for framing errors, 1007 for invalid UTF-8,
// 1009 for a message over the read limit. Reads then return a *CloseError, the same one on
// every call; a connection dropped without a close frame is Code 1006.
//
// # Limits
//
// A message over Options.ReadLimit (16 MiB by default) fails the connection with 1009 as
// soon as a frame header declares a length that would pass the limit, before any of its
// payload is buffered. Control frames are at most 125 bytes, and at most one pong is ever
// pending: a ping flood cannot grow a queue.
//
// # Batches and broadcasts
//
// WriteMessages sends several messages in one write system call: they are encoded into
// one buffer (client frames masked), or, for an uncompressed server batch of 8 KiB or
// more with nothing else queued, written with one writev from the callers' buffers. PrepareMessage encodes a
// message once as a server frame; WritePrepared sends those bytes as they are on server
// connections, and a compressed frame made once per compression level
// (deflate.CompressShared) on connections whose Params.AcceptsShared; connections with
// context takeover in their sending direction compress it themselves, and client
// connections copy and mask it (RFC 6455 §5.3: a fresh key per frame).
//
// # Memory
//
// An idle Conn over a socket holds no read or write buffer: buffers come from process-wide
// pools (classes from 1 KiB to 4 MiB) and are borrowed while a read or write is in progress.
// On *net.TCPConn and *net.UnixConn a goroutine parked in ReadMessage waits for the socket
// through syscall.RawConn without a buffer and borrows one only when bytes arrive, so an
// idle server connection costs about 2.4 KB of heap (the Conn, about 1.5 KB with its
// 352-byte write scratch buffer, and its channels and timers) plus the reading
// goroutine's stack (about 4 KB); on other net.Conns (TLS, pipes) the parked reader holds
// its 4 KiB buffer. Payloads larger than 1 KiB are read straight into the caller's
// buffer. A message written with nothing queued ahead of it goes out in one Write: a small
// frame is encoded in the scratch buffer; a larger server payload is written from the
// caller's buffer with writev on TCP and Unix sockets, and on TLS up to one 16 KiB record
// is copied so the header never makes a record of its own. On any other net.Conn (often a
// wrapper around a socket, where a Write is a system call) a frame under 8 KiB is copied
// into one buffer and written once (the Conn keeps that buffer, up to 4 KiB, between
// writes, as a bufio.Writer would; such a Conn's parked reader holds its read buffer too); a larger one goes as the header with the first
// part of the payload, then the rest uncopied. Large WriteMessages batches go out with
// writev, so they are not copied. In steady state, with a
// reused dst, reading and writing allocate nothing. With permessage-deflate, see package
// deflate for what context takeover keeps per connection.
package conn
