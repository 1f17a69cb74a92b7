package server

import (
	"context"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/duplexws/duplex/conn"
	"github.com/duplexws/duplex/handshake"
	"github.com/duplexws/duplex/internal/leak"
)

// dwebsocketView is the Accept view of the examples: plain HTTP answers ?message=, a
// WebSocket echoes every message.
func dwebsocketView(w http.ResponseWriter, r *http.Request) {
	c := FromRequest(r)
	if c == nil {
		io.WriteString(w, "plain: "+r.URL.Query().Get("message"))
		return
	}
	for m := range c.Messages() {
		if err := c.Send(m.Type, m.Data); err != nil {
			return
		}
	}
}

func TestAcceptServesPlainAndWebSocket(t *testing.T) {
	opts := testOpts(nil)
	srv := start(t, Accept(http.HandlerFunc(dwebsocketView), opts))
	defer shutdown(t, opts.Registry)

	t.Run("plain", func(t *testing.T) {
		resp, err := http.Get(srv.URL + "/?message=hi")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(body) != "plain: hi" {
			t.Fatalf("got %d %q", resp.StatusCode, body)
		}
	})
	t.Run("websocket", func(t *testing.T) {
		ws, _ := dial(t, srv, "/")
		ctx := context.Background()
		for _, m := range []struct {
			typ conn.MessageType
			msg string
		}{{conn.Text, "hello"}, {conn.Binary, "\x00\xff"}, {conn.Text, ""}} {
			if err := ws.WriteMessage(ctx, m.typ, []byte(m.msg)); err != nil {
				t.Fatal(err)
			}
			typ, p, err := ws.ReadMessage(ctx, nil)
			if err != nil || typ != m.typ || string(p) != m.msg {
				t.Fatalf("echo: %v %q %v, want %v %q", typ, p, err, m.typ, m.msg)
			}
		}
		if err := ws.Close(CloseNormal, "bye"); err != nil {
			t.Fatalf("Close: %v", err)
		}
	})
}

func TestAcceptClosesWhenHandlerReturns(t *testing.T) {
	opts := testOpts(nil)
	srv := start(t, Accept(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := FromRequest(r)
		c.SendText("last words")
	}), opts))
	ws, _ := dial(t, srv, "/")
	ctx := context.Background()
	_, p, err := ws.ReadMessage(ctx, nil)
	if err != nil || string(p) != "last words" {
		t.Fatalf("got %q %v", p, err)
	}
	_, _, err = ws.ReadMessage(ctx, nil)
	if got := conn.CloseStatus(err); got != CloseNormal {
		t.Fatalf("close code %v (%v), want 1000", got, err)
	}
}

func TestRequireRefusesPlainHTTP(t *testing.T) {
	var called atomic.Bool
	opts := testOpts(nil)
	srv := start(t, Require(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		called.Store(true)
	}), opts))
	tests := []struct {
		name   string
		method string
		lines  []string
		status int
		header map[string]string
	}{
		{"plain GET", "GET", nil, http.StatusUpgradeRequired,
			map[string]string{"Upgrade": "websocket", "Sec-WebSocket-Version": "13"}},
		{"plain POST", "POST", nil, http.StatusUpgradeRequired,
			map[string]string{"Sec-WebSocket-Version": "13"}},
		{"wrong version", "GET", []string{"Upgrade: websocket", "Connection: Upgrade",
			"Sec-WebSocket-Key: " + testKey, "Sec-WebSocket-Version: 8"}, http.StatusUpgradeRequired,
			map[string]string{"Sec-WebSocket-Version": "13"}},
		{"bad key", "GET", []string{"Upgrade: websocket", "Connection: Upgrade",
			"Sec-WebSocket-Key: short", "Sec-WebSocket-Version: 13"}, http.StatusBadRequest, nil},
		{"missing key", "GET", []string{"Upgrade: websocket", "Connection: Upgrade",
			"Sec-WebSocket-Version: 13"}, http.StatusBadRequest, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, srv.URL+"/", nil)
			for _, l := range tc.lines {
				k, v, _ := strings.Cut(l, ": ")
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.status)
			}
			for k, v := range tc.header {
				if got := resp.Header.Get(k); got != v {
					t.Errorf("%s: %q, want %q", k, got, v)
				}
			}
		})
	}
	if called.Load() {
		t.Fatal("the handler ran for a request that is not a valid upgrade")
	}
	if s := opts.Registry.Stats(); s.Refused != 3 || s.Accepted != 0 {
		t.Fatalf("stats %+v: want 3 refused handshakes, 0 accepted", s)
	}
}

func TestOriginPolicy(t *testing.T) {
	tests := []struct {
		name   string
		opts   func(*Options)
		origin string
		want   int
	}{
		{"no origin (non-browser)", nil, "", 101},
		{"same host", nil, "http://HOST", 101},
		{"cross-site refused", nil, "https://evil.example", 403},
		{"allow-list match", func(o *Options) { o.Origin.Allow = []string{"*.example.com"} }, "https://app.example.com", 101},
		{"allow-list miss", func(o *Options) { o.Origin.Allow = []string{"*.example.com"} }, "https://example.org", 403},
		{"CheckOrigin refuses", func(o *Options) { o.CheckOrigin = func(*http.Request) bool { return false } }, "", 403},
		{"CheckOrigin allows", func(o *Options) { o.CheckOrigin = func(*http.Request) bool { return true } }, "https://evil.example", 101},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts := testOpts(nil)
			if tc.opts != nil {
				tc.opts(opts)
			}
			srv, conns := connServer(t, opts)
			lines := append([]string(nil), upgradeLines...)
			if tc.origin != "" {
				host := strings.TrimPrefix(srv.URL, "http://")
				lines = append(lines, "Origin: "+strings.Replace(tc.origin, "HOST", host, 1))
			}
			_, _, resp := rawDial(t, srv, "/", lines, nil)
			if resp.StatusCode != tc.want {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.want)
			}
			if tc.want == 101 {
				c := within(t, conns, 5*time.Second, "the connection")
				c.CloseNow()
			}
		})
	}
}

type originHandler struct{ echoHandler }

func (originHandler) CheckOrigin(r *http.Request) bool { return r.Header.Get("Origin") == "https://ok" }

func TestHandlerOriginChecker(t *testing.T) {
	opts := testOpts(nil)
	srv := start(t, Handle(originHandler{}, opts))
	defer shutdown(t, opts.Registry)
	for origin, want := range map[string]int{"https://ok": 101, "https://no": 403} {
		nc, _, resp := rawDial(t, srv, "/", append(upgradeLines[:4:4], "Origin: "+origin), nil)
		if resp.StatusCode != want {
			t.Errorf("Origin %s: status %d, want %d", origin, resp.StatusCode, want)
		}
		nc.Close()
	}
}

type subHandler struct {
	echoHandler
	pick string
}

func (s subHandler) SelectSubprotocol(offered []string) string { return s.pick }

func TestSubprotocol(t *testing.T) {
	tests := []struct {
		name    string
		handler http.Handler
		offer   []string
		want    string
	}{
		{"server preference wins", Handle(echoHandler{}, &Options{Subprotocols: []string{"b", "a"}}), []string{"Sec-WebSocket-Protocol: a, b"}, "b"},
		{"several headers", Handle(echoHandler{}, &Options{Subprotocols: []string{"x", "a"}}), []string{"Sec-WebSocket-Protocol: q", "Sec-WebSocket-Protocol: a"}, "a"},
		{"no match", Handle(echoHandler{}, &Options{Subprotocols: []string{"z"}}), []string{"Sec-WebSocket-Protocol: a"}, ""},
		{"selector", Handle(subHandler{pick: "a"}, nil), []string{"Sec-WebSocket-Protocol: a, b"}, "a"},
		{"selector answer not offered", Handle(subHandler{pick: "c"}, nil), []string{"Sec-WebSocket-Protocol: a, b"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := start(t, tc.handler)
			ws, resp := dial(t, srv, "/", tc.offer...)
			if got := resp.Header.Get("Sec-WebSocket-Protocol"); got != tc.want {
				t.Fatalf("Sec-WebSocket-Protocol %q, want %q", got, tc.want)
			}
			ws.Close(CloseNormal, "")
		})
	}
}

func TestMaxConnections(t *testing.T) {
	var logs syncBuffer
	opts := testOpts(&logs)
	opts.MaxConnections = 1
	srv, conns := connServer(t, opts)
	dial(t, srv, "/")
	first := within(t, conns, 5*time.Second, "the first connection")
	_, _, resp := rawDial(t, srv, "/", upgradeLines, nil)
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("second connection: status %d, want 503", resp.StatusCode)
	}
	if !strings.Contains(logs.String(), "too many connections") {
		t.Fatalf("no log line for the refusal in %q", logs.String())
	}
	// Once the first is gone there is room again.
	first.CloseNow()
	<-first.Done()
	dial(t, srv, "/")
	within(t, conns, 5*time.Second, "the third connection")
	if s := opts.Registry.Stats(); s.Accepted != 2 || s.Refused != 1 || s.Connections != 1 {
		t.Fatalf("stats %+v", s)
	}
}

// TestBufferedFirstFrame sends the first frame in the same write as the request: the bytes
// net/http buffered past the request must reach the connection.
func TestBufferedFirstFrame(t *testing.T) {
	opts := testOpts(nil)
	srv, conns := connServer(t, opts)
	frame := []byte{0x81, 0x82, 1, 2, 3, 4, 'h' ^ 1, 'i' ^ 2} // masked text "hi"
	_, _, resp := rawDial(t, srv, "/", upgradeLines, frame)
	if resp.StatusCode != 101 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	c := within(t, conns, 5*time.Second, "the connection")
	m, err := c.Wait()
	if err != nil || m.Text() != "hi" || !m.IsText() {
		t.Fatalf("Wait = %+v, %v", m, err)
	}
}

func TestTLS(t *testing.T) {
	leak.Check(t)
	opts := testOpts(nil)
	srv := httptest.NewTLSServer(Accept(http.HandlerFunc(dwebsocketView), opts))
	t.Cleanup(srv.Close)
	defer shutdown(t, opts.Registry)
	ws, _ := dial(t, srv, "/")
	ctx := context.Background()
	if err := ws.WriteMessage(ctx, conn.Text, []byte("secure")); err != nil {
		t.Fatal(err)
	}
	if _, p, err := ws.ReadMessage(ctx, nil); err != nil || string(p) != "secure" {
		t.Fatalf("echo over TLS: %q %v", p, err)
	}
	ws.Close(CloseNormal, "")
}

func TestUpgradeDirect(t *testing.T) {
	opts := testOpts(nil)
	got := make(chan error, 1)
	srv := start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := Upgrade(w, r, opts)
		if err != nil {
			got <- err
			return
		}
		// The connection outlives this handler.
		go func() {
			defer c.Close(CloseNormal, "")
			m, err := c.Wait()
			if err == nil {
				err = c.SendText("upgraded: " + m.Text())
			}
			got <- err
		}()
	}))
	defer shutdown(t, opts.Registry)

	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var he *handshake.Error
	err = within(t, got, 5*time.Second, "Upgrade's error")
	if !errors.As(err, &he) || he.Status != resp.StatusCode || resp.StatusCode/100 != 4 {
		t.Fatalf("Upgrade on plain GET: %v, response status %d", err, resp.StatusCode)
	}

	ws, _ := dial(t, srv, "/")
	ctx := context.Background()
	ws.WriteMessage(ctx, conn.Text, []byte("x"))
	if _, p, err := ws.ReadMessage(ctx, nil); err != nil || string(p) != "upgraded: x" {
		t.Fatalf("got %q %v", p, err)
	}
	if err := within(t, got, 5*time.Second, "the goroutine"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ws.ReadMessage(ctx, nil); CloseStatus(err) != CloseNormal {
		t.Fatalf("client saw %v, want 1000", err)
	}
}

// TestHTTP2PlainRequest: on an HTTP/2 connection (where WebSocket upgrades cannot happen)
// Require still answers a clean 426 and Accept serves the plain handler.
func TestHTTP2PlainRequest(t *testing.T) {
	leak.Check(t)
	opts := testOpts(nil)
	mux := http.NewServeMux()
	mux.Handle("/require", Require(http.HandlerFunc(dwebsocketView), opts))
	mux.Handle("/accept", Accept(http.HandlerFunc(dwebsocketView), opts))
	srv := httptest.NewUnstartedServer(mux)
	srv.EnableHTTP2 = true
	srv.StartTLS()
	t.Cleanup(srv.Close)
	cl := srv.Client()
	t.Cleanup(cl.CloseIdleConnections)
	for path, want := range map[string]int{"/require": 426, "/accept?message=h2": 200} {
		resp, err := cl.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.ProtoMajor != 2 || resp.StatusCode != want {
			t.Fatalf("%s: %s %d %q, want HTTP/2 %d", path, resp.Proto, resp.StatusCode, body, want)
		}
		if want == 426 && resp.Header.Get("Sec-WebSocket-Version") != "13" {
			t.Fatalf("426 without Sec-WebSocket-Version: %v", resp.Header)
		}
	}
}

// TestServerTimeoutsCleared: a WebSocket must outlive http.Server's ReadTimeout and
// WriteTimeout (net/http clears them on hijack; the upgrade clears them too).
func TestServerTimeoutsCleared(t *testing.T) {
	opts := testOpts(nil)
	srv := httptest.NewUnstartedServer(Accept(http.HandlerFunc(dwebsocketView), opts))
	srv.Config.ReadTimeout = 50 * time.Millisecond
	srv.Config.WriteTimeout = 50 * time.Millisecond
	leak.Check(t)
	srv.Start()
	t.Cleanup(srv.Close)
	defer shutdown(t, opts.Registry)
	ws, _ := dial(t, srv, "/")
	<-time.After(150 * time.Millisecond) // the subject of the test: time passing idle
	ctx := context.Background()
	if err := ws.WriteMessage(ctx, conn.Text, []byte("still here")); err != nil {
		t.Fatal(err)
	}
	if _, p, err := ws.ReadMessage(ctx, nil); err != nil || string(p) != "still here" {
		t.Fatalf("after the server's timeouts: %q %v", p, err)
	}
	ws.Close(CloseNormal, "")
}

// TestAcceptPanic: a handler that panics after the upgrade closes the connection with 1011
// (and net/http logs the panic as for any handler).
func TestAcceptPanic(t *testing.T) {
	opts := testOpts(nil)
	srv := httptest.NewUnstartedServer(Accept(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if FromRequest(r) != nil {
			panic("handler bug")
		}
	}), opts))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	leak.Check(t)
	srv.Start()
	t.Cleanup(srv.Close)
	ws, _ := dial(t, srv, "/")
	_, _, err := ws.ReadMessage(context.Background(), nil)
	if CloseStatus(err) != CloseInternalError {
		t.Fatalf("client saw %v, want 1011", err)
	}
}
