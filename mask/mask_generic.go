package mask

import (
	"encoding/binary"
	"math/bits"
)

// applyGeneric is the portable implementation of Apply and the reference the assembly
// versions are compared with in benchmarks (tests compare everything with a byte loop).
// It XORs eight bytes at a time through encoding/binary little-endian loads and stores,
// which compile to single unaligned moves where the hardware allows them and to byte
// moves elsewhere, so it is correct for any alignment.
func applyGeneric(b []byte, key [4]byte, pos int) int {
	pos &= 3
	n := len(b)
	end := (pos + n) & 3
	// Rotate the key so that its byte 0 is the one that applies to b[0]. In little-endian
	// order byte j of a loaded word lands on b[i+j], and every word below starts at a
	// multiple of four, except the last one, which gets the key rotated by n mod 4.
	k := bits.RotateLeft32(binary.LittleEndian.Uint32(key[:]), -8*pos)
	kt := bits.RotateLeft32(k, -8*(n&3))
	switch {
	case n >= 8:
		// The last eight bytes are masked from their original values before the loop
		// overwrites any of them and stored after it; where they overlap the loop's
		// words they carry the same bytes, so there is no byte-at-a-time tail.
		last := binary.LittleEndian.Uint64(b[n-8:]) ^ (uint64(kt)<<32 | uint64(kt))
		k64 := uint64(k)<<32 | uint64(k)
		w := b[:n&^7]
		for len(w) >= 32 {
			v0 := binary.LittleEndian.Uint64(w[0:8]) ^ k64
			v1 := binary.LittleEndian.Uint64(w[8:16]) ^ k64
			v2 := binary.LittleEndian.Uint64(w[16:24]) ^ k64
			v3 := binary.LittleEndian.Uint64(w[24:32]) ^ k64
			binary.LittleEndian.PutUint64(w[0:8], v0)
			binary.LittleEndian.PutUint64(w[8:16], v1)
			binary.LittleEndian.PutUint64(w[16:24], v2)
			binary.LittleEndian.PutUint64(w[24:32], v3)
			w = w[32:]
		}
		for len(w) >= 8 {
			binary.LittleEndian.PutUint64(w, binary.LittleEndian.Uint64(w)^k64)
			w = w[8:]
		}
		binary.LittleEndian.PutUint64(b[n-8:], last)
	case n >= 4:
		first := binary.LittleEndian.Uint32(b) ^ k
		last := binary.LittleEndian.Uint32(b[n-4:]) ^ kt
		binary.LittleEndian.PutUint32(b, first)
		binary.LittleEndian.PutUint32(b[n-4:], last)
	default:
		for i := range b {
			b[i] ^= byte(k >> (8 * i))
		}
	}
	return end
}

// applyCopyGeneric is the portable implementation of ApplyCopy: applyGeneric with the
// loads from src and the stores to dst. len(dst) >= len(src) (ApplyCopy checks). Every
// word is loaded before it or any word that overlaps it is stored (the last eight bytes
// first of all), so dst and src may be the same bytes.
func applyCopyGeneric(dst, src []byte, key [4]byte, pos int) int {
	pos &= 3
	n := len(src)
	dst = dst[:n]
	end := (pos + n) & 3
	k := bits.RotateLeft32(binary.LittleEndian.Uint32(key[:]), -8*pos)
	kt := bits.RotateLeft32(k, -8*(n&3))
	switch {
	case n >= 8:
		last := binary.LittleEndian.Uint64(src[n-8:]) ^ (uint64(kt)<<32 | uint64(kt))
		k64 := uint64(k)<<32 | uint64(k)
		s := src[:n&^7]
		d := dst[:len(s)]
		for len(s) >= 32 && len(d) >= 32 {
			v0 := binary.LittleEndian.Uint64(s[0:8]) ^ k64
			v1 := binary.LittleEndian.Uint64(s[8:16]) ^ k64
			v2 := binary.LittleEndian.Uint64(s[16:24]) ^ k64
			v3 := binary.LittleEndian.Uint64(s[24:32]) ^ k64
			binary.LittleEndian.PutUint64(d[0:8], v0)
			binary.LittleEndian.PutUint64(d[8:16], v1)
			binary.LittleEndian.PutUint64(d[16:24], v2)
			binary.LittleEndian.PutUint64(d[24:32], v3)
			s, d = s[32:], d[32:]
		}
		for len(s) >= 8 && len(d) >= 8 {
			binary.LittleEndian.PutUint64(d, binary.LittleEndian.Uint64(s)^k64)
			s, d = s[8:], d[8:]
		}
		binary.LittleEndian.PutUint64(dst[n-8:], last)
	case n >= 4:
		first := binary.LittleEndian.Uint32(src) ^ k
		last := binary.LittleEndian.Uint32(src[n-4:]) ^ kt
		binary.LittleEndian.PutUint32(dst, first)
		binary.LittleEndian.PutUint32(dst[n-4:], last)
	default:
		for i := range src {
			dst[i] = src[i] ^ byte(k>>(8*i))
		}
	}
	return end
}
