//go:build !purego

package mask

import "unsafe"

// haveSIMD reports whether an assembly implementation is compiled in and usable.
// Advanced SIMD (NEON) is mandatory in ARMv8-A, which Go's arm64 port requires, so
// there is nothing to detect at start-up.
const haveSIMD = true

// implName names the implementation Apply dispatches to, for tests and benchmarks.
const implName = "neon"

// implementations lists the variants tests and benchmarks exercise on this machine. The
// NEON entry is called for every length, so tests reach its small-size code too.
var implementations = []implementation{
	{"generic", applyGeneric},
	{"neon", apply},
}

// apply is small enough to be inlined into Apply, so a call to Apply is one direct call
// into the assembly. The assembly itself sends payloads under 16 bytes through
// general-purpose registers (two overlapping words, or bytes below 4), so short payloads
// never touch vector registers.
func apply(b []byte, key [4]byte, pos int) int {
	xorNEON(unsafe.SliceData(b), len(b), key, pos)
	return (pos + len(b)) & 3
}

// xorNEON XORs the n bytes at p with the masking key, key[(pos+i)&3] applying to p[i].
// It touches no memory outside [p, p+n).
//
//go:noescape
func xorNEON(p *byte, n int, key [4]byte, pos int)

// applyCopy is small enough to be inlined into ApplyCopy (the assembly returns the next
// key position itself, which keeps it so). len(dst) >= len(src) (ApplyCopy checks).
func applyCopy(dst, src []byte, key [4]byte, pos int) int {
	return xorCopyNEON(unsafe.SliceData(dst), unsafe.SliceData(src), len(src), key, pos)
}

// applyCopyNEON is ApplyCopy with the NEON routine, for tests and benchmarks.
func applyCopyNEON(dst, src []byte, key [4]byte, pos int) int {
	dst = dst[:len(src):len(dst)]
	return xorCopyNEON(unsafe.SliceData(dst), unsafe.SliceData(src), len(src), key, pos)
}

// copyImplementations lists the ApplyCopy variants tests and benchmarks exercise on this
// machine.
var copyImplementations = []copyImplementation{
	{"generic", applyCopyGeneric},
	{"neon", applyCopyNEON},
}

// copyImplName names the implementation ApplyCopy dispatches to.
const copyImplName = "neon"

// xorCopyNEON writes the n bytes at src XORed with the masking key to dst, key[(pos+i)&3]
// applying to src[i], and returns (pos+n)&3. It reads only [src, src+n) and writes only
// [dst, dst+n); dst == src is allowed, another overlap is not.
//
//go:noescape
func xorCopyNEON(dst, src *byte, n int, key [4]byte, pos int) int
