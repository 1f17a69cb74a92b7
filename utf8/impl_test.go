package utf8

import (
	"os"
	"testing"
)

// implementation is one way of running the validator from a state over a chunk, so tests
// and benchmarks can exercise every variant this machine supports against the reference.
type implementation struct {
	name string
	scan func(s uint64, p []byte) uint64
}

// implementations lists the variants to test on this build: the portable reference always,
// and the dispatched path (which uses SIMD for long inputs) when SIMD is available.
func implementations() []implementation {
	impls := []implementation{{"generic", scanGeneric}}
	if haveSIMD {
		impls = append(impls, implementation{"simd", run})
	}
	return impls
}

// corpus reads testdata/name.txt and repeats it (cutting at a code point boundary) until it
// is at least size bytes long, then trims it to exactly size bytes on a code point boundary
// by padding with ASCII, so every corpus is valid UTF-8 of the exact size.
func corpus(tb testing.TB, name string, size int) []byte {
	tb.Helper()
	text, err := os.ReadFile("testdata/" + name + ".txt")
	if err != nil {
		tb.Fatal(err)
	}
	out := make([]byte, 0, size+len(text))
	for len(out) < size {
		out = append(out, text...)
	}
	out = out[:size]
	// Back up to a code point boundary and pad with spaces.
	i := size
	for i > 0 && out[i-1]&0xC0 == 0x80 {
		i--
	}
	if i > 0 && out[i-1] >= 0xC0 {
		i--
	}
	for j := i; j < size; j++ {
		out[j] = ' '
	}
	return out
}

// corpusNames maps benchmark corpus names to files in testdata.
var corpusNames = []struct{ name, file string }{
	{"ascii", "english"},
	{"japanese", "japanese"},
	{"chinese", "chinese"},
	{"mixed", "mixed"},
}
