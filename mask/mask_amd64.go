//go:build !purego

package mask

import (
	"encoding/binary"
	"math/bits"
	"unsafe"

	"golang.org/x/sys/cpu"
)

// Instruction sets of the amd64 assembly, in increasing vector width.
const (
	isaSSE2 = iota
	isaAVX2
	isaAVX512
)

// simdMin is the payload length below which Apply stays in the portable code: under a
// few vectors the call into assembly and the alignment head cost more than they save.
const simdMin = 64

// implName names the implementation Apply dispatches to, for tests and benchmarks.
var implName = isaName(bestISA)

// haveSIMD reports whether an assembly implementation is compiled in and usable. SSE2 is
// part of the amd64 baseline, so it always is.
const haveSIMD = true

// bestISA is the widest instruction set this CPU supports that pays off, chosen once.
//
// AVX-512 is not used even where the CPU has it: measured on AMD Zen 4 (which executes
// 512-bit operations as two 256-bit halves) it was no faster than AVX2 at any size, and on
// Intel parts it can lower the core clock. The implementation is kept so tests and
// benchmarks can compare it.
var bestISA = func() int {
	if cpu.X86.HasAVX2 {
		return isaAVX2
	}
	return isaSSE2
}()

func isaName(isa int) string {
	switch isa {
	case isaAVX512:
		return "avx512"
	case isaAVX2:
		return "avx2"
	}
	return "sse2"
}

// implementations lists the variants tests and benchmarks exercise on this machine. The
// assembly entries take every length, so tests reach their head and tail code too.
var implementations = func() []implementation {
	im := []implementation{
		{"generic", applyGeneric},
		{"sse2", func(b []byte, key [4]byte, pos int) int { return applyAsm(b, key, pos, isaSSE2) }},
	}
	if cpu.X86.HasAVX2 {
		im = append(im, implementation{"avx2", func(b []byte, key [4]byte, pos int) int { return applyAsm(b, key, pos, isaAVX2) }})
	}
	if cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW {
		im = append(im, implementation{"avx512", func(b []byte, key [4]byte, pos int) int { return applyAsm(b, key, pos, isaAVX512) }})
	}
	return im
}()

func apply(b []byte, key [4]byte, pos int) int {
	if len(b) < simdMin {
		return applyGeneric(b, key, pos)
	}
	return applyAsm(b, key, pos, bestISA)
}

// applyAsm masks b with the given instruction set: the portable code up to the first
// vector-aligned address, whole vectors in assembly, the portable code for the rest.
func applyAsm(b []byte, key [4]byte, pos int, isa int) int {
	pos &= 3
	end := (pos + len(b)) & 3
	width := 16 << isa // 16, 32 or 64 bytes
	// Aligned vectors never straddle a cache line, which matters most for wide stores.
	head := int(-uintptr(unsafe.Pointer(unsafe.SliceData(b))) & uintptr(width-1))
	if head >= len(b) {
		return applyGeneric(b, key, pos)
	}
	if head > 0 {
		pos = applyGeneric(b[:head], key, pos)
		b = b[head:]
	}
	if n := len(b) &^ (width - 1); n > 0 {
		k := bits.RotateLeft32(binary.LittleEndian.Uint32(key[:]), -8*pos)
		p := unsafe.SliceData(b)
		switch isa {
		case isaAVX512:
			xorAVX512(p, n, k)
		case isaAVX2:
			xorAVX2(p, n, k)
		default:
			xorSSE2(p, n, k)
		}
		b = b[n:]
	}
	// n is a multiple of 4, so the key position is unchanged for the tail.
	if len(b) > 0 {
		applyGeneric(b, key, pos)
	}
	return end
}

// xorSSE2 XORs n bytes at p, n a positive multiple of 16, with the 32-bit little-endian
// key word k repeated.
//
//go:noescape
func xorSSE2(p *byte, n int, k uint32)

// xorAVX2 is xorSSE2 for n a positive multiple of 32, with AVX2.
//
//go:noescape
func xorAVX2(p *byte, n int, k uint32)

// xorAVX512 is xorSSE2 for n a positive multiple of 64, with AVX-512F.
//
//go:noescape
func xorAVX512(p *byte, n int, k uint32)
