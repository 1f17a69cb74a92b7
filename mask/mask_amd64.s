//go:build !purego

#include "textflag.h"

// The routines below mask n bytes at p in place: key[(pos+i) mod 4] applies to p[i]. They
// read and write only [p, p+n).
//
// Strategy for n >= one vector: load the first and the last (possibly unaligned) vector
// and XOR them with the key rotated to their offsets, run an aligned loop over every whole
// aligned vector in between, and only then store the first and last vectors. Where they
// overlap the loop's stores they carry the same bytes, because all three were computed
// from the original data, so there is no scalar head or tail at all.
//
// Register use: DI = p, SI = n, AX = k (key at offset 0), DX = key at offset n (the tail
// vector starts at n minus a multiple of 4), R9 = key at the first aligned address,
// R8 = bytes to that address, BX = loop cursor, R10 = end of buffer.

// SETUP loads the arguments, rotates the key so that AX's low byte applies to p[0] and
// computes DX = AX ror 8*(n mod 4); clobbers CX.
#define SETUP \
	MOVQ p+0(FP), DI \
	MOVQ n+8(FP), SI \
	MOVL key+16(FP), AX \
	MOVQ pos+24(FP), CX \
	ANDQ $3, CX \
	SHLQ $3, CX \
	RORL CX, AX \
	MOVQ SI, CX \
	ANDQ $3, CX \
	SHLQ $3, CX \
	MOVL AX, DX \
	RORL CX, DX

// ALIGN(mask) computes R8 = bytes from p to the next (mask+1)-aligned address,
// R9 = the key at that offset, BX = p+R8, R10 = p+n; clobbers CX.
#define ALIGN(mask) \
	MOVQ DI, R8 \
	NEGQ R8 \
	ANDQ $mask, R8 \
	MOVQ R8, CX \
	ANDQ $3, CX \
	SHLQ $3, CX \
	MOVL AX, R9 \
	RORL CX, R9 \
	LEAQ (DI)(R8*1), BX \
	LEAQ (DI)(SI*1), R10

// SMALL masks n < 16 bytes with general-purpose registers: two overlapping words of 8 or
// 4 bytes, or a byte loop below 4, then returns.
#define SMALL(l8, l4, l1, done) \
	CMPQ SI, $8 \
	JB   l4 \
	MOVQ AX, R11 \
	SHLQ $32, R11 \
	ORQ  AX, R11 \
	MOVQ DX, R12 \
	SHLQ $32, R12 \
	ORQ  DX, R12 \
	MOVQ (DI), R13 \
	XORQ R11, R13 \
	MOVQ -8(DI)(SI*1), R14 \
	XORQ R12, R14 \
	MOVQ R13, (DI) \
	MOVQ R14, -8(DI)(SI*1) \
	RET \
l4: \
	CMPQ SI, $4 \
	JB   l1 \
	MOVL (DI), R13 \
	XORL AX, R13 \
	MOVL -4(DI)(SI*1), R14 \
	XORL DX, R14 \
	MOVL R13, (DI) \
	MOVL R14, -4(DI)(SI*1) \
	RET \
l1: \
	TESTQ SI, SI \
	JZ    done \
l8: \
	XORB AX, (DI) \
	RORL $8, AX \
	INCQ DI \
	DECQ SI \
	JNZ  l8 \
done: \
	RET

// func xorBest(p *byte, n int, key [4]byte, pos int)
// Tail-jumps to the routine chosen at start-up; the arguments stay where they are.
TEXT ·xorBest(SB), NOSPLIT, $0-32
	CMPB ·useAVX2(SB), $0
	JNE  avx2
	JMP  ·xorSSE2(SB)

avx2:
	JMP ·xorAVX2(SB)

// func xorSSE2(p *byte, n int, key [4]byte, pos int)
TEXT ·xorSSE2(SB), NOSPLIT, $0-32
	SETUP
	CMPQ SI, $16
	JB   sse2small
	ALIGN(15)
	MOVQ   AX, X0
	PSHUFL $0, X0, X0
	MOVQ   DX, X1
	PSHUFL $0, X1, X1
	MOVQ   R9, X2
	PSHUFL $0, X2, X2
	MOVOU  (DI), X3
	PXOR   X0, X3
	MOVOU  -16(DI)(SI*1), X4
	PXOR   X1, X4

	// R12 = last address a 64-byte block may start at; R13 = same for 16 bytes.
	LEAQ -64(R10), R12
	LEAQ -16(R10), R13
	CMPQ BX, R12
	JA   sse2loop16

sse2loop64:
	MOVOU (BX), X5
	MOVOU 16(BX), X6
	MOVOU 32(BX), X7
	MOVOU 48(BX), X8
	PXOR  X2, X5
	PXOR  X2, X6
	PXOR  X2, X7
	PXOR  X2, X8
	MOVOU X5, (BX)
	MOVOU X6, 16(BX)
	MOVOU X7, 32(BX)
	MOVOU X8, 48(BX)
	ADDQ  $64, BX
	CMPQ  BX, R12
	JBE   sse2loop64

sse2loop16:
	CMPQ  BX, R13
	JA    sse2finish
	MOVOU (BX), X5
	PXOR  X2, X5
	MOVOU X5, (BX)
	ADDQ  $16, BX
	JMP   sse2loop16

sse2finish:
	// As in xorAVX2: the first and last vectors only where the start or end is unaligned.
	TESTQ R8, R8
	JZ    sse2last
	MOVOU X3, (DI)

sse2last:
	CMPQ  BX, R10
	JEQ   sse2ret
	MOVOU X4, -16(DI)(SI*1)

sse2ret:
	RET

sse2small:
	SMALL(sse2b, sse2w4, sse2w1, sse2done)

// func xorAVX2(p *byte, n int, key [4]byte, pos int)
TEXT ·xorAVX2(SB), NOSPLIT, $0-32
	SETUP
	CMPQ SI, $16
	JB   avx2small
	MOVQ         AX, X0
	VPBROADCASTD X0, Y0
	MOVQ         DX, X1
	VPBROADCASTD X1, Y1
	CMPQ         SI, $32
	JB           avx2xmm
	ALIGN(31)
	MOVQ         R9, X2
	VPBROADCASTD X2, Y2
	VPXOR        (DI), Y0, Y3
	VPXOR        -32(DI)(SI*1), Y1, Y4

	// R12 = last address a 128-byte block may start at; R13 = same for 32 bytes.
	LEAQ -128(R10), R12
	LEAQ -32(R10), R13
	CMPQ BX, R12
	JA   avx2loop32

avx2loop128:
	VPXOR   (BX), Y2, Y5
	VPXOR   32(BX), Y2, Y6
	VPXOR   64(BX), Y2, Y7
	VPXOR   96(BX), Y2, Y8
	VMOVDQU Y5, (BX)
	VMOVDQU Y6, 32(BX)
	VMOVDQU Y7, 64(BX)
	VMOVDQU Y8, 96(BX)
	ADDQ    $128, BX
	CMPQ    BX, R12
	JBE     avx2loop128

avx2loop32:
	CMPQ    BX, R13
	JA      avx2finish
	VPXOR   (BX), Y2, Y5
	VMOVDQU Y5, (BX)
	ADDQ    $32, BX
	JMP     avx2loop32

avx2finish:
	// The first and last vectors are stored only where the loop left bytes uncovered: an
	// aligned start or end is already done, and skipping the store saves a cycle of
	// store bandwidth each (stores bound this loop in L1).
	TESTQ   R8, R8
	JZ      avx2last
	VMOVDQU Y3, (DI)

avx2last:
	CMPQ    BX, R10
	JEQ     avx2ret
	VMOVDQU Y4, -32(DI)(SI*1)

avx2ret:
	VZEROUPPER
	RET

avx2xmm:
	// 16 <= n < 32: two overlapping 16-byte vectors.
	VPXOR   (DI), X0, X3
	VPXOR   -16(DI)(SI*1), X1, X4
	VMOVDQU X3, (DI)
	VMOVDQU X4, -16(DI)(SI*1)
	VZEROUPPER
	RET

avx2small:
	SMALL(avx2b, avx2w4, avx2w1, avx2done)
