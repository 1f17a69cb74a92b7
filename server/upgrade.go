package server

import (
	"bufio"
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/duplexws/duplex/conn"
	"github.com/duplexws/duplex/deflate"
	"github.com/duplexws/duplex/handshake"
)

type ctxKey struct{}

// IsWebSocket reports whether r asks for a WebSocket upgrade (Upgrade: websocket and
// Connection: upgrade). It does not validate the rest of the handshake. Inside a handler
// wrapped by Accept, FromRequest(r) != nil says the same after the upgrade succeeded.
func IsWebSocket(r *http.Request) bool { return handshake.IsUpgrade(r) }

// FromRequest returns the connection that Accept or Require made for r, or nil for a plain
// HTTP request.
func FromRequest(r *http.Request) *Conn {
	c, _ := r.Context().Value(ctxKey{}).(*Conn)
	return c
}

// Accept wraps h so that one route serves plain HTTP and WebSocket, like dwebsocket's
// accept_websocket decorator. A plain request reaches h unchanged. An upgrade request is
// validated and upgraded first (a bad one gets the handshake's 400/403/405/426 and never
// reaches h; over MaxConnections, 503), then h runs with FromRequest(r) returning the
// connection. The connection belongs to h: when h returns, it is closed with 1000 (1011
// if h panics). Do not write to the http.ResponseWriter of an upgraded request.
func Accept(h http.Handler, opts *Options) http.Handler {
	return &acceptHandler{u: newUpgrader(opts), h: h}
}

// Require is Accept for WebSocket only: a plain HTTP request gets 426 Upgrade Required
// with "Upgrade: websocket" and "Sec-WebSocket-Version: 13" (RFC 6455 §4.2.2, §4.4) and never
// reaches h.
func Require(h http.Handler, opts *Options) http.Handler {
	return &acceptHandler{u: newUpgrader(opts), h: h, require: true}
}

type acceptHandler struct {
	u       *upgrader
	h       http.Handler
	require bool
}

func (a *acceptHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !IsWebSocket(r) {
		if a.require {
			refusePlain(w)
			return
		}
		a.h.ServeHTTP(w, r)
		return
	}
	c, err := a.u.upgrade(w, r, false)
	if err != nil {
		return
	}
	defer func() {
		if v := recover(); v != nil {
			_ = c.Close(CloseInternalError, "")
			panic(v)
		}
		_ = c.Close(CloseNormal, "")
	}()
	a.h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, c)))
}

// refusePlain answers a request that is not a WebSocket upgrade on a WebSocket-only route
// (RFC 6455 §4.2.2, §4.4: 426 Upgrade Required with the versions the server speaks).
func refusePlain(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Upgrade", "websocket")
	h.Set("Connection", "Upgrade")
	h.Set("Sec-WebSocket-Version", "13")
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusUpgradeRequired)
	_, _ = w.Write([]byte("426 Upgrade Required: this endpoint speaks WebSocket only\n"))
}

// Upgrade performs the server's opening handshake on r and returns the connection. On
// failure it has already answered the request (the handshake's 400/403/405/426, or 503) and
// returns the reason: a *handshake.Error for a bad request, ErrTooManyConnections,
// ErrShuttingDown, or the hijacking error. The connection outlives the handler that called
// Upgrade; close it when done.
func Upgrade(w http.ResponseWriter, r *http.Request, opts *Options) (*Conn, error) {
	return newUpgrader(opts).upgrade(w, r, false)
}

// upgrader is the validated configuration of one entry point.
type upgrader struct {
	cfg         *config
	hs          handshake.Config
	connOpts    *conn.Options
	checkOrigin func(*http.Request) bool
	selectSub   func(offered []string) string
}

func newUpgrader(opts *Options) *upgrader {
	cfg := newConfig(opts)
	u := &upgrader{cfg: cfg, checkOrigin: cfg.CheckOrigin}
	u.hs.Origin = cfg.Origin
	if cfg.CheckOrigin != nil {
		u.hs.Origin = handshake.OriginPolicy{AllowAll: true} // the function decides
	}
	u.connOpts = &conn.Options{
		ReadLimit:       cfg.ReadLimit,
		ReadBufferSize:  cfg.ReadBufferSize,
		WriteBufferSize: cfg.WriteBufferSize,
		CloseTimeout:    cfg.CloseTimeout,
		PingInterval:    cfg.PingInterval,
		PongTimeout:     cfg.PongTimeout,
	}
	return u
}

func (u *upgrader) upgrade(w http.ResponseWriter, r *http.Request, direct bool) (*Conn, error) {
	cfg := u.cfg
	req, err := handshake.CheckRequest(r, &u.hs)
	if err == nil && u.checkOrigin != nil && !u.checkOrigin(r) {
		err = &handshake.Error{Status: http.StatusForbidden, Reason: "origin not allowed", Err: handshake.ErrOrigin}
	}
	if err != nil {
		var he *handshake.Error
		if errors.As(err, &he) {
			he.Respond(w)
		} else {
			http.Error(w, http.StatusText(http.StatusBadRequest), http.StatusBadRequest)
		}
		cfg.reg.refused.Add(1)
		cfg.log.Debug("websocket handshake refused", "remote", r.RemoteAddr, "path", r.URL.Path, "err", err)
		return nil, err
	}
	if err := cfg.reg.reserve(cfg.MaxConnections); err != nil {
		cfg.log.Warn("websocket upgrade refused", "remote", r.RemoteAddr, "path", r.URL.Path,
			"status", http.StatusServiceUnavailable, "reason", err.Error())
		w.Header().Set("Retry-After", "1")
		http.Error(w, "503 Service Unavailable: "+err.Error(), http.StatusServiceUnavailable)
		return nil, err
	}
	resp := handshake.Response{Protocol: u.subprotocol(&req)}
	connOpts, pd := u.negotiate(&req, &resp)

	nc, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		pd.Release()
		cfg.reg.unreserve()
		cfg.log.Error("websocket upgrade: cannot hijack the connection", "remote", r.RemoteAddr,
			"proto", r.Proto, "err", err)
		http.Error(w, "websocket upgrade needs HTTP/1.1", http.StatusInternalServerError)
		return nil, err
	}
	// net/http clears its ReadTimeout/WriteTimeout deadlines on hijack, but a Hijacker from
	// elsewhere may not: clear them, and bound the 101 response by HandshakeTimeout.
	_ = nc.SetDeadline(time.Time{})
	_ = nc.SetWriteDeadline(time.Now().Add(cfg.HandshakeTimeout))
	if err := handshake.WriteResponse(nc, req.Key, &resp); err != nil {
		_ = nc.Close()
		pd.Release()
		cfg.reg.unreserve()
		cfg.log.Debug("websocket upgrade: writing the response failed", "remote", r.RemoteAddr, "err", err)
		return nil, err
	}
	_ = nc.SetWriteDeadline(time.Time{})

	// Bytes the client sent after the request (a first frame) are in brw.Reader: conn
	// copies them out. Otherwise net/http's buffer is not passed on and can be collected.
	var br *bufio.Reader
	if brw != nil && brw.Reader.Buffered() > 0 {
		br = brw.Reader
	}
	ws := conn.New(nc, br, conn.Server, connOpts)
	c := newConn(ws, cfg, r, resp.Protocol, resp.Extensions, direct)
	cfg.reg.add(c)
	c.start()
	cfg.log.Debug("websocket open", "remote", r.RemoteAddr, "path", r.URL.Path, "subprotocol", resp.Protocol)
	return c, nil
}

// negotiate answers a permessage-deflate offer (RFC 7692 §5: the server accepts the first
// acceptable offer, or none) when Options.Compression is set, and returns the conn options
// for this connection and the agreed parameters (nil when none).
func (u *upgrader) negotiate(req *handshake.Request, resp *handshake.Response) (*conn.Options, *deflate.Params) {
	if u.cfg.Compression == nil || len(req.Extensions) == 0 {
		return u.connOpts, nil
	}
	ext, p, ok := deflate.Negotiate(req.Extensions, u.cfg.Compression)
	if !ok {
		return u.connOpts, nil
	}
	resp.Extensions = []handshake.Extension{ext}
	o := *u.connOpts
	o.Compression = &p
	return &o, &p
}

// subprotocol picks the subprotocol: the Handler's choice (only if offered), else the first
// of Options.Subprotocols the client offers.
func (u *upgrader) subprotocol(req *handshake.Request) string {
	if len(req.Protocols) == 0 {
		return ""
	}
	if u.selectSub != nil {
		s := u.selectSub(req.Protocols)
		for _, o := range req.Protocols {
			if o == s {
				return s
			}
		}
		return "" // RFC 6455 §4.2.2: never answer with a protocol the client did not offer
	}
	return req.SelectProtocol(u.cfg.Subprotocols)
}
