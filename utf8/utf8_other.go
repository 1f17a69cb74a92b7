//go:build purego || !(amd64 || arm64)

package utf8

// haveSIMD reports whether a vectorised implementation is compiled in and usable.
const haveSIMD = false

// run continues validation from DFA state s over p and returns the new state.
func run(s uint64, p []byte) uint64 {
	return scanGeneric(s, p)
}
