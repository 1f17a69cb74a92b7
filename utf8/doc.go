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
// sequence. In front of it sits an ASCII loop that needs none of the tables: AVX2 ORs 256
// bytes per step and tests the high bits once, then 64 bytes per step, NEON 64 bytes per
// step; the lookup loop (64 bytes per step on AVX2, 16 on NEON) is entered only at the first
// step that holds a byte >= 0x80, and hands back to the ASCII loop after a step of ASCII that
// no sequence spills into. The choice is made once, at start-up, from golang.org/x/sys/cpu
// (cpu.X86.HasAVX2); shorter inputs stay on the portable path, where a call into assembly
// would not pay for itself.
//
// The vectorised code takes any length from 64 bytes up and has no scalar head or tail: the
// last step re-reads the final 64 bytes (ASCII) or checks the final block against the block
// before it (lookup), overlapping bytes already checked. [Valid] is a single call into it.
// [Validator.Feed] finishes a code point split across two calls (at most three bytes) with
// the DFA before the call, and after it, when the chunk ends inside a code point, runs the
// DFA over that code point's bytes (again at most three) to keep one byte of state.
//
// To force the portable path, build with the purego tag: go build -tags purego (or
// go test -tags purego). There is no run-time switch.
//
// # Performance
//
// Measured on one AMD EPYC (Zen 4) core against unicode/utf8.Valid in the same process
// (Go 1.26, fastest of interleaved batches, make utf8-speed): Chinese, Japanese and
// mixed-script text at 1 KiB and more, about 18 GB/s, 10 to 12 times the standard library;
// English (ASCII) at 1 KiB about 4 times and at 16 KiB about 215 GB/s, 3.9 times. ASCII is
// bound by how fast the core can load bytes: a bare AVX2 loop that only ORs the bytes
// together, with no validation at all, is no faster at 16 KiB (L1 cache, two 32-byte loads
// per cycle) or at 1 MiB (about 98 GB/s, twice the standard library, from L2/L3), and
// unicode/utf8 itself already skips ASCII 32 bytes per step. The portable path is 1.0 to
// 1.8 times the standard library. Inputs of 8 to 64 bytes are no slower than
// unicode/utf8.Valid. See bench_test.go and speedup_test.go.
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
