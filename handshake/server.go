package handshake

import (
	"io"
	"net/http"
)

// Config is the server side's policy. A nil *Config means the zero value: same-host Origin
// policy and the default raw-path limits.
type Config struct {
	// Origin decides which Origin values are accepted; the zero value is same host.
	Origin OriginPolicy

	// MaxHeaderBytes bounds the request line plus header fields read by ReadRequest,
	// including line ends. Default 16 KiB (DefaultMaxHeaderBytes). A request line that
	// alone exceeds it is answered 414; header fields that push past it, 431.
	MaxHeaderBytes int

	// MaxHeaders bounds the number of header fields ReadRequest accepts. Default 100
	// (DefaultMaxHeaders). More is answered 431.
	MaxHeaders int

	// OnHeader, when set, is called by ReadRequest for every header field, with the name
	// as sent and the value with surrounding whitespace removed. Both slices point into the
	// reader's buffer and are valid only during the call (copy what you keep). Use it to
	// read cookies or authentication without building an http.Header. A non-nil error
	// aborts the handshake: an *Error is answered as is, any other error with 400.
	OnHeader func(name, value []byte) error
}

// Defaults for Config's raw-path limits.
const (
	DefaultMaxHeaderBytes = 16 << 10
	DefaultMaxHeaders     = 100
)

// Request is a client's opening handshake that passed validation (RFC 6455 §4.2.1). Its
// strings are owned by the caller (the raw path copies them out of the reader's buffer).
type Request struct {
	// URI is the request-target as sent ("/chat?room=1"): the resource name of RFC 6455 §3.
	URI string
	// Host is the Host header field value.
	Host string
	// Key is the Sec-WebSocket-Key value, for AcceptKey / AppendResponse.
	Key string
	// Origin is the Origin header value, "" when absent.
	Origin string
	// Protocols are the offered subprotocols in the client's order (RFC 6455 §4.1 item 10).
	Protocols []string
	// Extensions are the offered extensions in the client's order (RFC 6455 §9.1).
	Extensions []Extension
}

// SelectProtocol returns the first of supported, in the server's order of preference, that
// the client offered, or "" when none was (the response then carries no
// Sec-WebSocket-Protocol, RFC 6455 §4.2.2 item 5.3). Subprotocol names compare exactly.
// It never returns a name the client did not offer.
func (r *Request) SelectProtocol(supported []string) string {
	for _, s := range supported {
		for _, o := range r.Protocols {
			if s == o {
				return s
			}
		}
	}
	return ""
}

// IsUpgrade reports whether r asks for a WebSocket upgrade: a GET whose Upgrade list holds
// "websocket" and whose Connection list holds "upgrade", case-insensitively. It is the cheap
// routing check; CheckRequest does the full validation. It does not allocate.
func IsUpgrade(r *http.Request) bool {
	return r.Method == http.MethodGet &&
		anyHasToken(r.Header["Upgrade"], "websocket") &&
		anyHasToken(r.Header["Connection"], "upgrade")
}

// CheckRequest validates a server-side opening handshake received through net/http
// (RFC 6455 §4.2.1) and applies cfg's Origin policy. On failure it returns an *Error
// carrying the status to answer with; Respond writes it. On success the caller selects a
// subprotocol and extensions, hijacks the connection and writes the 101 answer with
// WriteResponse.
func CheckRequest(r *http.Request, cfg *Config) (Request, error) {
	f := fields{
		method:     r.Method,
		major:      r.ProtoMajor,
		minor:      r.ProtoMinor,
		uri:        r.RequestURI, // as sent; "" only for requests built in-process
		host:       r.Host,
		upgrade:    anyHasToken(r.Header["Upgrade"], "websocket"),
		connection: anyHasToken(r.Header["Connection"], "upgrade"),
		protocols:  values{list: r.Header["Sec-Websocket-Protocol"]},
		extensions: values{list: r.Header["Sec-Websocket-Extensions"]},
		body:       r.ContentLength != 0 || len(r.TransferEncoding) > 0,
	}
	if f.uri == "" && r.URL != nil {
		f.uri = r.URL.RequestURI()
	}
	if r.Host != "" {
		f.hosts = 1 // net/http has already refused repeated Host fields
	}
	f.version, f.versions = single(r.Header["Sec-Websocket-Version"])
	f.key, f.keys = single(r.Header["Sec-Websocket-Key"])
	f.origin, f.origins = single(r.Header["Origin"])
	return f.validate(cfg)
}

func single(vs []string) (string, int) {
	if len(vs) == 0 {
		return "", 0
	}
	return vs[0], len(vs)
}

// fields is what the handshake rules look at, gathered from an *http.Request or by the raw
// parser, so that both paths share validate.
type fields struct {
	method       string
	major, minor int
	uri          string
	host         string
	hosts        int
	upgrade      bool // Upgrade holds the "websocket" token
	connection   bool // Connection holds the "upgrade" token
	version      string
	versions     int
	key          string
	keys         int
	origin       string
	origins      int
	protocols    values // Sec-WebSocket-Protocol field values
	extensions   values // Sec-WebSocket-Extensions field values
	body         bool   // Content-Length > 0 or Transfer-Encoding present
}

// validate applies RFC 6455 §4.2.1 in an order that gives each client the most useful
// answer: method, HTTP version, Host, upgrade tokens, version, key, then syntax of the
// optional fields, then the Origin policy.
func (f *fields) validate(cfg *Config) (Request, error) {
	// RFC 6455 §4.1 item 2 / §4.2.1 item 1: "An HTTP/1.1 or higher GET request".
	if f.method != http.MethodGet {
		e := newError(http.StatusMethodNotAllowed, ErrMethod, "method must be GET")
		e.Header = allowGET() // RFC 7231 §6.5.5: a 405 MUST carry Allow.
		return Request{}, e
	}
	if f.major < 1 || f.major == 1 && f.minor < 1 {
		return Request{}, newError(http.StatusBadRequest, ErrHTTPVersion, "HTTP/1.1 or later required")
	}
	// RFC 6455 §4.2.1 item 2; RFC 7230 §5.4: a request without, or with more than one,
	// Host MUST be answered 400.
	if f.hosts != 1 || f.host == "" || !validFieldValue(f.host) {
		return Request{}, newError(http.StatusBadRequest, ErrHost, "exactly one Host required")
	}
	// RFC 6455 §4.2.1 items 3 and 4. A request that is not an upgrade at all is answered
	// 426 with Upgrade: websocket (RFC 7231 §6.5.15), telling the client what to speak.
	if !f.upgrade || !f.connection {
		e := newError(http.StatusUpgradeRequired, ErrNotUpgrade,
			"Upgrade: websocket and Connection: Upgrade required")
		e.Header = upgradeRequired()
		return Request{}, e
	}
	// RFC 6455 §11.3.5: Sec-WebSocket-Version MUST NOT appear more than once in a request.
	if f.versions > 1 {
		return Request{}, newError(http.StatusBadRequest, ErrMalformed, "repeated Sec-WebSocket-Version")
	}
	// RFC 6455 §4.2.1 item 6, §4.2.2 and §4.4: a missing version, or one the server does
	// not speak, is answered 426 with the versions it does.
	if f.versions != 1 || string(trimOWS(f.version)) != "13" {
		e := newError(http.StatusUpgradeRequired, ErrVersion, "Sec-WebSocket-Version: 13 required")
		e.Header = upgradeRequired()
		return Request{}, e
	}
	// RFC 6455 §4.2.1 item 5: base64 of a 16-byte nonce; §11.3.1: exactly once.
	key := trimOWS(f.key)
	if f.keys != 1 || !validKey(key) {
		return Request{}, newError(http.StatusBadRequest, ErrKey,
			"Sec-WebSocket-Key must be base64 of 16 bytes")
	}
	// RFC 6454 §7.3: a user agent sends at most one Origin.
	if f.origins > 1 || !validFieldValue(f.origin) {
		return Request{}, newError(http.StatusBadRequest, ErrMalformed, "repeated or invalid Origin")
	}
	// A body would be read as frames by the connection that follows.
	if f.body {
		return Request{}, newError(http.StatusBadRequest, ErrBody, "upgrade request must not have a body")
	}
	var protos []string
	for i := range f.protocols.len() {
		var err error
		if protos, err = appendProtocols(protos, f.protocols.at(i)); err != nil {
			return Request{}, newError(http.StatusBadRequest, ErrProtocolSyntax,
				"Sec-WebSocket-Protocol must be a list of tokens")
		}
	}
	var exts []Extension
	count := 0
	for i := range f.extensions.len() {
		var err error
		if exts, err = appendParsedExtensions(exts, f.extensions.at(i), &count); err != nil {
			return Request{}, newError(http.StatusBadRequest, ErrExtensionSyntax,
				"malformed Sec-WebSocket-Extensions")
		}
	}
	var err error
	origin := trimOWS(f.origin)
	// RFC 6455 §4.2.2 item 4, §10.2: a server MAY refuse an Origin; 403 is the answer.
	if cfg != nil {
		err = cfg.Origin.Check(origin, f.host)
	} else {
		err = (*OriginPolicy)(nil).Check(origin, f.host)
	}
	if err != nil {
		return Request{}, err
	}
	return Request{
		URI:        f.uri,
		Host:       f.host,
		Key:        key,
		Origin:     origin,
		Protocols:  protos,
		Extensions: exts,
	}, nil
}

// values are the field values of a repeated header: the net/http path's slice, or the raw
// path's first few values held inline so that gathering them does not allocate.
type values struct {
	list  []string
	n     int
	first [4]string
}

func (v *values) len() int {
	if v.list != nil {
		return len(v.list)
	}
	return v.n
}

func (v *values) at(i int) string {
	if v.list != nil {
		return v.list[i]
	}
	return v.first[i]
}

// add appends a value on the raw path; past the inline capacity it moves to list.
func (v *values) add(s string) {
	if v.list == nil && v.n < len(v.first) {
		v.first[v.n] = s
		v.n++
		return
	}
	if v.list == nil {
		v.list = append(make([]string, 0, 2*len(v.first)), v.first[:v.n]...)
	}
	v.list = append(v.list, s)
}

// appendProtocols splits one Sec-WebSocket-Protocol value into its elements, which must be
// tokens (RFC 6455 §4.1 item 10, §11.3.4), and appends them to out. Empty list elements
// are ignored (RFC 7230 §7). The appended strings are substrings of v.
func appendProtocols(out []string, v string) ([]string, error) {
	for len(v) > 0 {
		i := 0
		for i < len(v) && v[i] != ',' {
			i++
		}
		elem := trimOWS(v[:i])
		if elem != "" {
			if !isToken(elem) || len(out) >= maxExtensionElements {
				return nil, ErrProtocolSyntax
			}
			out = append(out, elem)
		}
		if i == len(v) {
			break
		}
		v = v[i+1:]
	}
	return out, nil
}

// Response is the server's side of a successful handshake: what it agreed to.
type Response struct {
	// Protocol is the selected subprotocol ("" for none); it must be one the client
	// offered (use Request.SelectProtocol).
	Protocol string
	// Extensions are the accepted extensions with the parameters the server answers
	// (RFC 6455 §9.1; for permessage-deflate, package deflate builds them).
	Extensions []Extension
	// Header holds extra fields for the 101 response (Set-Cookie, ...). Fields that the
	// handshake itself writes (Upgrade, Connection, Sec-WebSocket-*) are ignored, names
	// that are not tokens are dropped, and control bytes in values become spaces.
	Header http.Header
}

// reservedResponseFields are written by AppendResponse and never copied from Header.
var reservedResponseFields = []string{
	"upgrade", "connection", "sec-websocket-accept", "sec-websocket-protocol",
	"sec-websocket-extensions", "sec-websocket-version", "content-length", "transfer-encoding",
}

// AppendResponse appends the complete 101 Switching Protocols response (RFC 6455 §4.2.2
// item 5) for a request whose Sec-WebSocket-Key is key. resp may be nil. Without extra
// header fields it does not allocate beyond growing dst.
func AppendResponse(dst []byte, key string, resp *Response) []byte {
	dst = append(dst, "HTTP/1.1 101 Switching Protocols\r\n"+
		"Upgrade: websocket\r\n"+
		"Connection: Upgrade\r\n"+
		"Sec-WebSocket-Accept: "...)
	dst = appendAccept(dst, key)
	dst = append(dst, "\r\n"...)
	if resp != nil {
		if resp.Protocol != "" {
			dst = append(dst, "Sec-WebSocket-Protocol: "...)
			dst = appendSanitized(dst, resp.Protocol)
			dst = append(dst, "\r\n"...)
		}
		if len(resp.Extensions) > 0 {
			dst = append(dst, "Sec-WebSocket-Extensions: "...)
			start := len(dst)
			dst = AppendExtensions(dst, resp.Extensions)
			sanitize(dst[start:])
			dst = append(dst, "\r\n"...)
		}
		dst = appendHeader(dst, resp.Header, reservedResponseFields)
	}
	return append(dst, "\r\n"...)
}

// WriteResponse writes AppendResponse's bytes to w in one Write, using a pooled buffer.
// On a hijacked connection pass the net.Conn, or the bufio.Writer and then Flush it.
func WriteResponse(w io.Writer, key string, resp *Response) error {
	bp := getBuf()
	*bp = AppendResponse((*bp)[:0], key, resp)
	_, err := w.Write(*bp)
	putBuf(bp)
	return err
}

func appendSanitized(dst []byte, s string) []byte {
	start := len(dst)
	dst = append(dst, s...)
	sanitize(dst[start:])
	return dst
}

// sanitize replaces control bytes other than HTAB by spaces, so that a value built from
// caller data can never end the header line.
func sanitize(b []byte) {
	for i, c := range b {
		if (c < 0x20 && c != '\t') || c == 0x7f {
			b[i] = ' '
		}
	}
}
