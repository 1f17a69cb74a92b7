package server

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/duplexws/duplex/client"
	"github.com/duplexws/duplex/conn"
	"github.com/duplexws/duplex/deflate"
)

func TestCompression(t *testing.T) {
	big := strings.Repeat(`{"name":"duplex","tags":["a","b"]}`, 200)
	tests := []struct {
		name    string
		server  *deflate.Options
		client  *deflate.Options
		wantExt string
	}{
		{"off on the server", nil, &deflate.Options{}, ""},
		{"not offered", &deflate.Options{}, nil, ""},
		{"agreed", &deflate.Options{}, &deflate.Options{}, "permessage-deflate"},
		{"no context takeover", &deflate.Options{ServerNoContextTakeover: true, ClientNoContextTakeover: true},
			&deflate.Options{}, "permessage-deflate; server_no_context_takeover; client_no_context_takeover"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts := testOpts(nil)
			opts.Compression = tc.server
			srv, conns := connServer(t, opts)
			url := "ws" + strings.TrimPrefix(srv.URL, "http")
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			ws, resp, err := client.Dial(ctx, url, &client.Options{Compression: tc.client})
			if err != nil {
				t.Fatal(err)
			}
			defer ws.CloseNow()
			if got := resp.Header.Get("Sec-WebSocket-Extensions"); got != tc.wantExt {
				t.Fatalf("Sec-WebSocket-Extensions %q, want %q", got, tc.wantExt)
			}
			c := within(t, conns, 5*time.Second, "the connection")
			var exts []string
			for _, e := range c.Extensions() {
				exts = append(exts, e.String())
			}
			if got := strings.Join(exts, ", "); got != tc.wantExt {
				t.Fatalf("Extensions() %q, want %q", got, tc.wantExt)
			}
			// Messages both ways, big enough to be compressed, small ones not.
			for _, msg := range []string{big, "tiny", big} {
				if err := ws.WriteMessage(ctx, conn.Text, []byte(msg)); err != nil {
					t.Fatal(err)
				}
				m, err := c.WaitContext(ctx)
				if err != nil || m.Text() != msg {
					t.Fatalf("server got %d bytes, %v", len(m.Data), err)
				}
				c.SendText(msg)
				if _, p, err := ws.ReadMessage(ctx, nil); err != nil || string(p) != msg {
					t.Fatalf("client got %d bytes, %v", len(p), err)
				}
			}
			ws.Close(CloseNormal, "")
		})
	}
}
