// Package mask implements the client-to-server masking of RFC 6455 §5.3: payload byte i
// is XORed with byte (i mod 4) of a 32-bit masking key.
//
// Use [Apply] to mask or unmask a payload in place, whole or in chunks; thread the key
// position it returns into the next call. Use [ApplyCopy] to copy a payload and unmask it
// in one pass (a server copying a client's masked frame out of its read buffer): it
// reads the source once and writes the destination once, where copy() then Apply would
// read and write the destination a second time, and it leaves the source as it was.
//
// It is not for generating masking keys (that needs a strong source of randomness, RFC
// 6455 §10.3, and belongs to the connection layer), and it does not parse frames.
//
// # Dispatch
//
// There is one portable implementation and, on amd64 and arm64, assembly ones:
//
//   - portable Go (mask_generic.go): eight bytes at a time through encoding/binary
//     little-endian loads and stores, so it is correct for any alignment and byte order.
//     It is used on every other architecture and whenever the purego build tag is set.
//   - amd64: AVX2 where the CPU has it, else SSE2 (part of the amd64 baseline), chosen
//     once at start-up with golang.org/x/sys/cpu. There is no AVX-512 routine: on AMD
//     Zen 4 a 512-bit loop measured the same as AVX2 at every size, and on some Intel
//     parts 512-bit code lowers the clock.
//   - arm64: NEON (Advanced SIMD is part of ARMv8-A, so nothing is detected).
//
// The assembly masks the first and last vector of a payload from the original bytes,
// runs an aligned loop over the whole vectors between them and stores the first and last
// vector last, each only if the start or end is not aligned (the loop already covered an
// aligned one); their overlap with the loop carries identical bytes, so there is no
// byte-at-a-time head or tail. Payloads under 16 bytes stay in general-purpose
// registers (two overlapping 8- or 4-byte words, a byte loop below 4), so short control
// frames never pay for vector set-up. Apply inlines to a single call into the assembly.
//
// ApplyCopy has the same structure (portable Go; AVX2 and SSE2 on amd64, dispatched the
// same way; NEON on arm64), with the vector loop's stores aligned on the destination and
// its loads from the source unaligned. The NEON routine is tested under qemu user
// emulation only, and its speed has not been measured on arm64 hardware.
//
// To force the portable code, build or test with -tags purego. The tests always run the
// dispatched Apply, the portable code and every assembly variant the CPU supports against
// a byte-at-a-time reference.
//
// # Memory
//
// Apply allocates nothing and reads and writes only the bytes of the slice it is given;
// ApplyCopy reads only src and writes only dst[:len(src)] (the tests check both with guard
// pages on both sides).
//
// # Performance
//
// On a 2-core AMD EPYC (Zen 4) VM, with AVX2, masking in place runs at about the speed
// of copy() for the same size from 1 KiB up (one 32-byte store per cycle bounds both in
// L1), and twice it at 1 MiB, 3.2 to 3.5 times the portable code from 1 KiB up. At 1 MiB
// (about 95 GB/s, streaming from L2/L3) it runs at the speed of a loop that only reads the
// buffer ("read" in BenchmarkApply), about 3 times the portable code: the most any
// in-place pass can do there. Non-temporal stores would send the bytes the caller is about
// to read out of the cache, and prefetching ahead measured slower. See BenchmarkApply.
//
// ApplyCopy with AVX2 (separate buffers, medians of 6 runs) takes 4.8 ns at 16 bytes,
// 6.5 ns at 125, 11.3 ns at 1 KiB, 194 ns at 16 KiB and 22.2 µs at 1 MiB: within 15% of
// copy() alone from 1 KiB up (10.4 ns, 182 ns, 20.1 µs), and 1.6 to 2.7 times copy()
// followed by Apply, the two passes it replaces (8.0 ns, 10.6 ns, 24.1 ns, 293 ns,
// 58.8 µs). See BenchmarkApplyCopy.
package mask
