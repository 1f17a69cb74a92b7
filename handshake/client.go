package handshake

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Offer is what a client asks for in its opening handshake (RFC 6455 §4.1).
type Offer struct {
	// Key is the Sec-WebSocket-Key to send; set it with NewKey for every connection.
	Key string
	// Protocols are the subprotocols offered, in the client's order of preference; each
	// must be a token (RFC 6455 §4.1 item 10).
	Protocols []string
	// Extensions are the extension offers, in order (for permessage-deflate, package
	// deflate builds them).
	Extensions []Extension
	// Header holds extra request fields (Origin, Cookie, Authorization, User-Agent, Host
	// to override the URL's). The handshake's own fields (Upgrade, Connection,
	// Sec-WebSocket-*) are set by NewRequest and replace any given here.
	Header http.Header
}

// NewRequest builds the client's opening handshake request for a ws://, wss://, http:// or
// https:// URL (RFC 6455 §3, §4.1). The returned request's URL has scheme http or https.
// Userinfo in the URL becomes HTTP Basic authentication unless Header has Authorization.
// Errors wrap ErrBadURL (no host, a fragment, another scheme) or ErrOffer (empty key,
// a subprotocol that is not a token, an invalid header field).
func NewRequest(ctx context.Context, rawURL string, o *Offer) (*http.Request, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadURL, err)
	}
	switch strings.ToLower(u.Scheme) {
	case "ws", "http":
		u.Scheme = "http"
	case "wss", "https":
		u.Scheme = "https"
	default:
		return nil, fmt.Errorf("%w: scheme %q is not ws or wss", ErrBadURL, u.Scheme)
	}
	// RFC 6455 §3: fragment identifiers MUST NOT be used in WebSocket URIs; §4.1 item 1
	// makes the client fail.
	if u.Fragment != "" || strings.Contains(rawURL, "#") {
		return nil, fmt.Errorf("%w: URL has a fragment", ErrBadURL)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("%w: URL has no host", ErrBadURL)
	}
	if o == nil || !validKey(o.Key) {
		return nil, fmt.Errorf("%w: Key must be a value from NewKey", ErrOffer)
	}
	for _, p := range o.Protocols {
		if !isToken(p) {
			return nil, fmt.Errorf("%w: subprotocol %q is not a token", ErrOffer, p)
		}
	}
	for k, vs := range o.Header {
		if !isToken(k) {
			return nil, fmt.Errorf("%w: header name %q", ErrOffer, k)
		}
		for _, v := range vs {
			if !validFieldValue(v) {
				return nil, fmt.Errorf("%w: control character in header %q", ErrOffer, k)
			}
		}
	}
	user := u.User
	u.User = nil
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadURL, err)
	}
	h := o.Header.Clone()
	if h == nil {
		h = make(http.Header, 8)
	}
	if host := h.Get("Host"); host != "" {
		req.Host = host
		h.Del("Host")
	}
	// RFC 6455 §4.1 items 5-11.
	h["Upgrade"] = []string{"websocket"}
	h["Connection"] = []string{"Upgrade"}
	h["Sec-Websocket-Key"] = []string{o.Key}
	h["Sec-Websocket-Version"] = []string{"13"}
	delete(h, "Sec-Websocket-Protocol")
	delete(h, "Sec-Websocket-Extensions")
	delete(h, "Sec-Websocket-Accept")
	if len(o.Protocols) > 0 {
		h["Sec-Websocket-Protocol"] = []string{strings.Join(o.Protocols, ", ")}
	}
	if len(o.Extensions) > 0 {
		v := AppendExtensions(nil, o.Extensions)
		sanitize(v)
		h["Sec-Websocket-Extensions"] = []string{string(v)}
	}
	req.Header = h
	if user != nil && h.Get("Authorization") == "" {
		pw, _ := user.Password()
		req.SetBasicAuth(user.Username(), pw)
	}
	return req, nil
}

// reservedRequestFields are written by AppendRequest itself.
var reservedRequestFields = []string{"host", "content-length", "transfer-encoding"}

// AppendRequest appends r as raw HTTP/1.1 request bytes for writing on a net.Conn:
// "GET <request-uri> HTTP/1.1", Host (r.Host, else r.URL.Host), then r.Header's fields in
// sorted order. It is the raw form of a request from NewRequest; no body is written.
func AppendRequest(dst []byte, r *http.Request) []byte {
	dst = append(dst, "GET "...)
	dst = appendSanitized(dst, r.URL.RequestURI())
	dst = append(dst, " HTTP/1.1\r\nHost: "...)
	host := r.Host
	if host == "" {
		host = r.URL.Host
	}
	dst = appendSanitized(dst, host)
	dst = append(dst, "\r\n"...)
	dst = appendHeader(dst, r.Header, reservedRequestFields)
	return append(dst, "\r\n"...)
}

// VerifyResponse checks the server's answer to an offer (RFC 6455 §4.1, "the client MUST
// validate the server's response"): status 101, Upgrade: websocket, a Connection list with
// "upgrade", the Sec-WebSocket-Accept value for o.Key, a subprotocol that was offered (or
// none), and only extensions whose names were offered. It returns what the server agreed to;
// the caller still checks extension parameters (package deflate does for
// permessage-deflate). Errors wrap ErrStatus, ErrResponseUpgrade, ErrResponseConnection,
// ErrAccept, ErrUnofferedProtocol, ErrUnofferedExtension or ErrResponseMalformed.
func VerifyResponse(resp *http.Response, o *Offer) (Response, error) {
	if resp.StatusCode != http.StatusSwitchingProtocols {
		return Response{}, fmt.Errorf("%w: got %s", ErrStatus, strconv.Itoa(resp.StatusCode))
	}
	h := resp.Header
	// RFC 6455 §4.1, response item 2.
	if up := h["Upgrade"]; len(up) != 1 || !equalFold(trimOWS(up[0]), "websocket") {
		return Response{}, ErrResponseUpgrade
	}
	// Item 3.
	if !anyHasToken(h["Connection"], "upgrade") {
		return Response{}, ErrResponseConnection
	}
	// Item 4.
	acc := h["Sec-Websocket-Accept"]
	var want [acceptLen]byte
	if len(acc) != 1 || trimOWS(acc[0]) != string(appendAccept(want[:0], o.Key)) {
		return Response{}, ErrAccept
	}
	// Item 5: only extensions that were offered.
	exts, err := ParseExtensions(h["Sec-Websocket-Extensions"])
	if err != nil {
		return Response{}, fmt.Errorf("%w: %w", ErrResponseMalformed, err)
	}
	for _, e := range exts {
		offered := false
		for _, oe := range o.Extensions {
			if strings.EqualFold(oe.Name, e.Name) {
				offered = true
				break
			}
		}
		if !offered {
			return Response{}, fmt.Errorf("%w: %q", ErrUnofferedExtension, e.Name)
		}
	}
	// Item 6: a subprotocol that was offered, or none.
	var proto string
	switch ps := h["Sec-Websocket-Protocol"]; len(ps) {
	case 0:
	case 1:
		proto = trimOWS(ps[0])
	default:
		return Response{}, fmt.Errorf("%w: repeated Sec-WebSocket-Protocol", ErrResponseMalformed)
	}
	if proto != "" {
		offered := false
		for _, p := range o.Protocols {
			if p == proto {
				offered = true
				break
			}
		}
		if !offered {
			return Response{}, ErrUnofferedProtocol
		}
	}
	return Response{Protocol: proto, Extensions: exts, Header: h}, nil
}
