package autobahn

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// wsGUID is the fixed string of RFC 6455 §1.3 / §4.2.2.
const wsGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// acceptKey computes Sec-WebSocket-Accept for a Sec-WebSocket-Key (RFC 6455 §4.2.2).
func acceptKey(key string) string {
	h := sha1.Sum([]byte(key + wsGUID))
	return base64.StdEncoding.EncodeToString(h[:])
}

// dialed is an open client-side connection after a successful opening handshake.
type dialed struct {
	conn     net.Conn
	br       *bufio.Reader // may hold bytes the server sent right after its 101
	request  string        // the raw request, for the case report
	response string        // the raw response head, for the case report
	header   http.Header   // the response header
}

// dial opens a TCP connection to a ws:// URL and performs the client opening handshake
// itself (RFC 6455 §4.1), using only the standard library: the harness must not rely on
// the handshake code of the library it tests. extensions, when not empty, is sent as the
// Sec-WebSocket-Extensions header.
func dial(ctx context.Context, rawURL, extensions string, timeout time.Duration) (*dialed, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("autobahn: bad url %q: %w", rawURL, err)
	}
	if u.Scheme != "ws" {
		return nil, fmt.Errorf("autobahn: only ws:// URLs are supported, got %q", rawURL)
	}
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), "80")
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", host)
	if err != nil {
		return nil, err
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = nc.SetDeadline(dl)
	}
	var raw [16]byte
	_, _ = rand.Read(raw[:])
	key := base64.StdEncoding.EncodeToString(raw[:])
	path := u.RequestURI()
	var b strings.Builder
	fmt.Fprintf(&b, "GET %s HTTP/1.1\r\n", path)
	fmt.Fprintf(&b, "Host: %s\r\n", u.Host)
	b.WriteString("Upgrade: websocket\r\nConnection: Upgrade\r\n")
	fmt.Fprintf(&b, "Sec-WebSocket-Key: %s\r\n", key)
	b.WriteString("Sec-WebSocket-Version: 13\r\n")
	if extensions != "" {
		fmt.Fprintf(&b, "Sec-WebSocket-Extensions: %s\r\n", extensions)
	}
	b.WriteString("User-Agent: duplex-autobahn\r\n\r\n")
	req := b.String()
	if _, err := nc.Write([]byte(req)); err != nil {
		nc.Close()
		return nil, err
	}
	br := bufio.NewReaderSize(nc, 64<<10)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("autobahn: reading handshake response: %w", err)
	}
	var rb strings.Builder
	fmt.Fprintf(&rb, "HTTP/%d.%d %s\r\n", resp.ProtoMajor, resp.ProtoMinor, resp.Status)
	_ = resp.Header.Write(&rb)
	// RFC 6455 §4.1: the client MUST verify the status, Upgrade, Connection and Accept.
	if resp.StatusCode != http.StatusSwitchingProtocols {
		nc.Close()
		return nil, fmt.Errorf("autobahn: handshake status %s", resp.Status)
	}
	if !headerHasToken(resp.Header, "Upgrade", "websocket") || !headerHasToken(resp.Header, "Connection", "upgrade") {
		nc.Close()
		return nil, errors.New("autobahn: handshake response lacks Upgrade/Connection")
	}
	if resp.Header.Get("Sec-WebSocket-Accept") != acceptKey(key) {
		nc.Close()
		return nil, errors.New("autobahn: wrong Sec-WebSocket-Accept")
	}
	_ = nc.SetDeadline(time.Time{})
	if tc, ok := nc.(*net.TCPConn); ok {
		_ = tc.SetNoDelay(true)
	}
	return &dialed{conn: nc, br: br, request: req, response: rb.String(), header: resp.Header}, nil
}

// headerHasToken reports whether a comma-separated header contains token, case-insensitively.
func headerHasToken(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for _, t := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// accepted is an open server-side connection after a successful opening handshake.
type accepted struct {
	conn     net.Conn
	br       *bufio.Reader
	request  string
	response string
	header   http.Header // the request header
}

// acceptUpgrade validates an upgrade request and completes the server opening handshake
// on the hijacked connection (RFC 6455 §4.2.2), writing the 101 response itself.
// extensions, when not empty, is the Sec-WebSocket-Extensions value to answer with.
func acceptUpgrade(w http.ResponseWriter, r *http.Request, extensions string) (*accepted, error) {
	if r.Method != http.MethodGet {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return nil, errors.New("autobahn: upgrade request is not GET")
	}
	key := r.Header.Get("Sec-WebSocket-Key")
	if !headerHasToken(r.Header, "Upgrade", "websocket") || !headerHasToken(r.Header, "Connection", "upgrade") || key == "" {
		http.Error(w, "not a websocket handshake", http.StatusBadRequest)
		return nil, errors.New("autobahn: not a websocket upgrade request")
	}
	if r.Header.Get("Sec-WebSocket-Version") != "13" {
		w.Header().Set("Sec-WebSocket-Version", "13")
		http.Error(w, "unsupported version", http.StatusUpgradeRequired)
		return nil, errors.New("autobahn: unsupported websocket version")
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		http.Error(w, "cannot hijack", http.StatusInternalServerError)
		return nil, errors.New("autobahn: response writer cannot hijack")
	}
	nc, rw, err := hj.Hijack()
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	b.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n")
	fmt.Fprintf(&b, "Sec-WebSocket-Accept: %s\r\n", acceptKey(key))
	if extensions != "" {
		fmt.Fprintf(&b, "Sec-WebSocket-Extensions: %s\r\n", extensions)
	}
	b.WriteString("Server: duplex-autobahn\r\n\r\n")
	resp := b.String()
	if _, err := nc.Write([]byte(resp)); err != nil {
		nc.Close()
		return nil, err
	}
	_ = nc.SetDeadline(time.Time{})
	if tc, ok := nc.(*net.TCPConn); ok {
		_ = tc.SetNoDelay(true)
	}
	var rb strings.Builder
	fmt.Fprintf(&rb, "%s %s %s\r\n", r.Method, r.RequestURI, r.Proto)
	_ = r.Header.Write(&rb)
	return &accepted{conn: nc, br: rw.Reader, request: rb.String(), response: resp, header: r.Header}, nil
}
