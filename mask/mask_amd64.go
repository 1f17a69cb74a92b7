//go:build !purego

package mask

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

// haveSIMD reports whether an assembly implementation is compiled in and usable. SSE2 is
// part of the amd64 baseline, so it always is.
const haveSIMD = true

// useAVX2 selects the AVX2 routine over the SSE2 one, once, at start-up.
//
// There is no AVX-512 routine: measured on AMD Zen 4 (which executes 512-bit operations as
// two 256-bit halves) an AVX-512 loop was no faster than AVX2 at any size, in cache or
// out, and on some Intel parts 512-bit code lowers the core clock.
var useAVX2 = cpu.X86.HasAVX2

// implName names the implementation Apply dispatches to, for tests and benchmarks.
var implName = func() string {
	if useAVX2 {
		return "avx2"
	}
	return "sse2"
}()

// implementations lists the variants tests and benchmarks exercise on this machine. The
// assembly entries are called for every length, so tests reach their small-size code too.
var implementations = func() []implementation {
	im := []implementation{
		{"generic", applyGeneric},
		{"sse2", func(b []byte, key [4]byte, pos int) int { return applyAsm(b, key, pos, false) }},
	}
	if useAVX2 {
		im = append(im, implementation{"avx2", func(b []byte, key [4]byte, pos int) int { return applyAsm(b, key, pos, true) }})
	}
	return im
}()

// apply is small enough to be inlined into Apply, so a call to Apply is one direct call
// into the assembly. The assembly itself sends payloads under 16 bytes through
// general-purpose registers (two overlapping words, or bytes below 4), so short payloads
// never touch vector registers.
func apply(b []byte, key [4]byte, pos int) int {
	xorBest(unsafe.SliceData(b), len(b), key, pos)
	return (pos + len(b)) & 3
}

// applyAsm masks b with the AVX2 or the SSE2 routine.
func applyAsm(b []byte, key [4]byte, pos int, avx2 bool) int {
	if avx2 {
		xorAVX2(unsafe.SliceData(b), len(b), key, pos)
	} else {
		xorSSE2(unsafe.SliceData(b), len(b), key, pos)
	}
	return (pos + len(b)) & 3
}

// xorSSE2 XORs the n bytes at p with the masking key, key[(pos+i)&3] applying to p[i].
// It touches no memory outside [p, p+n).
//
//go:noescape
func xorSSE2(p *byte, n int, key [4]byte, pos int)

// xorAVX2 is xorSSE2 with 32-byte AVX2 vectors.
//
//go:noescape
func xorAVX2(p *byte, n int, key [4]byte, pos int)

// xorBest jumps to xorAVX2 if useAVX2 is set, else to xorSSE2.
//
//go:noescape
func xorBest(p *byte, n int, key [4]byte, pos int)

// copyImplementations lists the ApplyCopy variants tests and benchmarks exercise on this
// machine; like implementations, the assembly entries are called for every length.
var copyImplementations = func() []copyImplementation {
	im := []copyImplementation{
		{"generic", applyCopyGeneric},
		{"sse2", func(dst, src []byte, key [4]byte, pos int) int { return applyCopyAsm(dst, src, key, pos, false) }},
	}
	if useAVX2 {
		im = append(im, copyImplementation{"avx2", func(dst, src []byte, key [4]byte, pos int) int {
			return applyCopyAsm(dst, src, key, pos, true)
		}})
	}
	return im
}()

// applyCopy is small enough to be inlined into ApplyCopy (the assembly returns the next
// key position itself, which keeps it so). len(dst) >= len(src) (ApplyCopy checks).
func applyCopy(dst, src []byte, key [4]byte, pos int) int {
	return xorCopyBest(unsafe.SliceData(dst), unsafe.SliceData(src), len(src), key, pos)
}

// applyCopyAsm is ApplyCopy with the AVX2 or the SSE2 routine.
func applyCopyAsm(dst, src []byte, key [4]byte, pos int, avx2 bool) int {
	dst = dst[:len(src):len(dst)]
	if avx2 {
		return xorCopyAVX2(unsafe.SliceData(dst), unsafe.SliceData(src), len(src), key, pos)
	}
	return xorCopySSE2(unsafe.SliceData(dst), unsafe.SliceData(src), len(src), key, pos)
}

// xorCopySSE2 writes the n bytes at src XORed with the masking key to dst, key[(pos+i)&3]
// applying to src[i], and returns (pos+n)&3. It reads only [src, src+n) and writes only [dst, dst+n); dst == src
// is allowed, another overlap is not.
//
//go:noescape
func xorCopySSE2(dst, src *byte, n int, key [4]byte, pos int) int

// xorCopyAVX2 is xorCopySSE2 with 32-byte AVX2 vectors.
//
//go:noescape
func xorCopyAVX2(dst, src *byte, n int, key [4]byte, pos int) int

// xorCopyBest jumps to xorCopyAVX2 if useAVX2 is set, else to xorCopySSE2.
//
//go:noescape
func xorCopyBest(dst, src *byte, n int, key [4]byte, pos int) int

// copyImplName names the implementation ApplyCopy dispatches to: the same choice as Apply.
var copyImplName = implName
