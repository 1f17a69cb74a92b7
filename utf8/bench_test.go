package utf8

import (
	"fmt"
	"testing"
	stdutf8 "unicode/utf8"
)

// benchSizes are the input sizes of the benchmarks (the references in BenchmarkValid run
// from 1 KiB up; all of those are multiples of 256, as readCeiling needs).
var benchSizes = []int{8, 64, 1 << 10, 16 << 10, 1 << 20}

func sizeName(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%dMiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%dKiB", n>>10)
	}
	return fmt.Sprintf("%dB", n)
}

var sink bool

// BenchmarkValid compares unicode/utf8.Valid (the baseline, measured in the same run), the
// portable implementation and, where available, the dispatched SIMD path. From 1 KiB up it
// also runs two references that validate nothing: "copy", copy() of the same bytes into
// another buffer, and, on amd64, "read", an AVX2 loop that only loads and ORs every byte
// (internal/readref), the fastest any validator could read the input. Every implementation,
// references included, is called through a func value, so each pays the same call
// overhead. Names: BenchmarkValid/<impl>/<corpus>/<size>.
func BenchmarkValid(b *testing.B) {
	type impl struct {
		name  string
		valid func([]byte) bool
		ref   bool // a reference: from 1 KiB up only, and its result is not a verdict
	}
	dst := make([]byte, benchSizes[len(benchSizes)-1])
	impls := []impl{
		{"stdlib", stdutf8.Valid, false},
		{"generic", validGeneric, false},
	}
	if haveSIMD {
		impls = append(impls, impl{"simd", Valid, false})
	}
	impls = append(impls, impl{"copy", func(p []byte) bool { return copy(dst, p) == len(p) }, true})
	if haveReadCeiling {
		impls = append(impls, impl{"read", readCeiling, true})
	}
	for _, im := range impls {
		b.Run(im.name, func(b *testing.B) {
			for _, c := range corpusNames {
				b.Run(c.name, func(b *testing.B) {
					for _, size := range benchSizes {
						if im.ref && size < 1<<10 {
							continue
						}
						data := corpus(b, c.file, size)
						b.Run(sizeName(size), func(b *testing.B) {
							b.SetBytes(int64(size))
							b.ReportAllocs()
							for b.Loop() {
								sink = im.valid(data)
							}
							if !sink && !im.ref {
								b.Fatal("corpus reported invalid")
							}
						})
					}
				})
			}
		})
	}
}

// BenchmarkValidator measures the streaming path: a 1 MiB corpus fed in 1 KiB chunks, whose
// boundaries fall inside code points for the non-ASCII corpora. "simd" is Validator.Feed
// (the dispatched path), "generic" threads the portable DFA state through the same chunks,
// and "stdlib" is the baseline: unicode/utf8.Valid over the whole megabyte at once, which
// cannot stream. Names: BenchmarkValidator/<impl>/<corpus>/1MiB.
func BenchmarkValidator(b *testing.B) {
	const size, chunk = 1 << 20, 1 << 10
	impls := []struct {
		name   string
		stream func([]byte) bool
	}{
		{"stdlib", stdutf8.Valid},
		{"generic", func(data []byte) bool {
			s := uint64(stAccept)
			for p := data; len(p) > 0; p = p[min(chunk, len(p)):] {
				s = scanGeneric(s, p[:min(chunk, len(p))])
			}
			return s == stAccept
		}},
	}
	if haveSIMD {
		impls = append(impls, struct {
			name   string
			stream func([]byte) bool
		}{"simd", func(data []byte) bool {
			var v Validator
			for p := data; len(p) > 0; p = p[min(chunk, len(p)):] {
				if !v.Feed(p[:min(chunk, len(p))]) {
					return false
				}
			}
			return v.Complete()
		}})
	}
	for _, impl := range impls {
		b.Run(impl.name, func(b *testing.B) {
			for _, c := range corpusNames {
				data := corpus(b, c.file, size)
				b.Run(c.name+"/"+sizeName(size), func(b *testing.B) {
					b.SetBytes(size)
					b.ReportAllocs()
					for b.Loop() {
						sink = impl.stream(data)
					}
					if !sink {
						b.Fatal("corpus reported invalid")
					}
				})
			}
		})
	}
}
