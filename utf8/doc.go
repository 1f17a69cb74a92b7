// Package utf8 validates UTF-8 text as RFC 6455 requires of text messages and close reasons.
//
// RFC 6455 §8.1: "When an endpoint is to interpret a byte stream as UTF-8 but finds that the
// byte stream is not, in fact, a valid UTF-8 stream, that endpoint MUST _Fail the WebSocket
// Connection_." Valid means well-formed in the sense of the Unicode Standard, Table 3-7: no
// overlong forms, no surrogates (U+D800..U+DFFF), nothing above U+10FFFF, no truncated or
// stray continuation bytes. This is exactly what the standard library's unicode/utf8.Valid
// accepts; this package answers the same question faster and, with [Validator], incrementally.
//
// Use [Valid] to check a whole buffer (an assembled message), [ValidString] for a string (a
// close reason).
//
// Use [Validator] to check a message that arrives in fragments or is read in chunks: it keeps
// the partial code point at the end of one chunk (one byte of state, no heap) and fails fast,
// returning false on the very chunk where the stream can no longer be valid, even when the
// fault is a prefix that could never be completed (0xF4 0x90, 0xED 0xA0, 0xE0 0x80, 0xC0,
// 0xF5). That is what lets a connection fail a text message before its last fragment arrives,
// as the Autobahn 6.x cases check.
//
// This package is not a decoder: it does not produce runes, count them, or repair bad input;
// use unicode/utf8 or golang.org/x/text for that.
//
// # Implementations and dispatch
//
// The portable implementation (utf8_generic.go) skips ASCII 32 bytes at a time and runs the
// rest through a shift-based DFA (one table load and one shift per byte, 16 bytes between
// checks). It is always compiled, it is the only path under the purego tag and on
// architectures other than amd64 and arm64, and it is the reference that the tests and fuzz
// targets compare the vectorised code against, byte for byte and chunk for chunk.
//
// On amd64 with AVX2 and on arm64 (NEON is part of every arm64 CPU) inputs of at least 64
// bytes go to a vectorised validator, the lookup algorithm of Keiser and Lemire ("Validating
// UTF-8 In Less Than One Instruction Per Byte", 2021): three nibble table lookups (VPSHUFB,
// TBL) classify every pair of adjacent bytes, bytes shifted in from the previous block
// (VPERM2I128+VPALIGNR, EXT) find the positions that must be the third or fourth byte of a
// sequence, and a block that is all ASCII costs one OR and one test; on amd64 runs of ASCII
// are skipped 256 bytes per step without loading the lookup tables at all. AVX2 works on 64
// bytes per step (two 32-byte blocks), NEON on 16. The choice is made once, at start-up,
// from golang.org/x/sys/cpu (cpu.X86.HasAVX2); shorter inputs stay on the portable path,
// where a call into assembly would not pay for itself.
//
// The vectorised code only ever sees whole blocks that start between code points. The few
// bytes after the last whole block, and the at most three bytes of a code point split across
// two [Validator.Feed] calls, go through the DFA, so a Validator carries one byte of state
// and still uses the fast path for the bulk of every chunk.
//
// To force the portable path, build with the purego tag: go build -tags purego (or
// go test -tags purego). There is no run-time switch.
//
// # Performance
//
// Measured on one AMD EPYC (Zen 4) core against unicode/utf8.Valid in the same process
// (Go 1.26): Chinese, Japanese and mixed-script text at 1 KiB and more, about 18 GB/s, 10 to
// 12 times the standard library; English (ASCII) at 16 KiB, about 200 GB/s, 3.8 times
// (unicode/utf8 itself already skips ASCII 32 bytes per step); at 1 MiB both are bound by
// cache bandwidth. The portable path is 1.0 to 1.8 times the standard library. Inputs of
// 8 to 64 bytes are no slower than unicode/utf8.Valid. See bench_test.go.
//
// # Memory
//
// [Valid] and [Validator.Feed] never allocate. A [Validator] is one byte.
//
// # Concurrency
//
// [Valid] is safe for concurrent use. A [Validator] belongs to one stream and one goroutine
// at a time.
package utf8
