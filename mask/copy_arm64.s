//go:build !purego

#include "textflag.h"

// func xorCopyNEON(dst, src *byte, n int, key [4]byte, pos int) int
//
// Writes the n bytes at src, masked, to dst: dst[i] = src[i] XOR key[(pos+i) mod 4], and
// returns (pos+n) mod 4. Reads only [src, src+n) and writes only [dst, dst+n). dst == src
// works (every byte is loaded before any store to it); other overlaps do not.
//
// The strategy is xorNEON's (mask_arm64.s) with the loads from src and the stores to dst:
// for n >= 16, the first and last 16 bytes of src are loaded and masked first, the loop
// runs over the whole 16-byte blocks of dst that are aligned (loading from src at the same
// offsets, unaligned), and the first and last vectors are stored after it, each only where
// the loop left bytes uncovered. Below 16 bytes, two overlapping 8- or 4-byte words, and
// below 4 a byte loop.
//
// R0 = dst, R16 = src, R1 = n, R2 = key rotated to offset 0, R3 = dst+n, R19 = src+n,
// R5 = key at offset n, R6 = bytes to dst's first 16-byte-aligned address, R8 = key there,
// R10 = dst cursor, R20 = src cursor, R9 = dst+n-16.
TEXT ·xorCopyNEON(SB), NOSPLIT, $0-48
	MOVD  dst+0(FP), R0
	MOVD  src+8(FP), R16
	MOVD  n+16(FP), R1
	MOVWU key+24(FP), R2
	MOVD  pos+32(FP), R4
	ADD   R4, R1, R17
	AND   $3, R17, R17
	MOVD  R17, ret+40(FP)
	AND   $3, R4, R4
	LSL   $3, R4, R4
	RORW  R4, R2, R2
	ADD   R0, R1, R3
	ADD   R16, R1, R19
	AND   $3, R1, R4
	LSL   $3, R4, R4
	RORW  R4, R2, R5
	CMP   $16, R1
	BLT   small

	NEG  R0, R6
	AND  $15, R6, R6
	AND  $3, R6, R7
	LSL  $3, R7, R7
	RORW R7, R2, R8
	VDUP R2, V0.S4
	VDUP R5, V1.S4
	VDUP R8, V2.S4
	VLD1 (R16), [V3.B16]
	VEOR V0.B16, V3.B16, V3.B16
	SUB  $16, R19, R9
	VLD1 (R9), [V4.B16]
	VEOR V1.B16, V4.B16, V4.B16
	SUB  $16, R3, R9
	ADD  R0, R6, R10
	ADD  R16, R6, R20

loop64:
	ADD    $64, R10, R11
	CMP    R3, R11
	BHI    loop16
	VLD1.P 64(R20), [V5.B16, V6.B16, V7.B16, V8.B16]
	VEOR   V2.B16, V5.B16, V5.B16
	VEOR   V2.B16, V6.B16, V6.B16
	VEOR   V2.B16, V7.B16, V7.B16
	VEOR   V2.B16, V8.B16, V8.B16
	VST1.P [V5.B16, V6.B16, V7.B16, V8.B16], 64(R10)
	B      loop64

loop16:
	ADD    $16, R10, R11
	CMP    R3, R11
	BHI    finish
	VLD1.P 16(R20), [V5.B16]
	VEOR   V2.B16, V5.B16, V5.B16
	VST1.P [V5.B16], 16(R10)
	B      loop16

finish:
	CBZ  R6, last
	VST1 [V3.B16], (R0)

last:
	CMP  R3, R10
	BEQ  done
	VST1 [V4.B16], (R9)
	RET

small:
	CMP   $8, R1
	BLT   small4
	MOVWU R2, R2
	ORR   R2<<32, R2, R12
	MOVWU R5, R5
	ORR   R5<<32, R5, R13
	MOVD  (R16), R14
	EOR   R12, R14, R14
	MOVD  -8(R19), R15
	EOR   R13, R15, R15
	MOVD  R14, (R0)
	MOVD  R15, -8(R3)
	RET

small4:
	CMP   $4, R1
	BLT   small1
	MOVWU (R16), R14
	EORW  R2, R14, R14
	MOVWU -4(R19), R15
	EORW  R5, R15, R15
	MOVW  R14, (R0)
	MOVW  R15, -4(R3)
	RET

small1:
	CBZ R1, done

loop1:
	MOVBU (R16), R14
	EORW  R2, R14, R14
	MOVB  R14, (R0)
	ADD   $1, R0, R0
	ADD   $1, R16, R16
	RORW  $8, R2, R2
	SUB   $1, R1, R1
	CBNZ  R1, loop1

done:
	RET
