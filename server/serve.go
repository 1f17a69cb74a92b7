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
// its HTTP status (400, 403, 405, 414, 426, 431) and closed. MaxConnections counts
// handshakes in progress too: a connection accepted over it is answered 503 at once.
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
		// The slot is taken here, in accept order, before the handshake is read: so
		// MaxConnections also bounds handshakes in progress (each holds a goroutine and a
		// buffer for at most HandshakeTimeout), and a refusal costs no goroutine.
		if err := u.cfg.reg.reserve(u.cfg.MaxConnections); err != nil {
			u.refuseRaw(nc, err)
			continue
		}
		go u.serveRaw(nc, h)
	}
}

// refuseRaw answers 503 on a connection over the cap and closes it. The socket is fresh,
// so the short answer fits its buffer; the deadline only guards against the unexpected.
func (u *upgrader) refuseRaw(nc net.Conn, reason error) {
	u.cfg.log.Warn("websocket upgrade refused", "remote", nc.RemoteAddr(),
		"status", http.StatusServiceUnavailable, "reason", reason.Error())
	_ = nc.SetWriteDeadline(time.Now().Add(100 * time.Millisecond))
	he := &handshake.Error{Status: http.StatusServiceUnavailable, Reason: reason.Error(),
		Header: http.Header{"Retry-After": {"1"}}, Err: reason}
	_ = he.WriteRaw(nc)
	_ = nc.Close()
}

// serveRaw performs the raw handshake on nc and dispatches h.
func (u *upgrader) serveRaw(nc net.Conn, h Handler) {
	cfg := u.cfg // the caller has reserved a slot in cfg.reg
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
		cfg.reg.unreserve() // counts the refusal; before answering, so the slot is free then
		var he *handshake.Error
		if errors.As(err, &he) {
			_ = he.WriteRaw(nc)
		}
		cfg.log.Debug("websocket handshake refused", "remote", nc.RemoteAddr(), "err", err)
		_ = nc.Close()
		return
	}
	resp := handshake.Response{Protocol: u.subprotocol(&req)}
	connOpts, pd := u.negotiate(&req, &resp)
	if err := handshake.WriteResponse(nc, req.Key, &resp); err != nil {
		cfg.reg.unreserve()
		pd.Release()
		_ = nc.Close()
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
