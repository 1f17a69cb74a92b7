package fuzz

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/duplexws/duplex/client"
	"github.com/duplexws/duplex/conn"
	"github.com/duplexws/duplex/frame"
	"github.com/duplexws/duplex/handshake"
	"github.com/duplexws/duplex/internal/leak"
)

// acceptPlaceholder in a FuzzDial input is replaced by the Sec-WebSocket-Accept value of
// the key the client actually sent, so that inputs can hold a valid handshake.
const acceptPlaceholder = "{ACCEPT}"

var keyField = regexp.MustCompile(`(?i)\r\nSec-WebSocket-Key: *([^\r]*)\r\n`)

// dialConn is the server side of FuzzDial: it records the client's request, then serves
// the input with the placeholder filled in.
type dialConn struct {
	*closeNotifier
	filled bool
}

func (d *dialConn) Read(p []byte) (int, error) {
	d.mu.Lock()
	if !d.filled {
		d.filled = true
		if m := keyField.FindSubmatch(d.out.Bytes()); m != nil {
			d.in = bytes.ReplaceAll(d.in, []byte(acceptPlaceholder), []byte(handshake.AcceptKey(string(m[1]))))
		}
	}
	d.mu.Unlock()
	return d.closeNotifier.Read(p)
}

// FuzzDial feeds arbitrary bytes, as a server's answer, to client.Dial: the handshake
// response and then frames. Dial must fail cleanly (closing the socket) or return a
// client Conn; then the frames are checked against the reference model (messages, close
// code, the client's own frames masked and valid, nothing after its close frame).
func FuzzDial(f *testing.F) {
	const ok = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Accept: " + acceptPlaceholder + "\r\n"
	f.Add([]byte(ok + "\r\n"))
	f.Add([]byte(ok + "Sec-WebSocket-Protocol: chat\r\n\r\n"))
	f.Add([]byte(ok + "Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n"))
	f.Add([]byte("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"))
	f.Add([]byte("HTTP/1.1 302 Found\r\nLocation: ws://elsewhere/\r\n\r\n"))
	f.Add([]byte("HTTP/1.1 403 Forbidden\r\nContent-Length: 5\r\n\r\nnope!"))
	for _, s := range seedStreams(nil) {
		f.Add(append([]byte(ok+"\r\n"), s.in...))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		leak.Check(t)
		nc := &dialConn{closeNotifier: &closeNotifier{scriptConn: &scriptConn{in: bytes.Clone(in)},
			closed: make(chan struct{})}}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		opts := &client.Options{Proxy: client.NoProxy, HandshakeTimeout: 5 * time.Second,
			Conn:           &conn.Options{CloseTimeout: time.Second},
			NetDialContext: func(context.Context, string, string) (net.Conn, error) { return nc, nil }}
		c, resp, err := client.Dial(ctx, "ws://fuzz.example/chat", opts)
		if err != nil {
			if resp != nil && resp.StatusCode == http.StatusSwitchingProtocols && errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("Dial hung on a 101: %v", err)
			}
			select {
			case <-nc.closed:
			default:
				t.Fatalf("Dial failed (%v) without closing the connection", err)
			}
			return
		}
		defer c.CloseNow()

		// What follows the response, as the client's bufio.Reader saw it.
		full := in
		if m := keyField.FindSubmatch(nc.output()); m != nil {
			full = bytes.ReplaceAll(in, []byte(acceptPlaceholder), []byte(handshake.AcceptKey(string(m[1]))))
		}
		br := bufio.NewReaderSize(bytes.NewReader(full), 4096)
		if _, err := http.ReadResponse(br, nil); err != nil {
			t.Fatalf("Dial accepted a response net/http cannot parse: %v", err)
		}
		var rest bytes.Buffer
		rest.ReadFrom(br)
		want := model(rest.Bytes(), frame.Client, conn.DefaultReadLimit)

		var got []message
		var rerr error
		for {
			typ, b, err := c.ReadMessage(ctx, nil)
			if err != nil {
				rerr = err
				break
			}
			got = append(got, message{byte(typ), b})
		}
		if code := conn.CloseStatus(rerr); code != want.code {
			t.Fatalf("client ended with %v (code %d), model: %v %d (%s)", rerr, code, want.end, want.code, want.why)
		}
		if !sameMessages(want.msgs, got) {
			t.Fatalf("client messages differ from the model's %d", len(want.msgs))
		}
		c.CloseNow()
		out := nc.output()
		end := bytes.Index(out, []byte("\r\n\r\n"))
		if end < 0 {
			t.Fatalf("request without an end: %q", out)
		}
		frames := out[end+4:]
		wire := model(frames, frame.Server, -1)
		if wire.end == endViolation || len(wire.msgs) != 0 || len(wire.pings) != 0 {
			t.Fatalf("client frames: %v %s", wire.end, wire.why)
		}
		if !subsequence(wire.pongs, want.pings) {
			t.Fatalf("pongs %q do not answer pings %q", wire.pongs, want.pings)
		}
		if wire.end == endPeerClose && wire.used != len(frames) {
			t.Fatalf("%d bytes after the client's close frame", len(frames)-wire.used)
		}
		if want.end != endEOF && (wire.end != endPeerClose || wire.code != want.code) {
			t.Fatalf("client's close %v %d, want %d", wire.end, wire.code, want.code)
		}
	})
}
