package mask

import (
	"fmt"
	"testing"
)

var benchSizes = []int{8, 16, 125, 1 << 10, 16 << 10, 1 << 20}

// bsink keeps the read reference's result alive.
var bsink byte

func sizeName(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%dMiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%dKiB", n>>10)
	}
	return fmt.Sprintf("%dB", n)
}

// BenchmarkApply measures masking in place. Sub-benchmarks are named
// Apply/<impl>/<size> (impl: copy, naive, generic, simd = the dispatched Apply, and each
// assembly variant the CPU supports as simd-<name>, e.g. simd-sse2), the convention
// internal/benchtable renders; copy() of the same size is the baseline measured in the
// same run. On amd64 with AVX2, sizes that are multiples of 256 also get "read": a loop
// that only loads every byte (internal/readref), the speed of a pass that reads and does not
// write, which in-place masking (a read and a write of every byte) cannot beat once the
// buffer is too large for L1 and the bytes stream from L2 or L3.
func BenchmarkApply(b *testing.B) {
	key := [4]byte{0x37, 0xfa, 0x21, 0x3d}
	type variant struct {
		name string
		fn   func(buf []byte)
	}
	var variants []variant
	variants = append(variants,
		variant{"copy", nil},
		variant{"naive", func(buf []byte) { naive(buf, key, 1) }},
		variant{"generic", func(buf []byte) { applyGeneric(buf, key, 1) }},
	)
	if haveSIMD {
		variants = append(variants, variant{"simd", func(buf []byte) { Apply(buf, key, 1) }})
		for _, im := range implementations {
			if im.name != "generic" {
				variants = append(variants, variant{"simd-" + im.name, func(buf []byte) { im.fn(buf, key, 1) }})
			}
		}
	}
	// Sizes outer, implementations inner: the implementations of one size run close
	// together in time, so drift in machine load biases their ratios less.
	for _, n := range benchSizes {
		vs := variants
		if haveReadCeiling && n%256 == 0 {
			vs = append(vs[:len(vs):len(vs)], variant{"read", func(buf []byte) { bsink = readCeiling(buf) }})
		}
		for _, v := range vs {
			b.Run(v.name+"/"+sizeName(n), func(b *testing.B) {
				buf := make([]byte, n)
				b.SetBytes(int64(n))
				b.ReportAllocs()
				if v.fn == nil {
					src := make([]byte, n)
					for b.Loop() {
						copy(buf, src)
					}
					return
				}
				for b.Loop() {
					v.fn(buf)
				}
			})
		}
	}
}

// BenchmarkApplyCopy measures ApplyCopy, named ApplyCopy/<impl>/<size>: copy+apply (the
// two passes it replaces, copy() then Apply on the copy: the baseline, measured in the
// same run), copy (copy() alone, the floor of any pass that writes every byte), generic
// (the portable code), simd (the dispatched ApplyCopy) and each assembly variant as
// simd-<name>. src and dst are separate buffers, as when a payload is copied out of a
// read buffer.
func BenchmarkApplyCopy(b *testing.B) {
	key := [4]byte{0x37, 0xfa, 0x21, 0x3d}
	type variant struct {
		name string
		fn   func(dst, src []byte)
	}
	variants := []variant{
		{"copy+apply", func(dst, src []byte) { copy(dst, src); Apply(dst, key, 1) }},
		{"copy", func(dst, src []byte) { copy(dst, src) }},
		{"generic", func(dst, src []byte) { applyCopyGeneric(dst, src, key, 1) }},
	}
	if haveSIMD {
		variants = append(variants, variant{"simd", func(dst, src []byte) { ApplyCopy(dst, src, key, 1) }})
		for _, im := range copyImplementations {
			if im.name != "generic" {
				variants = append(variants, variant{"simd-" + im.name, func(dst, src []byte) { im.fn(dst, src, key, 1) }})
			}
		}
	}
	for _, n := range []int{16, 125, 1 << 10, 16 << 10, 1 << 20} {
		for _, v := range variants {
			b.Run(v.name+"/"+sizeName(n), func(b *testing.B) {
				src := make([]byte, n)
				dst := make([]byte, n)
				b.SetBytes(int64(n))
				b.ReportAllocs()
				for b.Loop() {
					v.fn(dst, src)
				}
			})
		}
	}
}
