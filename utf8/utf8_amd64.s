//go:build !purego

#include "textflag.h"

// Keiser & Lemire, "Validating UTF-8 In Less Than One Instruction Per Byte" (2021), the
// lookup algorithm, 32 bytes per block with AVX2.
//
// For every byte position the error bits that apply to the pair (previous byte, this byte)
// are the AND of three 16-entry tables indexed by the high nibble of the previous byte, its
// low nibble and the high nibble of this byte. The bits:
//   TOO_SHORT      0x01  lead byte (or ASCII... ) not followed by a continuation
//   TOO_LONG       0x02  ASCII followed by a continuation
//   OVERLONG_3     0x04  E0 80..9F
//   TOO_LARGE      0x08  F4 90..BF, F5..FF 90..BF
//   SURROGATE      0x10  ED A0..BF
//   OVERLONG_2     0x20  C0, C1 followed by a continuation
//   TOO_LARGE_1000 0x40  F5..FF 80..8F; also OVERLONG_4: F0 80..8F
//   TWO_CONTS      0x80  continuation followed by continuation
// TWO_CONTS is an error exactly where the byte is not required to be the third or fourth
// byte of a sequence (a lead E0..FF two or three bytes before it), so those positions are
// XORed with 0x80. A block that ends inside a sequence and is followed by an ASCII block is
// caught with the "incomplete" check (input >= 0xF0, 0xE0, 0xC0 in the last three bytes).

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

// func validAVX2(p *byte, n int) bool
// n is a multiple of 32. Reports whether the checks pass for every byte of p[:n] given the
// bytes before it, assuming p starts between code points. A sequence left incomplete at
// the very end is not an error here; the caller finishes it with the portable DFA.
TEXT ·validAVX2(SB), NOSPLIT, $0-17
	MOVQ p+0(FP), SI
	MOVQ n+8(FP), CX

	VMOVDQU byte1High<>(SB), Y8
	VMOVDQU byte1Low<>(SB), Y9
	VMOVDQU byte2High<>(SB), Y10
	VMOVDQU maxArray<>(SB), Y12
	MOVL    $0x0F0F0F0F, AX
	MOVQ    AX, X11
	VPBROADCASTD X11, Y11           // 0x0F nibble mask
	MOVL    $0x60606060, AX
	MOVQ    AX, X13
	VPBROADCASTD X13, Y13           // 0xE0 - 0x80
	MOVL    $0x70707070, AX
	MOVQ    AX, X14
	VPBROADCASTD X14, Y14           // 0xF0 - 0x80
	MOVL    $0x80808080, AX
	MOVQ    AX, X15
	VPBROADCASTD X15, Y15           // 0x80

	VPXOR Y1, Y1, Y1                // previous block: none (start of text)
	VPXOR Y3, Y3, Y3                // previous block's incomplete tail: none

loop:
	CMPQ CX, $32
	JB   ok
	VMOVDQU   (SI), Y0
	VPMOVMSKB Y0, AX
	TESTL     AX, AX
	JNZ       nonascii

	// All ASCII: valid unless the previous block ended inside a sequence.
	VPTEST  Y3, Y3
	JNZ     fail
	VMOVDQA Y0, Y1
	ADDQ    $32, SI
	SUBQ    $32, CX
	JMP     loop

nonascii:
	// prev1, prev2, prev3: the input shifted right by 1, 2, 3 bytes, with the last bytes
	// of the previous block shifted in.
	VPERM2I128 $0x21, Y0, Y1, Y4    // Y4 = previous.hi : input.lo
	VPALIGNR   $15, Y4, Y0, Y5      // prev1
	VPALIGNR   $14, Y4, Y0, Y6      // prev2
	VPALIGNR   $13, Y4, Y0, Y7      // prev3

	// must23: 0x80 where a lead E0..FF two bytes back or F0..FF three bytes back requires
	// this byte to be a continuation.
	VPSUBUSB Y13, Y6, Y6
	VPSUBUSB Y14, Y7, Y7
	VPOR     Y6, Y7, Y6
	VPAND    Y15, Y6, Y6

	VPSRLW  $4, Y5, Y7
	VPAND   Y11, Y7, Y7
	VPSHUFB Y7, Y8, Y7              // byte1High[prev1 >> 4]
	VPAND   Y11, Y5, Y5
	VPSHUFB Y5, Y9, Y5              // byte1Low[prev1 & 15]
	VPAND   Y5, Y7, Y7
	VPSRLW  $4, Y0, Y5
	VPAND   Y11, Y5, Y5
	VPSHUFB Y5, Y10, Y5             // byte2High[input >> 4]
	VPAND   Y5, Y7, Y7
	VPXOR   Y6, Y7, Y7              // errors
	VPTEST  Y7, Y7
	JNZ     fail

	VPSUBUSB Y12, Y0, Y3            // incomplete tail of this block
	VMOVDQA  Y0, Y1
	ADDQ     $32, SI
	SUBQ     $32, CX
	JMP      loop

ok:
	VZEROUPPER
	MOVB $1, ret+16(FP)
	RET

fail:
	VZEROUPPER
	MOVB $0, ret+16(FP)
	RET
