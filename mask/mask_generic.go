package mask

import (
	"encoding/binary"
	"math/bits"
)

// applyGeneric is the portable implementation of Apply and the reference the assembly
// versions are tested against. It XORs eight bytes at a time through encoding/binary
// little-endian loads and stores, which are single unaligned moves where the hardware
// allows them and byte moves elsewhere, so it is correct for any alignment.
func applyGeneric(b []byte, key [4]byte, pos int) int {
	pos &= 3
	n := len(b)
	end := (pos + n) & 3
	if n < 8 {
		for i := range b {
			b[i] ^= key[(pos+i)&3]
		}
		return end
	}
	// Rotate the key so that its byte 0 is the one that applies to b[0], then repeat it
	// to fill a 64-bit word. In little-endian order byte j of the word lands on b[i+j].
	k32 := bits.RotateLeft32(binary.LittleEndian.Uint32(key[:]), -8*pos)
	k64 := uint64(k32)<<32 | uint64(k32)
	for len(b) >= 32 {
		v0 := binary.LittleEndian.Uint64(b[0:8]) ^ k64
		v1 := binary.LittleEndian.Uint64(b[8:16]) ^ k64
		v2 := binary.LittleEndian.Uint64(b[16:24]) ^ k64
		v3 := binary.LittleEndian.Uint64(b[24:32]) ^ k64
		binary.LittleEndian.PutUint64(b[0:8], v0)
		binary.LittleEndian.PutUint64(b[8:16], v1)
		binary.LittleEndian.PutUint64(b[16:24], v2)
		binary.LittleEndian.PutUint64(b[24:32], v3)
		b = b[32:]
	}
	for len(b) >= 8 {
		binary.LittleEndian.PutUint64(b, binary.LittleEndian.Uint64(b)^k64)
		b = b[8:]
	}
	// Every word consumed was a multiple of four bytes long, so the key phase is unchanged
	// and the tail uses the low bytes of the same word.
	if len(b) >= 4 {
		binary.LittleEndian.PutUint32(b, binary.LittleEndian.Uint32(b)^k32)
		b = b[4:]
	}
	for i := range b {
		b[i] ^= byte(k32 >> (8 * i))
	}
	return end
}
