package utf8

import (
	"bytes"
	"testing"
	"unsafe"
)

// classify is the reference for validBlocks: the portable DFA's verdict on p as one of
// blocksInvalid, blocksComplete and blocksOpen, the index of the byte the DFA rejects (-1
// if none) and the final DFA state.
func classify(p []byte) (verdict, firstBad int, state uint64) {
	s := uint64(stAccept)
	for i, c := range p {
		if s = dfa[c] >> s & 63; s == stReject {
			return blocksInvalid, i, s
		}
	}
	if s == stAccept {
		return blocksComplete, -1, s
	}
	return blocksOpen, -1, s
}

// checkBlocks fails t unless got is an answer validBlocks may give for p (which holds the
// case name ending at byte end): blocksComplete exactly when p is valid and complete,
// blocksOpen whenever p is valid but cut off, and for invalid p blocksInvalid, or
// blocksOpen if the first bad byte is one of the last three (a byte such as 0xFE or 0xF5
// at the very end looks like the start of a sequence to the vector checks; the DFA that
// the caller runs over those bytes then rejects it). It also checks that run, which
// finishes an open tail with the DFA, ends in the DFA's state.
func checkBlocks(t *testing.T, name string, end int, p []byte, got int) {
	t.Helper()
	want, firstBad, state := classify(p)
	ok := got == want || (want == blocksInvalid && got == blocksOpen && firstBad >= len(p)-3)
	if !ok {
		t.Fatalf("%s ending at %d of %d: validBlocks = %d, DFA verdict %d (first bad byte %d): % x", name, end, len(p), got, want, firstBad, p)
	}
	if s := run(stAccept, p); s != state {
		t.Fatalf("%s ending at %d of %d: run state %d, DFA state %d: % x", name, end, len(p), s, state, p)
	}
}

// TestValidBlocksTails checks the contract of validBlocks (the vectorised validator where
// there is one) against the DFA for every length from simdMin to 330 bytes (every length
// modulo the 64-byte steps, and past the 256-byte ASCII step), with a fault or a cut-off
// code point placed so that it ends at each of the last 67 bytes and in the middle: the
// ends of the ASCII loops, the overlapping last blocks and the open-tail answer are all
// reached, on ASCII, CJK and mixed backgrounds. run, which finishes an open tail with the
// DFA, must then agree with the DFA exactly. Under the race detector every third length is
// tested.
func TestValidBlocksTails(t *testing.T) {
	backgrounds := map[string][]byte{
		"ascii": bytes.Repeat([]byte("x"), 400),
		"cjk":   bytes.Repeat([]byte("語"), 134)[:400],
		"mixed": bytes.Repeat([]byte("aé語😀 plain ascii text"), 20)[:400],
	}
	cases := []struct{ name, in string }{
		{"cut 4-byte after 1", "\xF0"},
		{"cut 4-byte after 2", "\xF0\x9F"},
		{"cut 4-byte after 3", "\xF0\x9F\x98"},
		{"cut 3-byte after 2", "\xE4\xB8"},
		{"cut 2-byte", "\xC3"},
		{"U+1F600", "\xF0\x9F\x98\x80"},
		{"U+4E2D", "\xE4\xB8\xAD"},
		{"surrogate", "\xED\xA0\x80"},
		{"overlong E0", "\xE0\x9F\xBF"},
		{"above U+10FFFF", "\xF4\x90\x80\x80"},
		{"lone continuation", "\x80"},
		{"extra continuation", "\xC2\x80\x80"},
		{"FE", "\xFE"},
		{"F5", "\xF5"},
	}
	buf := make([]byte, 0, 800)
	for bgName, bg := range backgrounds {
		t.Run(bgName, func(t *testing.T) {
			step := 1
			if raceEnabled {
				step = 3 // coprime with 64: 89 lengths, still every residue modulo 64
			}
			for n := simdMin; n <= 330; n += step {
				for _, tc := range cases {
					ends := []int{n / 2}
					for e := max(len(tc.in), n-67); e <= n; e++ {
						ends = append(ends, e)
					}
					for _, end := range ends {
						// bg cut to a code point boundary before the case, then bg again.
						start := end - len(tc.in)
						buf = append(append(append(buf[:0], bg[:start]...), tc.in...), bg[:n-end]...)
						checkBlocks(t, tc.name, end, buf, validBlocks(unsafe.SliceData(buf), len(buf)))
					}
				}
			}
		})
	}
}
