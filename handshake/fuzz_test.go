package handshake

import (
	"testing"
)

// FuzzParseExtensions checks that ParseExtensions never panics, and that whatever it
// accepts survives AppendExtensions and a second parse unchanged.
func FuzzParseExtensions(f *testing.F) {
	for _, s := range []string{
		"permessage-deflate",
		"permessage-deflate; client_max_window_bits; server_max_window_bits=10",
		`x; p="a\bc", y`,
		" , ,a;b=c",
		`a; b="c d"`,
		"a;;b",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		exts, err := ParseExtensions([]string{s})
		if err != nil {
			return
		}
		out := AppendExtensions(nil, exts)
		again, err := ParseExtensions([]string{string(out)})
		if err != nil {
			t.Fatalf("re-parse of %q (from %q): %v", out, s, err)
		}
		if len(again) != len(exts) {
			t.Fatalf("round trip changed count: %d -> %d", len(exts), len(again))
		}
		for i := range exts {
			if exts[i].String() != again[i].String() {
				t.Fatalf("round trip changed %q -> %q", exts[i].String(), again[i].String())
			}
		}
	})
}
