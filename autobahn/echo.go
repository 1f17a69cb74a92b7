package autobahn

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/duplexws/duplex/conn"
	"github.com/duplexws/duplex/deflate"
	"github.com/duplexws/duplex/handshake"
)

// echoCompression reports whether EchoHandler and Dial negotiate permessage-deflate
// (they do since conn supports it); while false the gates leave sections 12 and 13 out.
const echoCompression = true

// EchoReadLimit is the read limit of the echo target: 64 MiB, above the suite's largest
// message (16 MiB in 9.1.6).
const EchoReadLimit = 64 << 20

// EchoHandler returns the conformance target built on this library: an http.Handler that
// performs the opening handshake with package handshake (any Origin accepted), accepts
// permessage-deflate with package deflate's defaults (deflate.Negotiate, nil options),
// wraps the connection in a conn.Conn with library defaults except a 64 MiB read limit,
// and echoes every message with its type until the connection ends. Protocol errors,
// pings, compression and the closing handshake are left to conn: the target adds no
// conformance logic of its own.
func EchoHandler() http.Handler {
	cfg := &handshake.Config{Origin: handshake.OriginPolicy{AllowAll: true}}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := handshake.CheckRequest(r, cfg)
		if err != nil {
			status := http.StatusBadRequest
			var he *handshake.Error
			if errors.As(err, &he) {
				status = he.Status
				for k, vs := range he.Header {
					for _, v := range vs {
						w.Header().Add(k, v)
					}
				}
			}
			http.Error(w, err.Error(), status)
			return
		}
		hj, ok := w.(http.Hijacker)
		if !ok {
			http.Error(w, "autobahn: cannot hijack", http.StatusInternalServerError)
			return
		}
		nc, rw, err := hj.Hijack()
		if err != nil {
			return
		}
		_ = nc.SetDeadline(time.Time{})
		copts := &conn.Options{ReadLimit: EchoReadLimit}
		var resp *handshake.Response
		if ext, p, ok := deflate.Negotiate(req.Extensions, nil); ok {
			resp = &handshake.Response{Extensions: []handshake.Extension{ext}}
			copts.Compression = &p
		}
		if err := handshake.WriteResponse(nc, req.Key, resp); err != nil {
			_ = nc.Close()
			return
		}
		echo(conn.New(nc, rw.Reader, conn.Server, copts))
	})
}

// echo copies messages back until the connection ends.
func echo(c *conn.Conn) {
	defer c.CloseNow()
	ctx := context.Background()
	var buf []byte
	for {
		t, msg, err := c.ReadMessage(ctx, buf)
		if err != nil {
			return
		}
		if err := c.WriteMessage(ctx, t, msg); err != nil {
			return
		}
		buf = msg
	}
}

// Serve runs the echo target on ln until ln is closed, printing nothing. It is what the
// official suite's fuzzingclient (autobahn/config/fuzzingclient.json) tests.
func Serve(ln net.Listener) error {
	srv := &http.Server{Handler: EchoHandler(), ReadHeaderTimeout: 10 * time.Second}
	return srv.Serve(ln)
}
