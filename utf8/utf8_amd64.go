//go:build !purego

package utf8

import "golang.org/x/sys/cpu"

// haveSIMD reports whether a vectorised implementation is compiled in and usable: on amd64,
// whether the CPU has AVX2 (checked once, at start-up).
var haveSIMD = cpu.X86.HasAVX2

//go:noescape
func validAVX2(p *byte, n int) int

// validBlocks checks p[:n], n >= simdMin, and returns blocksInvalid, blocksComplete or
// blocksOpen; see validAVX2 in utf8_amd64.s.
func validBlocks(p *byte, n int) int {
	return validAVX2(p, n)
}
