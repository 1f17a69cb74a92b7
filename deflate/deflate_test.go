package deflate

import (
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"

	"github.com/duplexws/duplex/frame"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	var b []byte
	for _, f := range strings.Fields(s) {
		var v byte
		if _, err := fmt.Sscanf(f, "%x", &v); err != nil {
			t.Fatalf("bad hex %q", f)
		}
		b = append(b, v)
	}
	return b
}

func hexOf(b []byte) string {
	var sb strings.Builder
	for i, v := range b {
		if i > 0 {
			sb.WriteByte(' ')
		}
		fmt.Fprintf(&sb, "%02x", v)
	}
	return sb.String()
}

// jsonLike returns n bytes of repetitive JSON, the typical WebSocket payload.
func jsonLike(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 7))
	var b bytes.Buffer
	b.WriteByte('[')
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, `{"id":%d,"user":"user%03d","price":%d.%02d,"tags":["a","bc"],"ok":%v},`,
			i, r.IntN(200), r.IntN(1000), r.IntN(100), r.IntN(2) == 0)
	}
	return b.Bytes()[:n]
}

func randomBytes(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 9))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func pair(p *Params, sender frame.Role) (*Compressor, *Decompressor) {
	receiver := frame.Client
	if sender == frame.Client {
		receiver = frame.Server
	}
	return NewCompressor(p, sender), NewDecompressor(p, receiver)
}

// RFC 7692 §7.2.3: the byte-exact examples, inflated.
func TestRFCExamplesInflate(t *testing.T) {
	tests := []struct {
		name     string
		takeover bool
		payloads []string
		want     []string
	}{
		{"7.2.3.1 one compressed message", false, []string{"f2 48 cd c9 c9 07 00"}, []string{"Hello"}},
		{"7.2.3.1 fragments joined", false, []string{"f2 48 cd c9 c9 07 00"}, []string{"Hello"}},
		{"7.2.3.2 sharing the LZ77 window", true,
			[]string{"f2 48 cd c9 c9 07 00", "f2 00 11 00 00"}, []string{"Hello", "Hello"}},
		{"7.2.3.3 block with no compression", false,
			[]string{"00 05 00 fa ff 48 65 6c 6c 6f 00"}, []string{"Hello"}},
		{"7.2.3.4 BFINAL set", false, []string{"f3 48 cd c9 c9 07 00 00"}, []string{"Hello"}},
		{"7.2.3.5 two DEFLATE blocks", false,
			[]string{"f2 48 05 00 00 00 ff ff ca c9 c9 07 00"}, []string{"Hello"}},
		{"7.2.3.6 empty message", false, []string{"00"}, []string{""}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := &Params{ServerNoContextTakeover: !tc.takeover, ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}
			d := NewDecompressor(p, frame.Client)
			for i, h := range tc.payloads {
				got, err := d.Decompress(nil, unhex(t, h), 1<<20)
				if err != nil {
					t.Fatalf("message %d: %v", i, err)
				}
				if string(got) != tc.want[i] {
					t.Fatalf("message %d = %q, want %q", i, got, tc.want[i])
				}
			}
			// The streamed form gives the same, one byte of payload at a time.
			d2 := NewDecompressor(p, frame.Client)
			for i, h := range tc.payloads {
				d2.Begin(io.LimitReader(&oneByteReader{b: unhex(t, h)}, 1<<20), 1<<20)
				got, err := io.ReadAll(d2)
				d2.End()
				if err != nil || string(got) != tc.want[i] {
					t.Fatalf("streamed message %d = %q, %v; want %q", i, got, err, tc.want[i])
				}
			}
		})
	}
}

type oneByteReader struct{ b []byte }

func (r *oneByteReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	p[0] = r.b[0]
	r.b = r.b[1:]
	return 1, nil
}

// RFC 7692 §7.2.3: our compressor produces the RFC's bytes.
func TestRFCExamplesDeflate(t *testing.T) {
	tests := []struct {
		name     string
		level    int
		takeover bool
		want     []string
	}{
		{"7.2.3.1 Hello at level 6", 6, false, []string{"f2 48 cd c9 c9 07 00", "f2 48 cd c9 c9 07 00"}},
		// compress/flate's BestSpeed stores inputs of 16 bytes or fewer, which is exactly
		// the §7.2.3.3 example.
		{"7.2.3.3 BestSpeed stores short input", flate.BestSpeed, false,
			[]string{"00 05 00 fa ff 48 65 6c 6c 6f 00", "00 05 00 fa ff 48 65 6c 6c 6f 00"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := &Params{ServerNoContextTakeover: !tc.takeover, ServerMaxWindowBits: 15, ClientMaxWindowBits: 15, Level: tc.level}
			c := NewCompressor(p, frame.Server)
			defer c.Release()
			for i, want := range tc.want {
				if got := hexOf(c.Compress(nil, []byte("Hello"))); got != want {
					t.Fatalf("message %d = %s, want %s", i, got, want)
				}
			}
		})
	}
	// §7.2.3.2: with takeover the second "Hello" is a single back-reference. zlib writes
	// it as f2 00 11 00 00; compress/flate picks other (equally valid) bits, so check
	// the meaning: short, and only decodable with the first message as context.
	t.Run("7.2.3.2 second Hello with takeover", func(t *testing.T) {
		p := &Params{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15, Level: 6}
		c := NewCompressor(p, frame.Server)
		defer c.Release()
		first := c.Compress(nil, []byte("Hello"))
		second := c.Compress(nil, []byte("Hello"))
		if len(second) > 5 {
			t.Fatalf("second = %s, want at most 5 bytes", hexOf(second))
		}
		d := NewDecompressor(p, frame.Client)
		for i, w := range [][]byte{first, second} {
			if got, err := d.Decompress(nil, w, 100); err != nil || string(got) != "Hello" {
				t.Fatalf("message %d: %q, %v", i, got, err)
			}
		}
		fresh := NewDecompressor(&Params{ServerNoContextTakeover: true}, frame.Client)
		if _, err := fresh.Decompress(nil, second, 100); err != ErrCorrupt {
			t.Fatalf("second message without context: err %v, want ErrCorrupt", err)
		}
	})
	t.Run("7.2.3.6 empty message is 00", func(t *testing.T) {
		c := NewCompressor(&Params{}, frame.Client)
		if got := hexOf(c.Compress(nil, nil)); got != "00" {
			t.Fatalf("empty = %s, want 00", got)
		}
		var buf bytes.Buffer
		c.Begin(&buf)
		if err := c.End(); err != nil || hexOf(buf.Bytes()) != "00" {
			t.Fatalf("streamed empty = %s, %v", hexOf(buf.Bytes()), err)
		}
	})
}

// Every direction × takeover combination round-trips, whole and streamed, and with
// takeover later messages really are smaller (the context is used).
func TestRoundTrip(t *testing.T) {
	msgs := [][]byte{
		jsonLike(16<<10, 1), jsonLike(16<<10, 1), []byte("x"), {},
		randomBytes(40<<10, 2), jsonLike(66<<10, 3), jsonLike(300, 4), jsonLike(300, 4),
	}
	for _, sender := range []frame.Role{frame.Server, frame.Client} {
		for _, takeover := range []bool{false, true} {
			for _, level := range []int{flate.BestSpeed, 6, flate.HuffmanOnly, LowMemory} {
				name := fmt.Sprintf("%v sends/takeover=%v/level=%d", sender, takeover, level)
				t.Run(name, func(t *testing.T) {
					p := &Params{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15, Level: level}
					if sender == frame.Server {
						p.ServerNoContextTakeover = !takeover
					} else {
						p.ClientNoContextTakeover = !takeover
					}
					c, d := pair(p, sender)
					cs, ds := pair(p, sender)
					defer c.Release()
					defer cs.Release()
					var sizes []int
					for i, m := range msgs {
						wire := c.Compress(nil, m)
						sizes = append(sizes, len(wire))
						got, err := d.Decompress(nil, wire, -1)
						if err != nil || !bytes.Equal(got, m) {
							t.Fatalf("message %d: err %v, equal %v", i, err, bytes.Equal(got, m))
						}
						// Streamed: written in odd-sized pieces, read back in small reads.
						var buf bytes.Buffer
						cs.Begin(&buf)
						for rest := m; len(rest) > 0; {
							n := min(len(rest), 1000+i*37)
							if _, err := cs.Write(rest[:n]); err != nil {
								t.Fatal(err)
							}
							rest = rest[n:]
						}
						if err := cs.End(); err != nil {
							t.Fatal(err)
						}
						// The output does not depend on how the input was split.
						if !bytes.Equal(buf.Bytes(), wire) {
							t.Fatalf("message %d: streamed wire differs from whole (%d vs %d bytes)", i, buf.Len(), len(wire))
						}
						ds.Begin(&buf, int64(len(m)))
						got2, err := io.ReadAll(io.LimitReader(ds, 1<<30))
						ds.End()
						if err != nil || !bytes.Equal(got2, m) {
							t.Fatalf("message %d streamed: err %v, equal %v", i, err, bytes.Equal(got2, m))
						}
					}
					// Messages 0 and 1 are identical: with takeover the second is a few
					// back-references; without, the same size again.
					if level != flate.HuffmanOnly {
						if takeover && sizes[1] >= sizes[0]/3 {
							t.Errorf("takeover: repeat %d bytes vs first %d: context not used", sizes[1], sizes[0])
						}
						if !takeover && sizes[1] != sizes[0] {
							t.Errorf("no takeover: repeat %d bytes vs first %d", sizes[1], sizes[0])
						}
					}
				})
			}
		}
	}
}

// A window below 32 KiB switches compress/flate levels to the LowMemory encoder (which
// bounds its distances, see TestLowMemoryWindowBits); HuffmanOnly, which has no
// back-references, stays. A reader with a 256-byte window inflates either.
func TestSmallWindowLevel(t *testing.T) {
	for _, tc := range []struct{ level, want int }{
		{0, LowMemory}, {flate.BestSpeed, LowMemory}, {9, LowMemory},
		{flate.HuffmanOnly, flate.HuffmanOnly}, {LowMemory, LowMemory},
	} {
		t.Run(fmt.Sprintf("level=%d", tc.level), func(t *testing.T) {
			p := &Params{ServerMaxWindowBits: 8, ClientMaxWindowBits: 15, Level: tc.level}
			c := NewCompressor(p, frame.Server)
			defer c.Release()
			if c.Level() != tc.want {
				t.Fatalf("level = %d, want %d", c.Level(), tc.want)
			}
			d := NewDecompressor(p, frame.Client)
			if d.winSize != 256 {
				t.Fatalf("window = %d, want 256", d.winSize)
			}
			for i := range 3 {
				m := jsonLike(5000, uint64(i))
				wire := c.Compress(nil, m)
				if len(wire) >= len(m)*2/3 {
					t.Fatalf("hardly compressed: %d of %d", len(wire), len(m))
				}
				got, err := d.Decompress(nil, wire, -1)
				if err != nil || !bytes.Equal(got, m) {
					t.Fatalf("message %d: %v", i, err)
				}
			}
		})
	}
}

// A peer that references further back than the window it declared is rejected.
func TestWindowViolationIsCorrupt(t *testing.T) {
	full := &Params{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}
	c := NewCompressor(full, frame.Server) // takes over a 32 KiB window
	defer c.Release()
	small := &Params{ServerMaxWindowBits: 8, ClientMaxWindowBits: 15}
	d := NewDecompressor(small, frame.Client) // believes the server keeps 256 bytes
	m := jsonLike(2000, 1)
	if _, err := d.Decompress(nil, c.Compress(nil, m), -1); err != nil {
		t.Fatal(err)
	}
	_, err := d.Decompress(nil, c.Compress(nil, m), -1)
	var fe *frame.Error
	if !errors.As(err, &fe) || fe.Code != frame.CloseInvalidPayload {
		t.Fatalf("err = %v, want a 1007 *frame.Error", err)
	}
}

func TestCorrupt(t *testing.T) {
	tests := []struct{ name, payload string }{
		{"reserved block type", "07 00"},
		{"stored length mismatch", "00 05 00 00 00 48"},
		{"truncated huffman block", "f2 48 cd"},
		{"bad distance", "f2 00 11 00 00"}, // the §7.2.3.2 second message, without context
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := NewDecompressor(&Params{ServerNoContextTakeover: true}, frame.Client)
			_, err := d.Decompress(nil, unhex(t, tc.payload), 1<<20)
			if err != ErrCorrupt {
				t.Fatalf("err = %v, want ErrCorrupt", err)
			}
			var fe *frame.Error
			if !errors.As(err, &fe) || fe.Code != frame.CloseInvalidPayload {
				t.Fatalf("err %v is not a 1007 *frame.Error", err)
			}
			// The decompressor is usable again (pooled state was reset).
			got, err := d.Decompress(nil, unhex(t, "f2 48 cd c9 c9 07 00"), 100)
			if err != nil || string(got) != "Hello" {
				t.Fatalf("after corrupt: %q, %v", got, err)
			}
		})
	}
}

// bomb returns a payload of about n/1000 bytes that inflates to n zero bytes: whole
// MiB-sized segments, each ending in a sync flush, joined (a valid DEFLATE stream of
// non-final blocks), then the remainder, with the last tail removed.
func bomb(t testing.TB, n int) []byte {
	c := NewCompressor(&Params{ServerNoContextTakeover: true, Level: flate.BestCompression}, frame.Server)
	const seg = 1 << 20
	var out []byte
	if n >= seg {
		one := append(c.Compress(nil, make([]byte, seg)), syncTail[:]...)
		for ; n >= seg; n -= seg {
			out = append(out, one...)
		}
	}
	return c.Compress(out, make([]byte, n))
}

func TestLimit(t *testing.T) {
	const limit = 1 << 20
	payload := bomb(t, 64<<20) // 64 MiB of zeros
	if len(payload) > 80<<10 {
		t.Fatalf("bomb is %d bytes", len(payload))
	}
	small := bomb(t, 1<<20+1) // one byte over the limit, ~1 KiB
	if len(small) > 2<<10 {
		t.Fatalf("small bomb is %d bytes", len(small))
	}
	t.Logf("bomb: %d bytes -> 64 MiB; small: %d bytes -> 1 MiB+1", len(payload), len(small))

	for _, tc := range []struct {
		name string
		p    []byte
	}{{"64MiB", payload}, {"limit+1", small}} {
		t.Run("whole/"+tc.name, func(t *testing.T) {
			d := NewDecompressor(&Params{ServerNoContextTakeover: true}, frame.Client)
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			out, err := d.Decompress(nil, tc.p, limit)
			runtime.ReadMemStats(&after)
			if err != frame.ErrTooBig {
				t.Fatalf("err = %v, want frame.ErrTooBig", err)
			}
			if len(out) != 0 {
				t.Fatalf("returned %d bytes with the error", len(out))
			}
			// Bounded allocation: the output buffer never exceeds the limit (plus
			// growth slack and the pooled reader), however large the bomb.
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4*limit {
				t.Fatalf("allocated %d bytes for a %d-byte limit", alloc, limit)
			}
		})
		t.Run("stream/"+tc.name, func(t *testing.T) {
			d := NewDecompressor(&Params{ServerNoContextTakeover: true}, frame.Client)
			d.Begin(bytes.NewReader(tc.p), limit)
			defer d.End()
			buf := make([]byte, 4096)
			var total int64
			for {
				n, err := d.Read(buf)
				total += int64(n)
				if total > limit {
					t.Fatalf("handed out %d bytes past a %d limit", total, limit)
				}
				if err == frame.ErrTooBig {
					break
				}
				if err != nil {
					t.Fatalf("err = %v after %d bytes, want frame.ErrTooBig", err, total)
				}
			}
			if total != limit {
				t.Fatalf("read %d bytes before the error, want exactly %d", total, limit)
			}
		})
	}
	t.Run("exactly at the limit is fine", func(t *testing.T) {
		d := NewDecompressor(&Params{ServerNoContextTakeover: true}, frame.Client)
		m := jsonLike(5000, 1)
		c := NewCompressor(&Params{ServerNoContextTakeover: true}, frame.Server)
		out, err := d.Decompress(nil, c.Compress(nil, m), int64(len(m)))
		if err != nil || !bytes.Equal(out, m) {
			t.Fatalf("err %v", err)
		}
		if _, err := d.Decompress(nil, c.Compress(nil, m), int64(len(m)-1)); err != frame.ErrTooBig {
			t.Fatalf("one under: err %v, want ErrTooBig", err)
		}
	})
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

type emptyReader struct{}

func (emptyReader) Read([]byte) (int, error) { return 0, nil }

func TestSourceErrors(t *testing.T) {
	boom := errors.New("boom")
	d := NewDecompressor(&Params{}, frame.Server)
	d.Begin(errReader{boom}, -1)
	if _, err := d.Read(make([]byte, 10)); err != boom {
		t.Fatalf("err = %v, want the source's error", err)
	}
	d.End()
	d.Begin(emptyReader{}, -1)
	if _, err := d.Read(make([]byte, 10)); err != io.ErrNoProgress {
		t.Fatalf("err = %v, want io.ErrNoProgress", err)
	}
	d.End()
	if _, err := d.Read(make([]byte, 1)); err != ErrNoMessage {
		t.Fatalf("Read without Begin: %v", err)
	}
	c := NewCompressor(&Params{}, frame.Server)
	if _, err := c.Write([]byte("x")); err != ErrNoMessage {
		t.Fatalf("Write without Begin: %v", err)
	}
	if err := c.End(); err != ErrNoMessage {
		t.Fatalf("End without Begin: %v", err)
	}
	// A failing destination fails the message, and the compressor recovers.
	c.Begin(failWriter{boom})
	_, werr := c.Write(randomBytes(200<<10, 1))
	if eerr := c.End(); werr != boom && eerr != boom {
		t.Fatalf("Write/End errors %v/%v, want boom", werr, eerr)
	}
	if got := c.Compress(nil, []byte("Hello")); len(got) == 0 {
		t.Fatal("compressor unusable after a failed message")
	}
}

type failWriter struct{ err error }

func (w failWriter) Write([]byte) (int, error) { return 0, w.err }

func TestCompressShared(t *testing.T) {
	m := jsonLike(4000, 5)
	shared := CompressShared(nil, m, 0)
	// The same payload inflates on any connection without takeover from the sender,
	// including one whose receiver keeps context from earlier messages.
	for _, recvTakeover := range []bool{false, true} {
		p := &Params{ServerNoContextTakeover: true, ClientNoContextTakeover: !recvTakeover, ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}
		if !p.AcceptsShared(frame.Server, flate.BestSpeed) {
			t.Fatal("AcceptsShared = false for a no-takeover server")
		}
		c := NewCompressor(p, frame.Server)
		d := NewDecompressor(p, frame.Client)
		for i := range 3 {
			wire := shared
			if i == 1 {
				wire = c.Compress(nil, m)
			}
			got, err := d.Decompress(nil, wire, -1)
			if err != nil || !bytes.Equal(got, m) {
				t.Fatalf("message %d: %v", i, err)
			}
		}
	}
	p := &Params{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}
	if p.AcceptsShared(frame.Server, flate.BestSpeed) {
		t.Fatal("AcceptsShared = true with server context takeover")
	}
	p = &Params{ServerNoContextTakeover: true, ServerMaxWindowBits: 9, ClientMaxWindowBits: 15}
	if p.AcceptsShared(frame.Server, flate.BestSpeed) || !p.AcceptsShared(frame.Server, flate.HuffmanOnly) {
		t.Fatal("AcceptsShared ignores a 512-byte window")
	}
}

// Hot paths allocate nothing per message in steady state (dst preallocated).
func TestAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops objects at random under -race")
	}
	m := jsonLike(16<<10, 1)
	for _, tc := range []struct {
		takeover bool
		level    int
	}{{false, flate.BestSpeed}, {true, flate.BestSpeed}, {false, LowMemory}, {true, LowMemory}} {
		takeover := tc.takeover
		t.Run(fmt.Sprintf("takeover=%v/level=%d", takeover, tc.level), func(t *testing.T) {
			p := &Params{ServerNoContextTakeover: !takeover, ServerMaxWindowBits: 15, ClientMaxWindowBits: 15, Level: tc.level}
			c, d := pair(p, frame.Server)
			defer c.Release()
			wire := make([]byte, 0, 32<<10)
			out := make([]byte, 0, 32<<10)
			var err error
			// Warm the pools and buffers.
			wire = c.Compress(wire[:0], m)
			if out, err = d.Decompress(out[:0], wire, -1); err != nil {
				t.Fatal(err)
			}
			callocs := testing.AllocsPerRun(50, func() {
				wire = c.Compress(wire[:0], m)
			})
			// With takeover every compressed message must be inflated in order.
			c2, d2 := pair(p, frame.Server)
			defer c2.Release()
			dallocs := testing.AllocsPerRun(50, func() {
				wire = c2.Compress(wire[:0], m)
				out, err = d2.Decompress(out[:0], wire, -1)
			}) - callocs
			if err != nil || !bytes.Equal(out, m) {
				t.Fatalf("round trip: %v", err)
			}
			// sync.Pool may drop an object under the race detector or a GC; allow that
			// rarely, but not per message.
			if callocs > 0.1 {
				t.Fatalf("Compress: %.2f allocs per message, want 0", callocs)
			}
			if !takeover {
				shared := testing.AllocsPerRun(50, func() { wire = CompressShared(wire[:0], m, tc.level) })
				if shared > 0.1 {
					t.Fatalf("CompressShared: %.2f allocs per message, want 0", shared)
				}
			}
			// The inflater builds its Huffman tables in place: nothing per message, also
			// for dynamic blocks (compress/flate's Reset made a few small allocations).
			if dallocs > 0.1 {
				t.Fatalf("Decompress: %.2f allocs per message, want 0", dallocs)
			}
			// The streamed forms, as package conn uses them.
			c3, d3 := pair(p, frame.Server)
			defer c3.Release()
			var wbuf bytes.Buffer
			var src bytes.Reader
			wbuf.Grow(32 << 10)
			streamed := func() {
				wbuf.Reset()
				c3.Begin(&wbuf)
				_, _ = c3.Write(m)
				if err = c3.End(); err != nil {
					return
				}
				src.Reset(wbuf.Bytes())
				d3.Begin(&src, -1)
				out = out[:0]
				for err == nil {
					var n int
					n, err = d3.Read(out[len(out):cap(out)])
					out = out[:len(out)+n]
				}
				d3.End()
			}
			streamed() // warm
			if sallocs := testing.AllocsPerRun(50, streamed); sallocs > 0.1 {
				t.Fatalf("streamed Begin/Write/End and Begin/Read/End: %.2f allocs per message, want 0", sallocs)
			}
			if err != io.EOF || !bytes.Equal(out, m) {
				t.Fatalf("streamed round trip: %v", err)
			}
		})
	}
}
