package deflate

import (
	"bytes"
	"compress/flate"
	"fmt"
	"io"
	"testing"

	"github.com/duplexws/duplex/frame"
	"github.com/duplexws/duplex/handshake"
)

// The LowMemory encoder writes fixed-Huffman blocks, as zlib does for short inputs, so
// it reproduces the RFC 7692 §7.2.3.1 bytes exactly. For §7.2.3.2 the RFC's
// f2 00 11 00 00 is literal 'H' plus a 4-byte match; greedy matching finds the whole
// 5-byte match at distance 5 instead: 02 13 00 00 (fixed block, length code 259, distance
// code 4 with extra bit 0, end of block, stored-block header), one byte shorter.
func TestLowMemoryRFCExamples(t *testing.T) {
	p := &Params{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15, Level: LowMemory}
	c := NewCompressor(p, frame.Server)
	defer c.Release()
	for i, want := range []string{"f2 48 cd c9 c9 07 00", "02 13 00 00"} {
		if got := hexOf(c.Compress(nil, []byte("Hello"))); got != want {
			t.Fatalf("message %d = %s, want %s", i, got, want)
		}
	}
	if got := hexOf(c.Compress(nil, nil)); got != "00" {
		t.Fatalf("empty message = %s, want 00", got)
	}
	nt := NewCompressor(&Params{ServerNoContextTakeover: true, Level: LowMemory}, frame.Server)
	for i := range 2 {
		if got := hexOf(nt.Compress(nil, []byte("Hello"))); got != "f2 48 cd c9 c9 07 00" {
			t.Fatalf("no takeover, message %d = %s", i, got)
		}
	}
}

// LowMemory honours every window size RFC 7692 allows: no distance ever exceeds
// 1<<bits, with or without takeover, and the output inflates.
func TestLowMemoryWindowBits(t *testing.T) {
	msgs := [][]byte{jsonLike(40<<10, 1), jsonLike(3000, 2), randomBytes(5000, 3), jsonLike(70<<10, 4), bytes.Repeat([]byte("a"), 1000)}
	for bits := MinWindowBits; bits <= MaxWindowBits; bits++ {
		for _, takeover := range []bool{false, true} {
			t.Run(fmt.Sprintf("bits=%d/takeover=%v", bits, takeover), func(t *testing.T) {
				p := &Params{ServerNoContextTakeover: !takeover, ServerMaxWindowBits: bits, ClientMaxWindowBits: 15, Level: LowMemory}
				c, d := pair(p, frame.Server)
				defer c.Release()
				if c.Level() != LowMemory {
					t.Fatalf("level %d, want LowMemory", c.Level())
				}
				total, wire := 0, 0
				for i, m := range msgs {
					var w []byte
					if takeover {
						// The encoder stays with the Compressor; maxDist accumulates.
						w = c.Compress(nil, m)
						if c.le.maxDist > 1<<bits {
							t.Fatalf("message %d: distance %d beyond the %d-byte window", i, c.le.maxDist, 1<<bits)
						}
					} else {
						// Drive a pooled encoder directly, as Compress does, to read
						// maxDist before it goes back to the pool.
						e := getLean(bits)
						_ = e.write(m)
						_ = e.finish()
						w = e.out
						if (e.maxDist == 0 && i != 2) || e.maxDist > 1<<bits { // 2: random bytes
							t.Fatalf("message %d: distance %d, want 1..%d", i, e.maxDist, 1<<bits)
						}
						putLean(e)
					}
					got, err := d.Decompress(nil, w, -1)
					if err != nil || !bytes.Equal(got, m) {
						t.Fatalf("message %d: %v", i, err)
					}
					total += len(m)
					wire += len(w)
				}
				if wire >= total*2/3 {
					t.Errorf("%d -> %d bytes: hardly compressed", total, wire)
				}
			})
		}
	}
}

// Without takeover the pooled encoder must not leak distances from the previous user.
func TestLowMemoryMaxDistTracked(t *testing.T) {
	p := &Params{ServerNoContextTakeover: true, ServerMaxWindowBits: 9, Level: LowMemory}
	c := NewCompressor(p, frame.Server)
	e := c.acquireLean()
	_ = e.write(jsonLike(4000, 1))
	_ = e.finish()
	if e.maxDist == 0 || e.maxDist > 512 {
		t.Fatalf("maxDist %d, want 1..512", e.maxDist)
	}
	c.Release()
}

func TestLowMemoryStreamed(t *testing.T) {
	p := &Params{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15, Level: LowMemory}
	whole, _ := pair(p, frame.Client)
	streamed, d := pair(p, frame.Client)
	defer whole.Release()
	defer streamed.Release()
	for i, m := range [][]byte{jsonLike(100<<10, 1), {}, jsonLike(100<<10, 1), []byte("x")} {
		want := whole.Compress(nil, m)
		var buf bytes.Buffer
		streamed.Begin(&buf)
		for rest := m; len(rest) > 0; {
			n := min(len(rest), 777)
			if _, err := streamed.Write(rest[:n]); err != nil {
				t.Fatal(err)
			}
			rest = rest[n:]
		}
		if err := streamed.End(); err != nil {
			t.Fatal(err)
		}
		// Input is encoded in fixed-size chunks, whatever the writes were.
		if !bytes.Equal(buf.Bytes(), want) {
			t.Fatalf("message %d: streamed bytes differ from whole (%d vs %d)", i, buf.Len(), len(want))
		}
		d.Begin(&buf, -1)
		got, err := io.ReadAll(d)
		d.End()
		if err != nil || !bytes.Equal(got, m) {
			t.Fatalf("message %d: %v", i, err)
		}
	}
	// A failing destination fails the message; the compressor recovers.
	streamed.Begin(failWriter{io.ErrClosedPipe})
	_, werr := streamed.Write(randomBytes(64<<10, 1))
	if eerr := streamed.End(); werr == nil && eerr == nil {
		t.Fatal("no error from a failing destination")
	}
	if len(streamed.Compress(nil, []byte("ok"))) == 0 {
		t.Fatal("unusable after failure")
	}
}

func TestLowMemoryNegotiation(t *testing.T) {
	cfg := &Options{Level: LowMemory}
	resp, p, ok := Negotiate(parse(t, "permessage-deflate; server_max_window_bits=9; client_max_window_bits"), cfg)
	if !ok || resp.String() != "permessage-deflate; server_max_window_bits=9" || p.ServerMaxWindowBits != 9 {
		t.Fatalf("Negotiate = %q %+v %v", resp.String(), p, ok)
	}
	if c := NewCompressor(&p, frame.Server); c.Level() != LowMemory {
		t.Fatalf("level %d, want LowMemory (not Huffman-only)", c.Level())
	}
	offer := Offer(cfg)
	if offer.String() != "permessage-deflate; client_max_window_bits" {
		t.Fatalf("Offer = %q", offer.String())
	}
	cp, err := Accept(handshake.Extension{Name: ExtensionName, Params: []handshake.Param{{Name: "client_max_window_bits", Value: "8", HasValue: true}}}, cfg)
	if err != nil || cp.ClientMaxWindowBits != 8 {
		t.Fatalf("Accept = %+v, %v", cp, err)
	}
}

// With context takeover a message that repeats the previous one is found at the
// previous match's distance: one 258-byte match per 258 bytes (about 3 bytes each with
// the block's codes), not the short matches the hash table alone gives (~1000 bytes
// for this message). Without takeover there is nothing to find.
func TestLowMemoryRepeatedMessage(t *testing.T) {
	m := jsonRecords(16<<10, 16)
	for _, takeover := range []bool{true, false} {
		t.Run(fmt.Sprintf("takeover=%v", takeover), func(t *testing.T) {
			p := &Params{ServerNoContextTakeover: !takeover, ServerMaxWindowBits: 15, ClientMaxWindowBits: 15, Level: LowMemory}
			c, d := pair(p, frame.Server)
			defer c.Release()
			var sizes []int
			for i := range 3 {
				w := c.Compress(nil, m)
				got, err := d.Decompress(nil, w, -1)
				if err != nil || !bytes.Equal(got, m) {
					t.Fatalf("message %d: %v", i, err)
				}
				sizes = append(sizes, len(w))
			}
			bound := len(m)/leanMaxMatch*4 + 64
			for i, n := range sizes[1:] {
				if takeover && n > bound {
					t.Errorf("repeat %d: %d bytes, want <= %d", i+1, n, bound)
				}
				if !takeover && n != sizes[0] {
					t.Errorf("repeat %d without takeover: %d bytes, first %d", i+1, n, sizes[0])
				}
			}
		})
	}
}

// TestVariedSize checks issue #8's size condition: on the 16 different JSON documents of
// the varied echo, LowMemory's output is no larger than compress/flate BestSpeed's, with
// and without context takeover.
func TestVariedSize(t *testing.T) {
	msgs := variedJSON()
	for _, takeover := range []bool{true, false} {
		t.Run(fmt.Sprintf("takeover=%v", takeover), func(t *testing.T) {
			size := func(level int) int {
				c, d := pair(benchParams(takeover, level), frame.Server)
				defer c.Release()
				defer d.Release()
				total := 0
				for round := range 2 {
					for i, m := range msgs {
						w := c.Compress(nil, m)
						total += len(w)
						got, err := d.Decompress(nil, w, -1)
						if err != nil || !bytes.Equal(got, m) {
							t.Fatalf("level %d round %d message %d: %v, round trip equal %v", level, round, i, err, bytes.Equal(got, m))
						}
					}
				}
				return total
			}
			lean, fast := size(LowMemory), size(flate.BestSpeed)
			t.Logf("LowMemory %d bytes, flate BestSpeed %d bytes (%.1f%% / %.1f%% of the input)",
				lean, fast, 100*float64(lean)/float64(32*16<<10), 100*float64(fast)/float64(32*16<<10))
			if lean > fast {
				t.Fatalf("LowMemory %d bytes > flate BestSpeed %d bytes", lean, fast)
			}
		})
	}
}
