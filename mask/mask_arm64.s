//go:build !purego

#include "textflag.h"

// func xorNEON(p *byte, n int, k uint32)
// n is a positive multiple of 16.
TEXT ·xorNEON(SB), NOSPLIT, $0-20
	MOVD  p+0(FP), R0
	MOVD  n+8(FP), R1
	MOVWU k+16(FP), R2
	VDUP  R2, V0.S4
	CMP   $64, R1
	BLT   neontail

neonloop64:
	VLD1   (R0), [V1.B16, V2.B16, V3.B16, V4.B16]
	VEOR   V0.B16, V1.B16, V1.B16
	VEOR   V0.B16, V2.B16, V2.B16
	VEOR   V0.B16, V3.B16, V3.B16
	VEOR   V0.B16, V4.B16, V4.B16
	VST1.P [V1.B16, V2.B16, V3.B16, V4.B16], 64(R0)
	SUB    $64, R1, R1
	CMP    $64, R1
	BGE    neonloop64

neontail:
	CBZ R1, neondone

neonloop16:
	VLD1   (R0), [V1.B16]
	VEOR   V0.B16, V1.B16, V1.B16
	VST1.P [V1.B16], 16(R0)
	SUB    $16, R1, R1
	CBNZ   R1, neonloop16

neondone:
	RET
