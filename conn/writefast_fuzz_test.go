package conn

import (
	"bytes"
	"context"
	"testing"

	"github.com/duplexws/duplex/frame"
	"github.com/duplexws/duplex/internal/memconn"
	"github.com/duplexws/duplex/mask"
)

// tapeConn is a net.Conn that keeps every byte written to it (and never blocks).
type tapeConn struct {
	memconn.Replay
	out []byte
}

func (r *tapeConn) Write(p []byte) (int, error) {
	r.out = append(r.out, p...)
	return len(p), nil
}

// FuzzWriteDirect: whatever the size, role and write path (split, writev through
// net.Buffers, TLS record copy), a message written with WriteMessage, WritePrepared and a
// Writer decodes, with the opposite role's parser, to exactly the bytes given, as
// minimally encoded frames (RFC 6455 §5.2).
func FuzzWriteDirect(f *testing.F) {
	for _, s := range []struct {
		data      []byte
		size      uint32
		client    bool
		mode, typ uint8
	}{
		{[]byte("hello"), 5, false, writeSplit, 1},
		{[]byte{0, 1, 2}, 125, true, writeSplit, 2},
		{[]byte("x"), 126, false, writeVec, 2},
		{[]byte("ab"), scratchSize - 4, false, writeSplit, 1},
		{[]byte("ab"), scratchSize - 3, false, writeSplit, 1},
		{[]byte("ab"), scratchSize - 8, true, writeSplit, 2},
		{[]byte("ab"), scratchSize - 7, true, writeSplit, 2},
		{[]byte("tls"), tlsRecord - 4, false, writeTLS, 2},
		{[]byte("tls"), tlsRecord + 1, false, writeTLS, 2},
		{[]byte("big"), 65536, false, writeVec, 2},
		{[]byte("mask"), maskChunk + 3, true, writeSplit, 2},
		{nil, 0, false, writeSplit, 2},
	} {
		f.Add(s.data, s.size, s.client, s.mode, s.typ)
	}
	f.Fuzz(func(t *testing.T, data []byte, size uint32, client bool, mode, typ uint8) {
		n := int(size % (2*maskChunk + 1000))
		p := make([]byte, n)
		for i := range p {
			if len(data) > 0 {
				p[i] = data[i%len(data)] ^ byte(i>>8)
			} else {
				p[i] = byte(i)
			}
		}
		role := Server
		if client {
			role = Client
		}
		mt := Binary
		if typ&1 == 1 {
			mt = Text // not validated on write
		}
		rc := &tapeConn{}
		c := New(rc, nil, role, &Options{FragmentSize: 1 + n/3})
		c.wmode = mode % 3
		ctx := context.Background()
		if err := c.WriteMessage(ctx, mt, p); err != nil {
			t.Fatalf("WriteMessage: %v", err)
		}
		pm, err := PrepareMessage(mt, p)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.WritePrepared(ctx, pm); err != nil {
			t.Fatalf("WritePrepared: %v", err)
		}
		w, err := c.Writer(ctx, mt)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(p); err != nil {
			t.Fatalf("Writer.Write: %v", err)
		}
		if err := w.Close(); err != nil {
			t.Fatalf("Writer.Close: %v", err)
		}
		if st := c.ws.Load(); st != 0 {
			t.Fatalf("write state %#x after the writes, want 0", st)
		}
		// Decode as the peer would: every frame minimally encoded, masked iff the writer
		// is a client, three messages of p.
		in := rc.out
		var msgs [][]byte
		var cur []byte
		inMsg := false
		for len(in) > 0 {
			h, hn, err := frame.ParseHeader(in)
			if err != nil || hn == 0 {
				t.Fatalf("header: %v (%d bytes left)", err, len(in))
			}
			if hn != h.Size() {
				t.Fatalf("header of %d bytes for length %d, want the minimal %d", hn, h.Length, h.Size())
			}
			if h.Masked != client {
				t.Fatalf("masked = %v from a %v", h.Masked, role)
			}
			if int64(len(in)-hn) < h.Length {
				t.Fatalf("frame of %d bytes, %d left", h.Length, len(in)-hn)
			}
			want := frame.Opcode(mt)
			if inMsg {
				want = frame.OpContinuation
			}
			if h.Opcode != want || h.Rsv != 0 {
				t.Fatalf("frame %v rsv %#x, want %v rsv 0", h.Opcode, h.Rsv, want)
			}
			payload := bytes.Clone(in[hn : hn+int(h.Length)])
			if h.Masked {
				mask.Apply(payload, h.Key, 0)
			}
			in = in[hn+int(h.Length):]
			cur = append(cur, payload...)
			inMsg = !h.Fin
			if h.Fin {
				msgs = append(msgs, cur)
				cur = nil
			}
		}
		if len(msgs) != 3 {
			t.Fatalf("%d messages decoded, want 3", len(msgs))
		}
		for i, m := range msgs {
			if !bytes.Equal(m, p) {
				t.Fatalf("message %d: %d bytes, differs from the %d written", i, len(m), n)
			}
		}
	})
}
