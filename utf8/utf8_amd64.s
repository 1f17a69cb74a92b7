//go:build !purego

#include "textflag.h"

// Keiser & Lemire, "Validating UTF-8 In Less Than One Instruction Per Byte" (2021), the
// lookup algorithm with AVX2: 32-byte blocks, two per loop iteration, and a separate loop
// that skips ASCII 256 bytes at a time. The algorithm is the published one; this code is
// written from the paper's description.
//
// For every byte position the error bits that apply to the pair (previous byte, this byte)
// are the AND of three 16-entry tables indexed by the high nibble of the previous byte, its
// low nibble and the high nibble of this byte. The bits:
//   TOO_SHORT      0x01  lead byte not followed by a continuation
//   TOO_LONG       0x02  ASCII followed by a continuation
//   OVERLONG_3     0x04  E0 80..9F (overlong 3-byte form)
//   TOO_LARGE      0x08  F4 90..BF, F5..FF 90..BF (above U+10FFFF)
//   SURROGATE      0x10  ED A0..BF (U+D800..U+DFFF)
//   OVERLONG_2     0x20  C0, C1 followed by a continuation
//   TOO_LARGE_1000 0x40  F5..FF 80..8F; also OVERLONG_4: F0 80..8F
//   TWO_CONTS      0x80  continuation followed by continuation
// TWO_CONTS is an error exactly where the byte is not required to be the third or fourth
// byte of a sequence (a lead E0..FF two or three bytes before it), so those positions are
// XORed with 0x80. A block that ends inside a sequence and is followed by an ASCII block is
// caught with the "incomplete" check (input >= 0xF0, 0xE0, 0xC0 in the last three bytes).
// Every rejection here is a fault RFC 6455 §8.1 requires the connection to fail on.

// Tables, each 16 bytes repeated in both 128-bit lanes for VPSHUFB.
DATA byte1High<>+0x00(SB)/8, $0x0202020202020202 // 0_______: TOO_LONG
DATA byte1High<>+0x08(SB)/8, $0x4915012180808080 // 10__: TWO_CONTS; C D E F
DATA byte1High<>+0x10(SB)/8, $0x0202020202020202
DATA byte1High<>+0x18(SB)/8, $0x4915012180808080
GLOBL byte1High<>(SB), RODATA|NOPTR, $32

// low nibble 0..F: E7 A3 83 83 8B CB CB CB | CB CB CB CB CB DB CB CB
DATA byte1Low<>+0x00(SB)/8, $0xCBCBCB8B8383A3E7
DATA byte1Low<>+0x08(SB)/8, $0xCBCBDBCBCBCBCBCB
DATA byte1Low<>+0x10(SB)/8, $0xCBCBCB8B8383A3E7
DATA byte1Low<>+0x18(SB)/8, $0xCBCBDBCBCBCBCBCB
GLOBL byte1Low<>(SB), RODATA|NOPTR, $32

// high nibble of this byte 0..F: 01×8 | E6 AE BA BA 01 01 01 01
DATA byte2High<>+0x00(SB)/8, $0x0101010101010101
DATA byte2High<>+0x08(SB)/8, $0x01010101BABAAEE6
DATA byte2High<>+0x10(SB)/8, $0x0101010101010101
DATA byte2High<>+0x18(SB)/8, $0x01010101BABAAEE6
GLOBL byte2High<>(SB), RODATA|NOPTR, $32

// Saturating-subtract thresholds for the incomplete check: only the last three bytes can be
// nonzero after input -us maxArray: >= 0xF0, >= 0xE0, >= 0xC0.
DATA maxArray<>+0x00(SB)/8, $0xFFFFFFFFFFFFFFFF
DATA maxArray<>+0x08(SB)/8, $0xFFFFFFFFFFFFFFFF
DATA maxArray<>+0x10(SB)/8, $0xFFFFFFFFFFFFFFFF
DATA maxArray<>+0x18(SB)/8, $0xBFDFEFFFFFFFFFFF
GLOBL maxArray<>(SB), RODATA|NOPTR, $32

// CHECK computes into err the error bits of the 32-byte block in, given the previous block
// prev (whose last three bytes precede in). Clobbers Y4, Y5, Y6. Uses the constants in
// Y8..Y11 and Y13..Y15 loaded by validAVX2.
#define CHECK(in, prev, err) \
	VPERM2I128 $0x21, in, prev, Y4; \ // Y4 = prev.hi : in.lo
	VPALIGNR   $15, Y4, in, Y5; \     // prev1: in shifted right by one byte
	VPALIGNR   $14, Y4, in, Y6; \     // prev2
	VPALIGNR   $13, Y4, in, err; \    // prev3
	VPSUBUSB   Y13, Y6, Y6; \         // >= 0x80 where prev2 >= 0xE0
	VPSUBUSB   Y14, err, err; \       // >= 0x80 where prev3 >= 0xF0
	VPOR       Y6, err, Y6; \
	VPAND      Y15, Y6, Y6; \         // must23: 0x80 where a continuation is required
	VPSRLW     $4, Y5, err; \
	VPAND      Y11, err, err; \
	VPSHUFB    err, Y8, err; \        // byte1High[prev1 >> 4]
	VPAND      Y11, Y5, Y5; \
	VPSHUFB    Y5, Y9, Y5; \          // byte1Low[prev1 & 15]
	VPAND      Y5, err, err; \
	VPSRLW     $4, in, Y5; \
	VPAND      Y11, Y5, Y5; \
	VPSHUFB    Y5, Y10, Y5; \         // byte2High[in >> 4]
	VPAND      Y5, err, err; \
	VPXOR      Y6, err, err

// func validAVX2(p *byte, n int) bool
// n is a multiple of 32. Reports whether the checks pass for every byte of p[:n] given the
// bytes before it, assuming p starts between code points. A sequence left incomplete at
// the very end is not an error here; the caller finishes it with the portable DFA.
TEXT ·validAVX2(SB), NOSPLIT, $0-17
	MOVQ p+0(FP), SI
	MOVQ n+8(FP), CX
	XORL DX, DX // DX != 0: the constants are loaded

	// ASCII needs none of the constants, and here the previous block, if any, was ASCII:
	// skip 256 bytes at a time, then 64, until a block holds a byte >= 0x80.
ascii256:
	CMPQ CX, $256
	JB   ascii64

ascii256loop:
	VMOVDQU   (SI), Y0
	VPOR      32(SI), Y0, Y0
	VMOVDQU   64(SI), Y2
	VPOR      96(SI), Y2, Y2
	VMOVDQU   128(SI), Y4
	VPOR      160(SI), Y4, Y4
	VMOVDQU   192(SI), Y5
	VPOR      224(SI), Y5, Y5
	VPOR      Y0, Y2, Y0
	VPOR      Y4, Y5, Y4
	VPOR      Y0, Y4, Y0
	VPMOVMSKB Y0, AX
	TESTL     AX, AX
	JNZ       ascii64
	ADDQ      $256, SI
	SUBQ      $256, CX
	CMPQ      CX, $256
	JAE       ascii256loop

ascii64:
	CMPQ      CX, $64
	JB        leave
	VMOVDQU   (SI), Y0
	VPOR      32(SI), Y0, Y0
	VPMOVMSKB Y0, AX
	TESTL     AX, AX
	JNZ       leave
	ADDQ      $64, SI
	SUBQ      $64, CX
	JMP       ascii64

leave:
	CMPQ         CX, $32
	JB           ok // nothing left that needs the constants
	TESTL        DX, DX
	JNZ          ready
	MOVL         $1, DX
	VMOVDQU      byte1High<>(SB), Y8
	VMOVDQU      byte1Low<>(SB), Y9
	VMOVDQU      byte2High<>(SB), Y10
	VMOVDQU      maxArray<>(SB), Y12
	MOVL         $0x0F0F0F0F, AX
	MOVQ         AX, X11
	VPBROADCASTD X11, Y11 // 0x0F: nibble mask
	MOVL         $0x60606060, AX
	MOVQ         AX, X13
	VPBROADCASTD X13, Y13 // 0xE0 - 0x80
	MOVL         $0x70707070, AX
	MOVQ         AX, X14
	VPBROADCASTD X14, Y14 // 0xF0 - 0x80
	MOVL         $0x80808080, AX
	MOVQ         AX, X15
	VPBROADCASTD X15, Y15 // 0x80

ready:
	// Y1: the previous block; zero bytes stand exactly for ASCII (no lead bytes) and for
	// the start of the text. Y3: nonzero where the previous block ends inside a sequence.
	VPXOR Y1, Y1, Y1
	VPXOR Y3, Y3, Y3

loop64:
	CMPQ      CX, $64
	JB        tail
	VMOVDQU   (SI), Y0
	VMOVDQU   32(SI), Y2
	VPOR      Y0, Y2, Y4
	VPMOVMSKB Y4, AX
	TESTL     AX, AX
	JNZ       nonascii64

	// 64 bytes of ASCII: valid unless the previous block ended inside a sequence.
	VPTEST Y3, Y3
	JNZ    fail
	ADDQ   $64, SI
	SUBQ   $64, CX
	JMP    ascii256

nonascii64:
	CHECK(Y0, Y1, Y3)
	CHECK(Y2, Y0, Y7)
	VPOR     Y3, Y7, Y7
	VPTEST   Y7, Y7
	JNZ      fail
	VPSUBUSB Y12, Y2, Y3 // incomplete tail of this block
	VMOVDQA  Y2, Y1
	ADDQ     $64, SI
	SUBQ     $64, CX
	JMP      loop64

tail:
	// At most one 32-byte block left.
	CMPQ      CX, $32
	JB        ok
	VMOVDQU   (SI), Y0
	VPMOVMSKB Y0, AX
	TESTL     AX, AX
	JNZ       nonascii32
	VPTEST    Y3, Y3
	JNZ       fail
	JMP       ok

nonascii32:
	CHECK(Y0, Y1, Y7)
	VPTEST Y7, Y7
	JNZ    fail

ok:
	VZEROUPPER
	MOVB $1, ret+16(FP)
	RET

fail:
	VZEROUPPER
	MOVB $0, ret+16(FP)
	RET
