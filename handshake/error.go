package handshake

import (
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
)

// Server-side causes: the Err of an *Error, with the status it is answered with.
var (
	ErrMethod         = errors.New("handshake: method is not GET")                 // 405
	ErrHTTPVersion    = errors.New("handshake: HTTP version below 1.1")            // 400
	ErrHost           = errors.New("handshake: missing or repeated Host")          // 400
	ErrNotUpgrade     = errors.New("handshake: not a WebSocket upgrade request")   // 426
	ErrVersion        = errors.New("handshake: unsupported Sec-WebSocket-Version") // 426
	ErrKey            = errors.New("handshake: bad Sec-WebSocket-Key")             // 400
	ErrOrigin         = errors.New("handshake: origin not allowed")                // 403
	ErrProtocolSyntax = errors.New("handshake: malformed Sec-WebSocket-Protocol")  // 400
	ErrMalformed      = errors.New("handshake: malformed request")                 // 400
	ErrBody           = errors.New("handshake: upgrade request has a body")        // 400
	ErrURITooLong     = errors.New("handshake: request line too long")             // 414
	ErrHeaderTooLarge = errors.New("handshake: request header too large")          // 431
)

// Client-side errors, wrapped (with details) by NewRequest and VerifyResponse.
var (
	ErrStatus             = errors.New("handshake: response status is not 101")
	ErrResponseUpgrade    = errors.New("handshake: response Upgrade is not websocket")
	ErrResponseConnection = errors.New("handshake: response Connection lacks upgrade")
	ErrAccept             = errors.New("handshake: wrong Sec-WebSocket-Accept")
	ErrUnofferedProtocol  = errors.New("handshake: server chose a subprotocol that was not offered")
	ErrUnofferedExtension = errors.New("handshake: server accepted an extension that was not offered")
	ErrResponseMalformed  = errors.New("handshake: malformed response header")
	ErrBadURL             = errors.New("handshake: bad WebSocket URL")
	ErrOffer              = errors.New("handshake: invalid offer")
)

// Error is a rejected opening handshake on the server side: the HTTP status to answer with
// (400, 403, 405, 414, 426, 431), a short reason for the body and logs, and the header
// fields the RFCs require in that answer (Allow for 405, Sec-WebSocket-Version and Upgrade
// for 426). Err is the sentinel naming the cause (ErrMethod, ErrVersion, ...).
//
// Reasons never echo bytes sent by the peer.
type Error struct {
	Status int
	Reason string
	Header http.Header
	Err    error
}

// Error returns "handshake: <status>: <reason>".
func (e *Error) Error() string {
	return "handshake: " + strconv.Itoa(e.Status) + " " + http.StatusText(e.Status) + ": " + e.Reason
}

// Unwrap returns the sentinel cause.
func (e *Error) Unwrap() error { return e.Err }

// Respond writes the failure as an HTTP response on the net/http path: e.Header, then
// a text/plain body holding the reason, with e.Status.
func (e *Error) Respond(w http.ResponseWriter) {
	h := w.Header()
	for k, vs := range e.Header {
		h[k] = append([]string(nil), vs...)
	}
	http.Error(w, e.Reason, e.Status)
}

// AppendRaw appends the failure as a complete HTTP/1.1 response, for servers that read the
// handshake from a net.Conn themselves (see ReadRequest). The response says
// "Connection: close": the caller closes the connection after writing it.
func (e *Error) AppendRaw(dst []byte) []byte {
	dst = append(dst, "HTTP/1.1 "...)
	dst = strconv.AppendInt(dst, int64(e.Status), 10)
	dst = append(dst, ' ')
	dst = append(dst, http.StatusText(e.Status)...)
	dst = append(dst, "\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n"...)
	dst = appendHeader(dst, e.Header, nil)
	dst = append(dst, "Content-Length: "...)
	dst = strconv.AppendInt(dst, int64(len(e.Reason)+1), 10)
	dst = append(dst, "\r\n\r\n"...)
	dst = append(dst, e.Reason...)
	return append(dst, '\n')
}

// WriteRaw writes AppendRaw's bytes to w.
func (e *Error) WriteRaw(w io.Writer) error {
	bp := getBuf()
	*bp = e.AppendRaw((*bp)[:0])
	_, err := w.Write(*bp)
	putBuf(bp)
	return err
}

func newError(status int, sentinel error, reason string) *Error {
	return &Error{Status: status, Reason: reason, Err: sentinel}
}

// allowGET is the header a 405 answer must carry (RFC 7231 §6.5.5).
func allowGET() http.Header { return http.Header{"Allow": {"GET"}} }

// upgradeRequired is the header of a 426 answer: RFC 7231 §6.5.15 requires Upgrade, and
// RFC 6455 §4.2.2 / §4.4 the versions the server supports.
func upgradeRequired() http.Header {
	return http.Header{
		"Upgrade":               {"websocket"},
		"Connection":            {"Upgrade"},
		"Sec-Websocket-Version": {"13"},
	}
}

// appendHeader appends the fields of h as "Name: value\r\n" lines in sorted key order (so
// output is deterministic), skipping names that are not tokens and names in skip (lower
// case), and replacing CR, LF and other control bytes in values by spaces so that a value
// can never start a new header line.
func appendHeader(dst []byte, h http.Header, skip []string) []byte {
	if len(h) == 0 {
		return dst
	}
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	slices.Sort(keys)
outer:
	for _, k := range keys {
		if !isToken(k) {
			continue
		}
		for _, s := range skip {
			if equalFold(k, s) {
				continue outer
			}
		}
		for _, v := range h[k] {
			dst = append(dst, k...)
			dst = append(dst, ": "...)
			for i := 0; i < len(v); i++ {
				c := v[i]
				if (c < 0x20 && c != '\t') || c == 0x7f {
					c = ' '
				}
				dst = append(dst, c)
			}
			dst = append(dst, "\r\n"...)
		}
	}
	return dst
}
