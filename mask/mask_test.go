package mask

import (
	"bytes"
	"math"
	"math/rand/v2"
	"testing"
	"unsafe"
)

// naive is the byte-at-a-time definition of RFC 6455 §5.3:
// transformed-octet-i = original-octet-i XOR masking-key-octet-(i MOD 4).
func naive(b []byte, key [4]byte, pos int) int {
	for i := range b {
		b[i] ^= key[(pos+i)&3]
	}
	return (pos + len(b)) & 3
}

// allImpls returns the dispatched Apply plus every variant compiled in and supported here.
func allImpls() []implementation {
	return append([]implementation{{"Apply", Apply}}, implementations...)
}

func fill(b []byte, seed uint64) {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
}

// TestRFCExample checks the masked "Hello" frame of RFC 6455 §5.7.
func TestRFCExample(t *testing.T) {
	key := [4]byte{0x37, 0xfa, 0x21, 0x3d}
	want := []byte{0x7f, 0x9f, 0x4d, 0x51, 0x58}
	for _, im := range allImpls() {
		t.Run(im.name, func(t *testing.T) {
			b := []byte("Hello")
			if got := im.fn(b, key, 0); got != 1 {
				t.Errorf("returned pos %d, want 1", got)
			}
			if !bytes.Equal(b, want) {
				t.Errorf("masked %x, want %x", b, want)
			}
			im.fn(b, key, 0)
			if string(b) != "Hello" {
				t.Errorf("unmasked %q, want %q", b, "Hello")
			}
		})
	}
}

// TestDifferential compares every implementation with the naive loop for every length
// 0..1100, key offset 0..3 and buffer start alignment 0..7, and checks that the bytes
// around the slice are untouched.
func TestDifferential(t *testing.T) {
	const maxLen = 1100
	key := [4]byte{0x12, 0x34, 0x56, 0x78}
	src := make([]byte, maxLen+8)
	fill(src, 1)
	const guard = 16
	buf := make([]byte, guard+8+maxLen+guard)
	want := make([]byte, len(buf))
	for _, im := range allImpls() {
		t.Run(im.name, func(t *testing.T) {
			for align := 0; align < 8; align++ {
				for n := 0; n <= maxLen; n++ {
					for pos := 0; pos < 4; pos++ {
						copy(buf, bytes.Repeat([]byte{0xa5}, len(buf)))
						copy(buf[guard+align:], src[:n])
						copy(want, buf)
						lo, hi := guard+align, guard+align+n
						wantPos := naive(want[lo:hi], key, pos)
						gotPos := im.fn(buf[lo:hi:hi], key, pos)
						if gotPos != wantPos {
							t.Fatalf("align %d len %d pos %d: returned %d, want %d", align, n, pos, gotPos, wantPos)
						}
						if !bytes.Equal(buf, want) {
							t.Fatalf("align %d len %d pos %d: first difference at %d (slice is [%d:%d])",
								align, n, pos, firstDiff(buf, want), lo, hi)
						}
					}
				}
			}
		})
	}
}

// TestAlignments runs every implementation at every start offset from a 64-byte aligned
// address (0..63) and lengths whose ends fall on and off 16-, 32- and 64-byte boundaries,
// comparing with the naive loop and checking the bytes around the slice. The vector code
// stores its first and last vectors only when the start or end is not aligned, so both
// sides of that choice must be reached; TestDifferential's buffers start at one alignment.
func TestAlignments(t *testing.T) {
	const guard = 64
	lengths := []int{16, 17, 31, 32, 33, 47, 48, 63, 64, 65, 95, 96, 97, 127, 128, 129, 160,
		191, 192, 193, 255, 256, 257, 300, 1023, 1024, 1025, 4095, 4096, 4097}
	key := [4]byte{0xa1, 0xb2, 0xc3, 0xd4}
	src := make([]byte, 4097)
	fill(src, 9)
	raw := make([]byte, 64+guard+64+4097+guard)
	base := guard + int(-uintptr(unsafe.Pointer(&raw[guard]))&63) // raw[base] is 64-byte aligned
	want := make([]byte, len(raw))
	for _, im := range allImpls() {
		t.Run(im.name, func(t *testing.T) {
			for off := 0; off < 64; off++ {
				for _, n := range lengths {
					for pos := 0; pos < 4; pos++ {
						for i := range raw {
							raw[i] = 0x5a
						}
						lo, hi := base+off, base+off+n
						copy(raw[lo:hi], src)
						copy(want, raw)
						wantPos := naive(want[lo:hi], key, pos)
						if got := im.fn(raw[lo:hi:hi], key, pos); got != wantPos {
							t.Fatalf("offset %d len %d pos %d: returned %d, want %d", off, n, pos, got, wantPos)
						}
						if !bytes.Equal(raw, want) {
							t.Fatalf("offset %d len %d pos %d: first difference at %d (slice is [%d:%d])",
								off, n, pos, firstDiff(raw, want), lo, hi)
						}
					}
				}
			}
		})
	}
}

func firstDiff(a, b []byte) int {
	for i := range a {
		if a[i] != b[i] {
			return i
		}
	}
	return -1
}

// TestPosOutOfRange checks that only pos&3 matters, negative and large values included.
func TestPosOutOfRange(t *testing.T) {
	key := [4]byte{1, 2, 3, 4}
	for _, im := range allImpls() {
		t.Run(im.name, func(t *testing.T) {
			for _, pos := range []int{-1, -4, 5, 1 << 30, -(1 << 30) + 3, math.MaxInt, math.MinInt} {
				for _, n := range []int{0, 3, 9, 100, 300} {
					got := make([]byte, n)
					want := make([]byte, n)
					gp := im.fn(got, key, pos)
					wp := naive(want, key, pos&3)
					if gp != wp || !bytes.Equal(got, want) {
						t.Fatalf("pos %d len %d: got (%d, %x), want (%d, %x)", pos, n, gp, got, wp, want)
					}
				}
			}
		})
	}
}

// TestChunked checks that masking in chunks, threading the returned position, gives the
// same bytes as masking the whole payload at once.
func TestChunked(t *testing.T) {
	key := [4]byte{0xde, 0xad, 0xbe, 0xef}
	whole := make([]byte, 5000)
	fill(whole, 2)
	chunked := bytes.Clone(whole)
	naive(whole, key, 0)
	r := rand.New(rand.NewPCG(3, 4))
	for _, im := range allImpls() {
		t.Run(im.name, func(t *testing.T) {
			for round := 0; round < 50; round++ {
				b := bytes.Clone(chunked)
				pos := 0
				for rest := b; len(rest) > 0; {
					n := min(r.IntN(300), len(rest))
					pos = im.fn(rest[:n], key, pos)
					rest = rest[n:]
				}
				if !bytes.Equal(b, whole) {
					t.Fatalf("round %d: chunked masking differs from whole at %d", round, firstDiff(b, whole))
				}
				if pos != len(b)&3 {
					t.Fatalf("round %d: final pos %d, want %d", round, pos, len(b)&3)
				}
			}
		})
	}
}

// TestAllocs asserts that masking allocates nothing, at sizes on both sides of the
// assembly threshold.
func TestAllocs(t *testing.T) {
	b := make([]byte, 64<<10)
	key := [4]byte{1, 2, 3, 4}
	for _, n := range []int{0, 7, 125, 4096, len(b)} {
		allocs := testing.AllocsPerRun(100, func() {
			Apply(b[:n], key, 1)
		})
		if allocs != 0 {
			t.Errorf("Apply of %d bytes: %v allocs, want 0", n, allocs)
		}
	}
}

// TestEmpty checks that nil and empty slices are accepted and only reduce pos mod 4.
func TestEmpty(t *testing.T) {
	key := [4]byte{1, 2, 3, 4}
	for _, im := range allImpls() {
		t.Run(im.name, func(t *testing.T) {
			for _, b := range [][]byte{nil, {}, make([]byte, 8)[8:]} {
				for pos := -5; pos < 9; pos++ {
					if got := im.fn(b, key, pos); got != pos&3 {
						t.Fatalf("pos %d: returned %d, want %d", pos, got, pos&3)
					}
				}
			}
		})
	}
}

// TestDispatchCovered checks that the variant Apply dispatches to on this machine is one
// of those the tests run on their own, so its small-size code is exercised directly.
func TestDispatchCovered(t *testing.T) {
	for _, im := range implementations {
		if im.name == implName {
			t.Logf("Apply dispatches to %s", implName)
			return
		}
	}
	t.Fatalf("Apply dispatches to %q, which is not in implementations", implName)
}
