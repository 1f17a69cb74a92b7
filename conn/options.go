package conn

import (
	"time"

	"github.com/duplexws/duplex/deflate"
	"github.com/duplexws/duplex/frame"
)

// Role is the side of the connection an endpoint plays; it decides masking (RFC 6455 §5.3)
// and who closes TCP first (§7.1.1). It is chosen once, in New.
type Role = frame.Role

// The two roles, re-exported from package frame.
const (
	Server = frame.Server
	Client = frame.Client
)

// Defaults for the zero fields of Options.
const (
	DefaultReadLimit       = 16 << 20
	DefaultReadBufferSize  = 4096
	DefaultWriteBufferSize = 4096
	DefaultFragmentSize    = 32 << 10
	DefaultCloseTimeout    = 5 * time.Second
)

// Options configures a Conn. A nil *Options, and every zero field, means the documented
// default. The Conn keeps a copy; changing Options after New has no effect.
type Options struct {
	// ReadLimit is the largest message, in bytes, ReadMessage and Reader accept; a message
	// or a frame whose declared length would exceed it fails the connection with 1009
	// before any of it is buffered. A refused frame of up to 1 MiB is then read and
	// dropped, without buffering, so that a peer still writing it reads the close frame
	// rather than a reset; a larger one closes TCP at once. 0 means DefaultReadLimit
	// (16 MiB), a negative value
	// means no limit (a peer can then make ReadMessage allocate as much as it declares).
	ReadLimit int64

	// ReadBufferSize is the size of the buffer frames are read into (default 4096). The
	// buffer comes from a process-wide pool and goes back to it whenever no unread bytes
	// are left after a message, so it costs memory only while a read is in progress.
	// Payloads larger than the buffer are read straight into the caller's buffer.
	ReadBufferSize int

	// WriteBufferSize is the smallest pooled buffer frames are encoded into when they
	// queue behind a write in progress (default 4096); larger messages borrow a larger
	// pooled buffer. Like the read buffer it is held only while a write is in progress.
	// A frame written with nothing ahead of it goes out in one Write where it can: up to
	// 352 bytes it is encoded in a small buffer inside the Conn; a larger server payload is
	// written from the caller's slice with writev on TCP and Unix sockets; on *tls.Conn up
	// to one 16 KiB TLS record is copied so the header never makes a record alone; on other
	// net.Conns a frame under 8 KiB is copied into one buffer (kept between writes up to
	// 4 KiB) and a larger one goes as the header with the first part of the payload, then
	// the rest. A client copies and masks through a pooled buffer of at most 64 KiB.
	WriteBufferSize int

	// FragmentSize is the payload size of each frame a streaming Writer emits (default
	// 32 KiB). The Writer holds one pooled buffer of this size until it is closed.
	FragmentSize int

	// CloseTimeout bounds the closing handshake: how long Close waits for the peer's close
	// frame, how long a client waits for the server to close TCP after the close frames
	// are exchanged (RFC 6455 §7.1.1), and how long sending a close frame may block
	// (default 5s).
	CloseTimeout time.Duration

	// PingInterval, if positive, makes the Conn send a ping after every PingInterval and
	// close the connection (reads then fail with a *CloseError with Code 1006 wrapping
	// ErrPongTimeout) if no pong arrives within PongTimeout (default: PingInterval). Pongs
	// are only seen while some goroutine reads, so keepalive needs an active reader. It
	// uses a timer, not a goroutine; when PingInterval is 0 nothing is started.
	PingInterval time.Duration
	PongTimeout  time.Duration

	// OnPing is called by the reading goroutine with the payload of each ping received;
	// the pong answer is sent automatically either way (RFC 6455 §5.5.2). The payload is
	// only valid during the call.
	OnPing func(payload []byte)

	// OnPong is called by the reading goroutine with the payload of each pong received,
	// solicited or not (RFC 6455 §5.5.3). The payload is only valid during the call.
	OnPong func(payload []byte)

	// Compression is the permessage-deflate agreement of the handshake (RFC 7692), nil
	// for none. With it, RSV1 is accepted on the first frame of a data message, such
	// messages are inflated (the read limit applies to the inflated size), and messages
	// of at least Compression.Threshold bytes, and every streamed message, are sent
	// compressed. Costs: see package deflate (with context takeover a connection keeps
	// its LZ77 windows between messages). The Conn calls Compression.Release when it
	// ends.
	Compression *deflate.Params
}

// config is the resolved copy of Options a Conn keeps.
type config struct {
	readLimit    int64
	readBuf      int
	writeBuf     int
	fragment     int
	closeTimeout time.Duration
	pingInterval time.Duration
	pongTimeout  time.Duration
	onPing       func([]byte)
	onPong       func([]byte)
	compression  *deflate.Params
}

func (o *Options) resolve() config {
	var c config
	if o != nil {
		c = config{
			readLimit: o.ReadLimit, readBuf: o.ReadBufferSize, writeBuf: o.WriteBufferSize,
			fragment: o.FragmentSize, closeTimeout: o.CloseTimeout,
			pingInterval: o.PingInterval, pongTimeout: o.PongTimeout,
			onPing: o.OnPing, onPong: o.OnPong, compression: o.Compression,
		}
	}
	if c.readLimit == 0 {
		c.readLimit = DefaultReadLimit
	}
	if c.readLimit < 0 {
		c.readLimit = -1
	}
	if c.readBuf <= 0 {
		c.readBuf = DefaultReadBufferSize
	}
	if c.readBuf < 256 {
		c.readBuf = 256
	}
	if c.writeBuf <= 0 {
		c.writeBuf = DefaultWriteBufferSize
	}
	if c.fragment <= 0 {
		c.fragment = DefaultFragmentSize
	}
	if c.closeTimeout <= 0 {
		c.closeTimeout = DefaultCloseTimeout
	}
	if c.pingInterval > 0 && c.pongTimeout <= 0 {
		c.pongTimeout = c.pingInterval
	}
	return c
}
