//go:build (amd64 || arm64) && !purego

package utf8

// run continues validation from DFA state s over p and returns the new state. It finishes
// a code point left open by the previous chunk with the DFA (at most three bytes), sends
// the bulk of p to the vectorised validator in whole blocks, and runs the DFA over the rest,
// starting from the last code point the blocks left incomplete.
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
	n := len(p) &^ (simdBlock - 1)
	if !validBlocks(&p[0], n) {
		return stReject
	}
	// The blocks checked every byte of p[:n] against the bytes before it. What they cannot
	// know is whether a sequence begun in the last three bytes is complete: restart the DFA
	// at its lead byte (RFC 6455 §8.1 fail-fast still holds because the DFA rejects an
	// impossible prefix on its first bad byte).
	k := n
	for j := n - 1; j >= n-3; j-- {
		if c := p[j]; c >= 0xC0 {
			k = j
			break
		} else if c < 0x80 {
			break
		}
	}
	if k == len(p) {
		return stAccept
	}
	return scanGeneric(stAccept, p[k:])
}
