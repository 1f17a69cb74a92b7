//go:build !purego

#include "textflag.h"

// func xorSSE2(p *byte, n int, k uint32)
// n is a positive multiple of 16.
TEXT ·xorSSE2(SB), NOSPLIT, $0-20
	MOVQ  p+0(FP), DI
	MOVQ  n+8(FP), CX
	MOVL  k+16(FP), AX
	MOVQ  AX, X0
	PSHUFL $0, X0, X0
	CMPQ  CX, $64
	JB    sse2tail

sse2loop64:
	MOVOU (DI), X1
	MOVOU 16(DI), X2
	MOVOU 32(DI), X3
	MOVOU 48(DI), X4
	PXOR  X0, X1
	PXOR  X0, X2
	PXOR  X0, X3
	PXOR  X0, X4
	MOVOU X1, (DI)
	MOVOU X2, 16(DI)
	MOVOU X3, 32(DI)
	MOVOU X4, 48(DI)
	ADDQ  $64, DI
	SUBQ  $64, CX
	CMPQ  CX, $64
	JAE   sse2loop64

sse2tail:
	TESTQ CX, CX
	JZ    sse2done

sse2loop16:
	MOVOU (DI), X1
	PXOR  X0, X1
	MOVOU X1, (DI)
	ADDQ  $16, DI
	SUBQ  $16, CX
	JNZ   sse2loop16

sse2done:
	RET

// func xorAVX2(p *byte, n int, k uint32)
// n is a positive multiple of 32.
TEXT ·xorAVX2(SB), NOSPLIT, $0-20
	MOVQ         p+0(FP), DI
	MOVQ         n+8(FP), CX
	MOVL         k+16(FP), AX
	MOVQ         AX, X0
	VPBROADCASTD X0, Y0
	CMPQ         CX, $128
	JB           avx2tail

avx2loop128:
	VPXOR   (DI), Y0, Y1
	VPXOR   32(DI), Y0, Y2
	VPXOR   64(DI), Y0, Y3
	VPXOR   96(DI), Y0, Y4
	VMOVDQU Y1, (DI)
	VMOVDQU Y2, 32(DI)
	VMOVDQU Y3, 64(DI)
	VMOVDQU Y4, 96(DI)
	ADDQ    $128, DI
	SUBQ    $128, CX
	CMPQ    CX, $128
	JAE     avx2loop128

avx2tail:
	TESTQ CX, CX
	JZ    avx2done

avx2loop32:
	VPXOR   (DI), Y0, Y1
	VMOVDQU Y1, (DI)
	ADDQ    $32, DI
	SUBQ    $32, CX
	JNZ     avx2loop32

avx2done:
	VZEROUPPER
	RET

// func xorAVX512(p *byte, n int, k uint32)
// n is a positive multiple of 64.
TEXT ·xorAVX512(SB), NOSPLIT, $0-20
	MOVQ         p+0(FP), DI
	MOVQ         n+8(FP), CX
	MOVL         k+16(FP), AX
	MOVQ         AX, X0
	VPBROADCASTD X0, Z0
	CMPQ         CX, $256
	JB           avx512tail

avx512loop256:
	VPXORD    (DI), Z0, Z1
	VPXORD    64(DI), Z0, Z2
	VPXORD    128(DI), Z0, Z3
	VPXORD    192(DI), Z0, Z4
	VMOVDQU64 Z1, (DI)
	VMOVDQU64 Z2, 64(DI)
	VMOVDQU64 Z3, 128(DI)
	VMOVDQU64 Z4, 192(DI)
	ADDQ      $256, DI
	SUBQ      $256, CX
	CMPQ      CX, $256
	JAE       avx512loop256

avx512tail:
	TESTQ CX, CX
	JZ    avx512done

avx512loop64:
	VPXORD    (DI), Z0, Z1
	VMOVDQU64 Z1, (DI)
	ADDQ      $64, DI
	SUBQ      $64, CX
	JNZ       avx512loop64

avx512done:
	VZEROUPPER
	RET
