//go:build !purego

#include "textflag.h"

// The lookup algorithm of Keiser & Lemire (2021) with NEON, 16 bytes per block. See
// utf8_amd64.s for the meaning of the table bits; the tables are the same.

DATA byte1High<>+0x00(SB)/8, $0x0202020202020202
DATA byte1High<>+0x08(SB)/8, $0x4915012180808080
GLOBL byte1High<>(SB), RODATA|NOPTR, $16

DATA byte1Low<>+0x00(SB)/8, $0xCBCBCB8B8383A3E7
DATA byte1Low<>+0x08(SB)/8, $0xCBCBDBCBCBCBCBCB
GLOBL byte1Low<>(SB), RODATA|NOPTR, $16

DATA byte2High<>+0x00(SB)/8, $0x0101010101010101
DATA byte2High<>+0x08(SB)/8, $0x01010101BABAAEE6
GLOBL byte2High<>(SB), RODATA|NOPTR, $16

// Incomplete-tail thresholds: a block ends inside a sequence if its last three bytes are
// >= 0xF0, >= 0xE0 or >= 0xC0 (tested as max(input, t) == input). The 0xFF entries flag only
// 0xFF, which is invalid anywhere and rejected by the lookups anyway.
DATA minLead<>+0x00(SB)/8, $0xFFFFFFFFFFFFFFFF
DATA minLead<>+0x08(SB)/8, $0xC0E0F0FFFFFFFFFF
GLOBL minLead<>(SB), RODATA|NOPTR, $16

// func validNEON(p *byte, n int) bool
// n is a multiple of 16. Same contract as validAVX2.
TEXT ·validNEON(SB), NOSPLIT, $0-17
	MOVD p+0(FP), R0
	MOVD n+8(FP), R1

	MOVD  $byte1High<>(SB), R2
	VLD1  (R2), [V8.B16]
	MOVD  $byte1Low<>(SB), R2
	VLD1  (R2), [V9.B16]
	MOVD  $byte2High<>(SB), R2
	VLD1  (R2), [V10.B16]
	MOVD  $minLead<>(SB), R2
	VLD1  (R2), [V12.B16]
	VMOVI $0x0F, V11.B16
	VMOVI $0x07, V13.B16
	VMOVI $0x80, V15.B16
	VEOR  V1.B16, V1.B16, V1.B16 // previous block: none
	VEOR  V3.B16, V3.B16, V3.B16 // previous block's incomplete tail: none
	MOVD  $0x8080808080808080, R7

loop:
	CMP    $16, R1
	BLT    ok
	VLD1.P 16(R0), [V0.B16]
	SUB    $16, R1
	VMOV   V0.D[0], R4
	VMOV   V0.D[1], R5
	ORR    R4, R5, R6
	TST    R7, R6
	BNE    nonascii

	// All ASCII: valid unless the previous block ended inside a sequence.
	VMOV V3.D[0], R4
	VMOV V3.D[1], R5
	ORR  R4, R5, R6
	CBNZ R6, fail
	VORR V0.B16, V0.B16, V1.B16
	B    loop

nonascii:
	VEXT $15, V0.B16, V1.B16, V5.B16 // prev1
	VEXT $14, V0.B16, V1.B16, V6.B16 // prev2
	VEXT $13, V0.B16, V1.B16, V7.B16 // prev3

	// must23: 0x80 where prev2 >= 0xE0 or prev3 >= 0xF0.
	VUSHR $5, V6.B16, V6.B16
	VCMEQ V13.B16, V6.B16, V6.B16
	VUSHR $4, V7.B16, V7.B16
	VCMEQ V11.B16, V7.B16, V7.B16
	VORR  V6.B16, V7.B16, V6.B16
	VAND  V15.B16, V6.B16, V6.B16

	VUSHR $4, V5.B16, V7.B16
	VTBL  V7.B16, [V8.B16], V7.B16  // byte1High[prev1 >> 4]
	VAND  V11.B16, V5.B16, V5.B16
	VTBL  V5.B16, [V9.B16], V5.B16  // byte1Low[prev1 & 15]
	VAND  V5.B16, V7.B16, V7.B16
	VUSHR $4, V0.B16, V5.B16
	VTBL  V5.B16, [V10.B16], V5.B16 // byte2High[input >> 4]
	VAND  V5.B16, V7.B16, V7.B16
	VEOR  V6.B16, V7.B16, V7.B16    // errors
	VMOV  V7.D[0], R4
	VMOV  V7.D[1], R5
	ORR   R4, R5, R6
	CBNZ  R6, fail

	VUMAX V12.B16, V0.B16, V3.B16
	VCMEQ V0.B16, V3.B16, V3.B16    // incomplete tail of this block
	VORR  V0.B16, V0.B16, V1.B16
	B     loop

ok:
	MOVD $1, R0
	MOVB R0, ret+16(FP)
	RET

fail:
	MOVB ZR, ret+16(FP)
	RET
