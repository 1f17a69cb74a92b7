package client

import (
	"bufio"
	"context"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// dialProxy opens a tunnel to addr through an HTTP proxy with CONNECT (RFC 9110 §9.3.6),
// over TLS when the proxy URL is https.
func dialProxy(ctx context.Context, proxy *url.URL, addr string,
	dial func(ctx context.Context, network, addr string) (net.Conn, error), o *Options) (_ net.Conn, err error) {
	scheme := strings.ToLower(proxy.Scheme)
	if scheme != "http" && scheme != "https" {
		return nil, fmt.Errorf("%w: unsupported proxy scheme %q", ErrProxy, proxy.Scheme)
	}
	pu := *proxy
	pu.Scheme = scheme
	nc, err := dial(ctx, "tcp", hostPort(&pu))
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			nc.Close() // nc is never nil here: it is only reassigned on success
		}
	}()
	if scheme == "https" {
		tc, err := tlsClient(ctx, nc, proxy.Hostname(), o.TLSConfig)
		if err != nil {
			return nil, err
		}
		nc = tc
	}
	stop := watch(ctx, nc)
	defer func() {
		if !stop() && err == nil {
			err = ctx.Err()
		}
	}()
	if dl, ok := ctx.Deadline(); ok {
		nc.SetDeadline(dl)
	}

	var b []byte
	b = append(b, "CONNECT "...)
	b = append(b, addr...)
	b = append(b, " HTTP/1.1\r\nHost: "...)
	b = append(b, addr...)
	b = append(b, "\r\n"...)
	if u := proxy.User; u != nil {
		pw, _ := u.Password()
		b = append(b, "Proxy-Authorization: Basic "...)
		b = append(b, base64.StdEncoding.EncodeToString([]byte(u.Username()+":"+pw))...)
		b = append(b, "\r\n"...)
	}
	b = append(b, "\r\n"...)
	if _, err = nc.Write(b); err != nil {
		return nil, ctxErr(ctx, err)
	}
	connectReq := &http.Request{Method: http.MethodConnect, URL: &url.URL{Opaque: addr}, Host: addr}
	// A 1-byte-at-a-time reader would be slow; a bufio.Reader may read past the response,
	// which a proxy must not send before the client speaks. Anything buffered is refused.
	br := bufio.NewReader(&limitedReader{r: nc, n: maxResponseHeader})
	resp, err := http.ReadResponse(br, connectReq)
	if err != nil {
		return nil, ctxErr(ctx, fmt.Errorf("%w: %w", ErrProxy, headerErr(err)))
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("%w: %s", ErrProxy, resp.Status)
	}
	if br.Buffered() > 0 {
		return nil, fmt.Errorf("%w: proxy sent data before the tunnel was used", ErrProxy)
	}
	if err = nc.SetDeadline(time.Time{}); err != nil {
		return nil, err
	}
	return nc, nil
}
