package utf8

import "encoding/binary"

// The portable validator is a shift-based DFA: the state is a bit offset into a 64-bit row
// chosen by the input byte, and the row holds, at each state's offset, the 6-bit offset of
// the next state. One step is next = dfa[b] >> state & 63: one load that does not depend on
// the state and one shift that does, so the loop carries a single short dependency.
//
// States, each a multiple of 6 (9 states × 6 bits = 54 bits):
const (
	stAccept = 0  // between code points
	stReject = 6  // invalid; every row maps it to itself, so it sticks
	stCont1  = 12 // one continuation byte 80..BF left
	stCont2  = 18 // two continuation bytes left
	stCont3  = 24 // three continuation bytes left
	stE0     = 30 // after E0: next must be A0..BF (no overlong 3-byte forms)
	stED     = 36 // after ED: next must be 80..9F (no surrogates U+D800..U+DFFF)
	stF0     = 42 // after F0: next must be 90..BF (no overlong 4-byte forms)
	stF4     = 48 // after F4: next must be 80..8F (nothing above U+10FFFF)
)

// dfa is the transition table, built from Unicode Table 3-7 (well-formed byte sequences).
var dfa = buildDFA()

func buildDFA() (t [256]uint64) {
	set := func(lo, hi int, from, to uint64) {
		for b := lo; b <= hi; b++ {
			t[b] &^= 63 << from
			t[b] |= to << from
		}
	}
	// Every (state, byte) pair not listed below is invalid.
	for b := range t {
		for s := uint64(0); s <= stF4; s += 6 {
			t[b] |= stReject << s
		}
	}
	set(0x00, 0x7F, stAccept, stAccept) // ASCII
	set(0xC2, 0xDF, stAccept, stCont1)  // C0, C1 would be overlong
	set(0xE0, 0xE0, stAccept, stE0)
	set(0xE1, 0xEC, stAccept, stCont2)
	set(0xED, 0xED, stAccept, stED)
	set(0xEE, 0xEF, stAccept, stCont2)
	set(0xF0, 0xF0, stAccept, stF0)
	set(0xF1, 0xF3, stAccept, stCont3)
	set(0xF4, 0xF4, stAccept, stF4) // F5..FF would be above U+10FFFF
	for _, s := range [...]struct{ from, to uint64 }{{stCont1, stAccept}, {stCont2, stCont1}, {stCont3, stCont2}} {
		set(0x80, 0xBF, s.from, s.to)
	}
	set(0xA0, 0xBF, stE0, stCont1)
	set(0x80, 0x9F, stED, stCont1)
	set(0x90, 0xBF, stF0, stCont2)
	set(0x80, 0x8F, stF4, stCont2)
	return t
}

const hiBits = 0x8080808080808080

// scanGeneric runs the DFA from state s over p and returns the final state (stReject as
// soon as p is found invalid). Between code points it skips ASCII 32 bytes at a time.
func scanGeneric(s uint64, p []byte) uint64 {
	for len(p) >= 16 {
		if s == stAccept {
			// len(p) > 32, not >= 32: p[32:] then never points past the end, which
			// spares the slice update a fix-up (the trick unicode/utf8.Valid uses).
			for len(p) > 32 && (le64(p[0:8])|le64(p[8:16])|le64(p[16:24])|le64(p[24:32]))&hiBits == 0 {
				p = p[32:]
			}
			if len(p) < 16 {
				break
			}
			if (le64(p[0:8])|le64(p[8:16]))&hiBits == 0 {
				p = p[16:]
				continue
			}
		}
		// Sixteen DFA steps from two 8-byte loads, then one check for a verdict: the
		// per-byte work is a table load and a shift, with no loop counter.
		w := le64(p[0:8])
		s = dfa[byte(w)] >> (s & 63)
		s = dfa[byte(w>>8)] >> (s & 63)
		s = dfa[byte(w>>16)] >> (s & 63)
		s = dfa[byte(w>>24)] >> (s & 63)
		s = dfa[byte(w>>32)] >> (s & 63)
		s = dfa[byte(w>>40)] >> (s & 63)
		s = dfa[byte(w>>48)] >> (s & 63)
		s = dfa[byte(w>>56)] >> (s & 63)
		w = le64(p[8:16])
		s = dfa[byte(w)] >> (s & 63)
		s = dfa[byte(w>>8)] >> (s & 63)
		s = dfa[byte(w>>16)] >> (s & 63)
		s = dfa[byte(w>>24)] >> (s & 63)
		s = dfa[byte(w>>32)] >> (s & 63)
		s = dfa[byte(w>>40)] >> (s & 63)
		s = dfa[byte(w>>48)] >> (s & 63)
		s = dfa[byte(w>>56)] >> (s & 63) & 63
		if s == stReject {
			return stReject
		}
		p = p[16:]
	}
	for _, c := range p {
		s = dfa[c] >> (s & 63)
	}
	return s & 63
}

// le64 loads the little-endian word at the start of p.
func le64(p []byte) uint64 {
	return binary.LittleEndian.Uint64(p)
}

// validGeneric is Valid on the portable path, for tests and benchmarks.
func validGeneric(b []byte) bool {
	return scanGeneric(stAccept, b) == stAccept
}
