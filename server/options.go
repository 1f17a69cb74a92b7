package server

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/duplexws/duplex/deflate"
	"github.com/duplexws/duplex/handshake"
)

// Options configures Accept, Require, Handle and Upgrade. A nil *Options, and every zero
// field, means the documented default. Options are read when the handler is built (or when
// Upgrade is called); do not change them afterwards.
type Options struct {
	// Origin is the policy for the Origin header of browser requests (cross-site WebSocket
	// hijacking: a page on another site must not open a socket that carries this site's
	// cookies). The zero value allows requests whose Origin host equals the request's Host,
	// and requests without Origin (non-browser clients); list patterns in it to allow other
	// sites, or set AllowAll. A refused Origin gets 403. Cost: one header comparison.
	Origin handshake.OriginPolicy

	// CheckOrigin, when set, replaces Origin: it returns false to refuse the request with
	// 403. A Handler that implements OriginChecker overrides both. Cost: one call per
	// upgrade.
	CheckOrigin func(r *http.Request) bool

	// Subprotocols lists the application protocols the server speaks, most preferred first.
	// The first one the client also offers is selected (RFC 6455 §4.2.2); none is selected
	// when nothing matches, and the handshake still succeeds. A Handler that implements
	// SubprotocolSelector overrides this list. Cost: a scan of the offers per upgrade.
	Subprotocols []string

	// ReadLimit is the largest message accepted, in bytes; a bigger one closes the
	// connection with 1009 before it is buffered. Default 16 MiB (conn's default); -1 means
	// unlimited (then QueueBytes alone bounds nothing: a peer may send a message of any size).
	ReadLimit int64

	// ReadBufferSize and WriteBufferSize are the sizes of the socket I/O buffers that conn
	// borrows from a pool while a read or write is in progress. Default 4096 each.
	ReadBufferSize, WriteBufferSize int

	// Compression enables permessage-deflate (RFC 7692); nil means off (offers are
	// declined, the handshake still succeeds). The first acceptable offer is answered per
	// package deflate's rules. Cost with context takeover (the default): a flate writer
	// (~650 KiB) and a 32 KiB inflate window per connection; with
	// ServerNoContextTakeover and ClientNoContextTakeover the state is pooled and
	// borrowed per message, at a worse ratio (package deflate's doc has measured
	// numbers). Messages under Threshold (default 128 bytes) go uncompressed. Hub
	// broadcasts are compressed once per member, not once per broadcast (pending a
	// prepared-message API in conn).
	Compression *deflate.Options

	// HandshakeTimeout bounds writing the 101 response after the request was read. The time
	// to read the request itself is http.Server's ReadHeaderTimeout (under Serve, this
	// bounds reading it too). Default 10s. Cost: a socket deadline, nothing after.
	HandshakeTimeout time.Duration

	// CloseTimeout bounds the wait for the peer's close frame after this side sends one;
	// the TCP connection is closed when it passes; it also bounds how long Close lets queued
	// messages drain first. Default 5s. Cost: a timer while closing only.
	CloseTimeout time.Duration

	// QueueMessages and QueueBytes bound the queue of received messages that Wait, Read and
	// Messages take from. When either is reached the reader goroutine stops reading the
	// socket until the application takes a message, so the peer's writes block (TCP flow
	// control) — nothing is dropped. A message is read when the queue is under both bounds,
	// so memory is at most QueueBytes + ReadLimit. Defaults 64 messages and 1 MiB. While the
	// queue is full the peer's pings are not answered either.
	QueueMessages int
	QueueBytes    int64

	// MaxBuffered bounds the bytes accepted by Send but not yet written (BufferedAmount).
	// A Send that would pass it fails with ErrBufferFull and closes the connection with 1013
	// (Try Again Later: the IANA registry of RFC 6455 §11.7 defines it for a server "casting
	// off some of its clients" when overloaded, which a consumer too slow to drain its
	// socket makes us). A message counts from Send until its write to the socket returns.
	// The bound is against slow readers, not big messages: a message bigger than
	// MaxBuffered on its own is accepted when no other message waits behind the one being
	// written (so a request/response peer exchanging such messages is never cut off), and
	// memory per connection is at most MaxBuffered + twice the largest message. Each
	// queued message counts 64 bytes more than its payload (its queue slot), so a flood of
	// tiny messages is bounded too. Default 1 MiB.
	MaxBuffered int64

	// WriteTimeout bounds each batch of writes to the socket (the messages queued when the
	// writer goroutine takes them, at most MaxBuffered bytes). A peer that does not read for
	// that long has its connection closed (1006 for the peer: the close frame cannot be
	// written either). Default 10s. Cost: a socket deadline set per batch, none while idle.
	WriteTimeout time.Duration

	// PingInterval, if positive, sends a ping every interval; a pong not received within
	// PongTimeout (default: PingInterval) fails the connection. Off by default: no timer.
	PingInterval, PongTimeout time.Duration

	// MaxConnections, if positive, caps the live connections in Registry; an upgrade past it
	// gets 503 Service Unavailable and a log line. Default 0: no cap. Cost: the Registry's
	// mutex, taken once per upgrade either way.
	MaxConnections int

	// Registry tracks the connections for Shutdown and Stats. Default: DefaultRegistry.
	Registry *Registry

	// Logger receives a Warn line for each upgrade refused with 503 (MaxConnections,
	// shutdown), an Error line for a handler panic or a failed hijack, and Debug lines for
	// refused handshakes and each connection's open and close (code, duration). Default:
	// slog.Default().
	Logger *slog.Logger
}

// config is Options with defaults applied.
type config struct {
	Options
	log *slog.Logger
	reg *Registry
}

const (
	defaultHandshakeTimeout = 10 * time.Second
	defaultCloseTimeout     = 5 * time.Second
	defaultQueueMessages    = 64
	defaultQueueBytes       = 1 << 20
	defaultMaxBuffered      = 1 << 20
	defaultWriteTimeout     = 10 * time.Second
)

func newConfig(o *Options) *config {
	c := &config{}
	if o != nil {
		c.Options = *o
		c.Subprotocols = append([]string(nil), o.Subprotocols...)
	}
	setDefault(&c.HandshakeTimeout, defaultHandshakeTimeout)
	setDefault(&c.CloseTimeout, defaultCloseTimeout)
	setDefault(&c.QueueMessages, defaultQueueMessages)
	setDefault(&c.QueueBytes, defaultQueueBytes)
	setDefault(&c.MaxBuffered, defaultMaxBuffered)
	setDefault(&c.WriteTimeout, defaultWriteTimeout)
	c.log = c.Logger
	if c.log == nil {
		c.log = slog.Default()
	}
	c.reg = c.Registry
	if c.reg == nil {
		c.reg = DefaultRegistry
	}
	return c
}

func setDefault[T int | int64 | time.Duration](p *T, def T) {
	if *p <= 0 {
		*p = def
	}
}
