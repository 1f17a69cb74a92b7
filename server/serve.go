package server

import (
	"bufio"
	"errors"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/duplexws/duplex/conn"
	"github.com/duplexws/duplex/handshake"
)

// Serve accepts connections on ln and serves h on each, without net/http: the opening
// handshake is read and answered by package handshake's raw path (fewer allocations, no
// HTTP server goroutines or buffers kept), then h runs as under Handle. It is for a port
// that speaks only WebSocket; use Handle behind http.Server to share a port with HTTP.
//
// Each handshake must arrive within Options.HandshakeTimeout; a bad one is answered with
// its HTTP status (400, 403, 405, 414, 426, 431) and closed, over MaxConnections with 503.
// Conn.Request returns a request with the method, URL, Host and RemoteAddr but no header
// fields. Serve returns when ln.Accept fails (for example net.ErrClosed after ln.Close);
// connections already served go on until they end or Registry.Shutdown.
func Serve(ln net.Listener, h Handler, opts *Options) error {
	u := newUpgrader(opts)
	if oc, ok := h.(OriginChecker); ok {
		u.checkOrigin = oc.CheckOrigin
		u.hs.Origin = handshake.OriginPolicy{AllowAll: true}
	}
	if ss, ok := h.(SubprotocolSelector); ok {
		u.selectSub = ss.SelectSubprotocol
	}
	for {
		nc, err := ln.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue // a transient accept failure
			}
			return err
		}
		go u.serveRaw(nc, h)
	}
}

// serveRaw performs the raw handshake on nc and dispatches h.
func (u *upgrader) serveRaw(nc net.Conn, h Handler) {
	cfg := u.cfg
	_ = nc.SetDeadline(time.Now().Add(cfg.HandshakeTimeout))
	br := bufio.NewReaderSize(nc, 4096)
	req, err := handshake.ReadRequest(br, &u.hs)
	var r *http.Request
	if err == nil {
		r = &http.Request{Method: http.MethodGet, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Host: req.Host, RequestURI: req.URI, RemoteAddr: nc.RemoteAddr().String(),
			Header: http.Header{}}
		r.URL, _ = url.ParseRequestURI(req.URI)
		if r.URL == nil {
			r.URL = &url.URL{Path: "/"}
		}
		if req.Origin != "" {
			r.Header.Set("Origin", req.Origin)
		}
		if u.checkOrigin != nil && !u.checkOrigin(r) {
			err = &handshake.Error{Status: http.StatusForbidden, Reason: "origin not allowed", Err: handshake.ErrOrigin}
		}
	}
	if err != nil {
		var he *handshake.Error
		if errors.As(err, &he) {
			_ = he.WriteRaw(nc)
			cfg.reg.refused.Add(1)
		}
		cfg.log.Debug("websocket handshake refused", "remote", nc.RemoteAddr(), "err", err)
		_ = nc.Close()
		return
	}
	if err := cfg.reg.reserve(cfg.MaxConnections); err != nil {
		cfg.log.Warn("websocket upgrade refused", "remote", nc.RemoteAddr(),
			"status", http.StatusServiceUnavailable, "reason", err.Error())
		he := &handshake.Error{Status: http.StatusServiceUnavailable, Reason: err.Error(),
			Header: http.Header{"Retry-After": {"1"}}, Err: err}
		_ = he.WriteRaw(nc)
		_ = nc.Close()
		return
	}
	resp := handshake.Response{Protocol: u.subprotocol(&req)}
	connOpts, pd := u.negotiate(&req, &resp)
	if err := handshake.WriteResponse(nc, req.Key, &resp); err != nil {
		_ = nc.Close()
		pd.Release()
		cfg.reg.unreserve()
		return
	}
	_ = nc.SetDeadline(time.Time{})
	if br.Buffered() == 0 {
		br = nil
	}
	c := newConn(conn.New(nc, br, conn.Server, connOpts), cfg, r, resp.Protocol, resp.Extensions, true)
	cfg.reg.add(c)
	c.start()
	dispatch(c, h)
}
