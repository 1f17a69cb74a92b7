//go:build !purego

#include "textflag.h"

// func orAVX2(p *byte, n int) byte
// n is a positive multiple of 256 and AVX2 is present. ORs 256 bytes per step in four
// independent chains, then folds the 32 lanes into one byte.
TEXT ·orAVX2(SB), NOSPLIT, $0-17
	MOVQ  p+0(FP), SI
	MOVQ  n+8(FP), CX
	ADDQ  CX, SI
	NEGQ  CX
	VPXOR Y0, Y0, Y0
	VPXOR Y1, Y1, Y1
	VPXOR Y2, Y2, Y2
	VPXOR Y3, Y3, Y3

loop:
	VPOR (SI)(CX*1), Y0, Y0
	VPOR 32(SI)(CX*1), Y1, Y1
	VPOR 64(SI)(CX*1), Y2, Y2
	VPOR 96(SI)(CX*1), Y3, Y3
	VPOR 128(SI)(CX*1), Y0, Y0
	VPOR 160(SI)(CX*1), Y1, Y1
	VPOR 192(SI)(CX*1), Y2, Y2
	VPOR 224(SI)(CX*1), Y3, Y3
	ADDQ $256, CX
	JNZ  loop

	VPOR        Y0, Y1, Y0
	VPOR        Y2, Y3, Y2
	VPOR        Y0, Y2, Y0
	VEXTRACTI128 $1, Y0, X1
	VPOR        X1, X0, X0
	VPSRLDQ     $8, X0, X1
	VPOR        X1, X0, X0
	VMOVQ       X0, AX
	VZEROUPPER
	MOVQ AX, BX
	SHRQ $32, BX
	ORQ  BX, AX
	MOVQ AX, BX
	SHRQ $16, BX
	ORQ  BX, AX
	MOVQ AX, BX
	SHRQ $8, BX
	ORQ  BX, AX
	MOVB AX, ret+16(FP)
	RET
