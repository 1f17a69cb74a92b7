// Package client dials WebSocket servers: Dial runs the opening handshake of RFC 6455 §4.1
// over TCP or TLS, optionally through an HTTP proxy, and returns a *conn.Conn in the client
// role (every frame it sends is masked with a fresh key, RFC 6455 §5.3).
//
// It is for connecting to a server. It is not the connection itself (package conn: reads,
// writes, close), nor the handshake rules (package handshake), nor a server (package
// server).
//
// Use Dial with a ws:// or wss:// URL and an *Options (nil for defaults):
//
//	c, resp, err := client.Dial(ctx, "wss://example.com/chat", &client.Options{
//		Subprotocols: []string{"chat.v2"},
//		Header:       http.Header{"Origin": {"https://example.com"}},
//	})
//
// resp is the server's handshake response, for its headers (the agreed subprotocol is
// resp.Header.Get("Sec-WebSocket-Protocol")); on a failed handshake it is returned with
// the error, holding the first 4 KiB of the body.
//
// # Proxies
//
// By default Dial honours HTTP_PROXY, HTTPS_PROXY and NO_PROXY like net/http
// (http.ProxyFromEnvironment; wss:// uses HTTPS_PROXY) and tunnels with HTTP CONNECT,
// sending Basic Proxy-Authorization from the proxy URL's userinfo. Options.Proxy
// overrides the choice; NoProxy disables it. http:// and https:// proxies are supported;
// SOCKS is not.
//
// # Redirects
//
// A 3xx answer is an error wrapping ErrRedirect unless Options.MaxRedirects allows
// following it; then each hop is a new connection with a new key, credentials
// (Authorization, Cookie) are dropped when the host changes, and wss:// is never
// downgraded to ws:// (ErrInsecureRedirect).
//
// # Limits
//
// Everything Dial does is bounded by ctx and by Options.HandshakeTimeout (30 s by
// default). The response header may be at most 64 KiB (ErrResponseTooLarge). The
// connection's own limits (read limit 16 MiB by default, ...) come from Options.Conn.
//
// # Compression
//
// Options.Compression offers permessage-deflate (RFC 7692) built by package deflate. If the
// server accepts, its answer is checked (deflate.Accept; a bad answer fails Dial with
// ErrCompression, as RFC 7692 §7.1 requires) and the connection compresses messages from
// Options.Compression's threshold up. If the server declines, the connection runs
// uncompressed. See package deflate for the memory each mode keeps per connection.
package client
