//go:build !purego

#include "textflag.h"

// Keiser & Lemire, "Validating UTF-8 In Less Than One Instruction Per Byte" (2021), the
// lookup algorithm with AVX2: 32-byte blocks, two per loop iteration, and separate loops
// that skip ASCII 256 and 64 bytes at a time without the lookup tables. The algorithm is the published one; this code is
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

// func validAVX2(p *byte, n int) int
// n >= 64, any length. Checks every byte of p[:n] against the bytes before it, assuming p
// starts between code points, and returns blocksInvalid (0), blocksComplete (1) or
// blocksOpen (2): no fault found, but a byte >= 0xC0 among the last three bytes starts a
// sequence the end of p cuts off, which the caller finishes with the DFA (utf8.go). It
// reads only p[:n].
//
// Layout: ASCII is skipped 256 bytes per step, then 64, then the last 64 bytes (which may
// overlap bytes already checked) are tested in one step, all without the lookup tables. The
// first non-ASCII step sends the rest to the lookup loop, which checks 64 bytes per step
// and returns to the ASCII loops after a 64-byte step of ASCII that no sequence spills into.
// The lookup loop ends with one or two 32-byte blocks, the last of which is the final 32
// bytes of p checked against the 32 bytes before them (an overlap that re-checks some bytes
// with their true predecessors, which gives the same answer), so there is no scalar tail.
//
// Registers: SI = cursor, DI = p+n, R8 = last start of a 256-byte step, R9 = last start of
// a 64-byte step (both may lie before p for short inputs; no Go address is small enough
// for them to wrap), DX != 0 once the lookup constants are loaded.
TEXT ·validAVX2(SB), NOSPLIT, $0-24
	MOVQ p+0(FP), SI
	MOVQ n+8(FP), CX
	LEAQ (SI)(CX*1), DI
	LEAQ -256(DI), R8
	LEAQ -64(DI), R9
	XORL DX, DX

ascii:
	// Here every byte before SI is checked and ends a complete code point.
	CMPQ SI, R8
	JA   ascii64

ascii256:
	VMOVDQU   (SI), Y0
	VMOVDQU   32(SI), Y1
	VPOR      64(SI), Y0, Y0
	VPOR      96(SI), Y1, Y1
	VPOR      128(SI), Y0, Y0
	VPOR      160(SI), Y1, Y1
	VPOR      192(SI), Y0, Y0
	VPOR      224(SI), Y1, Y1
	VPOR      Y0, Y1, Y0
	VPMOVMSKB Y0, AX
	TESTL     AX, AX
	JNZ       lookup
	ADDQ      $256, SI
	CMPQ      SI, R8
	JBE       ascii256

ascii64:
	CMPQ      SI, R9
	JA        asciiTail
	VMOVDQU   (SI), Y0
	VPOR      32(SI), Y0, Y0
	VPMOVMSKB Y0, AX
	TESTL     AX, AX
	JNZ       lookup
	ADDQ      $64, SI
	JMP       ascii64

asciiTail:
	// Fewer than 64 bytes left: test the last 64 bytes of p. If they hold a byte >= 0x80
	// (perhaps one before SI, already checked), the lookup loop takes the rest.
	CMPQ      SI, DI
	JEQ       complete
	VMOVDQU   -64(DI), Y0
	VPOR      -32(DI), Y0, Y0
	VPMOVMSKB Y0, AX
	TESTL     AX, AX
	JZ        complete

lookup:
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
	// Y1: the previous block. The bytes before SI end complete code points, and for the
	// checks such bytes are equivalent to ASCII, so zero stands for them (and for the
	// start of p). Y3: nonzero where the previous block ends inside a sequence.
	VPXOR Y1, Y1, Y1
	VPXOR Y3, Y3, Y3

loop64:
	CMPQ      SI, R9
	JA        tail
	VMOVDQU   (SI), Y0
	VMOVDQU   32(SI), Y2
	VPOR      Y0, Y2, Y4
	VPMOVMSKB Y4, AX
	TESTL     AX, AX
	JNZ       nonascii64

	// 64 bytes of ASCII: valid unless the previous block ended inside a sequence; then
	// back to the ASCII loops.
	VPTEST Y3, Y3
	JNZ    fail
	ADDQ   $64, SI
	JMP    ascii

nonascii64:
	CHECK(Y0, Y1, Y3)
	CHECK(Y2, Y0, Y7)
	VPOR     Y3, Y7, Y7
	VPTEST   Y7, Y7
	JNZ      fail
	VPSUBUSB Y12, Y2, Y3 // incomplete tail of this block
	VMOVDQA  Y2, Y1
	ADDQ     $64, SI
	JMP      loop64

tail:
	// 0 to 63 bytes left.
	CMPQ SI, DI
	JEQ  end
	LEAQ -32(DI), R10
	CMPQ SI, R10
	JAE  last

	// 33 to 63 bytes left: one block at SI, then the last 32 bytes.
	VMOVDQU (SI), Y0
	CHECK(Y0, Y1, Y7)
	VPTEST  Y7, Y7
	JNZ     fail

last:
	// The last 32 bytes of p, with the 32 before them (n >= 64) as the previous block:
	// every byte from SI on is checked with its true predecessors, and a sequence left
	// open before SI must be continued by them, so Y3 is not needed.
	VMOVDQU  -32(DI), Y0
	VMOVDQU  -64(DI), Y1
	CHECK(Y0, Y1, Y7)
	VPTEST   Y7, Y7
	JNZ      fail
	VPSUBUSB Y12, Y0, Y3

end:
	VPTEST Y3, Y3
	JNZ    open

complete:
	VZEROUPPER
	MOVQ $1, ret+16(FP)
	RET

open:
	VZEROUPPER
	MOVQ $2, ret+16(FP)
	RET

fail:
	VZEROUPPER
	MOVQ $0, ret+16(FP)
	RET
