package hostile

import (
	"bufio"
	"bytes"
	"compress/flate"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/duplexws/duplex/deflate"
	"github.com/duplexws/duplex/frame"
	"github.com/duplexws/duplex/internal/leak"
	"github.com/duplexws/duplex/server"
)

// deflateBomb returns the permessage-deflate payload (RFC 7692 §7.2.1: sync-flushed, the
// final 00 00 ff ff removed) of n MiB of zeros: a sync-flushed segment for 1 MiB, ending
// on a byte boundary, repeated n times (about a thousandth of the inflated size).
func deflateBomb(t *testing.T, n int) []byte {
	var b bytes.Buffer
	w, err := flate.NewWriter(&b, flate.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(make([]byte, 1<<20))
	w.Flush()
	seg := b.Bytes()
	if !bytes.HasSuffix(seg, []byte{0, 0, 0xff, 0xff}) {
		t.Fatal("no sync-flush tail")
	}
	p := bytes.Repeat(seg, n)
	return p[:len(p)-4]
}

// TestCompressionBomb negotiates permessage-deflate and sends a 32 KiB compressed message
// that inflates to 32 MiB, against a 1 MiB read limit. The read limit applies to the
// inflated size (RFC 7692 §8.1 leaves the defence to the receiver): the server must stop
// inflating at the limit and fail with 1009, allocating in proportion to the limit, not to
// the 32 MiB. (The bound is 3x the limit: conn doubles the inflated message's buffer up
// to limit+1 bytes, about 2x the limit in all. Measured: 2.1 MB; 5.3 MB when conn grew it
// with append.)
func TestCompressionBomb(t *testing.T) {
	bomb := deflateBomb(t, 32)
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			leak.Check(t)
			opts := &server.Options{ReadLimit: 1 << 20, Compression: &deflate.Options{}}
			addr, closed := m.serve(t, opts, nil)
			nc := dialRaw(t, addr)
			io.WriteString(nc, upgradeRequest(addr, "Sec-WebSocket-Extensions: permessage-deflate"))
			br := bufio.NewReader(nc)
			resp, err := http.ReadResponse(br, nil)
			if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
				t.Fatalf("handshake: %v %v", resp, err)
			}
			if ext := resp.Header.Get("Sec-WebSocket-Extensions"); !strings.HasPrefix(ext, "permessage-deflate") {
				t.Fatalf("permessage-deflate not negotiated: %q", ext)
			}
			p := &peer{t: t, nc: nc, br: br}
			f := clientFrame(true, frame.OpBinary, bomb)
			f[0] |= frame.RSV1 // RFC 7692 §6: RSV1 marks a compressed message
			before := totalAlloc()
			go nc.Write(f)
			if code := p.expectClose(); code != frame.CloseTooBig {
				t.Fatalf("close code %d, want 1009", code)
			}
			err = waitErr(t, closed)
			grew := totalAlloc() - before
			if code := server.CloseStatus(err); code != frame.CloseTooBig {
				t.Errorf("handler saw %v, want 1009", err)
			}
			if grew > 3<<20 {
				t.Errorf("inflating a %d-byte bomb allocated %d bytes (limit 1 MiB)", len(bomb), grew)
			}
			t.Logf("%d-byte bomb of 32 MiB: %d bytes allocated", len(bomb), grew)
		})
	}
}
