package deflate

import (
	"bytes"
	"compress/flate"
	"errors"
	"io"
	"testing"

	"github.com/duplexws/duplex/frame"
	"github.com/duplexws/duplex/handshake"
)

// FuzzInflate feeds arbitrary payloads to a Decompressor under a read limit: it must
// never panic, never hand out more than the limit, and fail only with frame.ErrTooBig or
// ErrCorrupt. The streamed and whole-message forms must agree.
func FuzzInflate(f *testing.F) {
	for _, h := range []string{
		"f2 48 cd c9 c9 07 00", "f2 00 11 00 00", "00 05 00 fa ff 48 65 6c 6c 6f 00",
		"f3 48 cd c9 c9 07 00 00", "f2 48 05 00 00 00 ff ff ca c9 c9 07 00", "00", "", "07 00",
	} {
		f.Add(unhex(f, h), uint16(100), false)
	}
	f.Add(bomb(f, 70000), uint16(1000), true)
	f.Fuzz(func(t *testing.T, payload []byte, lim uint16, takeover bool) {
		limit := int64(lim)
		p := &Params{ServerNoContextTakeover: !takeover, ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}
		d := NewDecompressor(p, frame.Client)
		out, err := d.Decompress(nil, payload, limit)
		if int64(len(out)) > limit {
			t.Fatalf("%d bytes out, limit %d", len(out), limit)
		}
		if err != nil && err != frame.ErrTooBig && err != ErrCorrupt {
			t.Fatalf("unexpected error %v", err)
		}
		d2 := NewDecompressor(p, frame.Client)
		d2.Begin(bytes.NewReader(payload), limit)
		var got []byte
		buf := make([]byte, 7)
		var serr error
		for {
			n, e := d2.Read(buf)
			got = append(got, buf[:n]...)
			if int64(len(got)) > limit {
				t.Fatalf("streamed %d bytes, limit %d", len(got), limit)
			}
			if e != nil {
				serr = e
				break
			}
		}
		d2.End()
		if errors.Is(serr, io.EOF) {
			serr = nil
		}
		if serr != err {
			t.Fatalf("streamed err %v, whole err %v", serr, err)
		}
		if err == nil && !bytes.Equal(got, out) {
			t.Fatal("streamed and whole outputs differ")
		}
	})
}

// FuzzInflateDifferential: the package's inflater and compress/flate agree on every
// input, given the same preset history: both fail, or both succeed with the same bytes.
// The input is a raw DEFLATE stream (the RFC 7692 tail is added, as for a message), so
// the fuzzer explores block types, code tables and distances directly.
func FuzzInflateDifferential(f *testing.F) {
	for _, h := range []string{
		"f2 48 cd c9 c9 07 00", "f2 00 11 00 00", "00 05 00 fa ff 48 65 6c 6c 6f 00", "03 00",
		"f3 48 cd c9 c9 07 00 00", "f2 48 05 00 00 00 ff ff ca c9 c9 07 00", "00", "", "07 00",
	} {
		f.Add(unhex(f, h), []byte("Hello"), 1)
	}
	for i, level := range []int{LowMemory, flate.HuffmanOnly, flate.BestSpeed, 6, flate.BestCompression} {
		c := NewCompressor(&Params{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15, Level: level}, frame.Server)
		m := jsonLike(3000+i*5000, uint64(i))
		f.Add(c.Compress(nil, m), []byte(nil), 0)
		f.Add(c.Compress(nil, m), m, 1000*i) // context takeover: m is the history
		c.Release()
	}
	f.Add(bomb(f, 70000), []byte(nil), 0)
	f.Fuzz(func(t *testing.T, payload, dict []byte, cut int) {
		// cut trims the dictionary so that distances meet its start in the fuzzed cases.
		if cut >= 0 && cut < len(dict) {
			dict = dict[cut:]
		}
		in := append(append([]byte(nil), payload...), inflateTail...)
		const limit = 1 << 22
		want, werr := io.ReadAll(io.LimitReader(flate.NewReaderDict(bytes.NewReader(in), dict), limit+1))
		d := &Decompressor{takeover: true, winSize: maxHistory, window: dict}
		got, gerr := d.Decompress(nil, payload, limit)
		if werr == nil && len(want) > limit {
			if gerr != frame.ErrTooBig {
				t.Fatalf("%d bytes or more, limit %d: err %v, want frame.ErrTooBig", len(want), limit, gerr)
			}
			return
		}
		if (werr != nil) != (gerr != nil) {
			t.Fatalf("compress/flate err %v, inflater err %v", werr, gerr)
		}
		if werr == nil && !bytes.Equal(got, want) {
			t.Fatalf("outputs differ: %d vs %d bytes", len(got), len(want))
		}
	})
}

// FuzzRoundTrip: whatever is compressed inflates back to itself.
func FuzzRoundTrip(f *testing.F) {
	f.Add([]byte("Hello"), []byte("Hello"), int8(1))
	f.Add([]byte{}, []byte("{}"), int8(6))
	f.Add(bytes.Repeat([]byte("ab"), 3000), []byte("abab"), int8(-2))
	f.Add(jsonLike(3000, 1), jsonLike(300, 1), int8(LowMemory))
	f.Fuzz(func(t *testing.T, a, b []byte, level int8) {
		p := &Params{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15, Level: int(level)}
		c, d := pair(p, frame.Server)
		defer c.Release()
		for _, m := range [][]byte{a, b, a} {
			got, err := d.Decompress(nil, c.Compress(nil, m), int64(len(m)))
			if err != nil || !bytes.Equal(got, m) {
				t.Fatalf("round trip failed: %v", err)
			}
		}
	})
}

// FuzzNegotiate: any offer header either is declined or yields a response that the
// client side accepts, with both sides agreeing on the parameters.
func FuzzNegotiate(f *testing.F) {
	for _, s := range []string{
		"permessage-deflate", "permessage-deflate; client_max_window_bits",
		"permessage-deflate; server_max_window_bits=10, permessage-deflate",
		"permessage-deflate; client_no_context_takeover; server_no_context_takeover",
		"permessage-deflate; client_max_window_bits=8; server_max_window_bits=15",
		"permessage-deflate; foo, permessage-deflate; client_max_window_bits=016",
	} {
		f.Add(s, uint8(0))
	}
	f.Fuzz(func(t *testing.T, header string, cbits uint8) {
		exts, err := handshake.ParseExtensions([]string{header})
		if err != nil {
			return
		}
		cfg := &Options{ClientMaxWindowBits: int(cbits)}
		resp, p, ok := Negotiate(exts, cfg)
		if !ok {
			return
		}
		// The client that made the accepted offer must be able to accept the answer;
		// reconstruct its options from the offer it made.
		var o offer
		found := false
		for _, e := range exts {
			if !isDeflate(e) {
				continue
			}
			oo, err := parseParams(e.Params, false)
			if err != nil {
				continue
			}
			o, found = oo, true
			break
		}
		if !found {
			t.Fatalf("accepted %q but no offer was acceptable", header)
		}
		if !o.clientMaxWindowBitsSet {
			for _, prm := range resp.Params {
				if prm.Name == paramClientMaxWindowBits {
					t.Fatal("client_max_window_bits answered but not offered (RFC 7692 §7.1.2.2)")
				}
			}
		}
		ccfg := &Options{ServerMaxWindowBits: o.serverMaxWindowBits}
		cp, err := Accept(resp, ccfg)
		if err != nil {
			t.Fatalf("client rejects %q: %v", resp.String(), err)
		}
		if cp.ServerNoContextTakeover != p.ServerNoContextTakeover || cp.ServerMaxWindowBits != p.ServerMaxWindowBits {
			t.Fatalf("server direction: client %+v server %+v", cp, p)
		}
	})
}

// FuzzLowMemory: the LowMemory encoder round-trips, through this package's inflater and
// through compress/flate, for every window size, never refers further back than the
// window, and gives the same bytes whether a message is written whole or in two pieces.
func FuzzLowMemory(f *testing.F) {
	f.Add([]byte("Hello"), []byte("Hello"), uint8(15), true, uint16(2))
	f.Add(jsonLike(9000, 1), jsonLike(3000, 2), uint8(8), true, uint16(8192))
	f.Add(bytes.Repeat([]byte{0}, 20000), []byte("x"), uint8(9), false, uint16(100))
	f.Add(randomBytes(3000, 1), randomBytes(3000, 1), uint8(12), true, uint16(0))
	f.Fuzz(func(t *testing.T, a, b []byte, bits uint8, takeover bool, split uint16) {
		wb := MinWindowBits + int(bits)%(MaxWindowBits-MinWindowBits+1)
		p := &Params{ServerNoContextTakeover: !takeover, ServerMaxWindowBits: wb, ClientMaxWindowBits: 15, Level: LowMemory}
		c, d := pair(p, frame.Server)
		cs, _ := pair(p, frame.Server)
		defer c.Release()
		defer cs.Release()
		var hist []byte // what the peer has seen, with takeover
		for _, m := range [][]byte{a, b, a} {
			e := c.acquireLean()
			wire := c.Compress(nil, m)
			if takeover && e.maxDist > 1<<wb {
				t.Fatalf("distance %d beyond the %d-byte window", e.maxDist, 1<<wb)
			}
			got, err := d.Decompress(nil, wire, int64(len(m)))
			if err != nil || !bytes.Equal(got, m) {
				t.Fatalf("round trip failed: %v", err)
			}
			fr := flate.NewReaderDict(bytes.NewReader(append(append([]byte(nil), wire...), inflateTail...)), hist)
			if got, err := io.ReadAll(fr); err != nil || !bytes.Equal(got, m) {
				t.Fatalf("compress/flate does not inflate it: %v", err)
			}
			if takeover {
				hist = append(hist, m...)
				hist = hist[max(0, len(hist)-(1<<wb)):]
			}
			var buf bytes.Buffer
			cs.Begin(&buf)
			k := min(int(split), len(m))
			_, _ = cs.Write(m[:k])
			_, _ = cs.Write(m[k:])
			if err := cs.End(); err != nil || !bytes.Equal(buf.Bytes(), wire) {
				t.Fatalf("split write differs (err %v)", err)
			}
		}
	})
}
