//go:build !purego

package mask

import (
	"encoding/binary"
	"math/bits"
	"unsafe"

	"golang.org/x/sys/cpu"
)

// simdMin is the payload length below which Apply stays in the portable code: under a
// few vectors the call into assembly costs more than it saves.
const simdMin = 64

// haveSIMD reports whether an assembly implementation is compiled in and usable. Advanced
// SIMD (NEON) is mandatory in ARMv8-A; the feature bit is still checked.
var haveSIMD = cpu.ARM64.HasASIMD

// implName names the implementation Apply dispatches to, for tests and benchmarks.
var implName = func() string {
	if haveSIMD {
		return "neon"
	}
	return "generic"
}()

// implementations lists the variants tests and benchmarks exercise on this machine. The
// NEON entry takes every length, so tests reach its head and tail code too.
var implementations = func() []implementation {
	im := []implementation{{"generic", applyGeneric}}
	if haveSIMD {
		im = append(im, implementation{"neon", applyNEON})
	}
	return im
}()

func apply(b []byte, key [4]byte, pos int) int {
	if len(b) < simdMin || !haveSIMD {
		return applyGeneric(b, key, pos)
	}
	return applyNEON(b, key, pos)
}

// applyNEON masks b: the portable code up to the first 16-byte-aligned address, whole
// 16-byte vectors in assembly, the portable code for the rest.
func applyNEON(b []byte, key [4]byte, pos int) int {
	pos &= 3
	end := (pos + len(b)) & 3
	head := int(-uintptr(unsafe.Pointer(unsafe.SliceData(b))) & 15)
	if head >= len(b) {
		return applyGeneric(b, key, pos)
	}
	if head > 0 {
		pos = applyGeneric(b[:head], key, pos)
		b = b[head:]
	}
	if n := len(b) &^ 15; n > 0 {
		k := bits.RotateLeft32(binary.LittleEndian.Uint32(key[:]), -8*pos)
		xorNEON(unsafe.SliceData(b), n, k)
		b = b[n:]
	}
	// n is a multiple of 4, so the key position is unchanged for the tail.
	if len(b) > 0 {
		applyGeneric(b, key, pos)
	}
	return end
}

// xorNEON XORs n bytes at p, n a positive multiple of 16, with the 32-bit little-endian
// key word k repeated.
//
//go:noescape
func xorNEON(p *byte, n int, k uint32)
