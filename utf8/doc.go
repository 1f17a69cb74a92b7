// Package utf8 validates UTF-8 text as RFC 6455 requires of text messages and close reasons.
//
// RFC 6455 §8.1: "When an endpoint is to interpret a byte stream as UTF-8 but finds that the
// byte stream is not, in fact, a valid UTF-8 stream, that endpoint MUST _Fail the WebSocket
// Connection_." Valid means well-formed in the sense of the Unicode Standard, Table 3-7: no
// overlong forms, no surrogates (U+D800..U+DFFF), nothing above U+10FFFF, no truncated or
// stray continuation bytes. This is exactly what the standard library's unicode/utf8.Valid
// accepts; this package answers the same question faster and, with [Validator], incrementally.
//
// Use [Valid] to check a whole buffer (a close reason, an assembled message).
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
// The portable implementation (utf8_generic.go) skips ASCII 16 bytes at a time and runs the
// rest through a shift-based DFA (one table load and one shift per byte). It is always
// compiled and is the reference the tests and fuzz targets compare against.
//
// On amd64 with AVX2 and on arm64 (NEON, always present) inputs of at least 64 bytes go to a
// vectorised validator, the lookup algorithm of Keiser and Lemire ("Validating UTF-8 In Less
// Than One Instruction Per Byte", 2021): 32 (AVX2) or 16 (NEON) bytes at a time, three nibble
// table lookups, a check of the bytes that must be continuations, and a shortcut for blocks
// that are all ASCII. The choice is made once, at start-up, with golang.org/x/sys/cpu. Shorter
// inputs stay on the portable path, where a call into assembly would not pay for itself.
//
// To force the portable path, build with the purego tag (go build -tags purego); other
// architectures always use it.
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
