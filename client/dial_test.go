package client

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/duplexws/duplex/conn"
	"github.com/duplexws/duplex/frame"
	"github.com/duplexws/duplex/handshake"
	"github.com/duplexws/duplex/internal/leak"
	"github.com/duplexws/duplex/mask"
)

func TestDialSubprotocolAndHeaders(t *testing.T) {
	leak.Check(t)
	seen := make(chan handshake.Request, 1)
	srv := newEchoServer(t, &serverOpts{
		protocols: []string{"v3", "v2"}, // server preference: v3 is not offered, so v2
		header:    http.Header{"Set-Cookie": {"s=1"}},
		onRequest: func(r handshake.Request) { seen <- r },
	})
	ctx := ctxT(t)
	c, resp, err := Dial(ctx, srv.url+"/chat?x=1", &Options{
		Subprotocols: []string{"v1", "v2"},
		Header:       http.Header{"Origin": {"http://example.com"}, "X-Token": {"abc"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	r := <-seen
	if r.URI != "/chat?x=1" || r.Origin != "http://example.com" || len(r.Protocols) != 2 {
		t.Errorf("server saw %+v", r)
	}
	if got := resp.Header.Get("Sec-WebSocket-Protocol"); got != "v2" {
		t.Errorf("agreed subprotocol %q, want v2 (server preference among offers)", got)
	}
	if got := resp.Header.Get("Set-Cookie"); got != "s=1" {
		t.Errorf("response Set-Cookie %q", got)
	}
	if resp.Request == nil || resp.Request.Header.Get("X-Token") != "abc" {
		t.Errorf("resp.Request does not carry the sent header")
	}
	if err := c.Close(frame.CloseNormal, ""); err != nil {
		t.Error(err)
	}
}

func TestDialRefusals(t *testing.T) {
	leak.Check(t)
	tests := []struct {
		name    string
		respond func(key string) string
		opts    *Options
		want    error
		status  int
	}{
		{"bad accept value (RFC 6455 §4.1)", func(key string) string {
			return "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
				"Sec-WebSocket-Accept: " + handshake.AcceptKey("AAAAAAAAAAAAAAAAAAAAAA==") + "\r\n\r\n"
		}, nil, handshake.ErrAccept, 101},
		{"unoffered subprotocol", func(key string) string {
			return ok101(key, "Sec-WebSocket-Protocol: other")
		}, &Options{Subprotocols: []string{"chat"}}, handshake.ErrUnofferedProtocol, 101},
		{"subprotocol when none offered", func(key string) string {
			return ok101(key, "Sec-WebSocket-Protocol: chat")
		}, nil, handshake.ErrUnofferedProtocol, 101},
		{"unoffered extension", func(key string) string {
			return ok101(key, "Sec-WebSocket-Extensions: permessage-deflate")
		}, nil, handshake.ErrUnofferedExtension, 101},
		{"missing Upgrade", func(key string) string {
			return "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n" +
				"Sec-WebSocket-Accept: " + handshake.AcceptKey(key) + "\r\n\r\n"
		}, nil, handshake.ErrResponseUpgrade, 101},
		{"403 with body", func(string) string {
			return "HTTP/1.1 403 Forbidden\r\nContent-Length: 6\r\n\r\nnope!\n"
		}, nil, handshake.ErrStatus, 403},
		{"200 without length", func(string) string {
			return "HTTP/1.1 200 OK\r\n\r\n" + strings.Repeat("b", 10000)
		}, nil, handshake.ErrStatus, 200},
		{"302 refused by default", func(string) string {
			return "HTTP/1.1 302 Found\r\nLocation: /elsewhere\r\nContent-Length: 0\r\n\r\n"
		}, nil, ErrRedirect, 302},
		{"response header too large", func(string) string {
			return "HTTP/1.1 101 Switching Protocols\r\nX-Big: " + strings.Repeat("a", maxResponseHeader) + "\r\n\r\n"
		}, nil, ErrResponseTooLarge, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newRawResponder(t, tt.respond)
			c, resp, err := Dial(ctxT(t), srv.url+"/", tt.opts)
			if c != nil {
				c.CloseNow()
				t.Fatal("Dial returned a connection")
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if tt.status == 0 {
				return
			}
			if resp == nil || resp.StatusCode != tt.status {
				t.Fatalf("resp = %v, want status %d", resp, tt.status)
			}
			body, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			switch tt.status {
			case 403:
				if string(body) != "nope!\n" {
					t.Errorf("body %q", body)
				}
			case 200:
				if len(body) != maxErrorBody {
					t.Errorf("kept %d bytes of body, want %d", len(body), maxErrorBody)
				}
			case 302:
				if resp.Header.Get("Location") != "/elsewhere" {
					t.Errorf("Location %q", resp.Header.Get("Location"))
				}
			}
		})
	}
}

func TestDialRedirects(t *testing.T) {
	leak.Check(t)
	echoSrv := newEchoServer(t, &serverOpts{})
	echoAddr := strings.TrimPrefix(echoSrv.url, "ws://")
	_, echoPort, _ := net.SplitHostPort(echoAddr)
	sawAuth := make(chan string, 16)
	// redirector answers every request with a redirect to target(path).
	redirector := func(target func(uri string) string) *tcpServer {
		return newTCPServer(t, func(nc net.Conn) {
			nc.SetDeadline(time.Now().Add(testTimeout))
			br := bufio.NewReader(nc)
			var auth string
			req, err := handshake.ReadRequest(br, &handshake.Config{
				Origin: handshake.OriginPolicy{AllowAll: true},
				OnHeader: func(name, value []byte) error {
					if strings.EqualFold(string(name), "Authorization") {
						auth = string(value)
					}
					return nil
				}})
			if err != nil {
				return
			}
			select {
			case sawAuth <- auth:
			default: // more requests than any subtest expects; the count check reports it
			}
			io.WriteString(nc, "HTTP/1.1 307 Temporary Redirect\r\nLocation: "+target(req.URI)+"\r\nContent-Length: 0\r\n\r\n")
		})
	}
	toEcho := redirector(func(string) string { return "ws://localhost:" + echoPort + "/echo" })
	loop := redirector(func(uri string) string { return "/again" })

	t.Run("followed within MaxRedirects, credentials not sent to another host", func(t *testing.T) {
		c, resp, err := Dial(ctxT(t), toEcho.url+"/start", &Options{MaxRedirects: 1,
			Header: http.Header{"Authorization": {"Bearer secret"}}})
		if err != nil {
			t.Fatal(err)
		}
		defer c.CloseNow()
		if a := <-sawAuth; a != "Bearer secret" {
			t.Errorf("first hop saw Authorization %q", a)
		}
		if resp.StatusCode != 101 || resp.Request.URL.Host != "localhost:"+echoPort {
			t.Errorf("final response %d from %s", resp.StatusCode, resp.Request.URL)
		}
		if resp.Request.Header.Get("Authorization") != "" {
			t.Error("Authorization sent to the other host after a redirect")
		}
		if err := c.WriteMessage(ctxT(t), conn.Text, []byte("hi")); err != nil {
			t.Fatal(err)
		}
		if _, got, err := c.ReadMessage(ctxT(t), nil); err != nil || string(got) != "hi" {
			t.Fatalf("echo after redirect: %q %v", got, err)
		}
		c.Close(frame.CloseNormal, "")
	})
	t.Run("refused by default", func(t *testing.T) {
		_, resp, err := Dial(ctxT(t), toEcho.url+"/start", nil)
		<-sawAuth
		if !errors.Is(err, ErrRedirect) || resp == nil || resp.StatusCode != 307 {
			t.Fatalf("err = %v, resp = %v; want ErrRedirect with the 307", err, resp)
		}
	})
	t.Run("bounded count", func(t *testing.T) {
		_, resp, err := Dial(ctxT(t), loop.url+"/", &Options{MaxRedirects: 3})
		hops := 0
		for len(sawAuth) > 0 {
			<-sawAuth
			hops++
		}
		if !errors.Is(err, ErrRedirect) || resp.StatusCode != 307 {
			t.Fatalf("err = %v; want ErrRedirect", err)
		}
		if hops != 4 {
			t.Errorf("%d requests, want 4 (first + 3 redirects)", hops)
		}
	})
}

func TestDialInsecureRedirect(t *testing.T) {
	leak.Check(t)
	srv := newHTTPRedirectTLS(t, "ws://127.0.0.1:1/")
	_, resp, err := Dial(ctxT(t), "wss"+strings.TrimPrefix(srv.URL, "https")+"/", &Options{
		MaxRedirects: 5, TLSConfig: srv.Client().Transport.(*http.Transport).TLSClientConfig})
	if !errors.Is(err, ErrInsecureRedirect) || resp == nil || resp.StatusCode != http.StatusFound {
		t.Fatalf("err = %v, resp %v; want ErrInsecureRedirect", err, resp)
	}
}

// newSilentServer accepts TCP, reads the handshake request, reports it on the returned
// channel, and never answers.
func newSilentServer(t *testing.T) (*tcpServer, <-chan struct{}) {
	got := make(chan struct{}, 1)
	srv := newTCPServer(t, func(nc net.Conn) {
		br := bufio.NewReader(nc)
		if _, err := handshake.ReadRequest(br, nil); err != nil {
			return
		}
		select {
		case got <- struct{}{}:
		default:
		}
		io.Copy(io.Discard, br) // until the client hangs up
	})
	return srv, got
}

func TestDialTimeouts(t *testing.T) {
	leak.Check(t)
	t.Run("ctx deadline", func(t *testing.T) {
		silent, _ := newSilentServer(t)
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, resp, err := Dial(ctx, silent.url+"/", nil)
		if !errors.Is(err, context.DeadlineExceeded) || resp != nil {
			t.Fatalf("err = %v, resp %v; want context.DeadlineExceeded", err, resp)
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("Dial took %v", d)
		}
	})
	t.Run("HandshakeTimeout", func(t *testing.T) {
		silent, _ := newSilentServer(t)
		_, _, err := Dial(context.Background(), silent.url+"/", &Options{HandshakeTimeout: 100 * time.Millisecond})
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v; want context.DeadlineExceeded", err)
		}
	})
	t.Run("ctx cancelled mid-handshake", func(t *testing.T) {
		silent, requested := newSilentServer(t)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			_, _, err := Dial(ctx, silent.url+"/", nil)
			done <- err
		}()
		<-requested // the request has arrived and will never be answered
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v; want context.Canceled", err)
		}
	})
}

func TestDialConnOptions(t *testing.T) {
	leak.Check(t)
	srv := newEchoServer(t, nil)
	ctx := ctxT(t)
	pongs := make(chan string, 1)
	c, _, err := Dial(ctx, srv.url+"/", &Options{Conn: &conn.Options{ReadLimit: 1000,
		OnPong: func(p []byte) { pongs <- string(p) }}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	if c.Role() != conn.Client {
		t.Errorf("role %v, want client", c.Role())
	}
	if err := c.Ping(ctx, []byte("p")); err != nil {
		t.Fatal(err)
	}
	if err := c.WriteMessage(ctx, conn.Binary, make([]byte, 1001)); err != nil {
		t.Fatal(err)
	}
	// The echo is over the client's read limit: 1009 (RFC 6455 §7.4.1).
	_, _, err = c.ReadMessage(ctx, nil)
	if code := conn.CloseStatus(err); code != frame.CloseTooBig {
		t.Fatalf("err = %v (code %d), want close 1009", err, code)
	}
	select {
	case p := <-pongs:
		if p != "p" {
			t.Errorf("pong %q", p)
		}
	default:
		t.Error("OnPong not called: conn.Options not passed through")
	}
}

// TestClientMasks checks the client role on the wire: every frame masked (RFC 6455 §5.3),
// with a fresh key per frame, and bytes sent right after the 101 are not lost.
func TestClientMasks(t *testing.T) {
	leak.Check(t)
	keys := make(chan [2][4]byte, 1)
	srv := newTCPServer(t, func(nc net.Conn) {
		nc.SetDeadline(time.Now().Add(testTimeout))
		br := bufio.NewReader(nc)
		req, err := handshake.ReadRequest(br, nil)
		if err != nil {
			return
		}
		// The 101 and a first server frame in one write: the client must keep the frame.
		hello := frame.Header{Fin: true, Opcode: frame.OpText, Length: 5}.Append(nil)
		io.WriteString(nc, ok101(req.Key)+string(hello)+"hello")
		var k [2][4]byte
		for i := range k {
			h, err := frame.ReadHeader(br)
			if err != nil || !h.Masked {
				return
			}
			p := make([]byte, h.Length)
			if _, err := io.ReadFull(br, p); err != nil {
				return
			}
			mask.Apply(p, h.Key, 0)
			if string(p) != "same" {
				return
			}
			k[i] = h.Key
		}
		keys <- k
		io.Copy(io.Discard, br)
	})
	ctx := ctxT(t)
	c, _, err := Dial(ctx, srv.url+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	if _, got, err := c.ReadMessage(ctx, nil); err != nil || string(got) != "hello" {
		t.Fatalf("first message %q, %v", got, err)
	}
	for range 2 {
		if err := c.WriteMessage(ctx, conn.Text, []byte("same")); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case k := <-keys:
		if k[0] == k[1] {
			t.Errorf("two frames with the same masking key %x", k[0])
		}
	case <-ctx.Done():
		t.Fatal("the server did not receive two masked frames")
	}
}

func TestDialURLs(t *testing.T) {
	tests := []struct {
		url  string
		want error
	}{
		{"ftp://127.0.0.1/", handshake.ErrBadURL},
		{"ws://127.0.0.1/#frag", handshake.ErrBadURL},
		{"ws:///nohost", handshake.ErrBadURL},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			if _, _, err := Dial(ctxT(t), tt.url, nil); !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
	t.Run("bad subprotocol", func(t *testing.T) {
		_, _, err := Dial(ctxT(t), "ws://127.0.0.1:1/", &Options{Subprotocols: []string{"a b"}})
		if !errors.Is(err, handshake.ErrOffer) {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestDialConnectionRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, resp, err := Dial(ctxT(t), "ws://"+addr+"/", nil)
	if err == nil || resp != nil {
		t.Fatalf("err = %v, resp = %v; want a dial error and no response", err, resp)
	}
}

// newHTTPRedirectTLS is an https server that redirects every request to target.
func newHTTPRedirectTLS(t *testing.T, target string) *httptest.Server {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target, http.StatusFound)
	}))
	t.Cleanup(srv.Close)
	return srv
}
