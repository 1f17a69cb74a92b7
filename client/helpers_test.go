package client

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/duplexws/duplex/conn"
	"github.com/duplexws/duplex/deflate"
	"github.com/duplexws/duplex/handshake"
)

// testTimeout bounds every blocking step, so a bug fails a test instead of hanging it.
const testTimeout = 20 * time.Second

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

// tcpServer is a loopback listener whose connections are served by handle, each in its
// own goroutine. Cleanup closes the listener and every connection and waits for the
// goroutines, so tests can check for leaks after it.
type tcpServer struct {
	ln     net.Listener
	url    string // ws://127.0.0.1:port
	mu     sync.Mutex
	conns  map[net.Conn]bool
	wg     sync.WaitGroup
	closed bool
}

func newTCPServer(t testing.TB, handle func(nc net.Conn)) *tcpServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &tcpServer{ln: ln, url: "ws://" + ln.Addr().String(), conns: map[net.Conn]bool{}}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			if s.closed {
				s.mu.Unlock()
				nc.Close()
				return
			}
			s.conns[nc] = true
			s.wg.Add(1)
			s.mu.Unlock()
			go func() {
				defer s.wg.Done()
				defer func() {
					nc.Close()
					s.mu.Lock()
					delete(s.conns, nc)
					s.mu.Unlock()
				}()
				handle(nc)
			}()
		}
	}()
	t.Cleanup(s.close)
	return s
}

func (s *tcpServer) close() {
	s.mu.Lock()
	s.closed = true
	s.ln.Close()
	for nc := range s.conns {
		nc.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// serverOpts configures the echo server built from handshake + conn.
type serverOpts struct {
	protocols []string                // supported subprotocols, server preference order
	conn      *conn.Options           // server conn options
	onRequest func(handshake.Request) // observes each accepted request
	header    http.Header             // extra fields for the 101 response
	// negotiate, when set, answers the offered extensions; connOpts, when set, builds the
	// conn options after it (so that they can carry what was negotiated).
	negotiate func([]handshake.Extension) []handshake.Extension
	connOpts  func() *conn.Options
}

// acceptWS runs the server side of the handshake on nc with the raw path and returns the
// server-role connection, or nil after answering a refusal.
func acceptWS(nc net.Conn, so *serverOpts) *conn.Conn {
	nc.SetReadDeadline(time.Now().Add(testTimeout)) // bound the handshake
	br := bufio.NewReader(nc)
	req, err := handshake.ReadRequest(br, &handshake.Config{Origin: handshake.OriginPolicy{AllowAll: true}})
	if err != nil {
		var he *handshake.Error
		if errors.As(err, &he) {
			he.WriteRaw(nc)
		}
		return nil
	}
	nc.SetReadDeadline(time.Time{})
	if so.onRequest != nil {
		so.onRequest(req)
	}
	resp := &handshake.Response{Protocol: req.SelectProtocol(so.protocols), Header: so.header}
	if so.negotiate != nil {
		resp.Extensions = so.negotiate(req.Extensions)
	}
	if err := handshake.WriteResponse(nc, req.Key, resp); err != nil {
		return nil
	}
	copts := so.conn
	if so.connOpts != nil {
		copts = so.connOpts()
	}
	if copts == nil {
		copts = &conn.Options{ReadLimit: 32 << 20}
	}
	return conn.New(nc, br, conn.Server, copts)
}

// echo reads messages and sends each back: whole, or through the streaming writer in
// uneven chunks when the request path is /frag.
func echo(c *conn.Conn, fragmented bool) {
	ctx := context.Background()
	var buf []byte
	for {
		typ, msg, err := c.ReadMessage(ctx, buf[:0])
		if err != nil {
			return
		}
		buf = msg
		if !fragmented {
			if c.WriteMessage(ctx, typ, msg) != nil {
				return
			}
			continue
		}
		w, err := c.Writer(ctx, typ)
		if err != nil {
			return
		}
		for p := msg; len(p) > 0; {
			n := min(len(p), 7777)
			if _, err := w.Write(p[:n]); err != nil {
				return
			}
			p = p[n:]
		}
		if w.Close() != nil {
			return
		}
	}
}

// newEchoServer is a WebSocket echo server over raw TCP: handshake.ReadRequest,
// handshake.WriteResponse and conn.New in the server role.
func newEchoServer(t testing.TB, so *serverOpts) *tcpServer {
	if so == nil {
		so = &serverOpts{}
	}
	return newTCPServer(t, func(nc net.Conn) {
		var path string
		o := *so
		o.onRequest = func(r handshake.Request) {
			path = r.URI
			if so.onRequest != nil {
				so.onRequest(r)
			}
		}
		c := acceptWS(nc, &o)
		if c == nil {
			return
		}
		defer c.CloseNow()
		echo(c, strings.HasPrefix(path, "/frag"))
	})
}

// newHTTPEchoServer is the same echo server behind net/http (CheckRequest + Hijack),
// plain or TLS.
func newHTTPEchoServer(t *testing.T, useTLS bool) *httptest.Server {
	var wg sync.WaitGroup
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := handshake.CheckRequest(r, &handshake.Config{Origin: handshake.OriginPolicy{AllowAll: true}})
		if err != nil {
			var he *handshake.Error
			if errors.As(err, &he) {
				he.Respond(w)
			}
			return
		}
		nc, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		if err := handshake.WriteResponse(nc, req.Key, nil); err != nil {
			nc.Close()
			return
		}
		c := conn.New(nc, brw.Reader, conn.Server, nil)
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer c.CloseNow()
			echo(c, false)
		}()
	})
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // TLS failures are what some tests expect
	if useTLS {
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(func() {
		srv.Close()
		srv.CloseClientConnections()
		wg.Wait()
	})
	return srv
}

// rawResponder is a server that reads the handshake request and answers with whatever
// respond returns (given the request's key), then holds the connection until the client
// closes it.
func newRawResponder(t *testing.T, respond func(key string) string) *tcpServer {
	return newTCPServer(t, func(nc net.Conn) {
		nc.SetDeadline(time.Now().Add(testTimeout))
		br := bufio.NewReader(nc)
		req, err := handshake.ReadRequest(br, &handshake.Config{Origin: handshake.OriginPolicy{AllowAll: true}})
		if err != nil {
			return
		}
		io.WriteString(nc, respond(req.Key))
		io.Copy(io.Discard, br) // until the client hangs up
	})
}

// ok101 is a valid 101 answer for key, with extra header lines.
func ok101(key string, extra ...string) string {
	s := "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Accept: " + handshake.AcceptKey(key) + "\r\n"
	for _, e := range extra {
		s += e + "\r\n"
	}
	return s + "\r\n"
}

// newDeflateEchoServer is newEchoServer with permessage-deflate: each connection negotiates
// with deflate.Negotiate (cfg; nil for defaults) and runs compressed when it was agreed.
func newDeflateEchoServer(t testing.TB, cfg *deflate.Options) *tcpServer {
	return newTCPServer(t, func(nc net.Conn) {
		var params *deflate.Params
		var path string
		so := &serverOpts{
			onRequest: func(r handshake.Request) { path = r.URI },
			negotiate: func(offers []handshake.Extension) []handshake.Extension {
				resp, p, ok := deflate.Negotiate(offers, cfg)
				if !ok {
					return nil
				}
				params = &p
				return []handshake.Extension{resp}
			},
			connOpts: func() *conn.Options {
				return &conn.Options{ReadLimit: 32 << 20, Compression: params}
			},
		}
		c := acceptWS(nc, so)
		if c == nil {
			return
		}
		defer c.CloseNow()
		echo(c, strings.HasPrefix(path, "/frag"))
	})
}
