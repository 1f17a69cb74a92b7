//go:build !purego

package utf8

// haveSIMD reports whether a vectorised implementation is compiled in and usable: NEON
// (Advanced SIMD) is part of every arm64 CPU Go supports.
const haveSIMD = true

//go:noescape
func validNEON(p *byte, n int) int

// validBlocks checks p[:n], n >= simdMin, and returns blocksInvalid, blocksComplete or
// blocksOpen; see validNEON in utf8_arm64.s.
func validBlocks(p *byte, n int) int {
	return validNEON(p, n)
}
