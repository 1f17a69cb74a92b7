//go:build purego || !(amd64 || arm64)

package utf8

import "unsafe"

// haveSIMD reports whether a vectorised implementation is compiled in and usable.
const haveSIMD = false

// run continues validation from DFA state s over p and returns the new state.
func run(s uint64, p []byte) uint64 {
	return scanGeneric(s, p)
}

// validBlocks has the contract of the vectorised validators (see utf8.go) on the portable
// path. Valid and run do not call it here, since haveSIMD is false; it keeps the shared
// code compiling and answers correctly should anything else call it.
func validBlocks(p *byte, n int) int {
	switch scanGeneric(stAccept, unsafe.Slice(p, n)) {
	case stAccept:
		return blocksComplete
	case stReject:
		return blocksInvalid
	}
	return blocksOpen
}
