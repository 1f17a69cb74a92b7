package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/duplexws/duplex/autobahn"
	"github.com/duplexws/duplex/client"
	"github.com/duplexws/duplex/conn"
	"github.com/duplexws/duplex/deflate"
	"github.com/duplexws/duplex/frame"
	"github.com/duplexws/duplex/handshake"
	"github.com/duplexws/duplex/internal/leak"
	"github.com/google/go-cmp/cmp"
)

func TestEchoRoute(t *testing.T) {
	leak.Check(t)
	base, _ := startDemo(t, demoConfig{})
	tests := []struct {
		name string
		typ  conn.MessageType
		p    []byte
	}{
		{"text", conn.Text, []byte("hello, duplex")},
		{"multi-byte text", conn.Text, []byte("grüße, 世界 🌍")},
		{"binary", conn.Binary, []byte{0, 1, 2, 0xff, 0xfe}},
		{"empty text", conn.Text, nil},
		{"empty binary", conn.Binary, []byte{}},
		{"64 KiB binary", conn.Binary, bytes.Repeat([]byte{0xa5}, 64<<10)},
	}
	c := dial(t, base+"/echo", nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			write(t, c, tt.typ, tt.p)
			typ, p := read(t, c)
			if typ != tt.typ || !bytes.Equal(p, tt.p) {
				t.Fatalf("echo = %v %q, want %v %q", typ, p, tt.typ, tt.p)
			}
		})
	}
	if err := c.Close(frame.CloseNormal, ""); err != nil {
		t.Fatalf("close: %v", err)
	}
}

func TestEchoSubprotocol(t *testing.T) {
	leak.Check(t)
	base, _ := startDemo(t, demoConfig{})
	tests := []struct {
		offer []string
		want  string
	}{
		{nil, ""},
		{[]string{"echo.v1"}, "echo.v1"},
		{[]string{"other", "echo.v2", "echo.v1"}, "echo.v1"}, // the server's order of preference
		{[]string{"echo.v2"}, "echo.v2"},
		{[]string{"other"}, ""},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.offer, ","), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), waitFor)
			defer cancel()
			c, resp, err := client.Dial(ctx, base+"/echo", &client.Options{Subprotocols: tt.offer})
			if err != nil {
				t.Fatal(err)
			}
			defer c.CloseNow()
			if got := resp.Header.Get("Sec-WebSocket-Protocol"); got != tt.want {
				t.Errorf("subprotocol = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestOriginPolicy(t *testing.T) {
	leak.Check(t)
	tests := []struct {
		name   string
		policy string // the -origin flag
		route  string
		origin string
		ok     bool
	}{
		{"no Origin (non-browser)", "", "/echo", "", true},
		{"foreign Origin refused", "", "/echo", "http://evil.example", false},
		{"foreign Origin refused on chat", "", "/chat", "http://evil.example", false},
		{"allow-listed", "http://evil.example, https://app.example", "/echo", "http://evil.example", true},
		{"not on the list", "https://app.example", "/echo", "http://evil.example", false},
		{"star allows all", "*", "/push", "http://evil.example", true},
		{"autobahn accepts any", "", "/autobahn", "http://evil.example", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base, _ := startDemo(t, demoConfig{Origin: parseOrigin(tt.policy)})
			h := http.Header{}
			if tt.origin != "" {
				h.Set("Origin", tt.origin)
			}
			ctx, cancel := context.WithTimeout(context.Background(), waitFor)
			defer cancel()
			c, resp, err := client.Dial(ctx, base+tt.route, &client.Options{Header: h})
			if tt.ok {
				if err != nil {
					t.Fatalf("dial: %v", err)
				}
				c.CloseNow()
				return
			}
			if err == nil {
				c.CloseNow()
				t.Fatal("dial succeeded, want 403")
			}
			if resp == nil || resp.StatusCode != http.StatusForbidden {
				t.Fatalf("dial: %v (response %v), want 403", err, resp)
			}
		})
	}
}

func TestParseOrigin(t *testing.T) {
	tests := []struct {
		in   string
		want handshake.OriginPolicy
	}{
		{"", handshake.OriginPolicy{}},
		{"*", handshake.OriginPolicy{AllowAll: true}},
		{" https://a.example ,localhost:*,", handshake.OriginPolicy{Allow: []string{"https://a.example", "localhost:*"}}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, parseOrigin(tt.in)); diff != "" {
				t.Errorf("parseOrigin(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestHelloPlainHTTP(t *testing.T) {
	leak.Check(t)
	base, _ := startDemo(t, demoConfig{})
	httpBase := "http" + strings.TrimPrefix(base, "ws")
	tests := []struct {
		name   string
		method string
		query  string
		status int
		body   string
	}{
		{"message", "GET", "?message=hi", 200, "you said \"hi\" over HTTP\n"},
		{"escaped", "GET", "?message=gr%C3%BC%C3%9Fe%20%26%20more", 200, "you said \"grüße & more\" over HTTP\n"},
		{"empty message", "GET", "?message=", 200, "you said \"\" over HTTP\n"},
		{"missing message", "GET", "", 400, "missing ?message=\n"},
		{"POST", "POST", "?message=hi", 405, "method not allowed\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := httpDo(t, tt.method, httpBase+"/hello"+tt.query)
			if resp.StatusCode != tt.status || body != tt.body {
				t.Fatalf("%s /hello%s = %d %q, want %d %q", tt.method, tt.query, resp.StatusCode, body, tt.status, tt.body)
			}
		})
	}
}

func TestHelloWebSocket(t *testing.T) {
	leak.Check(t)
	base, _ := startDemo(t, demoConfig{})
	c := dial(t, base+"/hello", nil)
	write(t, c, conn.Text, []byte("hi"))
	if typ, p := read(t, c); typ != conn.Text || string(p) != `you said "hi" over WebSocket` {
		t.Fatalf("reply = %v %q", typ, p)
	}
	write(t, c, conn.Binary, []byte{1, 2, 3})
	if typ, p := read(t, c); typ != conn.Binary || !bytes.Equal(p, []byte{1, 2, 3}) {
		t.Fatalf("binary reply = %v %v", typ, p)
	}
	if err := c.Close(frame.CloseNormal, ""); err != nil {
		t.Fatal(err)
	}
}

func TestPushRoute(t *testing.T) {
	leak.Check(t)
	base, _ := startDemo(t, demoConfig{PushInterval: time.Millisecond})
	c := dial(t, base+"/push", nil)
	for i := 1; i <= pushCount; i++ {
		typ, p := read(t, c)
		if want := fmt.Sprintf("push %d of %d", i, pushCount); typ != conn.Text || string(p) != want {
			t.Fatalf("message %d = %v %q, want %q", i, typ, p, want)
		}
	}
	err := readErr(t, c)
	var ce *conn.CloseError
	if !errors.As(err, &ce) || ce.Code != frame.CloseNormal || ce.Reason != "push complete" || !ce.Remote {
		t.Fatalf("after ten messages: %v, want the server's close 1000 \"push complete\"", err)
	}
}

func TestPushStopsWhenClientLeaves(t *testing.T) {
	leak.Check(t) // the push handler's goroutine must end with the connection
	base, _ := startDemo(t, demoConfig{PushInterval: time.Hour})
	c := dial(t, base+"/push", nil)
	if _, p := read(t, c); string(p) != "push 1 of 10" {
		t.Fatalf("first = %q", p)
	}
	if err := c.Close(frame.CloseGoingAway, ""); err != nil {
		t.Fatal(err)
	}
}

func TestChatRoute(t *testing.T) {
	leak.Check(t)
	base, d := startDemo(t, demoConfig{})
	next := func(t *testing.T, c *conn.Conn) chatEvent {
		t.Helper()
		_, p := read(t, c)
		var ev chatEvent
		if err := json.Unmarshal(p, &ev); err != nil {
			t.Fatalf("%q: %v", p, err)
		}
		return ev
	}
	ann := dial(t, base+"/chat?name=ann", nil)
	if ev := next(t, ann); ev != (chatEvent{Type: "welcome", You: "ann", Members: 1}) {
		t.Fatalf("ann's welcome = %+v", ev)
	}
	if ev := next(t, ann); ev != (chatEvent{Type: "join", From: "ann", Members: 1}) {
		t.Fatalf("ann's own join = %+v", ev)
	}
	guest := dial(t, base+"/chat", nil)
	if ev := next(t, guest); ev.Type != "welcome" || !strings.HasPrefix(ev.You, "guest-") || ev.Members != 2 {
		t.Fatalf("guest's welcome = %+v", ev)
	}
	guestName := next(t, guest).From
	if ev := next(t, ann); ev != (chatEvent{Type: "join", From: guestName, Members: 2}) {
		t.Fatalf("ann sees %+v, want %s joining", ev, guestName)
	}

	write(t, ann, conn.Text, []byte("hi all"))
	want := chatEvent{Type: "message", From: "ann", Text: "hi all"}
	for name, c := range map[string]*conn.Conn{"ann": ann, "guest": guest} {
		if ev := next(t, c); ev != want {
			t.Fatalf("%s got %+v, want %+v", name, ev, want)
		}
	}
	write(t, guest, conn.Binary, []byte("ignored")) // binary is not chat
	write(t, guest, conn.Text, []byte("hello ann"))
	if ev := next(t, ann); ev != (chatEvent{Type: "message", From: guestName, Text: "hello ann"}) {
		t.Fatalf("ann got %+v", ev)
	}
	if err := guest.Close(frame.CloseNormal, ""); err != nil {
		t.Fatal(err)
	}
	if ev := next(t, ann); ev != (chatEvent{Type: "leave", From: guestName, Members: 1}) {
		t.Fatalf("ann got %+v, want the guest leaving", ev)
	}
	if n := d.hub.Len(chatRoom); n != 1 {
		t.Errorf("room has %d members, want 1", n)
	}
}

func TestChatName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"ann", "ann"},
		{"  bob  ", "bob"},
		{"a\x00b\x1fc\x7f", "abc"},
		{"bad\xffutf8", "badutf8"},
		{strings.Repeat("é", 30), strings.Repeat("é", 24)},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := chatName(tt.in); got != tt.want {
				t.Errorf("chatName(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestReadLimits(t *testing.T) {
	leak.Check(t)
	base, _ := startDemo(t, demoConfig{})
	big := make([]byte, 16<<20+1) // one byte over the default limit
	t.Run("echo refuses over 16 MiB with 1009", func(t *testing.T) {
		c := dial(t, base+"/echo", nil)
		// Only the header: the server must fail the connection when the header declares a
		// length over the limit, before any payload (RFC 6455 §7.4.1: 1009).
		h := frame.Header{Fin: true, Opcode: frame.OpBinary, Masked: true, Key: [4]byte{1, 2, 3, 4}, Length: int64(len(big))}
		if _, err := c.NetConn().Write(h.Append(nil)); err != nil {
			t.Fatal(err)
		}
		if code := conn.CloseStatus(readErr(t, c)); code != frame.CloseTooBig {
			t.Fatalf("close code %v, want 1009", code)
		}
	})
	t.Run("autobahn takes 16 MiB + 1", func(t *testing.T) {
		c := dial(t, base+"/autobahn", &client.Options{Conn: &conn.Options{ReadLimit: autobahn.EchoReadLimit}})
		write(t, c, conn.Binary, big)
		if typ, p := read(t, c); typ != conn.Binary || len(p) != len(big) {
			t.Fatalf("echo = %v of %d bytes, want %d", typ, len(p), len(big))
		}
		if err := c.Close(frame.CloseNormal, ""); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("chat refuses over 64 KiB with 1009", func(t *testing.T) {
		c := dial(t, base+"/chat", nil)
		write(t, c, conn.Text, bytes.Repeat([]byte("a"), chatReadLimit+1))
		if code := conn.CloseStatus(readErr(t, c)); code != frame.CloseTooBig {
			t.Fatalf("close code %v, want 1009", code)
		}
	})
}

func TestStatusAPI(t *testing.T) {
	leak.Check(t)
	base, _ := startDemo(t, demoConfig{Compress: true, PushInterval: 250 * time.Millisecond})
	c := dial(t, base+"/echo", &client.Options{Subprotocols: []string{"echo.v2"}})
	write(t, c, conn.Text, []byte("x"))
	read(t, c)
	resp, body := httpGet(t, "http"+strings.TrimPrefix(base, "ws")+"/api/status")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("status %d, type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var st demoStatus
	if err := json.Unmarshal([]byte(body), &st); err != nil {
		t.Fatalf("%s: %v", body, err)
	}
	if !st.Compression || st.PushIntervalMS != 250 || st.Stats.Accepted != 1 || st.Stats.MessagesReceived != 1 {
		t.Errorf("status = %+v", st)
	}
	if len(st.Connections) != 1 {
		t.Fatalf("connections = %+v, want one", st.Connections)
	}
	got := st.Connections[0]
	if got.Route != "/echo" || got.Subprotocol != "echo.v2" || got.State != "OPEN" || got.Remote != c.LocalAddr().String() {
		t.Errorf("connection = %+v", got)
	}
	if err := c.Close(frame.CloseNormal, ""); err != nil {
		t.Fatal(err)
	}
}

func TestPage(t *testing.T) {
	leak.Check(t)
	base, _ := startDemo(t, demoConfig{})
	httpBase := "http" + strings.TrimPrefix(base, "ws")
	tests := []struct {
		path     string
		status   int
		ctype    string
		contains string
	}{
		{"/", 200, "text/html; charset=utf-8", "<title>duplex demo</title>"},
		{"/static/app.js", 200, "text/javascript; charset=utf-8", "new WebSocket("},
		{"/static/style.css", 200, "text/css; charset=utf-8", ".card"},
		{"/static/favicon.svg", 200, "image/svg+xml", "<svg"},
		{"/static/missing.js", 404, "", ""},
		{"/missing", 404, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			resp, body := httpGet(t, httpBase+tt.path)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.status)
			}
			if tt.status != 200 {
				return
			}
			if got := resp.Header.Get("Content-Type"); got != tt.ctype {
				t.Errorf("Content-Type %q, want %q", got, tt.ctype)
			}
			if !strings.Contains(body, tt.contains) {
				t.Errorf("body lacks %q", tt.contains)
			}
			if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
				t.Errorf("Content-Security-Policy %q", csp)
			}
		})
	}
	// The page loads nothing from elsewhere (no CDN).
	_, page := httpGet(t, httpBase+"/")
	for _, bad := range []string{"http://", "https://", "//cdn"} {
		if strings.Contains(page, bad) {
			t.Errorf("the page references %q", bad)
		}
	}
}

// startServe runs runServe with args in the background and returns its base URL (from
// the first line it prints), its stderr, and a function that stops it (as SIGINT does)
// and returns its exit code.
func startServe(t *testing.T, args ...string) (url string, stderr *lineWriter, stop func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr := newLineWriter(), newLineWriter()
	code := make(chan int, 1)
	go func() { code <- runServe(ctx, append([]string{"-addr", "127.0.0.1:0"}, args...), stdout, stderr) }()
	line := stdout.waitLine(t, "duplex demo server on ")
	url = strings.TrimSuffix(strings.TrimPrefix(line, "duplex demo server on "), "/")
	stopped := false
	stop = func() int {
		stopped = true
		cancel()
		select {
		case c := <-code:
			return c
		case <-time.After(waitFor):
			t.Fatal("runServe did not return after cancel")
			return -1
		}
	}
	t.Cleanup(func() {
		if !stopped {
			stop()
		}
	})
	return url, stderr, stop
}

func TestRunServeGracefulShutdown(t *testing.T) {
	leak.Check(t)
	url, logs, stop := startServe(t, "-push-interval", "1h")
	c := dial(t, wsURL(url)+"/echo", nil)
	write(t, c, conn.Text, []byte("ping"))
	read(t, c)
	logs.waitLine(t, "msg=open route=/echo")

	// A reader must be running for the server's close to be answered.
	errc := make(chan error, 1)
	go func() { errc <- readErr(t, c) }()
	if code := stop(); code != exitOK {
		t.Fatalf("exit code %d, want 0\n%s", code, logs)
	}
	err := <-errc
	var ce *conn.CloseError
	if !errors.As(err, &ce) || ce.Code != frame.CloseGoingAway || !ce.Remote {
		t.Fatalf("client saw %v, want the server's 1001", err)
	}
	line := logs.waitLine(t, "msg=close route=/echo")
	for _, want := range []string{"code=1001", "duration="} {
		if !strings.Contains(line, want) {
			t.Errorf("close log %q lacks %q", line, want)
		}
	}
	logs.waitLine(t, "msg=stopped")
}

func TestRunServeFlags(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	tests := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"help", []string{"-h"}, exitOK, "-push-interval"},
		{"unknown flag", []string{"-nope"}, exitUsage, "flag provided but not defined"},
		{"argument", []string{"extra"}, exitUsage, "unexpected arguments"},
		{"cert without key", []string{"-tls-cert", "c.pem"}, exitUsage, "go together"},
		{"missing cert files", []string{"-tls-cert", "nope.pem", "-tls-key", "nope.key"}, exitUsage, "nope.pem"},
		{"bad compress", []string{"-compress=maybe"}, exitUsage, "want on or off"},
		{"bad push interval", []string{"-push-interval", "0s"}, exitUsage, "must be positive"},
		{"bad log format", []string{"-log", "xml"}, exitUsage, "text or json"},
		{"address in use", []string{"-addr", busy.Addr().String()}, exitConnect, "address already in use"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := runServe(context.Background(), tt.args, &stdout, &stderr)
			if code != tt.code || !strings.Contains(stderr.String(), tt.msg) {
				t.Fatalf("exit %d, stderr %q; want %d and %q", code, stderr.String(), tt.code, tt.msg)
			}
		})
	}
}

func TestRunServeCompressOff(t *testing.T) {
	leak.Check(t)
	url, logs, stop := startServe(t, "-compress=off", "-log", "json")
	var rec map[string]any
	if line := logs.waitLine(t, `"msg":"listening"`); json.Unmarshal([]byte(line), &rec) != nil || rec["compression"] != false {
		t.Errorf("JSON log line %q", line)
	}
	_, body := httpGet(t, url+"/api/status")
	var st demoStatus
	if err := json.Unmarshal([]byte(body), &st); err != nil {
		t.Fatal(err)
	}
	if st.Compression {
		t.Error("compression on with -compress=off")
	}
	// A browser's permessage-deflate offer gets no extension from /echo.
	resp := rawHandshake(t, wsURL(url)+"/echo", "permessage-deflate; client_max_window_bits")
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if ext := resp.Header.Get("Sec-WebSocket-Extensions"); ext != "" {
		t.Errorf("extensions %q with -compress=off", ext)
	}
	if code := stop(); code != exitOK {
		t.Fatalf("exit %d", code)
	}
}

func TestCompression(t *testing.T) {
	leak.Check(t)
	tests := []struct {
		name     string
		compress bool
		route    string
		want     string // the extension answered to a browser's offer
	}{
		{"echo, -compress on", true, "/echo", "permessage-deflate"},
		{"chat, -compress on", true, "/chat", "permessage-deflate"},
		{"echo, -compress off", false, "/echo", ""},
		{"autobahn always", false, "/autobahn", "permessage-deflate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base, _ := startDemo(t, demoConfig{Compress: tt.compress})
			resp := rawHandshake(t, base+tt.route, "permessage-deflate; client_max_window_bits")
			if resp.StatusCode != http.StatusSwitchingProtocols {
				t.Fatalf("status %d", resp.StatusCode)
			}
			got := resp.Header.Get("Sec-WebSocket-Extensions")
			if (tt.want == "") != (got == "") || !strings.HasPrefix(got, tt.want) {
				t.Errorf("extensions %q, want %q", got, tt.want)
			}
		})
	}
	t.Run("round trip", func(t *testing.T) {
		base, _ := startDemo(t, demoConfig{Compress: true})
		ctx, cancel := context.WithTimeout(context.Background(), waitFor)
		defer cancel()
		c, resp, err := client.Dial(ctx, base+"/echo", &client.Options{Compression: &deflate.Options{}})
		if err != nil {
			t.Fatal(err)
		}
		defer c.CloseNow()
		if ext := resp.Header.Get("Sec-WebSocket-Extensions"); !strings.HasPrefix(ext, "permessage-deflate") {
			t.Fatalf("extensions %q", ext)
		}
		for _, p := range [][]byte{bytes.Repeat([]byte("duplex "), 5000), []byte("short"), nil} {
			write(t, c, conn.Text, p)
			if typ, got := read(t, c); typ != conn.Text || !bytes.Equal(got, p) {
				t.Fatalf("echo of %d bytes: %v, %d bytes", len(p), typ, len(got))
			}
		}
		if err := c.Close(frame.CloseNormal, ""); err != nil {
			t.Fatal(err)
		}
	})
}

func TestRunServeTLS(t *testing.T) {
	leak.Check(t)
	certFile, keyFile := selfSigned(t)
	url, _, stop := startServe(t, "-tls-cert", certFile, "-tls-key", keyFile)
	if !strings.HasPrefix(url, "https://") {
		t.Fatalf("url %q, want https://", url)
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	wss := "wss://" + strings.TrimPrefix(url, "https://") + "/echo"
	c, _, err := client.Dial(ctx, wss, &client.Options{TLSConfig: &tls.Config{InsecureSkipVerify: true}})
	if err != nil {
		t.Fatalf("dial %s: %v", wss, err)
	}
	write(t, c, conn.Text, []byte("over TLS"))
	if _, p := read(t, c); string(p) != "over TLS" {
		t.Fatalf("echo %q", p)
	}
	if err := c.Close(frame.CloseNormal, ""); err != nil {
		t.Fatal(err)
	}
	if code := stop(); code != exitOK {
		t.Fatalf("exit %d", code)
	}
}

// selfSigned writes a self-signed certificate for 127.0.0.1 and its key to a temporary
// directory and returns their paths.
func selfSigned(t *testing.T) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "duplex test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

func TestDisplayHost(t *testing.T) {
	tests := []struct {
		addr net.Addr
		want string
	}{
		{&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080}, "127.0.0.1:8080"},
		{&net.TCPAddr{IP: net.IPv4zero, Port: 80}, "localhost:80"},
		{&net.TCPAddr{IP: net.IPv6unspecified, Port: 9}, "localhost:9"},
		{&net.TCPAddr{IP: net.IPv6loopback, Port: 9}, "[::1]:9"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := displayHost(tt.addr); got != tt.want {
				t.Errorf("displayHost(%v) = %q, want %q", tt.addr, got, tt.want)
			}
		})
	}
}

// rawHandshake performs an opening handshake offering extensions (as a browser does) and
// returns the server's response; the connection is closed.
func rawHandshake(t *testing.T, url, extensions string) *http.Response {
	t.Helper()
	exts, err := handshake.ParseExtensions([]string{extensions})
	if err != nil {
		t.Fatal(err)
	}
	offer := &handshake.Offer{Key: handshake.NewKey(), Extensions: exts}
	req, err := handshake.NewRequest(context.Background(), url, offer)
	if err != nil {
		t.Fatal(err)
	}
	nc, err := net.DialTimeout("tcp", req.URL.Host, waitFor)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(waitFor))
	if _, err := nc.Write(handshake.AppendRequest(nil, req)); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(nc), req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}
