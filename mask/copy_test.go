package mask

import (
	"bytes"
	"math"
	"math/rand/v2"
	"testing"
	"unsafe"
)

// naiveCopy is the byte-at-a-time definition of ApplyCopy (RFC 6455 §5.3).
func naiveCopy(dst, src []byte, key [4]byte, pos int) int {
	for i := range src {
		dst[i] = src[i] ^ key[(pos+i)&3]
	}
	return (pos + len(src)) & 3
}

// allCopyImpls returns the dispatched ApplyCopy plus every variant compiled in and
// supported here.
func allCopyImpls() []copyImplementation {
	return append([]copyImplementation{{"ApplyCopy", ApplyCopy}}, copyImplementations...)
}

// TestCopyRFCExample checks the masked "Hello" frame of RFC 6455 §5.7, copied out
// unmasked, and that the source is left as it was.
func TestCopyRFCExample(t *testing.T) {
	key := [4]byte{0x37, 0xfa, 0x21, 0x3d}
	masked := []byte{0x7f, 0x9f, 0x4d, 0x51, 0x58}
	for _, im := range allCopyImpls() {
		t.Run(im.name, func(t *testing.T) {
			src := bytes.Clone(masked)
			dst := make([]byte, 8)
			if got := im.fn(dst, src, key, 0); got != 1 {
				t.Errorf("returned pos %d, want 1", got)
			}
			if string(dst) != "Hello\x00\x00\x00" {
				t.Errorf("dst %q, want %q", dst, "Hello\x00\x00\x00")
			}
			if !bytes.Equal(src, masked) {
				t.Errorf("src changed to %x", src)
			}
		})
	}
}

// TestCopyDifferential compares every implementation with the naive loop for every
// length 0..1100, key offset 0..3, and every pair of src and dst start alignments 0..7,
// and checks that src is unchanged and the bytes around dst[:n] are untouched.
func TestCopyDifferential(t *testing.T) {
	const maxLen = 1100
	const guard = 16
	key := [4]byte{0x12, 0x34, 0x56, 0x78}
	orig := make([]byte, maxLen)
	fill(orig, 11)
	// want[pos] holds the whole expected output for key offset pos; the output for a
	// length n is its first n bytes, because byte i depends only on src[i] and pos+i.
	var want [4][]byte
	for pos := range want {
		want[pos] = make([]byte, maxLen)
		naiveCopy(want[pos], orig, key, pos)
	}
	pattern := bytes.Repeat([]byte{0xa5}, guard+8+maxLen+guard)
	dbuf := make([]byte, len(pattern))
	sbuf := make([]byte, 8+maxLen)
	for _, im := range allCopyImpls() {
		t.Run(im.name, func(t *testing.T) {
			for da := 0; da < 8; da++ {
				for sa := 0; sa < 8; sa++ {
					copy(sbuf[sa:], orig)
					src := sbuf[sa : sa+maxLen]
					for n := 0; n <= maxLen; n++ {
						lo, hi := guard+da, guard+da+n
						for pos := 0; pos < 4; pos++ {
							copy(dbuf, pattern[:hi+guard])
							got := im.fn(dbuf[lo:hi:hi], src[:n:n], key, pos)
							if got != (pos+n)&3 {
								t.Fatalf("dst align %d src align %d len %d pos %d: returned %d, want %d",
									da, sa, n, pos, got, (pos+n)&3)
							}
							if !bytes.Equal(dbuf[lo:hi], want[pos][:n]) {
								t.Fatalf("dst align %d src align %d len %d pos %d: first difference at %d",
									da, sa, n, pos, firstDiff(dbuf[lo:hi], want[pos][:n]))
							}
							if !bytes.Equal(dbuf[:lo], pattern[:lo]) || !bytes.Equal(dbuf[hi:hi+guard], pattern[:guard]) {
								t.Fatalf("dst align %d src align %d len %d pos %d: wrote outside dst[:%d]", da, sa, n, pos, n)
							}
						}
					}
					if !bytes.Equal(src, orig) {
						t.Fatalf("dst align %d src align %d: src modified at %d", da, sa, firstDiff(src, orig))
					}
				}
			}
		})
	}
}

// TestCopyAliased checks ApplyCopy(b, b, ...), which the doc allows and which must equal
// Apply(b, ...), for every length 0..1100, key offset 0..3 and start alignment 0..7.
func TestCopyAliased(t *testing.T) {
	const maxLen = 1100
	const guard = 16
	key := [4]byte{0x9e, 0x37, 0x79, 0xb9}
	orig := make([]byte, maxLen)
	fill(orig, 12)
	var want [4][]byte
	for pos := range want {
		want[pos] = make([]byte, maxLen)
		naiveCopy(want[pos], orig, key, pos)
	}
	pattern := bytes.Repeat([]byte{0x5a}, guard+8+maxLen+guard)
	buf := make([]byte, len(pattern))
	for _, im := range allCopyImpls() {
		t.Run(im.name, func(t *testing.T) {
			for align := 0; align < 8; align++ {
				for n := 0; n <= maxLen; n++ {
					lo, hi := guard+align, guard+align+n
					for pos := 0; pos < 4; pos++ {
						copy(buf, pattern[:hi+guard])
						copy(buf[lo:hi], orig)
						b := buf[lo:hi:hi]
						if got := im.fn(b, b, key, pos); got != (pos+n)&3 {
							t.Fatalf("align %d len %d pos %d: returned %d, want %d", align, n, pos, got, (pos+n)&3)
						}
						if !bytes.Equal(b, want[pos][:n]) {
							t.Fatalf("align %d len %d pos %d: first difference at %d", align, n, pos, firstDiff(b, want[pos][:n]))
						}
						if !bytes.Equal(buf[:lo], pattern[:lo]) || !bytes.Equal(buf[hi:hi+guard], pattern[:guard]) {
							t.Fatalf("align %d len %d pos %d: wrote outside the slice", align, n, pos)
						}
					}
				}
			}
		})
	}
}

// TestCopyAlignments runs every implementation with dst at every offset 0..63 from a
// 64-byte aligned address, src at a few offsets, and lengths whose ends fall on and off
// 16-, 32- and 64-byte boundaries, so the vector code's choice to store or skip its first
// and last vectors is reached both ways.
func TestCopyAlignments(t *testing.T) {
	const guard = 64
	lengths := []int{16, 17, 31, 32, 33, 47, 48, 63, 64, 65, 95, 96, 97, 127, 128, 129, 160,
		191, 192, 193, 255, 256, 257, 300, 1023, 1024, 1025, 4095, 4096, 4097}
	key := [4]byte{0xa1, 0xb2, 0xc3, 0xd4}
	orig := make([]byte, 4097)
	fill(orig, 13)
	var want [4][]byte
	for pos := range want {
		want[pos] = make([]byte, len(orig))
		naiveCopy(want[pos], orig, key, pos)
	}
	raw := make([]byte, 64+guard+64+len(orig)+guard)
	pattern := bytes.Repeat([]byte{0x5a}, len(raw))
	base := guard + int(-uintptr(unsafe.Pointer(&raw[guard]))&63) // raw[base] is 64-byte aligned
	sraw := make([]byte, 64+64+len(orig))
	sbase := int(-uintptr(unsafe.Pointer(&sraw[0])) & 63)
	for _, im := range allCopyImpls() {
		t.Run(im.name, func(t *testing.T) {
			for _, soff := range []int{0, 1, 8, 31, 32, 63} {
				src := sraw[sbase+soff : sbase+soff+len(orig)]
				copy(src, orig)
				for off := 0; off < 64; off++ {
					for _, n := range lengths {
						for pos := 0; pos < 4; pos++ {
							copy(raw, pattern)
							lo, hi := base+off, base+off+n
							if got := im.fn(raw[lo:hi:hi], src[:n], key, pos); got != (pos+n)&3 {
								t.Fatalf("src offset %d dst offset %d len %d pos %d: returned %d", soff, off, n, pos, got)
							}
							if !bytes.Equal(raw[lo:hi], want[pos][:n]) {
								t.Fatalf("src offset %d dst offset %d len %d pos %d: first difference at %d",
									soff, off, n, pos, firstDiff(raw[lo:hi], want[pos][:n]))
							}
							if !bytes.Equal(raw[:lo], pattern[:lo]) || !bytes.Equal(raw[hi:], pattern[hi:]) {
								t.Fatalf("src offset %d dst offset %d len %d pos %d: wrote outside [%d:%d]",
									soff, off, n, pos, lo, hi)
							}
						}
					}
				}
				if !bytes.Equal(src, orig) {
					t.Fatalf("src offset %d: src modified", soff)
				}
			}
		})
	}
}

// TestCopyPosOutOfRange checks that only pos&3 matters, negative and large values included.
func TestCopyPosOutOfRange(t *testing.T) {
	key := [4]byte{1, 2, 3, 4}
	src := make([]byte, 300)
	fill(src, 14)
	for _, im := range allCopyImpls() {
		t.Run(im.name, func(t *testing.T) {
			for _, pos := range []int{-1, -4, 5, 1 << 30, -(1 << 30) + 3, math.MaxInt, math.MinInt} {
				for _, n := range []int{0, 3, 9, 100, 300} {
					got := make([]byte, n)
					want := make([]byte, n)
					gp := im.fn(got, src[:n], key, pos)
					wp := naiveCopy(want, src[:n], key, pos&3)
					if gp != wp || !bytes.Equal(got, want) {
						t.Fatalf("pos %d len %d: got (%d, %x), want (%d, %x)", pos, n, gp, got, wp, want)
					}
				}
			}
		})
	}
}

// TestCopyChunked checks that copying in chunks, threading the returned position, gives
// the same bytes as Apply on the whole payload.
func TestCopyChunked(t *testing.T) {
	key := [4]byte{0xde, 0xad, 0xbe, 0xef}
	src := make([]byte, 5000)
	fill(src, 15)
	whole := bytes.Clone(src)
	naive(whole, key, 0)
	r := rand.New(rand.NewPCG(5, 6))
	for _, im := range allCopyImpls() {
		t.Run(im.name, func(t *testing.T) {
			for round := 0; round < 50; round++ {
				dst := make([]byte, len(src))
				pos := 0
				for i := 0; i < len(src); {
					n := min(r.IntN(300), len(src)-i)
					pos = im.fn(dst[i:], src[i:i+n], key, pos)
					i += n
				}
				if !bytes.Equal(dst, whole) {
					t.Fatalf("round %d: chunked copy differs from whole at %d", round, firstDiff(dst, whole))
				}
				if pos != len(src)&3 {
					t.Fatalf("round %d: final pos %d, want %d", round, pos, len(src)&3)
				}
			}
		})
	}
}

// TestCopyLongerDst checks that ApplyCopy writes only dst[:len(src)] of a longer dst.
func TestCopyLongerDst(t *testing.T) {
	key := [4]byte{0x10, 0x20, 0x30, 0x40}
	for _, im := range allCopyImpls() {
		t.Run(im.name, func(t *testing.T) {
			for _, n := range []int{0, 1, 5, 12, 20, 40, 200} {
				src := make([]byte, n)
				fill(src, uint64(n))
				dst := bytes.Repeat([]byte{0xee}, n+40)
				want := bytes.Clone(dst)
				naiveCopy(want, src, key, 2)
				im.fn(dst, src, key, 2)
				if !bytes.Equal(dst, want) {
					t.Fatalf("len %d: first difference at %d", n, firstDiff(dst, want))
				}
			}
		})
	}
}

// TestCopyShortDst checks that ApplyCopy panics, before writing anything, when dst is
// shorter than src, even when dst's capacity would hold src.
func TestCopyShortDst(t *testing.T) {
	key := [4]byte{1, 2, 3, 4}
	for _, tc := range []struct {
		name     string
		dst, src int // lengths; dst's capacity is always 64
	}{
		{"empty dst", 0, 1},
		{"one short", 15, 16},
		{"long src", 40, 63},
	} {
		t.Run(tc.name, func(t *testing.T) {
			backing := make([]byte, 64)
			dst := backing[:tc.dst]
			src := make([]byte, tc.src)
			fill(src, 3)
			defer func() {
				if recover() == nil {
					t.Fatalf("ApplyCopy with len(dst) %d < len(src) %d did not panic", tc.dst, tc.src)
				}
				if !bytes.Equal(backing, make([]byte, 64)) {
					t.Fatalf("ApplyCopy wrote to dst before panicking")
				}
			}()
			ApplyCopy(dst, src, key, 0)
		})
	}
}

// TestCopyAllocs asserts that ApplyCopy allocates nothing, at sizes on both sides of the
// assembly threshold.
func TestCopyAllocs(t *testing.T) {
	src := make([]byte, 64<<10)
	dst := make([]byte, 64<<10)
	key := [4]byte{1, 2, 3, 4}
	for _, n := range []int{0, 7, 125, 4096, len(src)} {
		allocs := testing.AllocsPerRun(100, func() {
			ApplyCopy(dst, src[:n], key, 1)
		})
		if allocs != 0 {
			t.Errorf("ApplyCopy of %d bytes: %v allocs, want 0", n, allocs)
		}
	}
}

// TestCopyEmpty checks that nil and empty sources are accepted, write nothing and only
// reduce pos mod 4.
func TestCopyEmpty(t *testing.T) {
	key := [4]byte{1, 2, 3, 4}
	for _, im := range allCopyImpls() {
		t.Run(im.name, func(t *testing.T) {
			for _, dst := range [][]byte{nil, {}, {0xcc}} {
				for _, src := range [][]byte{nil, {}, make([]byte, 8)[8:]} {
					for pos := -5; pos < 9; pos++ {
						if got := im.fn(dst, src, key, pos); got != pos&3 {
							t.Fatalf("pos %d: returned %d, want %d", pos, got, pos&3)
						}
					}
				}
				if len(dst) == 1 && dst[0] != 0xcc {
					t.Fatalf("an empty copy wrote dst[0]")
				}
			}
		})
	}
}

// TestCopyDispatchCovered checks that the variant ApplyCopy dispatches to on this machine
// is one of those the tests run on their own.
func TestCopyDispatchCovered(t *testing.T) {
	for _, im := range copyImplementations {
		if im.name == copyImplName {
			t.Logf("ApplyCopy dispatches to %s", copyImplName)
			return
		}
	}
	t.Fatalf("ApplyCopy dispatches to %q, which is not in copyImplementations", copyImplName)
}
