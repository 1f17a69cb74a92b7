package conn

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"testing"

	"github.com/duplexws/duplex/deflate"
	"github.com/duplexws/duplex/frame"
	"github.com/duplexws/duplex/handshake"
	"github.com/duplexws/duplex/internal/leak"
)

// negotiated returns the server's and the client's Params for a permessage-deflate
// agreement under cfg, as the handshake would produce them.
func negotiated(t *testing.T, cfg *deflate.Options) (*deflate.Params, *deflate.Params) {
	t.Helper()
	resp, sp, ok := deflate.Negotiate([]handshake.Extension{deflate.Offer(cfg)}, cfg)
	if !ok {
		t.Fatal("negotiation failed")
	}
	cp, err := deflate.Accept(resp, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &sp, &cp
}

// TestCompressionEcho: compressed, uncompressed (below the threshold) and streamed
// messages round-trip between a server and a client, with and without context takeover.
func TestCompressionEcho(t *testing.T) {
	leak.Check(t)
	cfgs := []struct {
		name string
		cfg  *deflate.Options
	}{
		{"takeover", &deflate.Options{Threshold: 64}},
		{"no takeover", &deflate.Options{Threshold: 64, ServerNoContextTakeover: true, ClientNoContextTakeover: true}},
		{"flate level", &deflate.Options{Threshold: 64, Level: 6}},
	}
	for _, cc := range cfgs {
		for _, tr := range transports {
			t.Run(cc.name+"/"+tr.name, func(t *testing.T) {
				sp, cp := negotiated(t, cc.cfg)
				s, c := connPair(t, tr, &Options{Compression: sp}, &Options{Compression: cp, FragmentSize: 512})
				ctx := ctxT(t)
				done := echo(ctx, s)
				for _, n := range []int{0, 10, 63, 64, 1000, 70000} {
					for _, typ := range []MessageType{Text, Binary} {
						msg := payloadOf(n, typ == Text)
						if err := c.WriteMessage(ctx, typ, msg); err != nil {
							t.Fatal(err)
						}
						gt, got, err := c.ReadMessage(ctx, nil)
						if err != nil || gt != typ || !bytes.Equal(got, msg) {
							t.Fatalf("size %d: %v %d bytes %v", n, gt, len(got), err)
						}
					}
				}
				// Streamed, compressed, read back streaming.
				msg := bytes.Repeat([]byte("streamed and compressed "), 2000)
				w, err := c.Writer(ctx, Text)
				if err != nil {
					t.Fatal(err)
				}
				for i := 0; i < len(msg); i += 999 {
					if _, err := w.Write(msg[i:min(i+999, len(msg))]); err != nil {
						t.Fatal(err)
					}
				}
				if err := w.Close(); err != nil {
					t.Fatal(err)
				}
				typ, r, err := c.Reader(ctx)
				if err != nil || typ != Text {
					t.Fatal(typ, err)
				}
				got, err := io.ReadAll(r)
				if err != nil || !bytes.Equal(got, msg) {
					t.Fatalf("streamed: %d bytes, %v", len(got), err)
				}
				if err := c.Close(1000, ""); err != nil {
					t.Fatal(err)
				}
				if err := <-done; CloseStatus(err) != 1000 {
					t.Fatal(err)
				}
			})
		}
	}
}

// TestCompressionWire checks the frames on the wire: RSV1 on the first frame of a
// compressed message only, none below the threshold, none on control frames.
func TestCompressionWire(t *testing.T) {
	leak.Check(t)
	sp, _ := negotiated(t, &deflate.Options{Threshold: 100})
	c, p := rawPair(t, transports[1], Server, &Options{Compression: sp, FragmentSize: 64})
	ctx := ctxT(t)
	go func() {
		c.WriteMessage(ctx, Text, []byte("short"))
		c.WriteMessage(ctx, Text, bytes.Repeat([]byte("long enough to compress "), 10))
		w, _ := c.Writer(ctx, Binary)
		w.Write(payloadOf(5000, false)) // incompressible: several fragments
		c.Ping(ctx, []byte("ping"))
		w.Close()
	}()
	f := p.mustRead()
	if f.h.Rsv != 0 || string(f.payload) != "short" {
		t.Fatalf("short message: rsv %#x payload %q", f.h.Rsv, f.payload)
	}
	f = p.mustRead()
	if f.h.Rsv != frame.RSV1 || !f.h.Fin {
		t.Fatalf("long message: rsv %#x fin %v", f.h.Rsv, f.h.Fin)
	}
	dec := deflate.NewDecompressor(sp, Client)
	got, err := dec.Decompress(nil, f.payload, -1)
	if err != nil || !bytes.Equal(got, bytes.Repeat([]byte("long enough to compress "), 10)) {
		t.Fatalf("inflated %q, %v", got, err)
	}
	first := true
	for {
		f = p.mustRead()
		if f.h.Opcode == frame.OpPing {
			if f.h.Rsv != 0 {
				t.Fatal("RSV1 on a control frame")
			}
			continue
		}
		if first != (f.h.Rsv == frame.RSV1) || (first && f.h.Opcode != frame.OpBinary) {
			t.Fatalf("streamed frame %v rsv %#x (first %v)", f.h.Opcode, f.h.Rsv, first)
		}
		first = false
		if f.h.Fin {
			break
		}
	}
}

// TestCompressionViolations: RSV1 where it is not allowed, corrupt DEFLATE data, invalid
// inflated UTF-8 and an inflated size over the limit fail with the right code.
func TestCompressionViolations(t *testing.T) {
	leak.Check(t)
	sp, cp := negotiated(t, &deflate.Options{})
	comp := func(b []byte) []byte { return deflate.NewCompressor(cp, Client).Compress(nil, b) }
	tests := []struct {
		name   string
		frames func(p *rawPeer) [][]byte
		code   frame.CloseCode
	}{
		{"RSV1 on continuation", func(p *rawPeer) [][]byte {
			return [][]byte{p.encode(frame.OpText, false, frame.RSV1, comp([]byte("a"))[:1]),
				p.encode(frame.OpContinuation, true, frame.RSV1, nil)}
		}, 1002},
		{"RSV1 on ping", func(p *rawPeer) [][]byte { return [][]byte{p.encode(frame.OpPing, true, frame.RSV1, nil)} }, 1002},
		{"RSV2", func(p *rawPeer) [][]byte { return [][]byte{p.encode(frame.OpText, true, frame.RSV2, nil)} }, 1002},
		{"corrupt data", func(p *rawPeer) [][]byte {
			return [][]byte{p.encode(frame.OpBinary, true, frame.RSV1, []byte{0xff, 0xff, 0xff, 0xff})}
		}, 1007},
		{"invalid UTF-8 inflated", func(p *rawPeer) [][]byte {
			return [][]byte{p.encode(frame.OpText, true, frame.RSV1, comp([]byte("ok \xff bad")))}
		}, 1007},
		{"inflated over limit", func(p *rawPeer) [][]byte {
			return [][]byte{p.encode(frame.OpBinary, true, frame.RSV1, comp(make([]byte, 1<<20)))}
		}, 1009},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, p := rawPair(t, transports[1], Server, &Options{Compression: sp, ReadLimit: 64 << 10})
			sent := p.send(tc.frames(p)...)
			errc := make(chan error, 1)
			go func() { _, _, err := c.ReadMessage(ctxT(t), nil); errc <- err }()
			if got := p.expectClose(); got != tc.code {
				t.Errorf("close code %d, want %d", got, tc.code)
			}
			p.finishClose(tc.code)
			<-sent
			if err := <-errc; CloseStatus(err) != tc.code {
				t.Fatalf("read error %v", err)
			}
		})
	}
}

// TestCompressionMixed: an uncompressed message on a compressed connection is accepted,
// and a compressed one can be abandoned half read without breaking the next.
func TestCompressionMixed(t *testing.T) {
	leak.Check(t)
	sp, cp := negotiated(t, &deflate.Options{})
	c, p := rawPair(t, transports[1], Server, &Options{Compression: sp})
	enc := deflate.NewCompressor(cp, Client)
	big := bytes.Repeat([]byte("abcdefgh"), 10000)
	<-p.send(p.encode(frame.OpText, true, 0, []byte("plain")),
		p.encode(frame.OpBinary, true, frame.RSV1, enc.Compress(nil, big)),
		p.encode(frame.OpText, true, frame.RSV1, enc.Compress(nil, []byte("after"))))
	ctx := ctxT(t)
	if _, b, err := c.ReadMessage(ctx, nil); err != nil || string(b) != "plain" {
		t.Fatalf("%q %v", b, err)
	}
	_, r, err := c.Reader(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(r, make([]byte, 100)); err != nil {
		t.Fatal(err)
	}
	// Abandon it; with context takeover the next message still inflates correctly.
	if _, b, err := c.ReadMessage(ctx, nil); err != nil || string(b) != "after" {
		t.Fatalf("%q %v", b, err)
	}
	if err := c.CloseNow(); err != nil || !errors.Is(c.loadErr(), ErrClosedLocally) {
		t.Fatal(err)
	}
}

// TestGrowInflated: the inflated message's buffer doubles, from 4 KiB, up to limit+1 bytes
// and no further (a bomb costs about twice the limit), always grows by at least a byte, and
// keeps its contents; with no limit it keeps doubling.
func TestGrowInflated(t *testing.T) {
	tests := []struct {
		cap   int
		limit int64
		want  int
	}{
		{0, 1 << 20, 4 << 10},
		{4 << 10, 1 << 20, 8 << 10},
		{512 << 10, 1 << 20, 1<<20 + 1},
		{1<<20 + 1, 1 << 20, 1<<20 + 2},
		{600 << 10, -1, 1200 << 10},
		{1 << 10, 100, 1025},
		{8 << 10, math.MaxInt64, 16 << 10},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("cap%d/limit%d", tt.cap, tt.limit), func(t *testing.T) {
			dst := make([]byte, tt.cap)
			for i := range dst {
				dst[i] = byte(i)
			}
			got := growInflated(dst, tt.limit)
			if cap(got) != tt.want || len(got) != len(dst) || !bytes.Equal(got, dst) {
				t.Fatalf("cap %d len %d (contents kept: %v), want cap %d len %d",
					cap(got), len(got), bytes.Equal(got, dst), tt.want, len(dst))
			}
		})
	}
}
