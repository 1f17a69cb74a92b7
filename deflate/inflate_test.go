package deflate

import (
	"bytes"
	"compress/flate"
	"fmt"
	"io"
	"testing"

	"github.com/duplexws/duplex/frame"
)

// The inflater against compress/flate on streams that exercise its edges: stored blocks
// longer than its 64 KiB buffer, output that slides the history many times, codes longer
// than the lookup table, and input arriving one byte at a time.
func TestInflateMatchesFlate(t *testing.T) {
	big := append(jsonLike(150<<10, 3), randomBytes(70<<10, 4)...)
	tests := []struct {
		name  string
		level int
		msg   []byte
	}{
		{"stored 220 KiB", flate.NoCompression, big},
		{"huffman only", flate.HuffmanOnly, big},
		{"best speed", flate.BestSpeed, big},
		{"best compression", flate.BestCompression, big},
		{"zeros", flate.BestCompression, make([]byte, 300<<10)},
		{"long codes", flate.HuffmanOnly, skewed(100 << 10)},
		{"empty", flate.BestSpeed, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var w bytes.Buffer
			fw, _ := flate.NewWriter(&w, tc.level)
			_, _ = fw.Write(tc.msg)
			_ = fw.Flush()
			payload := trimTail(w.Bytes(), 0)
			for _, oneByte := range []bool{false, true} {
				t.Run(fmt.Sprintf("oneByte=%v", oneByte), func(t *testing.T) {
					d := NewDecompressor(&Params{ServerNoContextTakeover: true}, frame.Client)
					var src io.Reader = bytes.NewReader(payload)
					if oneByte {
						src = &oneByteReader{b: payload}
					}
					d.Begin(src, -1)
					var got []byte
					buf := make([]byte, 1000)
					var err error
					for err == nil {
						var n int
						n, err = d.Read(buf)
						got = append(got, buf[:n]...)
					}
					d.End()
					if err != io.EOF || !bytes.Equal(got, tc.msg) {
						t.Fatalf("err %v, %d bytes (want %d), equal %v", err, len(got), len(tc.msg), bytes.Equal(got, tc.msg))
					}
				})
			}
		})
	}
}

// skewed returns n bytes with geometric byte frequencies, so a Huffman code for them
// has codes of up to 15 bits (longer than the inflater's 10-bit table).
func skewed(n int) []byte {
	b := make([]byte, 0, n)
	for i := 0; len(b) < n; i++ {
		v := byte(0)
		for x := i; x&1 == 1 && v < 40; x >>= 1 {
			v++
		}
		b = append(b, 'a'+v)
	}
	return b
}

// Invalid streams, each fails with ErrCorrupt, as compress/flate rejects them too.
func TestInflateCorrupt(t *testing.T) {
	tests := []struct{ name, payload string }{
		{"reserved block type", "07 00"},
		{"stored length mismatch", "00 05 00 00 00 48"},
		{"stored block cut short", "00 05 00 fa ff 48 65"},
		{"truncated huffman block", "f2 48 cd"},
		{"distance before history", "f2 00 11 00 00"},
		{"fixed literal 286", "1a 03"},
		{"fixed distance 30", "02 1e 00"},
		{"too many length codes", "fd 1f"}, // dynamic, HLIT = 31 (288 codes)
		{"incomplete code-length code", "04 e0 ff 01"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := unhex(t, tc.payload)
			_, ferr := io.ReadAll(flate.NewReader(bytes.NewReader(append(append([]byte(nil), p...), inflateTail...))))
			if ferr == nil {
				t.Fatal("compress/flate accepts it: the case is not invalid")
			}
			d := NewDecompressor(&Params{ServerNoContextTakeover: true}, frame.Client)
			if _, err := d.Decompress(nil, p, 1<<20); err != ErrCorrupt {
				t.Fatalf("err = %v, want ErrCorrupt", err)
			}
		})
	}
}
