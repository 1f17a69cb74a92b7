package client

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/duplexws/duplex/conn"
	"github.com/duplexws/duplex/deflate"
	"github.com/duplexws/duplex/handshake"
)

// Errors Dial wraps. Handshake verification failures wrap the handshake package's errors
// (handshake.ErrStatus, handshake.ErrAccept, handshake.ErrUnofferedProtocol, ...).
var (
	// ErrRedirect: the server answered with a redirect and Options.MaxRedirects does not
	// allow (another) one. The 3xx response is returned with it.
	ErrRedirect = errors.New("client: server redirected")
	// ErrInsecureRedirect: a redirect from wss:// (or https://) to ws:// (or http://).
	ErrInsecureRedirect = errors.New("client: redirect from a secure to an insecure URL")
	// ErrProxy: the proxy refused or broke the CONNECT tunnel.
	ErrProxy = errors.New("client: proxy CONNECT failed")
	// ErrResponseTooLarge: the response header was over the size Dial accepts (64 KiB).
	ErrResponseTooLarge = errors.New("client: handshake response header too large")
	// ErrCompression: the server's permessage-deflate answer cannot be accepted (the
	// error also wraps the deflate package's reason).
	ErrCompression = errors.New("client: bad permessage-deflate response")
)

// Dial opens a WebSocket connection to a ws:// or wss:// URL (http:// and https:// are
// accepted as aliases) and runs the opening handshake of RFC 6455 §4.1. It returns the
// connection, in the client role, and the server's handshake response.
//
// ctx bounds the dial and the handshake (together with Options.HandshakeTimeout); it does
// not apply to the returned connection, whose calls take their own contexts.
//
// When the server answers but the handshake fails (a status other than 101, a redirect
// that is not followed, a wrong accept value, an unoffered subprotocol or extension), the
// response is returned with the error, its body holding the first 4 KiB the server sent,
// so that the caller can inspect status, headers and body. It is nil when no response was
// read.
func Dial(ctx context.Context, rawURL string, opts *Options) (*conn.Conn, *http.Response, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.HandshakeTimeout >= 0 {
		d := o.HandshakeTimeout
		if d == 0 {
			d = DefaultHandshakeTimeout
		}
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, d)
		defer cancel()
	}
	offer := handshake.Offer{Protocols: o.Subprotocols, Header: o.Header}
	if o.Compression != nil {
		offer.Extensions = []handshake.Extension{deflate.Offer(o.Compression)}
	}
	target := rawURL
	for redirects := 0; ; redirects++ {
		offer.Key = handshake.NewKey() // RFC 6455 §4.1 item 7: a fresh nonce per connection
		req, err := handshake.NewRequest(ctx, target, &offer)
		if err != nil {
			return nil, nil, err
		}
		nc, br, resp, err := roundTrip(ctx, req, &o)
		if err != nil {
			return nil, resp, err
		}
		if loc := redirectLocation(resp); loc != "" { // roundTrip has closed nc
			next, err := redirectTarget(req.URL, loc)
			if err != nil {
				return nil, resp, err
			}
			if redirects >= o.MaxRedirects {
				return nil, resp, fmt.Errorf("%w: %d to %s (Options.MaxRedirects is %d)",
					ErrRedirect, resp.StatusCode, next, o.MaxRedirects)
			}
			if !sameHost(req.URL, next) {
				offer.Header = stripCredentials(offer.Header)
			}
			target = next.String()
			continue
		}
		c, err := finish(nc, br, resp, &offer, &o)
		if err != nil {
			nc.Close()
			return nil, resp, err
		}
		return c, resp, nil
	}
}

// finish verifies the 101 response and wraps nc in a client-role conn.Conn.
func finish(nc net.Conn, br *bufio.Reader, resp *http.Response, offer *handshake.Offer, o *Options) (*conn.Conn, error) {
	agreed, err := handshake.VerifyResponse(resp, offer)
	if err != nil {
		return nil, err
	}
	var copts conn.Options
	if o.Conn != nil {
		copts = *o.Conn
	}
	if err := applyCompression(&copts, agreed.Extensions, o.Compression); err != nil {
		return nil, err
	}
	return conn.New(nc, br, conn.Client, &copts), nil
}

// roundTrip connects (directly or through a proxy, then TLS for https), writes the
// handshake request and reads the response. For a 101 it returns the open connection and
// the reader holding any bytes the server sent after the response. For any other status it
// closes the connection and returns the response with a bounded body: without error for a
// redirect (the caller decides), with the verification error otherwise.
func roundTrip(ctx context.Context, req *http.Request, o *Options) (net.Conn, *bufio.Reader, *http.Response, error) {
	nc, err := connect(ctx, req, o)
	if err != nil {
		return nil, nil, nil, err
	}
	resp, br, err := exchange(ctx, nc, req)
	if err == nil && resp.StatusCode == http.StatusSwitchingProtocols {
		if err = nc.SetDeadline(time.Time{}); err == nil {
			return nc, br, resp, nil
		}
	}
	nc.Close()
	if err != nil || redirectLocation(resp) != "" {
		return nil, nil, resp, err
	}
	_, err = handshake.VerifyResponse(resp, &handshake.Offer{})
	return nil, nil, resp, err
}

// exchange writes req on nc and reads the response, bounded by ctx (its deadline on the
// socket, and its cancellation through watch). A failed response's body is read here, up
// to maxErrorBody, under the same bound.
func exchange(ctx context.Context, nc net.Conn, req *http.Request) (resp *http.Response, br *bufio.Reader, err error) {
	stop := watch(ctx, nc)
	defer func() {
		if !stop() && err == nil { // ctx ended while we worked and the watch fired
			err = ctx.Err()
		}
	}()
	if dl, ok := ctx.Deadline(); ok {
		nc.SetDeadline(dl)
	}
	if _, err = nc.Write(handshake.AppendRequest(make([]byte, 0, 512), req)); err != nil {
		return nil, nil, ctxErr(ctx, err)
	}
	br = bufio.NewReaderSize(&limitedReader{r: nc, n: maxResponseHeader}, 4096)
	resp, err = http.ReadResponse(br, req)
	if err != nil {
		return nil, nil, ctxErr(ctx, headerErr(err))
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(body))
	}
	return resp, br, nil
}

// connect dials the server, or the proxy and a CONNECT tunnel through it, and adds TLS
// for https.
func connect(ctx context.Context, req *http.Request, o *Options) (net.Conn, error) {
	dial := o.NetDialContext
	if dial == nil {
		var d net.Dialer
		dial = d.DialContext
	}
	proxyFn := o.Proxy
	if proxyFn == nil {
		proxyFn = http.ProxyFromEnvironment
	}
	proxyURL, err := proxyFn(req)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrProxy, err)
	}
	addr := hostPort(req.URL)
	var nc net.Conn
	if proxyURL == nil {
		nc, err = dial(ctx, "tcp", addr)
		if err != nil {
			return nil, err
		}
	} else {
		nc, err = dialProxy(ctx, proxyURL, addr, dial, o)
		if err != nil {
			return nil, err
		}
	}
	if req.URL.Scheme != "https" {
		return nc, nil
	}
	tc, err := tlsClient(ctx, nc, req.URL.Hostname(), o.TLSConfig)
	if err != nil {
		nc.Close()
		return nil, err
	}
	return tc, nil
}

func tlsClient(ctx context.Context, nc net.Conn, serverName string, base *tls.Config) (net.Conn, error) {
	var cfg *tls.Config
	if base != nil {
		cfg = base.Clone()
	} else {
		cfg = &tls.Config{}
	}
	if cfg.ServerName == "" {
		cfg.ServerName = serverName
	}
	cfg.NextProtos = []string{"http/1.1"}
	tc := tls.Client(nc, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		return nil, err
	}
	return tc, nil
}

// hostPort is the URL's host with its scheme's default port when none is given.
func hostPort(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	return net.JoinHostPort(u.Hostname(), port)
}

// watch makes a cancelled ctx interrupt blocking I/O on nc by moving its deadline into
// the past. It starts no goroutine unless ctx is cancelled. stop reports whether it
// unregistered before ctx fired.
func watch(ctx context.Context, nc net.Conn) (stop func() bool) {
	return context.AfterFunc(ctx, func() { nc.SetDeadline(time.Unix(1, 0)) })
}

// ctxErr prefers ctx's error to the I/O error it caused. The socket deadline is ctx's
// deadline, and may fire a moment before ctx itself reports it.
func ctxErr(ctx context.Context, err error) error {
	cerr := ctx.Err()
	if cerr == nil && errors.Is(err, os.ErrDeadlineExceeded) {
		if dl, ok := ctx.Deadline(); ok && !time.Now().Before(dl) {
			cerr = context.DeadlineExceeded
		}
	}
	if cerr != nil {
		return fmt.Errorf("client: handshake: %w (%v)", cerr, err)
	}
	return err
}

func headerErr(err error) error {
	if errors.Is(err, errHeaderLimit) {
		return ErrResponseTooLarge
	}
	return fmt.Errorf("client: reading handshake response: %w", err)
}

var errHeaderLimit = errors.New("client: header limit")

// limitedReader reads at most n bytes from r, then fails with errHeaderLimit. It sits
// under the bufio.Reader that parses the response; conn.New copies what that reader has
// buffered and reads nc directly afterwards, so the limit applies to the handshake only.
type limitedReader struct {
	r io.Reader
	n int
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		return 0, errHeaderLimit
	}
	if len(p) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= n
	return n, err
}

// redirectLocation returns the Location of a redirect response, or "".
func redirectLocation(resp *http.Response) string {
	switch resp.StatusCode {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return resp.Header.Get("Location")
	}
	return ""
}

// redirectTarget resolves a Location against the request URL and maps it back to ws/wss.
func redirectTarget(from *url.URL, loc string) (*url.URL, error) {
	ref, err := url.Parse(loc)
	if err != nil {
		return nil, fmt.Errorf("%w: bad Location: %v", ErrRedirect, err)
	}
	next := from.ResolveReference(ref)
	switch strings.ToLower(next.Scheme) {
	case "http", "ws":
		next.Scheme = "ws"
	case "https", "wss":
		next.Scheme = "wss"
	default:
		return nil, fmt.Errorf("%w: Location scheme %q", ErrRedirect, next.Scheme)
	}
	if from.Scheme == "https" && next.Scheme == "ws" {
		return nil, ErrInsecureRedirect
	}
	next.Fragment, next.RawFragment = "", ""
	return next, nil
}

func sameHost(a, b *url.URL) bool { return strings.EqualFold(a.Hostname(), b.Hostname()) }

// stripCredentials drops the fields net/http also drops on a redirect to another host.
func stripCredentials(h http.Header) http.Header {
	if h == nil {
		return nil
	}
	h = h.Clone()
	for _, k := range []string{"Authorization", "Www-Authenticate", "Cookie", "Cookie2", "Proxy-Authorization"} {
		delete(h, k)
	}
	return h
}
