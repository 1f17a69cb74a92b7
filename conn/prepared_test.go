package conn

import (
	"bytes"
	"testing"

	"github.com/duplexws/duplex/deflate"
	"github.com/duplexws/duplex/frame"
	"github.com/duplexws/duplex/internal/memconn"
)

// TestWritePrepared sends one Prepared message on connections with different compression
// settings and checks, for each, the frame on the wire (decoded as the peer would) and
// how often the message was compressed: once per level among the connections that accept
// a shared payload, never for the others (which compress with their own context).
func TestWritePrepared(t *testing.T) {
	var levels []int
	hook := func(level int) { levels = append(levels, level) }
	testHookCompressShared.Store(&hook)
	t.Cleanup(func() { testHookCompressShared.Store(nil) })

	noTakeover := &deflate.Options{ServerNoContextTakeover: true, ClientNoContextTakeover: true}
	conns := []struct {
		name   string
		role   Role
		cfg    *deflate.Options // nil: no compression
		shared bool             // sends the shared compressed payload
	}{
		{"plain server", Server, nil, false},
		{"plain client", Client, nil, false},
		{"shared server 1", Server, noTakeover, true},
		{"shared server 2", Server, noTakeover, true},
		{"shared client", Client, noTakeover, true},
		{"level 1", Server, &deflate.Options{ServerNoContextTakeover: true, Level: 1}, true},
		{"takeover", Server, &deflate.Options{}, false},
	}
	msg := bytes.Repeat([]byte("prepared message "), 100)
	pm, err := PrepareMessage(Text, msg)
	if err != nil {
		t.Fatal(err)
	}
	sharedFrames := map[int][]byte{} // by level
	for _, tc := range conns {
		t.Run(tc.name, func(t *testing.T) {
			var opts *Options
			var peer *deflate.Params
			level := 0
			if tc.cfg != nil {
				sp, cp := negotiated(t, tc.cfg)
				opts, peer, level = &Options{Compression: sp}, cp, tc.cfg.Level
				if tc.role == Client {
					opts, peer = &Options{Compression: cp}, sp
				}
			}
			rc := &recordConn{Conn: &memconn.Replay{}}
			c := New(rc, nil, tc.role, opts)
			if err := c.WritePrepared(ctxT(t), pm); err != nil {
				t.Fatal(err)
			}
			frames := parseFrames(t, rc.buf.Bytes())
			if len(frames) != 1 || rc.writes != 1 {
				t.Fatalf("%d frames in %d writes", len(frames), rc.writes)
			}
			f := frames[0]
			if f.h.Masked != (tc.role == Client) || f.h.Opcode != frame.OpText || !f.h.Fin {
				t.Fatalf("header %+v", f.h)
			}
			got := f.payload
			if tc.cfg != nil {
				if f.h.Rsv != frame.RSV1 {
					t.Fatalf("RSV %#x, want RSV1 (compressed)", f.h.Rsv)
				}
				peerRole := Client
				if tc.role == Client {
					peerRole = Server
				}
				got, err = deflate.NewDecompressor(peer, peerRole).Decompress(nil, f.payload, -1)
				if err != nil {
					t.Fatal(err)
				}
			}
			if !bytes.Equal(got, msg) {
				t.Fatalf("payload differs: %d bytes", len(got))
			}
			if tc.shared {
				if prev, ok := sharedFrames[level]; ok && !bytes.Equal(prev, f.payload) {
					t.Fatal("shared compressed payload differs from the previous connection's")
				}
				sharedFrames[level] = f.payload
			}
			if tc.role == Server && tc.cfg == nil && !bytes.Equal(rc.buf.Bytes(), pm.frame) {
				t.Fatal("server frame is not the prepared bytes")
			}
		})
		if !tc.shared && len(levels) != len(sharedFrames) {
			t.Fatalf("%s: compressed a shared payload (%v)", tc.name, levels)
		}
	}
	if len(levels) != 2 || levels[0] == levels[1] {
		t.Fatalf("shared compressions at levels %v, want one per level (2)", levels)
	}
}
