// Package handshake implements the WebSocket opening handshake of RFC 6455 §4, for both
// roles, and the Sec-WebSocket-Extensions syntax of RFC 6455 §9.1.
//
// It is for validating and answering a client's upgrade request (on net/http or directly on
// a net.Conn), and for building and verifying a client's request. It is not a connection:
// frames, masking, compression parameters and I/O after the handshake live in packages
// frame, mask, deflate and conn. It never hijacks, dials or starts goroutines.
//
// # Server
//
// Use IsUpgrade to route cheaply, CheckRequest to validate an *http.Request, or ReadRequest
// to read and validate a request from a *bufio.Reader without net/http. Both return a
// Request (URI, Host, Key, Origin, offered Protocols and Extensions) or an *Error carrying
// the HTTP status to answer with:
//
//	400 malformed (HTTP/1.0, no Host, bad or repeated Sec-WebSocket-Key, repeated
//	    Sec-WebSocket-Version or Origin, bad token lists, a body, obs-fold)
//	                                                                 ErrKey, ErrMalformed, ...
//	403 Origin refused by the OriginPolicy                           ErrOrigin
//	405 not GET, with Allow: GET                                     ErrMethod
//	414 request line over Config.MaxHeaderBytes (raw path)           ErrURITooLong
//	426 not an upgrade, or Sec-WebSocket-Version missing or not 13, with
//	    Upgrade: websocket and Sec-WebSocket-Version: 13             ErrNotUpgrade, ErrVersion
//	431 header over Config.MaxHeaderBytes or Config.MaxHeaders       ErrHeaderTooLarge
//
// Error.Respond writes the answer through an http.ResponseWriter; Error.AppendRaw and
// Error.WriteRaw produce the raw bytes. On success pick a subprotocol with
// Request.SelectProtocol (server preference order; never one that was not offered),
// negotiate extensions (package deflate for permessage-deflate), and write the 101 answer
// with AppendResponse or WriteResponse, given a Response. AcceptKey computes
// Sec-WebSocket-Accept.
//
// # Origin considerations
//
// Browsers send cookies and HTTP authentication with a WebSocket handshake whatever page
// opens it, and WebSockets are not bound by the same-origin policy. A server that does not
// check Origin lets any site open a socket as its visitors (cross-site WebSocket hijacking).
// OriginPolicy's zero value therefore allows only requests without Origin (non-browser
// clients) and requests whose Origin host[:port] equals Host. Allow adds patterns
// ("*.example.com", "https://app.example.com", "localhost:*"); AllowAll opts out.
//
// # Client
//
// Use NewKey for a fresh Sec-WebSocket-Key, NewRequest to build the *http.Request for an
// Offer (key, subprotocols, extension offers, extra header fields), AppendRequest for its
// raw bytes, and VerifyResponse to check the answer: status 101, Upgrade and Connection
// tokens, the accept value, a subprotocol that was offered (or none), and only offered
// extensions. Its errors wrap ErrStatus, ErrResponseUpgrade, ErrResponseConnection,
// ErrAccept, ErrUnofferedProtocol, ErrUnofferedExtension and ErrResponseMalformed.
//
// # Extensions
//
// ParseExtensions reads Sec-WebSocket-Extensions values into []Extension (names
// lower-cased; tokens and quoted-strings per RFC 7230 §3.2.6); AppendExtensions and
// Extension.String write them back.
//
// # Limits
//
// ReadRequest keeps at most Config.MaxHeaderBytes (16 KiB by default) of header and at most
// Config.MaxHeaders (100) fields, and ParseExtensions at most 128 extensions plus
// parameters. ReadRequest does not bound time: set a read deadline on the connection first.
//
// # Memory
//
// ReadRequest allocates one string for every value it keeps, plus the Protocols and
// Extensions slices when those are offered (3 allocations, 240 bytes, for a browser's
// request, against about 27 allocations, 2 KB, for http.ReadRequest). AppendResponse
// allocates nothing beyond growing dst; WriteResponse and Error.WriteRaw use pooled buffers.
// IsUpgrade does not allocate.
package handshake
