package mask

import (
	"fmt"
	"testing"
)

var benchSizes = []int{8, 16, 125, 1 << 10, 16 << 10, 1 << 20}

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
// same run.
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
		for _, v := range variants {
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
