//go:build !purego

package utf8

import "golang.org/x/sys/cpu"

// haveSIMD reports whether a vectorised implementation is compiled in and usable: on amd64,
// whether the CPU has AVX2 (checked once, at start-up).
var haveSIMD = cpu.X86.HasAVX2

// simdBlock is the number of bytes the assembly consumes per block.
const simdBlock = 32

//go:noescape
func validAVX2(p *byte, n int) bool

// validBlocks checks p[:n], n a multiple of simdBlock; see validAVX2.
func validBlocks(p *byte, n int) bool {
	return validAVX2(p, n)
}
