// Package mask implements the client-to-server masking of RFC 6455 §5.3: every payload
// byte i is XORed with byte (i mod 4) of a 32-bit masking key.
//
// Use [Apply] to mask or unmask a payload in place, whole or in chunks; thread the key
// position it returns into the next call.
//
// It is not for generating masking keys (that needs a strong source of entropy, RFC 6455
// §10.3, and belongs to the connection layer) and it does not parse frames.
//
// # Dispatch
//
// The portable implementation processes eight bytes at a time with
// encoding/binary little-endian loads and stores; it makes no alignment assumptions and is
// what every other implementation is tested against. On amd64 and arm64 the package also
// has assembly versions (amd64: AVX2, with an SSE2 fallback; arm64: NEON). The best one the
// CPU supports is chosen once, at start-up, with golang.org/x/sys/cpu. Payloads shorter
// than a few vectors go straight to the portable code, where a call into assembly would
// not pay for itself.
//
// Build with -tags purego to compile the assembly out and use the portable code on every
// architecture. Other architectures always use the portable code.
//
// # Memory
//
// Apply allocates nothing and reads and writes only the bytes of the slice it is given.
package mask
