//go:build (amd64 || arm64) && !purego

package utf8

import "unsafe"

// run continues validation from DFA state s over p and returns the new state. It finishes
// a code point left open by the previous chunk with the DFA (at most three bytes), sends
// the rest of p to the vectorised validator whole, and, if p ends inside a code point, runs
// the DFA over that code point's bytes (at most three) to get the state to continue with.
func run(s uint64, p []byte) uint64 {
	for s != stAccept && len(p) > 0 {
		s = dfa[p[0]] >> s & 63
		if s == stReject {
			return stReject
		}
		p = p[1:]
	}
	if len(p) < simdMin || !haveSIMD {
		return scanGeneric(s, p)
	}
	switch validBlocks(unsafe.SliceData(p), len(p)) {
	case blocksInvalid:
		return stReject
	case blocksComplete:
		return stAccept
	}
	// The vectorised code checked every byte against the bytes before it; what it cannot
	// say is how far a sequence begun in the last three bytes got. Restart the DFA at its
	// lead byte (RFC 6455 §8.1 fail-fast still holds: a prefix that can never complete was
	// already rejected by the vectorised checks, which see 0xF4 0x90 as an error).
	k := len(p) - 1
	for k > len(p)-3 && p[k] < 0xC0 {
		k--
	}
	return scanGeneric(stAccept, p[k:])
}
