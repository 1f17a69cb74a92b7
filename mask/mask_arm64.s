//go:build !purego

#include "textflag.h"

// func xorNEON(p *byte, n int, key [4]byte, pos int)
//
// Masks n bytes at p in place: key[(pos+i) mod 4] applies to p[i]. Reads and writes only
// [p, p+n).
//
// For n >= 16: load the first and the last (possibly unaligned) 16 bytes and XOR them with
// the key rotated to their offsets, run an aligned loop over every whole aligned 16-byte
// block in between, and only then store the first and last vectors. Where they overlap
// the loop's stores they carry the same bytes, because all were computed from the
// original data, so there is no scalar head or tail. Below 16 bytes the same is done with
// two overlapping 8- or 4-byte words, and below 4 with a byte loop.
//
// R0 = p, R1 = n, R2 = key rotated to p[0], R3 = p+n, R5 = key at offset n (the tail
// vector starts at n minus a multiple of 4), R6 = bytes to the first 16-byte-aligned
// address, R8 = key there, R10 = loop cursor.
TEXT ·xorNEON(SB), NOSPLIT, $0-32
	MOVD  p+0(FP), R0
	MOVD  n+8(FP), R1
	MOVWU key+16(FP), R2
	MOVD  pos+24(FP), R4
	AND   $3, R4, R4
	LSL   $3, R4, R4
	RORW  R4, R2, R2
	ADD   R0, R1, R3
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
	VLD1 (R0), [V3.B16]
	VEOR V0.B16, V3.B16, V3.B16
	SUB  $16, R3, R9
	VLD1 (R9), [V4.B16]
	VEOR V1.B16, V4.B16, V4.B16
	ADD  R0, R6, R10

loop64:
	ADD    $64, R10, R11
	CMP    R3, R11
	BHI    loop16
	VLD1   (R10), [V5.B16, V6.B16, V7.B16, V8.B16]
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
	VLD1   (R10), [V5.B16]
	VEOR   V2.B16, V5.B16, V5.B16
	VST1.P [V5.B16], 16(R10)
	B      loop16

finish:
	// The first and last vectors are stored only where the loop left bytes uncovered: an
	// aligned start or end is already done.
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
	MOVD  (R0), R14
	EOR   R12, R14, R14
	MOVD  -8(R3), R15
	EOR   R13, R15, R15
	MOVD  R14, (R0)
	MOVD  R15, -8(R3)
	RET

small4:
	CMP   $4, R1
	BLT   small1
	MOVWU (R0), R14
	EORW  R2, R14, R14
	MOVWU -4(R3), R15
	EORW  R5, R15, R15
	MOVW  R14, (R0)
	MOVW  R15, -4(R3)
	RET

small1:
	CBZ R1, done

loop1:
	MOVBU (R0), R14
	EORW  R2, R14, R14
	MOVB  R14, (R0)
	ADD   $1, R0, R0
	RORW  $8, R2, R2
	SUB   $1, R1, R1
	CBNZ  R1, loop1

done:
	RET
