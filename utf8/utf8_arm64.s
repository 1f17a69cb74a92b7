//go:build !purego

#include "textflag.h"

// The lookup algorithm of Keiser & Lemire (2021) with NEON, 16 bytes per block, with an
// ASCII loop of 64 bytes per step in front of it. See utf8_amd64.s for the meaning of the
// table bits; the tables are the same.

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

// CHECK sets err to the error bits of the 16-byte block in, given the previous block prev
// (whose last three bytes precede in), and R6 to the OR of its two halves (zero: no error).
// Clobbers V5, V6, V7, R4, R5. Uses the constants in V8..V13 and V15.
#define CHECK(in, prev, err) \
	VEXT  $15, in.B16, prev.B16, V5.B16; \ // prev1
	VEXT  $14, in.B16, prev.B16, V6.B16; \ // prev2
	VEXT  $13, in.B16, prev.B16, V7.B16; \ // prev3
	VUSHR $5, V6.B16, V6.B16; \
	VCMEQ V13.B16, V6.B16, V6.B16; \       // prev2 >= 0xE0
	VUSHR $4, V7.B16, V7.B16; \
	VCMEQ V11.B16, V7.B16, V7.B16; \       // prev3 >= 0xF0
	VORR  V6.B16, V7.B16, V6.B16; \
	VAND  V15.B16, V6.B16, V6.B16; \       // must23: 0x80 where a continuation is required
	VUSHR $4, V5.B16, V7.B16; \
	VTBL  V7.B16, [V8.B16], V7.B16; \      // byte1High[prev1 >> 4]
	VAND  V11.B16, V5.B16, V5.B16; \
	VTBL  V5.B16, [V9.B16], V5.B16; \      // byte1Low[prev1 & 15]
	VAND  V5.B16, V7.B16, V7.B16; \
	VUSHR $4, in.B16, V5.B16; \
	VTBL  V5.B16, [V10.B16], V5.B16; \     // byte2High[in >> 4]
	VAND  V5.B16, V7.B16, V7.B16; \
	VEOR  V6.B16, V7.B16, err.B16; \
	VMOV  err.D[0], R4; \
	VMOV  err.D[1], R5; \
	ORR   R4, R5, R6

// func validNEON(p *byte, n int) int
// Same contract as validAVX2 (utf8_amd64.s): n >= 64, any length; returns blocksInvalid (0),
// blocksComplete (1) or blocksOpen (2); reads only p[:n].
//
// ASCII is skipped 64 bytes per step (four registers ORed, one test through the general
// registers), then the last 64 bytes of p are tested in one step, all without the lookup
// tables. The first non-ASCII step sends the rest to the lookup loop, 16 bytes per step,
// which returns to the ASCII loop after four blocks (64 bytes) of ASCII in a row. The
// lookup loop ends with the last 16 bytes of p checked against the 16 before them, which
// re-checks some bytes with their true predecessors (the same answer), so there is no
// scalar tail.
//
// R0 = cursor, R2 = p+n, R3 = last start of a 64-byte step, R7 = 0x80 in every byte,
// R8 != 0 once the lookup constants are loaded, R10 = ASCII blocks in a row in the lookup
// loop, V20 = previous block, V21 = nonzero where the previous block ends inside a sequence.
TEXT ·validNEON(SB), NOSPLIT, $0-24
	MOVD p+0(FP), R0
	MOVD n+8(FP), R1
	ADD  R0, R1, R2
	SUB  $64, R2, R3
	MOVD $0x8080808080808080, R7
	MOVD ZR, R8

ascii:
	// Here every byte before R0 is checked and ends a complete code point.
	CMP  R3, R0
	BHI  asciiTail
	VLD1 (R0), [V0.B16, V1.B16, V2.B16, V3.B16]
	VORR V0.B16, V1.B16, V4.B16
	VORR V2.B16, V3.B16, V5.B16
	VORR V4.B16, V5.B16, V4.B16
	VMOV V4.D[0], R4
	VMOV V4.D[1], R5
	ORR  R4, R5, R6
	TST  R7, R6
	BNE  lookup
	ADD  $64, R0, R0
	B    ascii

asciiTail:
	// Fewer than 64 bytes left: test the last 64 bytes of p. If they hold a byte >= 0x80
	// (perhaps one before R0, already checked), the lookup loop takes the rest.
	CMP  R2, R0
	BEQ  complete
	VLD1 (R3), [V0.B16, V1.B16, V2.B16, V3.B16]
	VORR V0.B16, V1.B16, V4.B16
	VORR V2.B16, V3.B16, V5.B16
	VORR V4.B16, V5.B16, V4.B16
	VMOV V4.D[0], R4
	VMOV V4.D[1], R5
	ORR  R4, R5, R6
	TST  R7, R6
	BEQ  complete

lookup:
	CBNZ  R8, ready
	MOVD  $1, R8
	MOVD  $byte1High<>(SB), R9
	VLD1  (R9), [V8.B16]
	MOVD  $byte1Low<>(SB), R9
	VLD1  (R9), [V9.B16]
	MOVD  $byte2High<>(SB), R9
	VLD1  (R9), [V10.B16]
	MOVD  $minLead<>(SB), R9
	VLD1  (R9), [V12.B16]
	VMOVI $0x0F, V11.B16
	VMOVI $0x07, V13.B16
	VMOVI $0x80, V15.B16

ready:
	// The bytes before R0 end complete code points; for the checks such bytes are
	// equivalent to ASCII, so zero stands for them (and for the start of p).
	VEOR V20.B16, V20.B16, V20.B16
	VEOR V21.B16, V21.B16, V21.B16
	MOVD ZR, R10 // ASCII blocks in a row

loop16:
	ADD    $16, R0, R9
	CMP    R2, R9
	BHI    tail
	VLD1.P 16(R0), [V0.B16]
	VMOV   V0.D[0], R4
	VMOV   V0.D[1], R5
	ORR    R4, R5, R6
	TST    R7, R6
	BNE    nonascii

	// All ASCII: valid unless the previous block ended inside a sequence (V21 is then
	// zero, as an ASCII block leaves it). After 64 bytes of ASCII in a row, go back to the
	// ASCII loop, as the AVX2 code does after a 64-byte step; before that, stay here, so
	// mixed text does not bounce between the loops on every short run of ASCII.
	VMOV V21.D[0], R4
	VMOV V21.D[1], R5
	ORR  R4, R5, R6
	CBNZ R6, fail
	VORR V0.B16, V0.B16, V20.B16
	ADD  $1, R10, R10
	CMP  $4, R10
	BLT  loop16
	B    ascii

nonascii:
	MOVD  ZR, R10
	CHECK(V0, V20, V7)
	CBNZ  R6, fail
	VUMAX V12.B16, V0.B16, V21.B16
	VCMEQ V0.B16, V21.B16, V21.B16 // incomplete tail of this block
	VORR  V0.B16, V0.B16, V20.B16
	B     loop16

tail:
	// 0 to 15 bytes left. Check the last 16 bytes of p with the 16 before them (n >= 64)
	// as the previous block: every byte from R0 on is checked with its true predecessors,
	// and a sequence left open before R0 must be continued by them, so V21 is not needed.
	CMP   R2, R0
	BEQ   end
	SUB   $16, R2, R9
	VLD1  (R9), [V0.B16]
	SUB   $32, R2, R9
	VLD1  (R9), [V20.B16]
	CHECK(V0, V20, V7)
	CBNZ  R6, fail
	VUMAX V12.B16, V0.B16, V21.B16
	VCMEQ V0.B16, V21.B16, V21.B16

end:
	VMOV V21.D[0], R4
	VMOV V21.D[1], R5
	ORR  R4, R5, R6
	CBNZ R6, open

complete:
	MOVD $1, R0
	MOVD R0, ret+16(FP)
	RET

open:
	MOVD $2, R0
	MOVD R0, ret+16(FP)
	RET

fail:
	MOVD ZR, ret+16(FP)
	RET
