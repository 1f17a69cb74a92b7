package main

import (
	"context"
	"crypto/tls"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/duplexws/duplex/autobahn"
	"github.com/duplexws/duplex/deflate"
	"github.com/duplexws/duplex/handshake"
	"github.com/duplexws/duplex/server"
)

//go:embed web
var webFiles embed.FS

// pushCount is how many numbered messages /push streams before it closes.
const pushCount = 10

// Read limits of the demo routes. /echo and /hello keep the server's default (16 MiB);
// /autobahn takes the suite's largest messages; chat and push need little.
const (
	chatReadLimit = 64 << 10
	pushReadLimit = 4 << 10
)

// demoConfig configures the demo server's routes.
type demoConfig struct {
	// PushInterval is the pause between the messages of /push (default 500ms).
	PushInterval time.Duration
	// Compress accepts permessage-deflate offers on the WebSocket routes (/autobahn always
	// does), once package server negotiates it.
	Compress bool
	// Origin is the Origin policy of the routes a browser uses (/autobahn accepts any).
	Origin handshake.OriginPolicy
	// Logger receives one line per connection open and close (default slog.Default()).
	Logger *slog.Logger
}

// demo is the handler of duplex serve: the page, its API and the WebSocket routes, with
// their own Registry (for shutdown and stats) and chat Hub.
type demo struct {
	cfg    demoConfig
	log    *slog.Logger
	reg    *server.Registry
	hub    server.Hub
	mux    *http.ServeMux
	guests atomic.Uint64
	opened sync.Map // *server.Conn -> time.Time, while the connection is open
}

// newDemo builds the demo server's routes:
//
//	/            the page (HTML, CSS and JS embedded in the binary)
//	/echo        every message back with its type (server.Handle, default limits)
//	/autobahn    the same echo with a 64 MiB limit and compression, for conformance runs
//	/hello       a dwebsocket-style Accept route: WebSocket, and plain GET ?message=
//	/push        ten numbered messages PushInterval apart, then a close (1000)
//	/chat        a Hub room: each text message goes to every member as JSON
//	/api/status  JSON: live connections, the registry's stats, the configuration
func newDemo(cfg demoConfig) *demo {
	if cfg.PushInterval <= 0 {
		cfg.PushInterval = 500 * time.Millisecond
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	d := &demo{cfg: cfg, log: cfg.Logger, reg: &server.Registry{}, mux: http.NewServeMux()}

	var compression *deflate.Options
	if cfg.Compress {
		compression = &deflate.Options{}
	}
	opts := func(readLimit int64) *server.Options {
		return &server.Options{
			Origin:      cfg.Origin,
			Compression: compression,
			ReadLimit:   readLimit,
			Registry:    d.reg,
			Logger:      cfg.Logger,
		}
	}
	echoOpts := opts(0)
	echoOpts.Subprotocols = []string{"echo.v1", "echo.v2"}
	d.mux.Handle("/echo", server.Handle(&echoHandler{d: d, route: "/echo"}, echoOpts))

	abOpts := opts(autobahn.EchoReadLimit)
	abOpts.Origin = handshake.OriginPolicy{AllowAll: true}
	abOpts.Compression = &deflate.Options{}
	d.mux.Handle("/autobahn", server.Handle(&echoHandler{d: d, route: "/autobahn", direct: true}, abOpts))

	d.mux.Handle("/hello", server.Accept(http.HandlerFunc(d.hello), opts(0)))
	d.mux.Handle("/push", server.Require(http.HandlerFunc(d.push), opts(pushReadLimit)))
	d.mux.Handle("/chat", server.Require(http.HandlerFunc(d.chat), opts(chatReadLimit)))
	d.mux.HandleFunc("GET /api/status", d.status)

	static, err := fs.Sub(webFiles, "web")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	d.mux.Handle("GET /static/", pageHeaders(http.StripPrefix("/static/", http.FileServerFS(static))))
	d.mux.Handle("GET /{$}", pageHeaders(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeFileFS(w, r, static, "index.html")
	})))
	return d
}

func (d *demo) ServeHTTP(w http.ResponseWriter, r *http.Request) { d.mux.ServeHTTP(w, r) }

// pageHeaders adds the headers of the page and its assets: no third-party content may
// load, and browsers must not guess types.
func pageHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'self'; connect-src 'self' ws: wss:; frame-ancestors 'none'")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Cache-Control", "no-cache")
		h.ServeHTTP(w, r)
	})
}

// track logs the opening of c and returns the function that logs its end: one line
// each, with the route, the peer, and at the end the close code and the duration.
func (d *demo) track(route string, c *server.Conn) func(err error) {
	start := time.Now()
	d.opened.Store(c, start)
	d.log.Info("open", "route", route, "remote", c.RemoteAddr().String(),
		"subprotocol", c.Subprotocol(), "extensions", extensionString(c.Extensions()))
	var once sync.Once
	return func(err error) {
		once.Do(func() {
			d.opened.Delete(c)
			attrs := []any{"route", route, "remote", c.RemoteAddr().String(),
				"code", int(server.CloseStatus(err)), "duration", time.Since(start).Round(time.Millisecond)}
			var ce *server.CloseError
			switch {
			case errors.As(err, &ce):
				attrs = append(attrs, "reason", ce.Reason, "by_peer", ce.Remote)
			case err != nil:
				attrs = append(attrs, "err", err.Error())
			}
			d.log.Info("close", attrs...)
		})
	}
}

func extensionString(exts []handshake.Extension) string {
	s := make([]string, len(exts))
	for i, e := range exts {
		s[i] = e.String()
	}
	return strings.Join(s, ", ")
}

// echoHandler echoes every message with its type. With direct set it writes each echo
// from the receive buffer, synchronously (no copy: the conformance target); otherwise it
// uses SendContext, the send queue and BufferedAmount. Either way a peer that sends faster
// than it reads meets back-pressure, never a 1013.
type echoHandler struct {
	d      *demo
	route  string
	direct bool
	ends   sync.Map // *server.Conn -> func(error)
}

func (h *echoHandler) Open(c *server.Conn) { h.ends.Store(c, h.d.track(h.route, c)) }

func (h *echoHandler) OnMessage(c *server.Conn, m server.Message) {
	if h.direct {
		// m.Data is valid until OnMessage returns, and WriteMessage returns once it is
		// written. An error has failed the connection; the next read reports it.
		_ = c.Underlying().WriteMessage(c.Context(), m.Type, m.Data)
		return
	}
	// SendContext copies m.Data and, while MaxBuffered is reached, waits for the writer
	// (back-pressure: this connection is not read meanwhile). It fails only once the
	// connection has ended.
	_ = c.SendContext(c.Context(), m.Type, m.Data)
}

func (h *echoHandler) OnClose(c *server.Conn, err error) {
	if end, ok := h.ends.LoadAndDelete(c); ok {
		end.(func(error))(err)
	}
}

// hello is the dwebsocket-style view: plain HTTP and WebSocket on one route.
func (d *demo) hello(w http.ResponseWriter, r *http.Request) {
	c := server.FromRequest(r)
	if c == nil {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		msg, ok := r.URL.Query()["message"]
		if !ok {
			http.Error(w, "missing ?message=", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintf(w, "you said \"%s\" over HTTP\n", msg[0])
		return
	}
	end := d.track("/hello", c)
	for {
		m, err := c.Wait()
		if err != nil {
			end(err)
			return
		}
		if m.IsText() {
			_ = c.SendContext(c.Context(), server.Text, []byte("you said \""+m.Text()+"\" over WebSocket"))
		} else {
			_ = c.SendContext(c.Context(), server.Binary, m.Data)
		}
	}
}

// push streams pushCount numbered messages, PushInterval apart, then closes with 1000.
func (d *demo) push(w http.ResponseWriter, r *http.Request) {
	c := server.FromRequest(r)
	end := d.track("/push", c)
	t := time.NewTicker(d.cfg.PushInterval)
	defer t.Stop()
	for i := 1; i <= pushCount; i++ {
		if i > 1 {
			select {
			case <-t.C:
			case <-c.Done():
				end(c.Err())
				return
			}
		}
		if err := c.SendText(fmt.Sprintf("push %d of %d", i, pushCount)); err != nil {
			end(err)
			return
		}
	}
	_ = c.Close(server.CloseNormal, "push complete")
	end(c.Err())
}

// chatEvent is what /chat sends, as JSON.
type chatEvent struct {
	Type    string `json:"type"` // welcome, join, leave, message
	You     string `json:"you,omitempty"`
	From    string `json:"from,omitempty"`
	Text    string `json:"text,omitempty"`
	Members int    `json:"members,omitempty"`
}

const chatRoom = "lobby"

// chat joins the room and broadcasts each text message of the connection to every member.
func (d *demo) chat(w http.ResponseWriter, r *http.Request) {
	c := server.FromRequest(r)
	name := chatName(r.URL.Query().Get("name"))
	if name == "" {
		name = fmt.Sprintf("guest-%d", d.guests.Add(1))
	}
	end := d.track("/chat", c)
	d.hub.Join(chatRoom, c)
	members := d.hub.Len(chatRoom)
	_ = c.SendJSON(chatEvent{Type: "welcome", You: name, Members: members})
	_, _ = d.hub.BroadcastJSON(chatRoom, chatEvent{Type: "join", From: name, Members: members})
	for m := range c.Messages() {
		if !m.IsText() {
			continue
		}
		_, _ = d.hub.BroadcastJSON(chatRoom, chatEvent{Type: "message", From: name, Text: m.Text()})
	}
	// Messages ends as soon as the peer's close is read, which can be before the
	// connection is done and the Hub drops it on its own: leave now, so the count below
	// (and the broadcast) no longer include it.
	d.hub.Leave(chatRoom, c)
	_, _ = d.hub.BroadcastJSON(chatRoom, chatEvent{Type: "leave", From: name, Members: d.hub.Len(chatRoom)})
	end(c.Err())
}

// chatName cleans a requested chat name: trimmed, valid UTF-8, no control characters, at
// most 24 characters.
func chatName(s string) string {
	s = strings.ToValidUTF8(strings.TrimSpace(s), "")
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
	if utf8.RuneCountInString(s) > 24 {
		s = string([]rune(s)[:24])
	}
	return s
}

// connStatus is one live connection in /api/status.
type connStatus struct {
	Route       string `json:"route"`
	Remote      string `json:"remote"`
	Subprotocol string `json:"subprotocol"`
	Extensions  string `json:"extensions"`
	State       string `json:"state"`
	Buffered    int64  `json:"buffered"`
	OpenFor     string `json:"open_for"`
	since       time.Time
}

// demoStatus is the body of /api/status.
type demoStatus struct {
	Compression    bool         `json:"compression"`
	PushIntervalMS int64        `json:"push_interval_ms"`
	Stats          server.Stats `json:"stats"`
	Connections    []connStatus `json:"connections"`
}

func (d *demo) status(w http.ResponseWriter, r *http.Request) {
	st := demoStatus{
		Compression:    d.cfg.Compress,
		PushIntervalMS: d.cfg.PushInterval.Milliseconds(),
		Stats:          d.reg.Stats(),
		Connections:    []connStatus{},
	}
	now := time.Now()
	for c := range d.reg.All() {
		cs := connStatus{
			Route:       c.Request().URL.Path,
			Remote:      c.RemoteAddr().String(),
			Subprotocol: c.Subprotocol(),
			Extensions:  extensionString(c.Extensions()),
			State:       c.ReadyState().String(),
			Buffered:    c.BufferedAmount(),
			since:       now,
		}
		if t, ok := d.opened.Load(c); ok {
			cs.since = t.(time.Time)
		}
		cs.OpenFor = now.Sub(cs.since).Round(100 * time.Millisecond).String()
		st.Connections = append(st.Connections, cs)
	}
	slices.SortFunc(st.Connections, func(a, b connStatus) int { return a.since.Compare(b.since) })
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(st)
}

// runServe is duplex serve.
func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("serve", "serve [flags]", stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "listen address (host:port; port 0 picks a free one)")
	certFile := fs.String("tls-cert", "", "TLS certificate file (PEM); with -tls-key serves https:// and wss://")
	keyFile := fs.String("tls-key", "", "TLS private key file (PEM)")
	origin := fs.String("origin", "", "Origins allowed besides the page's own host: comma-separated patterns\n"+
		"([scheme://]host[:port], *.example.com, localhost:*), or * for any")
	compress := onOffFlag(true)
	fs.Var(&compress, "compress", "accept permessage-deflate offers (on or off)")
	pushInterval := fs.Duration("push-interval", 500*time.Millisecond, "pause between the messages of /push")
	verbose := fs.Bool("v", false, "debug logs (the server package's own lines too)")
	logFormat := fs.String("log", "text", "log format: text or json (on stderr)")
	if code, done := parseFlags(fs, args); done {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "duplex serve: unexpected arguments %q\n", fs.Args())
		return exitUsage
	}
	if (*certFile == "") != (*keyFile == "") {
		fmt.Fprintln(stderr, "duplex serve: -tls-cert and -tls-key go together")
		return exitUsage
	}
	if *pushInterval <= 0 {
		fmt.Fprintln(stderr, "duplex serve: -push-interval must be positive")
		return exitUsage
	}
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	var lh slog.Handler
	switch *logFormat {
	case "text":
		lh = slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level})
	case "json":
		lh = slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level})
	default:
		fmt.Fprintf(stderr, "duplex serve: -log must be text or json, not %q\n", *logFormat)
		return exitUsage
	}
	logger := slog.New(lh)

	var tlsConfig *tls.Config
	if *certFile != "" {
		cert, err := tls.LoadX509KeyPair(*certFile, *keyFile)
		if err != nil {
			fmt.Fprintf(stderr, "duplex serve: %v\n", err)
			return exitUsage
		}
		// HTTP/1.1 only: a WebSocket handshake is an HTTP/1.1 Upgrade (RFC 6455 §4.1);
		// WebSocket over HTTP/2 (RFC 8441) is not served.
		tlsConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12, NextProtos: []string{"http/1.1"}}
	}

	d := newDemo(demoConfig{
		PushInterval: *pushInterval,
		Compress:     bool(compress),
		Origin:       parseOrigin(*origin),
		Logger:       logger,
	})
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintf(stderr, "duplex serve: %v\n", err)
		return exitConnect
	}
	srv := &http.Server{
		Handler:           d,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(lh, slog.LevelWarn),
	}
	scheme, wsScheme := "http", "ws"
	if tlsConfig != nil {
		scheme, wsScheme = "https", "wss"
		srv.TLSConfig = tlsConfig
		srv.TLSNextProto = map[string]func(*http.Server, *tls.Conn, http.Handler){}
		ln = tls.NewListener(ln, tlsConfig)
	}
	host := displayHost(ln.Addr())
	fmt.Fprintf(stdout, "duplex demo server on %s://%s/\n", scheme, host)
	fmt.Fprintf(stdout, "  page      %s://%s/\n", scheme, host)
	for _, r := range []string{"echo", "hello", "push", "chat", "autobahn"} {
		fmt.Fprintf(stdout, "  %-9s %s://%s/%s\n", r, wsScheme, host, r)
	}
	fmt.Fprintf(stdout, "  plain     %s://%s/hello?message=hi\n", scheme, host)
	fmt.Fprintf(stdout, "compression %s; press Ctrl-C to stop\n", compress.String())
	logger.Info("listening", "addr", ln.Addr().String(), "tls", tlsConfig != nil, "compression", bool(compress))

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		fmt.Fprintf(stderr, "duplex serve: %v\n", err)
		return exitConnect
	case <-ctx.Done():
	}

	// Graceful shutdown: stop accepting, close every WebSocket with 1001 (Going Away) and
	// wait for the close handshakes, bounded.
	logger.Info("shutting down", "connections", d.reg.Len())
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	var wsErr error
	wg.Go(func() { wsErr = d.reg.Shutdown(sctx) })
	httpErr := srv.Shutdown(sctx)
	wg.Wait()
	<-errc // Serve has returned http.ErrServerClosed
	if err := errors.Join(httpErr, wsErr); err != nil {
		logger.Warn("shutdown incomplete", "err", err)
	}
	st := d.reg.Stats()
	logger.Info("stopped", "accepted", st.Accepted, "refused", st.Refused, "messages_in", st.MessagesReceived,
		"messages_out", st.MessagesSent, "bytes_in", st.BytesReceived, "bytes_out", st.BytesSent)
	return exitOK
}

// parseOrigin turns the -origin flag into a policy: "" same host only, "*" any,
// otherwise a comma-separated allow-list.
func parseOrigin(s string) handshake.OriginPolicy {
	var p handshake.OriginPolicy
	for _, pat := range strings.Split(s, ",") {
		switch pat = strings.TrimSpace(pat); pat {
		case "":
		case "*":
			p.AllowAll = true
		default:
			p.Allow = append(p.Allow, pat)
		}
	}
	return p
}

// displayHost is the host:port to print for a listener: an unspecified address (0.0.0.0,
// [::]) is shown as localhost, which a browser on the same machine can open.
func displayHost(a net.Addr) string {
	ta, ok := a.(*net.TCPAddr)
	if !ok {
		return a.String()
	}
	if ta.IP == nil || ta.IP.IsUnspecified() {
		return net.JoinHostPort("localhost", fmt.Sprint(ta.Port))
	}
	return ta.String()
}
