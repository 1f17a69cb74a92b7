package utf8

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	stdutf8 "unicode/utf8"
)

// table37 holds the boundary cases of Unicode Table 3-7 (well-formed UTF-8 byte sequences):
// the first and last byte value of every row and column, and the values just outside them.
var table37 = []struct {
	name string
	in   []byte
	ok   bool
}{
	{"empty", nil, true},
	{"U+0000", []byte{0x00}, true},
	{"U+007F", []byte{0x7F}, true},
	{"lone continuation 80", []byte{0x80}, false},
	{"lone continuation BF", []byte{0xBF}, false},
	{"C0 overlong", []byte{0xC0, 0x80}, false},
	{"C1 overlong", []byte{0xC1, 0xBF}, false},
	{"U+0080 C2 80", []byte{0xC2, 0x80}, true},
	{"U+07FF DF BF", []byte{0xDF, 0xBF}, true},
	{"C2 7F", []byte{0xC2, 0x7F}, false},
	{"C2 C0", []byte{0xC2, 0xC0}, false},
	{"DF truncated", []byte{0xDF}, false},
	{"E0 9F BF overlong", []byte{0xE0, 0x9F, 0xBF}, false},
	{"U+0800 E0 A0 80", []byte{0xE0, 0xA0, 0x80}, true},
	{"U+0FFF E0 BF BF", []byte{0xE0, 0xBF, 0xBF}, true},
	{"E0 C0 80", []byte{0xE0, 0xC0, 0x80}, false},
	{"U+1000 E1 80 80", []byte{0xE1, 0x80, 0x80}, true},
	{"U+CFFF EC BF BF", []byte{0xEC, 0xBF, 0xBF}, true},
	{"E1 7F 80", []byte{0xE1, 0x7F, 0x80}, false},
	{"E1 80 7F", []byte{0xE1, 0x80, 0x7F}, false},
	{"E1 80 C0", []byte{0xE1, 0x80, 0xC0}, false},
	{"U+D000 ED 80 80", []byte{0xED, 0x80, 0x80}, true},
	{"U+D7FF ED 9F BF", []byte{0xED, 0x9F, 0xBF}, true},
	{"U+D800 surrogate", []byte{0xED, 0xA0, 0x80}, false},
	{"U+DFFF surrogate", []byte{0xED, 0xBF, 0xBF}, false},
	{"surrogate pair", []byte{0xED, 0xA0, 0x80, 0xED, 0xB0, 0x80}, false},
	{"U+E000 EE 80 80", []byte{0xEE, 0x80, 0x80}, true},
	{"U+FFFF EF BF BF", []byte{0xEF, 0xBF, 0xBF}, true},
	{"EF BF truncated", []byte{0xEF, 0xBF}, false},
	{"F0 8F BF BF overlong", []byte{0xF0, 0x8F, 0xBF, 0xBF}, false},
	{"U+10000 F0 90 80 80", []byte{0xF0, 0x90, 0x80, 0x80}, true},
	{"U+3FFFF F0 BF BF BF", []byte{0xF0, 0xBF, 0xBF, 0xBF}, true},
	{"F0 C0 80 80", []byte{0xF0, 0xC0, 0x80, 0x80}, false},
	{"U+40000 F1 80 80 80", []byte{0xF1, 0x80, 0x80, 0x80}, true},
	{"U+FFFFF F3 BF BF BF", []byte{0xF3, 0xBF, 0xBF, 0xBF}, true},
	{"F1 80 80 7F", []byte{0xF1, 0x80, 0x80, 0x7F}, false},
	{"F3 BF BF truncated", []byte{0xF3, 0xBF, 0xBF}, false},
	{"U+100000 F4 80 80 80", []byte{0xF4, 0x80, 0x80, 0x80}, true},
	{"U+10FFFF F4 8F BF BF", []byte{0xF4, 0x8F, 0xBF, 0xBF}, true},
	{"U+110000 F4 90 80 80", []byte{0xF4, 0x90, 0x80, 0x80}, false},
	{"F5 80 80 80", []byte{0xF5, 0x80, 0x80, 0x80}, false},
	{"F7 BF BF BF", []byte{0xF7, 0xBF, 0xBF, 0xBF}, false},
	{"F8 5-byte form", []byte{0xF8, 0x88, 0x80, 0x80, 0x80}, false},
	{"FC 6-byte form", []byte{0xFC, 0x84, 0x80, 0x80, 0x80, 0x80}, false},
	{"FE", []byte{0xFE}, false},
	{"FF", []byte{0xFF}, false},
	{"extra continuation", []byte{0xC2, 0x80, 0x80}, false},
	{"ASCII then truncated", []byte("hello\xE2\x82"), false},
	{"euro sign", []byte("\xE2\x82\xAC"), true},
	{"Autobahn 6.2: Hello-µ@ßöäüàá-UTF-8!!", []byte("Hello-µ@ßöäüàá-UTF-8!!"), true},
	{"Autobahn 6.3.1", []byte{0xCE, 0xBA, 0xE1, 0xBD, 0xB9, 0xCF, 0x83, 0xCE, 0xBC, 0xCE, 0xB5, 0xED, 0xA0, 0x80, 0x65, 0x64, 0x69, 0x74, 0x65, 0x64}, false},
}

func TestValidTable37(t *testing.T) {
	for _, impl := range implementations() {
		for _, tc := range table37 {
			// Each case alone, and at several offsets inside longer ASCII and non-ASCII
			// text, so that the SIMD path sees it in the middle of a block and across
			// block boundaries.
			for _, pad := range []int{0, 1, 15, 31, 33, 63, 64, 100} {
				for _, filler := range []string{"a", "é"} {
					prefix := bytes.Repeat([]byte(filler), pad)[:pad]
					prefix = bytes.TrimRight(prefix, "\xC3") // keep the prefix whole
					in := append(append(append([]byte{}, prefix...), tc.in...), bytes.Repeat([]byte("z"), pad)...)
					name := fmt.Sprintf("%s/%s/%s/pad%d", impl.name, tc.name, filler, pad)
					t.Run(name, func(t *testing.T) {
						got := impl.scan(stAccept, in) == stAccept
						if got != tc.ok {
							t.Errorf("valid(% x) = %v, want %v", in, got, tc.ok)
						}
						if want := stdutf8.Valid(in); got != want {
							t.Errorf("valid(% x) = %v, unicode/utf8.Valid = %v", in, got, want)
						}
					})
				}
			}
		}
	}
}

// edgeBytes are the byte values where Table 3-7 changes its verdict, and one inside each range.
var edgeBytes = []byte{0x00, 0x41, 0x7F, 0x80, 0x85, 0x8F, 0x90, 0x95, 0x9F, 0xA0, 0xAA, 0xBF,
	0xC0, 0xC1, 0xC2, 0xD5, 0xDF, 0xE0, 0xE1, 0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4,
	0xF5, 0xF7, 0xF8, 0xFE, 0xFF}

// TestValidAllShort checks every 1- and 2-byte input, and every 3- and 4-byte input whose
// bytes after the first are edge values, against unicode/utf8.Valid.
func TestValidAllShort(t *testing.T) {
	check := func(in []byte) {
		t.Helper()
		want := stdutf8.Valid(in)
		for _, impl := range implementations() {
			if got := impl.scan(stAccept, in) == stAccept; got != want {
				t.Fatalf("%s(% x) = %v, unicode/utf8.Valid = %v", impl.name, in, got, want)
			}
		}
		if got := Valid(in); got != want {
			t.Fatalf("Valid(% x) = %v, unicode/utf8.Valid = %v", in, got, want)
		}
		if got := ValidString(string(in)); got != want {
			t.Fatalf("ValidString(%q) = %v, unicode/utf8.Valid = %v", in, got, want)
		}
	}
	for b0 := range 256 {
		check([]byte{byte(b0)})
		for b1 := range 256 {
			check([]byte{byte(b0), byte(b1)})
		}
		for _, b1 := range edgeBytes {
			for _, b2 := range edgeBytes {
				check([]byte{byte(b0), b1, b2})
				if b0 < 0xF0 {
					continue
				}
				for _, b3 := range edgeBytes {
					check([]byte{byte(b0), b1, b2, b3})
				}
			}
		}
	}
}

// TestFeedEverySplit feeds multi-byte sequences (valid and not) split at every point into
// 1..n chunks and checks that the streamed verdict equals the whole-buffer verdict.
func TestFeedEverySplit(t *testing.T) {
	inputs := [][]byte{
		[]byte("aé€😀"),
		[]byte("κόσμε"),
		[]byte("\xF4\x8F\xBF\xBF"),
		[]byte("\xF0\x90\x80\x80z"),
	}
	for _, tc := range table37 {
		inputs = append(inputs, tc.in)
	}
	for _, impl := range implementations() {
		for _, in := range inputs {
			want := stdutf8.Valid(in)
			// Every way to cut in into chunks: each of the len(in)-1 gaps is a cut or not.
			n := len(in)
			if n > 12 {
				n = 12
			}
			in := in[:n]
			want = stdutf8.Valid(in)
			for mask := 0; mask < 1<<max(n-1, 0); mask++ {
				var v Validator
				ok := true
				start := 0
				s := uint64(stAccept)
				for i := 1; i <= n; i++ {
					if i == n || mask&(1<<(i-1)) != 0 {
						ok = v.Feed(in[start:i]) && ok
						s = impl.scan(s, in[start:i])
						start = i
					}
				}
				if got := ok && v.Complete(); got != want {
					t.Fatalf("Validator over % x cut by %b: %v, want %v", in, mask, got, want)
				}
				if got := s == stAccept; got != want {
					t.Fatalf("%s over % x cut by %b: %v, want %v", impl.name, in, mask, got, want)
				}
			}
		}
	}
}

// TestFeedFailFast checks that Feed reports false on the chunk where the stream first
// becomes impossible to complete, not later, and stays false afterwards (RFC 6455 §8.1,
// Autobahn 6.x "fail fast on invalid UTF-8").
func TestFeedFailFast(t *testing.T) {
	tests := []struct {
		name   string
		chunks []string
		failAt int // index of the first chunk Feed must reject; -1: never
	}{
		{"F4 90 above U+10FFFF", []string{"ab", "\xF4", "\x90", "\x80\x80"}, 2},
		{"F4 90 in one chunk", []string{"\xF4\x90"}, 0},
		{"ED A0 surrogate", []string{"x\xED", "\xA0"}, 1},
		{"E0 80 overlong", []string{"\xE0\x80"}, 0},
		{"F0 80 overlong", []string{"\xF0", "\x80"}, 1},
		{"F5", []string{"ok", "\xF5"}, 1},
		{"C0", []string{"\xC0"}, 0},
		{"C1", []string{"\xC1"}, 0},
		{"FF", []string{"\xFF"}, 0},
		{"lone continuation", []string{"abc", "\x80"}, 1},
		{"lead then ASCII", []string{"\xE2\x82", "a"}, 1},
		{"lead then lead", []string{"\xE2", "\xE2"}, 1},
		{"valid split", []string{"\xF0\x9F", "\x98", "\x80"}, -1},
		{"valid split E2", []string{"\xE2", "\x82\xAC"}, -1},
		{"Autobahn 6.4.1", []string{"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5", "\xf4\x90\x80\x80", "\x65\x64\x69\x74\x65\x64"}, 1},
		{"Autobahn 6.4.2", []string{"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xf4", "\x90", "\x80\x80\x65\x64\x69\x74\x65\x64"}, 1},
		{"long then bad", []string{string(bytes.Repeat([]byte("日本語"), 40)), string(bytes.Repeat([]byte("日本語"), 40)) + "\xF4\x90"}, 1},
		{"bad inside long chunk", []string{"é", "日本語テキスト日本語テキスト日本語テキスト日本語テキスト\xED\xA0\x80日本語テキスト日本語テキスト日本語"}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var v Validator
			for i, c := range tc.chunks {
				got := v.Feed([]byte(c))
				wantOK := tc.failAt < 0 || i < tc.failAt
				if got != wantOK {
					t.Fatalf("Feed(chunk %d = % x) = %v, want %v", i, c, got, wantOK)
				}
			}
			if tc.failAt >= 0 {
				if v.Feed([]byte("a")) {
					t.Error("Feed after failure = true, want false (sticky)")
				}
				if v.Complete() {
					t.Error("Complete after failure = true")
				}
				v.Reset()
				if !v.Feed([]byte("ok")) || !v.Complete() {
					t.Error("after Reset the validator does not accept valid text")
				}
			} else if !v.Complete() {
				t.Error("Complete = false for a valid stream")
			}
		})
	}
}

func TestComplete(t *testing.T) {
	var v Validator
	if !v.Complete() {
		t.Fatal("zero Validator: Complete = false")
	}
	if !v.Feed([]byte("\xE6\x97")) {
		t.Fatal("Feed of a valid prefix = false")
	}
	if v.Complete() {
		t.Fatal("Complete = true inside a code point")
	}
	if !v.Feed([]byte("\xA5")) || !v.Complete() {
		t.Fatal("finishing the code point did not complete the stream")
	}
	if !v.Feed(nil) || !v.Complete() {
		t.Fatal("Feed(nil) changed the state")
	}
}

func TestCorpora(t *testing.T) {
	for _, c := range corpusNames {
		for _, size := range []int{1, 7, 64, 1000, 5000, 70000} {
			data := corpus(t, c.file, size)
			if !stdutf8.Valid(data) {
				t.Fatalf("corpus %s/%d is not valid UTF-8", c.name, size)
			}
			for _, impl := range implementations() {
				if impl.scan(stAccept, data) != stAccept {
					t.Errorf("%s rejects corpus %s/%d", impl.name, c.name, size)
				}
				// Corrupt one byte at a time at a few positions and compare with stdlib.
				for _, pos := range []int{0, size / 3, size / 2, size - 1} {
					bad := bytes.Clone(data)
					bad[pos] ^= 0xC0
					if got, want := impl.scan(stAccept, bad) == stAccept, stdutf8.Valid(bad); got != want {
						t.Errorf("%s on corpus %s/%d with byte %d flipped: %v, want %v", impl.name, c.name, size, pos, got, want)
					}
				}
			}
		}
	}
}

func TestNoAllocs(t *testing.T) {
	data := corpus(t, "mixed", 4096)
	if n := testing.AllocsPerRun(100, func() { sink = Valid(data) }); n != 0 {
		t.Errorf("Valid: %v allocs/op, want 0", n)
	}
	str := string(data)
	if n := testing.AllocsPerRun(100, func() { sink = ValidString(str) }); n != 0 {
		t.Errorf("ValidString: %v allocs/op, want 0", n)
	}
	var v Validator
	if n := testing.AllocsPerRun(100, func() { v.Reset(); sink = v.Feed(data[:1001]) && v.Feed(data[1001:]) }); n != 0 {
		t.Errorf("Validator.Feed: %v allocs/op, want 0", n)
	}
}

// TestValidEveryOffset places each Table 3-7 case at every offset of a 160-byte ASCII or
// CJK background, so that every case straddles every block boundary of the vectorised
// path (and the ends of the 16-byte ASCII skip of the portable one).
func TestValidEveryOffset(t *testing.T) {
	backgrounds := map[string][]byte{
		"ascii": bytes.Repeat([]byte("x"), 160),
		"cjk":   bytes.Repeat([]byte("語"), 54)[:160], // cut mid code point on purpose
		"mixed": bytes.Repeat([]byte("aé語😀"), 20)[:160],
	}
	for _, impl := range implementations() {
		for bgName, bg := range backgrounds {
			t.Run(impl.name+"/"+bgName, func(t *testing.T) {
				buf := make([]byte, 0, 256)
				for _, tc := range table37 {
					for off := 0; off <= 130; off++ {
						buf = append(append(append(buf[:0], bg[:off]...), tc.in...), bg[off:]...)
						want := stdutf8.Valid(buf)
						if got := impl.scan(stAccept, buf) == stAccept; got != want {
							t.Fatalf("%s at offset %d: %v, unicode/utf8.Valid = %v (% x)", tc.name, off, got, want, buf)
						}
						// Streamed in two chunks cut at the case.
						s := impl.scan(stAccept, buf[:off+len(tc.in)/2])
						if s != stReject {
							s = impl.scan(s, buf[off+len(tc.in)/2:])
						}
						if got := s == stAccept; got != want {
							t.Fatalf("%s at offset %d, streamed: %v, unicode/utf8.Valid = %v", tc.name, off, got, want)
						}
					}
				}
			})
		}
	}
}

// TestFeedChunkSizes streams corpora through a Validator in chunks of every size from 1 to
// 130 bytes (so code points and SIMD blocks are cut everywhere), then corrupts the text and
// checks that Feed fails on exactly the chunk holding the first byte after which the prefix
// can no longer be completed, as the DFA reference decides byte by byte.
func TestFeedChunkSizes(t *testing.T) {
	for _, c := range corpusNames {
		data := corpus(t, c.file, 3000)
		bad := bytes.Clone(data)
		bad[1777] = 0xF5 // never valid
		bad[2222] = 0xC0
		// firstBad: index of the byte on which the reference DFA rejects bad.
		firstBad := -1
		for i, s := 0, uint64(stAccept); i < len(bad); i++ {
			if s = dfa[bad[i]] >> s & 63; s == stReject {
				firstBad = i
				break
			}
		}
		if firstBad < 0 {
			t.Fatal("corrupted corpus is valid")
		}
		for size := 1; size <= 130; size++ {
			var v Validator
			for off := 0; off < len(data); off += size {
				if !v.Feed(data[off:min(off+size, len(data))]) {
					t.Fatalf("%s, chunks of %d: valid text rejected at offset %d", c.name, size, off)
				}
			}
			if !v.Complete() {
				t.Fatalf("%s, chunks of %d: Complete = false", c.name, size)
			}
			v.Reset()
			for off := 0; off < len(bad); off += size {
				end := min(off+size, len(bad))
				got := v.Feed(bad[off:end])
				if want := firstBad >= end; got != want {
					t.Fatalf("%s, chunks of %d: Feed(bad[%d:%d]) = %v, want %v (first bad byte %d)", c.name, size, off, end, got, want, firstBad)
				}
			}
		}
	}
}

// TestRandomDifferential compares every implementation with unicode/utf8.Valid on random
// text built from valid code points of every length with occasional corruption, whole and
// streamed in random chunks (checking the state after every chunk against the portable
// reference). It runs a fixed, seeded sequence, so that it also exercises the vectorised
// code where native fuzzing is not available (e.g. arm64 under qemu-user).
func TestRandomDifferential(t *testing.T) {
	asciiRun := strings.Repeat("the quick brown fox jumps over the lazy dog; ", 4)
	rng := rand.New(rand.NewPCG(1, 2))
	iterations := 20000
	if testing.Short() {
		iterations = 2000
	}
	impls := implementations()
	buf := make([]byte, 0, 512)
	for it := range iterations {
		buf = buf[:0]
		n := rng.IntN(300)
		for len(buf) < n {
			switch rng.IntN(7) {
			case 0, 1:
				buf = append(buf, byte(rng.IntN(0x80)))
			case 2:
				buf = stdutf8.AppendRune(buf, rune(0x80+rng.IntN(0x800-0x80)))
			case 3:
				r := rune(0x800 + rng.IntN(0x10000-0x800))
				if r >= 0xD800 && r <= 0xDFFF {
					r = 0x4E2D
				}
				buf = stdutf8.AppendRune(buf, r)
			case 4:
				buf = stdutf8.AppendRune(buf, rune(0x10000+rng.IntN(0x110000-0x10000)))
			case 5:
				buf = append(buf, "日本語テキスト"...)
			case 6: // a run of ASCII long enough to fill whole SIMD blocks
				buf = append(buf, asciiRun[:rng.IntN(len(asciiRun))]...)
			}
		}
		if len(buf) > 0 && rng.IntN(3) == 0 {
			// Corrupt: a random byte, an edge byte, a deleted byte (which leaves a
			// sequence incomplete mid-text), or a truncation.
			switch i := rng.IntN(len(buf)); rng.IntN(4) {
			case 0:
				buf[i] = byte(rng.IntN(256))
			case 1:
				buf[i] = edgeBytes[rng.IntN(len(edgeBytes))]
			case 2:
				buf = append(buf[:i], buf[i+1:]...)
			case 3:
				buf = buf[:i]
			}
		}
		want := stdutf8.Valid(buf)
		states := make([]uint64, len(impls))
		for p := buf; len(p) > 0; {
			c := min(len(p), 1+rng.IntN(100))
			for i, impl := range impls {
				states[i] = impl.scan(states[i], p[:c])
				if states[i] != states[0] {
					t.Fatalf("iteration %d: %s state %d, %s state %d on chunk % x of % x", it, impl.name, states[i], impls[0].name, states[0], p[:c], buf)
				}
			}
			p = p[c:]
		}
		if got := states[0] == stAccept; got != want {
			t.Fatalf("iteration %d: streamed %v, unicode/utf8.Valid %v on % x", it, got, want, buf)
		}
		for _, impl := range impls {
			if got := impl.scan(stAccept, buf) == stAccept; got != want {
				t.Fatalf("iteration %d: %s = %v, unicode/utf8.Valid %v on % x", it, impl.name, got, want, buf)
			}
		}
	}
}
