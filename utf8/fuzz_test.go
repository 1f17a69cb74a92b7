package utf8

import (
	"strings"
	"testing"
	stdutf8 "unicode/utf8"
)

func addSeeds(f *testing.F) {
	for _, tc := range table37 {
		f.Add(tc.in, uint16(1))
	}
	f.Add([]byte("Hello-µ@ßöäüàá-UTF-8!!"), uint16(3))
	f.Add([]byte("日本語テキスト日本語テキスト日本語テキスト日本語テキスト日本語テキスト"), uint16(7))
	f.Add([]byte("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\xF0\x9F\x98\x80"), uint16(0xFFFF))
	// Inputs long enough for the vectorised path (64 bytes and more), ending in a cut-off
	// code point, a fault in the last block, and valid text past the 256-byte ASCII step.
	f.Add([]byte(strings.Repeat("a", 70)+"\xF0\x9F\x98"), uint16(5))
	f.Add([]byte(strings.Repeat("mixed é 語 😀 ", 8)+"\xED\xA0\x80 tail"), uint16(11))
	f.Add([]byte(strings.Repeat("x", 300)+strings.Repeat("テキスト", 10)), uint16(40))
}

// FuzzValid compares Valid, the portable validator and every other implementation with
// unicode/utf8.Valid on whole buffers.
func FuzzValid(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, in []byte, _ uint16) {
		want := stdutf8.Valid(in)
		if got := Valid(in); got != want {
			t.Fatalf("Valid(% x) = %v, unicode/utf8.Valid = %v", in, got, want)
		}
		if got := ValidString(string(in)); got != want {
			t.Fatalf("ValidString(%q) = %v, unicode/utf8.Valid = %v", in, got, want)
		}
		for _, impl := range implementations() {
			if got := impl.scan(stAccept, in) == stAccept; got != want {
				t.Fatalf("%s(% x) = %v, unicode/utf8.Valid = %v", impl.name, in, got, want)
			}
		}
	})
}

// FuzzValidator feeds the input in chunks whose sizes come from the split seed and checks,
// after every chunk, that every implementation is in the same state as the portable
// reference (so fail-fast behaviour is compared, not only the final verdict), and that the
// final verdict matches unicode/utf8.Valid.
func FuzzValidator(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, in []byte, split uint16) {
		impls := implementations()
		states := make([]uint64, len(impls))
		var v Validator
		ok := true
		seed := uint32(split) | 1
		for p := in; len(p) > 0; {
			// A small xorshift generator makes chunk sizes from 1 to 80 bytes.
			seed ^= seed << 13
			seed ^= seed >> 17
			seed ^= seed << 5
			n := min(len(p), 1+int(seed%80))
			chunk := p[:n]
			p = p[n:]
			for i, impl := range impls {
				states[i] = impl.scan(states[i], chunk)
				if states[i] != states[0] {
					t.Fatalf("%s state %d, %s state %d after chunk % x of % x", impl.name, states[i], impls[0].name, states[0], chunk, in)
				}
			}
			fed := v.Feed(chunk)
			if fed != (states[0] != stReject) {
				t.Fatalf("Feed = %v, reference state %d", fed, states[0])
			}
			ok = ok && fed
		}
		if got, want := ok && v.Complete(), stdutf8.Valid(in); got != want {
			t.Fatalf("streamed % x: %v, unicode/utf8.Valid = %v", in, got, want)
		}
	})
}
