package client

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/duplexws/duplex/conn"
	"github.com/duplexws/duplex/deflate"
)

// Options configures Dial. A nil *Options, and every zero field, means the documented
// default.
type Options struct {
	// Conn configures the connection once the handshake is done (read limit, buffer and
	// fragment sizes, close timeout, keepalive). nil: conn's defaults (16 MiB read
	// limit, ...). The role is always client: every frame is masked with a fresh key.
	Conn *conn.Options

	// Header holds extra request header fields: Origin, Cookie, Authorization,
	// User-Agent, or Host to override the URL's. The handshake's own fields (Upgrade,
	// Connection, Sec-WebSocket-*) are set by Dial and replace any given here.
	Header http.Header

	// Subprotocols are offered in Sec-WebSocket-Protocol in this order of preference. The
	// server's choice is in the response's Sec-WebSocket-Protocol header; Dial fails if it
	// chose one that was not offered.
	Subprotocols []string

	// Compression, when not nil, offers permessage-deflate (RFC 7692) with these settings
	// and, if the server accepts, compresses the connection. nil: no offer. With context
	// takeover (the default) a connection keeps up to about 1 MB of compression state;
	// see package deflate for the numbers and how to bound them.
	Compression *deflate.Options

	// TLSConfig is used for wss:// URLs (and an https:// proxy). nil: a zero config, which
	// verifies the server against the system roots. ServerName defaults to the URL's host;
	// NextProtos is always replaced by "http/1.1", as WebSocket over HTTP/2 is not spoken.
	TLSConfig *tls.Config

	// Proxy returns the proxy for a handshake request, as http.Transport.Proxy does: a nil
	// URL means connect directly. nil: http.ProxyFromEnvironment (HTTP_PROXY,
	// HTTPS_PROXY, NO_PROXY; wss:// uses HTTPS_PROXY; requests to localhost never use a
	// proxy). Use NoProxy to always connect directly. The tunnel is an HTTP CONNECT
	// request (RFC 9110 §9.3.6) to an http:// or https:// proxy, with Basic
	// Proxy-Authorization from the proxy URL's userinfo.
	Proxy func(*http.Request) (*url.URL, error)

	// NetDialContext dials TCP connections (to the server or the proxy). nil: a
	// net.Dialer with default settings.
	NetDialContext func(ctx context.Context, network, addr string) (net.Conn, error)

	// HandshakeTimeout bounds everything Dial does (dial, proxy, TLS, handshake and
	// redirects) in addition to ctx's own deadline. Zero means DefaultHandshakeTimeout; a
	// negative value leaves ctx alone.
	HandshakeTimeout time.Duration

	// MaxRedirects is how many 3xx redirects Dial follows (301, 302, 303, 307, 308 with a
	// Location). Zero: none; a redirect fails with an error wrapping ErrRedirect and the
	// 3xx response is returned. Authorization and Cookie fields are not sent to another
	// host, and a redirect from wss:// to ws:// is refused (ErrInsecureRedirect).
	MaxRedirects int
}

// DefaultHandshakeTimeout is the bound on Dial when Options.HandshakeTimeout is zero.
const DefaultHandshakeTimeout = 30 * time.Second

// maxResponseHeader bounds the bytes Dial reads for the server's handshake response (or
// a proxy's CONNECT response), so that a hostile server cannot make it buffer without
// limit.
const maxResponseHeader = 64 << 10

// maxErrorBody is how much of a failed response's body Dial keeps for inspection.
const maxErrorBody = 4 << 10

// NoProxy is an Options.Proxy that always connects directly.
func NoProxy(*http.Request) (*url.URL, error) { return nil, nil }
