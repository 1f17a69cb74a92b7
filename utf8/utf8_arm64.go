//go:build !purego

package utf8

// haveSIMD reports whether a vectorised implementation is compiled in and usable: NEON
// (Advanced SIMD) is part of every arm64 CPU Go supports.
const haveSIMD = true

// simdBlock is the number of bytes the assembly consumes per block.
const simdBlock = 16

//go:noescape
func validNEON(p *byte, n int) bool

// validBlocks checks p[:n], n a multiple of simdBlock; see validNEON.
func validBlocks(p *byte, n int) bool {
	return validNEON(p, n)
}
